//! Conversations of the UDP server: per-client state, queueing, refusal, parse errors,
//! timeouts, error and panic isolation. Real sockets on loopback.
#![allow(clippy::unwrap_used)]

use easynet::handler::RecvError;
use easynet::protocol::{Json, Raw};
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, UdpServer};
use easynet_suite::WAIT;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::Notify;

/// Starts `server` in a task; returns its address.
fn spawn<H, P>(server: UdpServer<H, P>) -> (SocketAddr, Arc<UdpServer<H, P>>)
where
    P: easynet::protocol::DatagramProtocol,
    P::Received: Send + 'static,
    H: easynet::RequestHandler<Client = DatagramClient<P>>,
{
    let server = Arc::new(server);
    let addr = server.local_addr();
    let running = Arc::clone(&server);
    tokio::spawn(async move { running.serve_forever().await.expect("serve_forever") });
    (addr, server)
}

async fn client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.expect("bind client")
}

async fn recv_json(socket: &UdpSocket) -> Value {
    let mut buf = vec![0; 65536];
    let (n, _) = tokio::time::timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("no reply in time")
        .expect("recv");
    serde_json::from_slice(&buf[..n]).expect("reply is JSON")
}

async fn recv_raw(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0; 65536];
    let (n, _) = tokio::time::timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("no reply in time")
        .expect("recv");
    buf[..n].to_vec()
}

async fn send_json(socket: &UdpSocket, to: SocketAddr, value: Value) {
    socket
        .send_to(&serde_json::to_vec(&value).expect("json"), to)
        .await
        .expect("send");
}

/// A counter game: the first datagram names the player, each next one adds to a
/// per-conversation total, "end" finishes.
struct Counter;

#[request_handler]
impl Counter {
    async fn handle(
        &self,
        client: &mut DatagramClient<Json<Value>>,
    ) -> Result<(), easynet::udp::server::SendError> {
        let Ok(name) = recv!() else { return Ok(()) };
        let mut total = 0;
        client.send_packet(&json!({"hello": name})).await?;
        loop {
            match recv!(timeout = WAIT) {
                Ok(Value::String(s)) if s == "end" => {
                    client
                        .send_packet(&json!({"bye": name, "total": total}))
                        .await?;
                    return Ok(());
                }
                Ok(Value::Number(n)) => {
                    total += n.as_i64().unwrap_or(0);
                    client.send_packet(&json!({"total": total})).await?;
                }
                Ok(_) | Err(_) => return Ok(()),
            }
        }
    }
}

#[tokio::test]
async fn interleaved_clients_keep_separate_state() {
    easynet_suite::init_tracing();
    let server = UdpServer::bind("127.0.0.1:0", Json::new(), Counter)
        .await
        .unwrap();
    let (addr, _server) = spawn(server);
    let (a, b) = (client().await, client().await);
    send_json(&a, addr, json!("alice")).await;
    assert_eq!(recv_json(&a).await, json!({"hello": "alice"}));
    send_json(&b, addr, json!("bob")).await;
    assert_eq!(recv_json(&b).await, json!({"hello": "bob"}));
    send_json(&a, addr, json!(1)).await;
    assert_eq!(recv_json(&a).await, json!({"total": 1}));
    send_json(&b, addr, json!(10)).await;
    assert_eq!(recv_json(&b).await, json!({"total": 10}));
    send_json(&a, addr, json!(2)).await;
    assert_eq!(recv_json(&a).await, json!({"total": 3}));
    send_json(&b, addr, json!("end")).await;
    assert_eq!(recv_json(&b).await, json!({"bye": "bob", "total": 10}));
    send_json(&a, addr, json!("end")).await;
    assert_eq!(recv_json(&a).await, json!({"bye": "alice", "total": 3}));
    // A new conversation for bob starts from scratch.
    send_json(&b, addr, json!("bob2")).await;
    assert_eq!(recv_json(&b).await, json!({"hello": "bob2"}));
}

/// Waits (bounded by `WAIT`) until `cond` holds; panics otherwise.
async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Echoes one datagram per conversation; the very first conversation waits at a gate
/// after its `recv!()`, so that the next datagrams queue up behind it.
struct GatedEcho {
    gate: Arc<Notify>,
    first: std::sync::atomic::AtomicBool,
}

#[request_handler]
impl GatedEcho {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let Ok(bytes) = recv!() else { return };
        if self.first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.gate.notified().await;
        }
        client.send_packet(&bytes).await.unwrap();
    }
}

