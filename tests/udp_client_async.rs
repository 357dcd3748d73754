//! The `AsyncUdpClient` against plain tokio / std sockets on loopback.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod udp_client_common;

use bytes::Bytes;
use easynet::protocol::{Json, Raw};
use easynet::udp::client::{AsyncUdpClient, UdpClientConfig, UdpClientError};
use easynet_suite::{WAIT, init_tracing};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout};
use udp_client_common::assert_drained_in_order;

/// Generates one test per address family from an async function taking the loopback host.
macro_rules! both_families {
    ($($name:ident),* $(,)?) => {
        mod ipv4 {
            $( #[tokio::test] async fn $name() { super::$name("127.0.0.1").await } )*
        }
        mod ipv6 {
            $( #[tokio::test] async fn $name() { super::$name("::1").await } )*
        }
    };
}

both_families!(
    sends_one_datagram_per_packet_and_parses_replies,
    connects_by_host_and_port,
    recv_composes_with_timeout_and_loses_nothing,
    recv_in_select_is_cancel_safe,
    parse_error_carries_the_bytes_then_next_packet_is_returned,
    datagrams_from_other_sources_are_ignored,
    connection_refused_is_reported,
    drain_yields_what_has_arrived_in_order,
    stream_budget_ends_the_stream,
    close_wakes_a_pending_receive,
    every_method_returns_closed_after_close,
    adopts_a_connected_tokio_socket,
);

async fn peer(host: &str) -> UdpSocket {
    UdpSocket::bind((host, 0)).await.expect("bind peer")
}

async fn recv_from(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buf = vec![0; 65536];
    let (n, from) = timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("peer waited too long")
        .unwrap();
    buf.truncate(n);
    (buf, from)
}

async fn sends_one_datagram_per_packet_and_parses_replies(host: &str) {
    init_tracing();
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Json::<Value>::new())
        .await
        .unwrap();
    client
        .send_packet(&json!({"command-line arguments": ["a", "b"]}))
        .await
        .unwrap();
    client.send_packet(&json!("second")).await.unwrap();
    let (first, from) = recv_from(&peer).await;
    let (second, _) = recv_from(&peer).await;
    assert_eq!(first, br#"{"command-line arguments":["a","b"]}"#);
    assert_eq!(second, br#""second""#);
    assert_eq!(from, client.local_addr().unwrap());

    peer.send_to(br#"{"reply":true}"#, from).await.unwrap();
    let reply = timeout(WAIT, client.recv_packet()).await.unwrap().unwrap();
    assert_eq!(reply, json!({"reply": true}));
}

async fn connects_by_host_and_port(host: &str) {
    let peer = peer(host).await;
    let port = peer.local_addr().unwrap().port();
    let client = AsyncUdpClient::connect((host, port), Raw).await.unwrap();
    assert_eq!(client.peer_addr().unwrap(), peer.local_addr().unwrap());
    client.send_packet(b"by name").await.unwrap();
    assert_eq!(recv_from(&peer).await.0, b"by name");
}

async fn recv_composes_with_timeout_and_loses_nothing(host: &str) {
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Raw)
        .await
        .unwrap();
    let limit = Duration::from_millis(30);
    let started = Instant::now();
    assert!(timeout(limit, client.recv_packet()).await.is_err());
    assert!(started.elapsed() >= limit);

    peer.send_to(b"after the timeout", client.local_addr().unwrap())
        .await
        .unwrap();
    let packet = timeout(WAIT, client.recv_packet()).await.unwrap().unwrap();
    assert_eq!(packet, Bytes::from("after the timeout"));
}

async fn recv_in_select_is_cancel_safe(host: &str) {
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Json::<u32>::new())
        .await
        .unwrap();
    let to = client.local_addr().unwrap();
    let mut received = Vec::new();
    // Each datagram is sent, then one receive is started and cancelled at once (the
    // other branch is always ready), then another receive completes: the cancelled
    // receive must not have taken the datagram.
    for i in 0..20u32 {
        peer.send_to(i.to_string().as_bytes(), to).await.unwrap();
        tokio::select! {
            biased;
            () = std::future::ready(()) => {}
            packet = client.recv_packet() => panic!("the always-ready branch comes first: {packet:?}"),
        }
        let packet = timeout(WAIT, client.recv_packet()).await.unwrap().unwrap();
        received.push(packet);
    }
    assert_eq!(received, (0..20).collect::<Vec<_>>());
}

async fn parse_error_carries_the_bytes_then_next_packet_is_returned(host: &str) {
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Json::<Value>::new())
        .await
        .unwrap();
    let to = client.local_addr().unwrap();
    peer.send_to(b"{not json", to).await.unwrap();
    peer.send_to(b"{\"ok\":1}", to).await.unwrap();
    match timeout(WAIT, client.recv_packet()).await.unwrap() {
        Err(UdpClientError::Parse(e)) => assert_eq!(&e.bytes()[..], b"{not json"),
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(
        timeout(WAIT, client.recv_packet()).await.unwrap().unwrap(),
        json!({"ok": 1})
    );
}

async fn datagrams_from_other_sources_are_ignored(host: &str) {
    let peer = peer(host).await;
    let stranger = self::peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Raw)
        .await
        .unwrap();
    let to = client.local_addr().unwrap();
    stranger.send_to(b"from a stranger", to).await.unwrap();
    peer.send_to(b"from the peer", to).await.unwrap();
    let packet = timeout(WAIT, client.recv_packet()).await.unwrap().unwrap();
    assert_eq!(packet, Bytes::from("from the peer"));
    assert_eq!(client.drain_received_packets().count().await, 0);
}

async fn connection_refused_is_reported(host: &str) {
    let nobody = peer(host).await.local_addr().unwrap(); // bound, then released
    let client = AsyncUdpClient::connect(nobody, Raw).await.unwrap();
    client.send_packet(b"anyone?").await.unwrap();
    let err = timeout(WAIT, client.recv_packet())
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_connection_refused(), "{err:?}");

    // Through the stream: the error is yielded once, then the stream ends.
    client.send_packet(b"anyone?").await.unwrap();
    let items: Vec<_> = client.iter_received_packets(Some(WAIT)).collect().await;
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().unwrap_err().is_connection_refused());
}

