//! Limits of the UDP server: each enforced, each with its counter.
#![allow(clippy::unwrap_used)]

use easynet::handler::RecvError;
use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, UdpServer, UdpServerBuilder};
use easynet_suite::WAIT;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{Notify, Semaphore};

fn builder() -> UdpServerBuilder {
    UdpServer::builder("127.0.0.1:0".parse().unwrap())
}

fn spawn<H>(server: UdpServer<H, Raw>) -> (SocketAddr, Arc<UdpServer<H, Raw>>)
where
    H: easynet::RequestHandler<Client = DatagramClient<Raw>>,
{
    let server = Arc::new(server);
    let running = Arc::clone(&server);
    tokio::spawn(async move { running.serve_forever().await.unwrap() });
    (server.local_addr(), server)
}

async fn client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

async fn recv_raw(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0; 65536];
    let (n, _) = tokio::time::timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("no reply in time")
        .unwrap();
    buf[..n].to_vec()
}

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

/// Echoes each datagram; the conversation lasts until "end" (or shutdown).
struct Session;

#[request_handler]
impl Session {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        while let Ok(bytes) = recv!() {
            client.send_packet(&bytes).await.unwrap();
            if &bytes[..] == b"end" {
                return;
            }
        }
    }
}

#[tokio::test]
async fn max_clients_drops_new_clients_and_counts_them() {
    let server = builder().max_clients(1).build(Raw, Session).await.unwrap();
    let (addr, server) = spawn(server);
    let (a, b) = (client().await, client().await);
    a.send_to(b"a1", addr).await.unwrap();
    assert_eq!(recv_raw(&a).await, b"a1");
    b.send_to(b"b1", addr).await.unwrap();
    wait_until("a drop", || server.stats().dropped_client_limit == 1).await;
    // The live client is unaffected.
    a.send_to(b"end", addr).await.unwrap();
    assert_eq!(recv_raw(&a).await, b"end");
    wait_until("a free slot", || server.stats().live_clients == 0).await;
    b.send_to(b"b2", addr).await.unwrap();
    assert_eq!(recv_raw(&b).await, b"b2");
    assert_eq!(server.stats().dropped_client_limit, 1);
}

/// Takes one datagram, then waits at a gate before echoing what is queued.
struct Gated(Arc<Notify>);

#[request_handler]
impl Gated {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let first = recv!().unwrap();
        self.0.notified().await;
        client.send_packet(&first).await.unwrap();
        while let Ok(bytes) = recv!(timeout = Duration::from_millis(50)) {
            client.send_packet(&bytes).await.unwrap();
        }
    }
}

#[tokio::test]
async fn max_queued_datagrams_drops_the_newest() {
    let gate = Arc::new(Notify::new());
    let server = builder()
        .max_queued_datagrams(2)
        .recv_buffer_size(1 << 20)
        .build(Raw, Gated(Arc::clone(&gate)))
        .await
        .unwrap();
    let (addr, server) = spawn(server);
    let socket = client().await;
    for i in 1..=5_u8 {
        socket.send_to(&[i], addr).await.unwrap();
    }
    wait_until("5 datagrams", || server.stats().datagrams_received == 5).await;
    let stats = server.stats();
    assert_eq!((stats.dropped_queue_full, stats.queued_bytes), (2, 2));
    gate.notify_one();
    for i in 1..=3_u8 {
        assert_eq!(recv_raw(&socket).await, vec![i]);
    }
    wait_until("the end", || server.stats().live_clients == 0).await;
    assert_eq!(server.stats().queued_bytes, 0);
}

