//! `PacketCodec` with `tokio_util::codec::Framed` over real sockets.
#![allow(clippy::unwrap_used)] // unwrapping in tests is the point: a panic is a failure

use easynet::protocol::{Json, Line, PacketCodec, ParseErrorKind};
use easynet_suite::WAIT;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::time::timeout;
use tokio_util::codec::{Framed, FramedRead};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Request {
    id: u32,
    text: String,
}

#[tokio::test]
async fn json_over_unix_socket_pair_survives_bad_lines() {
    let (a, b) = UnixStream::pair().expect("socket pair");
    let mut sender = Framed::new(a, PacketCodec::new(Json::<Request>::new().with_limit(64)));
    let mut receiver = FramedRead::new(b, PacketCodec::new(Json::<Request>::new().with_limit(64)));

    let first = Request {
        id: 1,
        text: "héllo".into(),
    };
    sender.send(&first).await.expect("send");
    // Garbage, then an over-long line, written raw under the codec.
    sender
        .get_mut()
        .write_all(b"{garbage\n")
        .await
        .expect("write");
    let long = format!("{{\"id\":2,\"text\":\"{}\"}}\n", "x".repeat(100));
    sender
        .get_mut()
        .write_all(long.as_bytes())
        .await
        .expect("write");
    let last = Request {
        id: 3,
        text: "ok".into(),
    };
    sender.send(&last).await.expect("send");
    drop(sender);

    let mut items = Vec::new();
    while let Some(item) = timeout(WAIT, receiver.next()).await.expect("in time") {
        items.push(item.expect("no i/o error").map_err(|e| e.kind()));
    }
    assert_eq!(
        items,
        vec![
            Ok(first),
            Err(ParseErrorKind::InvalidData),
            Err(ParseErrorKind::LimitExceeded),
            Ok(last),
        ]
    );
}

#[tokio::test]
async fn lines_over_loopback_tcp_both_ways() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut framed = Framed::new(stream, PacketCodec::new(Line::new()));
        while let Some(item) = framed.next().await {
            let line = item.expect("no i/o error").expect("valid line");
            framed
                .send(line.to_uppercase().as_str())
                .await
                .expect("reply");
        }
    });
    let stream = TcpStream::connect(addr).await.expect("connect");
    let mut client = Framed::new(stream, PacketCodec::new(Line::new()));
    for word in ["ping", "héllo", "done"] {
        client.send(word).await.expect("send");
        let reply = timeout(WAIT, client.next())
            .await
            .expect("in time")
            .expect("a reply")
            .expect("no i/o error")
            .expect("valid line");
        assert_eq!(reply, word.to_uppercase());
    }
    drop(client);
    timeout(WAIT, server)
        .await
        .expect("in time")
        .expect("server ok");
}