async fn drain_yields_what_has_arrived_in_order(host: &str) {
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Json::<u32>::new())
        .await
        .unwrap();
    let to = client.local_addr().unwrap();
    for i in 0..50u32 {
        peer.send_to(i.to_string().as_bytes(), to).await.unwrap();
    }
    peer.send_to(b"oops", to).await.unwrap();
    peer.send_to(b"50", to).await.unwrap();

    // Once the first has arrived, loopback has queued the others (in order).
    assert_eq!(
        timeout(WAIT, client.recv_packet()).await.unwrap().unwrap(),
        0
    );
    let drained: Vec<_> = client.drain_received_packets().collect().await;
    // The parse error is yielded, not swallowed, and the iteration goes on after it.
    assert_drained_in_order(&drained);
    assert_eq!(client.drain_received_packets().count().await, 0);
}

async fn stream_budget_ends_the_stream(host: &str) {
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Raw)
        .await
        .unwrap();
    let to = client.local_addr().unwrap();
    peer.send_to(b"1", to).await.unwrap();
    peer.send_to(b"2", to).await.unwrap();
    let budget = Duration::from_millis(100);
    let started = Instant::now();
    let received: Vec<_> = client.iter_received_packets(Some(budget)).collect().await;
    let received: Vec<_> = received.into_iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(received, [Bytes::from("1"), Bytes::from("2")]);
    assert!(started.elapsed() >= budget);
}

async fn close_wakes_a_pending_receive(host: &str) {
    let peer = peer(host).await;
    let client = Arc::new(
        AsyncUdpClient::connect(peer.local_addr().unwrap(), Raw)
            .await
            .unwrap(),
    );
    let waiting = tokio::spawn({
        let client = Arc::clone(&client);
        async move { client.recv_packet().await }
    });
    // Current-thread runtime: yielding lets the spawned task run until it waits.
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    client.close();
    let result = timeout(WAIT, waiting)
        .await
        .expect("close did not wake the receiver")
        .unwrap();
    assert!(result.unwrap_err().is_closed());
}

async fn every_method_returns_closed_after_close(host: &str) {
    let peer = peer(host).await;
    let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Raw)
        .await
        .unwrap();
    peer.send_to(b"queued", client.local_addr().unwrap())
        .await
        .unwrap();
    client.close();
    client.close();
    assert!(client.is_closed());
    assert!(client.send_packet(b"x").await.unwrap_err().is_closed());
    assert!(client.recv_packet().await.unwrap_err().is_closed());
    assert!(client.socket().unwrap_err().is_closed());
    assert!(client.local_addr().unwrap_err().is_closed());
    assert!(client.peer_addr().unwrap_err().is_closed());
    assert_eq!(client.iter_received_packets(None).count().await, 0);
    assert_eq!(client.drain_received_packets().count().await, 0);
}