#[tokio::test]
async fn burst_during_slow_handler_is_answered_in_order() {
    let gate = Arc::new(Notify::new());
    let handler = GatedEcho {
        gate: Arc::clone(&gate),
        first: true.into(),
    };
    let server = UdpServer::bind("127.0.0.1:0", Raw, handler).await.unwrap();
    let (addr, server) = spawn(server);
    let socket = client().await;
    for i in 0..20_u8 {
        socket.send_to(&[i], addr).await.unwrap();
    }
    wait_until("20 datagrams", || server.stats().datagrams_received == 20).await;
    assert_eq!(server.stats().conversations_started, 1);
    gate.notify_one();
    for i in 0..20_u8 {
        assert_eq!(recv_raw(&socket).await, vec![i]);
    }
    wait_until("no live client", || server.stats().live_clients == 0).await;
    let stats = server.stats();
    assert_eq!(stats.conversations_started, 20);
    assert_eq!(stats.dropped_queue_full, 0);
    assert_eq!(stats.queued_bytes, 0);
}

/// Counts how many datagrams were parsed: proves that refused ones never are.
struct CountingRaw(Arc<std::sync::atomic::AtomicUsize>);

impl easynet::protocol::Serializer for CountingRaw {
    type Sent = [u8];
    type Received = Vec<u8>;

    fn serialize(
        &self,
        packet: &[u8],
        out: &mut bytes::BytesMut,
    ) -> Result<(), easynet::protocol::SerializeError> {
        out.extend_from_slice(packet);
        Ok(())
    }

    fn deserialize(&self, data: &[u8]) -> Result<Vec<u8>, easynet::protocol::ParseError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(data.to_vec())
    }
}

/// Serves only the clients in its allow list (the seeds' "refuse datagrams").
struct AllowList(std::sync::Mutex<Vec<SocketAddr>>);

#[request_handler]
impl AllowList {
    async fn handle(&self, client: &mut DatagramClient<CountingRaw>) {
        if !self.0.lock().unwrap().contains(&client.remote_addr()) {
            return; // refused: the datagram is dropped, never parsed
        }
        if let Ok(bytes) = recv!() {
            client.send_packet(&bytes).await.unwrap();
        }
    }
}

#[tokio::test]
async fn returning_before_the_first_recv_refuses_the_datagram() {
    let parsed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (allowed, refused) = (client().await, client().await);
    let handler = AllowList(std::sync::Mutex::new(vec![allowed.local_addr().unwrap()]));
    let server = UdpServer::bind("127.0.0.1:0", CountingRaw(Arc::clone(&parsed)), handler)
        .await
        .unwrap();
    let (addr, server) = spawn(server);
    refused.send_to(b"let me in", addr).await.unwrap();
    wait_until("a refusal", || server.stats().refused == 1).await;
    assert_eq!(parsed.load(std::sync::atomic::Ordering::SeqCst), 0);
    allowed.send_to(b"hi", addr).await.unwrap();
    assert_eq!(recv_raw(&allowed).await, b"hi");
    assert_eq!(parsed.load(std::sync::atomic::Ordering::SeqCst), 1);
    let stats = server.stats();
    assert_eq!((stats.refused, stats.conversations_started), (1, 2));
}

/// Answers parse errors with an error object, echoes the rest.
struct JsonEcho;

#[request_handler]
impl JsonEcho {
    async fn handle(
        &self,
        client: &mut DatagramClient<Json<Value>>,
    ) -> Result<(), easynet::udp::server::SendError> {
        match recv!() {
            Ok(value) => client.send_packet(&value).await,
            Err(RecvError::Parse(e)) => {
                let reply = json!({
                    "error": "Invalid JSON",
                    "code": "parse_error",
                    "bytes": String::from_utf8_lossy(e.bytes()),
                });
                client.send_packet(&reply).await
            }
            Err(_) => Ok(()),
        }
    }
}

#[tokio::test]
async fn parse_error_is_delivered_and_the_next_datagram_served() {
    let server = UdpServer::bind("127.0.0.1:0", Json::new(), JsonEcho)
        .await
        .unwrap();
    let (addr, _server) = spawn(server);
    let socket = client().await;
    socket.send_to(b"{not json", addr).await.unwrap();
    assert_eq!(
        recv_json(&socket).await,
        json!({"error": "Invalid JSON", "code": "parse_error", "bytes": "{not json"})
    );
    send_json(&socket, addr, json!({"ok": [1, 2]})).await;
    assert_eq!(recv_json(&socket).await, json!({"ok": [1, 2]}));
}

/// First `recv!()` with a zero timeout (never fires: the datagram is there), second
/// with a short one (fires).
struct TwoSteps;

#[request_handler]
impl TwoSteps {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let first = recv!(timeout = Duration::ZERO).unwrap();
        client.send_packet(&first).await.unwrap();
        match recv!(timeout = Duration::from_millis(50)) {
            Err(RecvError::Timeout) => client.send_packet(b"timeout").await.unwrap(),
            other => client
                .send_packet(format!("{other:?}").as_bytes())
                .await
                .unwrap(),
        }
    }
}