#[tokio::test]
async fn max_queued_bytes_bounds_all_queues_together() {
    let gate = Arc::new(Notify::new());
    let server = builder()
        .max_queued_bytes(10)
        .build(Raw, Gated(Arc::clone(&gate)))
        .await
        .unwrap();
    let (addr, server) = spawn(server);
    let socket = client().await;
    for payload in [b"first!", b"second", b"third!"] {
        socket.send_to(payload, addr).await.unwrap();
    }
    wait_until("3 datagrams", || server.stats().datagrams_received == 3).await;
    let stats = server.stats();
    // "first!" was taken by recv!(), "second" is queued (6 bytes), "third!" would make 12.
    assert_eq!((stats.dropped_memory_limit, stats.queued_bytes), (1, 6));
    gate.notify_one();
    assert_eq!(recv_raw(&socket).await, b"first!");
    assert_eq!(recv_raw(&socket).await, b"second");
}

/// Waits for a permit before its first `recv!()`, then echoes that datagram.
struct WaitsBeforeReceiving(Arc<Semaphore>);

#[request_handler]
impl WaitsBeforeReceiving {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        self.0.acquire().await.unwrap().forget();
        let first = recv!().unwrap();
        client.send_packet(&first).await.unwrap();
    }
}

#[tokio::test]
async fn a_first_datagram_not_yet_taken_counts_towards_max_queued_bytes() {
    let permits = Arc::new(Semaphore::new(0));
    let server = builder()
        .max_queued_bytes(10)
        .build(Raw, WaitsBeforeReceiving(Arc::clone(&permits)))
        .await
        .unwrap();
    let (addr, server) = spawn(server);
    let (a, b) = (client().await, client().await);
    a.send_to(b"first!", addr).await.unwrap();
    wait_until("a's conversation", || server.stats().live_clients == 1).await;
    // a's conversation waits before its `recv!()`: its datagram is queued.
    assert_eq!(server.stats().queued_bytes, 6);
    // 6 + 6 > 10: a new client's first datagram is dropped too.
    b.send_to(b"second", addr).await.unwrap();
    wait_until("b's drop", || server.stats().dropped_memory_limit == 1).await;
    // 6 + 4 = 10: fits.
    b.send_to(b"four", addr).await.unwrap();
    wait_until("b's conversation", || server.stats().live_clients == 2).await;
    assert_eq!(server.stats().queued_bytes, 10);
    permits.add_permits(2);
    assert_eq!(recv_raw(&a).await, b"first!");
    assert_eq!(recv_raw(&b).await, b"four");
    wait_until("the end", || server.stats().live_clients == 0).await;
    let stats = server.stats();
    assert_eq!((stats.queued_bytes, stats.dropped_memory_limit), (0, 1));
}

/// Reports how its second, untimed `recv!()` ended.
struct Idle;

#[request_handler]
impl Idle {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let first = recv!().unwrap();
        client.send_packet(&first).await.unwrap();
        let verdict: &[u8] = match recv!() {
            Err(RecvError::Timeout) => b"idle",
            _ => b"other",
        };
        client.send_packet(verdict).await.unwrap();
    }
}

#[tokio::test]
async fn idle_timeout_ends_untimed_recv() {
    let server = builder()
        .client_idle_timeout(Some(Duration::from_millis(50)))
        .build(Raw, Idle)
        .await
        .unwrap();
    let (addr, server) = spawn(server);
    let socket = client().await;
    socket.send_to(b"hi", addr).await.unwrap();
    assert_eq!(recv_raw(&socket).await, b"hi");
    assert_eq!(recv_raw(&socket).await, b"idle");
    assert_eq!(server.stats().idle_timeouts, 1);
    wait_until("the end", || server.stats().live_clients == 0).await;
}

#[tokio::test]
async fn flood_of_new_addresses_is_bounded() {
    // Many sources, each starting a conversation that stays open: only
    // `max_clients` conversations are kept, the rest is dropped and counted.
    let server = builder().max_clients(50).build(Raw, Session).await.unwrap();
    let (addr, server) = spawn(server);
    let mut sockets = Vec::new();
    for _ in 0..200 {
        let socket = client().await;
        socket.send_to(b"x", addr).await.unwrap();
        sockets.push(socket);
    }
    wait_until("200 datagrams", || server.stats().datagrams_received == 200).await;
    let stats = server.stats();
    assert_eq!((stats.live_clients, stats.dropped_client_limit), (50, 150));
}