async fn adopts_a_connected_tokio_socket(host: &str) {
    let peer = peer(host).await;
    let socket = UdpSocket::bind((host, 0)).await.unwrap();
    socket.connect(peer.local_addr().unwrap()).await.unwrap();
    let local = socket.local_addr().unwrap();
    let client = AsyncUdpClient::from_socket(socket, Raw).unwrap();
    assert_eq!(client.local_addr().unwrap(), local);
    client.send_packet(b"adopted").await.unwrap();
    let (data, from) = recv_from(&peer).await;
    assert_eq!((data.as_slice(), from), (&b"adopted"[..], local));
    peer.send_to(b"back", local).await.unwrap();
    assert_eq!(
        timeout(WAIT, client.recv_packet()).await.unwrap().unwrap(),
        Bytes::from("back")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_receive_from_two_tasks() {
    let peer = peer("127.0.0.1").await;
    let address = peer.local_addr().unwrap();
    let echo = tokio::spawn(async move {
        for _ in 0..100 {
            let (data, from) = recv_from(&peer).await;
            peer.send_to(&data, from).await.unwrap();
        }
    });
    let client = Arc::new(
        AsyncUdpClient::connect(address, Json::<u32>::new())
            .await
            .unwrap(),
    );
    let receiver = tokio::spawn({
        let client = Arc::clone(&client);
        async move {
            let mut received = Vec::new();
            for _ in 0..100 {
                received.push(timeout(WAIT, client.recv_packet()).await.unwrap().unwrap());
            }
            received
        }
    });
    let sender = tokio::spawn({
        let client = Arc::clone(&client);
        async move {
            for i in 0..100u32 {
                client.send_packet(&i).await.unwrap();
            }
        }
    });
    sender.await.unwrap();
    assert_eq!(receiver.await.unwrap(), (0..100).collect::<Vec<_>>());
    echo.await.unwrap();
}

#[tokio::test]
async fn close_from_another_thread_wakes_a_pending_receive() {
    let peer = peer("::1").await;
    let client = Arc::new(
        AsyncUdpClient::connect(peer.local_addr().unwrap(), Raw)
            .await
            .unwrap(),
    );
    let mut receive = std::pin::pin!(client.recv_packet());
    // Poll it once: it is now registered and waiting.
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(receive.as_mut().poll(cx))).await;
    assert!(first.is_pending());
    let closer = std::thread::spawn({
        let client = Arc::clone(&client);
        move || client.close()
    });
    closer.join().unwrap();
    let result = timeout(WAIT, receive)
        .await
        .expect("close did not wake the receiver");
    assert!(result.unwrap_err().is_closed());
}

#[tokio::test]
async fn options_apply_to_the_async_socket() {
    let peer = peer("127.0.0.1").await;
    let config = UdpClientConfig::new()
        .local_addr("127.0.0.1:0".parse().unwrap())
        .reuse_port(true)
        .recv_buffer_size(32 * 1024);
    let client = AsyncUdpClient::connect_with_config(peer.local_addr().unwrap(), Raw, config)
        .await
        .unwrap();
    let socket = client.socket().unwrap();
    assert!(socket.reuse_port().unwrap());
    assert!(socket.recv_buffer_size().unwrap() >= 32 * 1024);
}

#[test]
fn from_socket_outside_a_runtime_is_an_error() {
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.connect(peer.local_addr().unwrap()).unwrap();
    let err = AsyncUdpClient::from_socket(socket, Raw).unwrap_err();
    assert!(matches!(err, UdpClientError::Io(_)), "{err:?}");
}

#[test]
fn async_clients_and_their_futures_are_send() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>(_: &T) {}
    assert_send_sync::<AsyncUdpClient<Json<Value>>>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let peer = peer("127.0.0.1").await;
        let client = AsyncUdpClient::connect(peer.local_addr().unwrap(), Json::<Value>::new())
            .await
            .unwrap();
        let packet = json!(null);
        assert_send(&client.send_packet(&packet));
        assert_send(&client.recv_packet());
        assert_send(&client.iter_received_packets(None));
    });
}