#[tokio::test]
async fn timeout_at_the_second_recv() {
    let server = UdpServer::bind("127.0.0.1:0", Raw, TwoSteps).await.unwrap();
    let (addr, _server) = spawn(server);
    let socket = client().await;
    socket.send_to(b"one", addr).await.unwrap();
    assert_eq!(recv_raw(&socket).await, b"one");
    assert_eq!(recv_raw(&socket).await, b"timeout");
}

/// Panics or fails on request.
struct Fragile;

#[derive(Debug, thiserror::Error)]
#[error("asked to fail")]
struct AskedToFail;

#[request_handler]
impl Fragile {
    async fn handle(&self, client: &mut DatagramClient<Raw>) -> Result<(), AskedToFail> {
        let bytes = recv!().unwrap();
        match &bytes[..] {
            b"panic" => panic!("asked to panic"),
            b"error" => Err(AskedToFail),
            _ => {
                client.send_packet(&bytes).await.unwrap();
                Ok(())
            }
        }
    }
}

#[tokio::test]
async fn handler_error_and_panic_are_isolated() {
    easynet_suite::init_tracing();
    let server = UdpServer::bind("127.0.0.1:0", Raw, Fragile).await.unwrap();
    let (addr, server) = spawn(server);
    let (a, b) = (client().await, client().await);
    a.send_to(b"panic", addr).await.unwrap();
    b.send_to(b"error", addr).await.unwrap();
    wait_until("a panic and an error", || {
        let s = server.stats();
        (s.handler_panics, s.handler_errors) == (1, 1)
    })
    .await;
    a.send_to(b"still here", addr).await.unwrap();
    assert_eq!(recv_raw(&a).await, b"still here");
    b.send_to(b"me too", addr).await.unwrap();
    assert_eq!(recv_raw(&b).await, b"me too");
    assert!(server.is_serving());
}

/// Conversations of exactly one `recv!()` that end after a yield: spawned tasks that
/// end while the same client's next datagram arrives.
struct YieldingEcho;

#[request_handler]
impl YieldingEcho {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let Ok(bytes) = recv!() else { return };
        tokio::task::yield_now().await;
        client.send_packet(&bytes).await.unwrap();
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_datagram_is_lost_when_thousands_of_conversations_end_at_once() {
    const CLIENTS: usize = 1000;
    const ROUNDS: u8 = 3;
    let server = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .recv_buffer_size(4 << 20)
        .send_buffer_size(4 << 20)
        .build(Raw, YieldingEcho)
        .await
        .unwrap();
    let (addr, server) = spawn(server);
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Arc::new(client().await));
    }
    for round in 0..ROUNDS {
        // Two datagrams back to back: the second arrives while the first conversation
        // ends, for every client at about the same time.
        for socket in &clients {
            socket.send_to(&[round, 0], addr).await.unwrap();
            socket.send_to(&[round, 1], addr).await.unwrap();
        }
        let mut replies = tokio::task::JoinSet::new();
        for socket in &clients {
            let socket = Arc::clone(socket);
            replies.spawn(async move { (recv_raw(&socket).await, recv_raw(&socket).await) });
        }
        while let Some(pair) = replies.join_next().await {
            assert_eq!(pair.unwrap(), (vec![round, 0], vec![round, 1]));
        }
    }
    wait_until("no live client", || server.stats().live_clients == 0).await;
    let stats = server.stats();
    assert_eq!(
        stats.datagrams_received,
        (CLIENTS * 2 * ROUNDS as usize) as u64
    );
    assert_eq!(stats.conversations_started, stats.datagrams_received);
    assert_eq!(stats.queued_bytes, 0);
}

/// Receives two `Raw` packets (the conversation's first, then one that waited in the
/// queue) and tells, for each, whether it is the only owner of its bytes.
struct Ownership;

#[request_handler]
impl Ownership {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let first = recv!().unwrap();
        let second = recv!(timeout = WAIT).unwrap();
        let report = [
            u8::from(first.is_unique()),
            u8::from(second.is_unique()),
            first.len() as u8,
            second.len() as u8,
        ];
        client.send_packet(&report).await.unwrap();
    }
}

#[tokio::test]
async fn a_raw_packet_owns_its_bytes_alone() {
    // A packet a handler keeps must hold its own bytes, not share (and keep alive) a
    // receive buffer of the server.
    let server = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .build(Raw, Ownership)
        .await
        .unwrap();
    let (addr, _server) = spawn(server);
    let socket = client().await;
    socket.send_to(b"first", addr).await.unwrap();
    socket.send_to(b"second!", addr).await.unwrap();
    assert_eq!(recv_raw(&socket).await, [1, 1, 5, 7]);
}
