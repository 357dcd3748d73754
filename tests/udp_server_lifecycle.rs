//! The server object: shutdown, background server, IPv4/IPv6, runtimes, client metadata
//! and per-client context.
#![allow(clippy::unwrap_used)]

use easynet::handler::RecvError;
use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::{ClientContext, DatagramClient, UdpServer};
use easynet_suite::WAIT;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::UdpSocket;

async fn recv_raw(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0; 65536];
    let (n, _) = tokio::time::timeout(WAIT, socket.recv_from(&mut buf))
        .await
        .expect("no reply in time")
        .unwrap();
    buf[..n].to_vec()
}

/// Greets, then waits at `recv!()` forever; says goodbye when the server closes.
struct Waiter;

#[request_handler]
impl Waiter {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = recv!();
        client.send_packet(b"hello").await.unwrap();
        match recv!() {
            Err(RecvError::ServerClosing) => client.send_packet(b"closing").await.unwrap(),
            _ => client.send_packet(b"unexpected").await.unwrap(),
        }
    }
}

async fn shutdown_while_waiting() {
    let server = Arc::new(UdpServer::bind("127.0.0.1:0", Raw, Waiter).await.unwrap());
    let addr = server.local_addr();
    let running = Arc::clone(&server);
    let serving = tokio::spawn(async move { running.serve_forever().await });
    let mut clients = Vec::new();
    for _ in 0..3 {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.send_to(b"hi", addr).await.unwrap();
        assert_eq!(recv_raw(&socket).await, b"hello");
        clients.push(socket);
    }
    assert!(server.is_serving());
    assert_eq!(server.stats().live_clients, 3);
    server.shutdown_handle().shutdown();
    let result = tokio::time::timeout(WAIT, serving)
        .await
        .expect("serve_forever returns");
    result.unwrap().unwrap();
    for socket in &clients {
        assert_eq!(recv_raw(socket).await, b"closing");
    }
    assert!(!server.is_serving());
    assert_eq!(server.stats().live_clients, 0);
    // A server that was shut down does not serve again: it returns at once.
    tokio::time::timeout(WAIT, server.serve_forever())
        .await
        .expect("returns at once")
        .unwrap();
    assert_eq!(server.stats().datagrams_received, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn shutdown_while_handlers_wait_current_thread() {
    shutdown_while_waiting().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_handlers_wait_multi_thread() {
    shutdown_while_waiting().await;
}

/// Ignores shutdown: sleeps far longer than any test, outside `recv!()`.
struct Stubborn(Arc<AtomicBool>);

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[request_handler]
impl Stubborn {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _guard = SetOnDrop(Arc::clone(&self.0));
        let _ = recv!();
        client.send_packet(b"sleeping").await.unwrap();
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[tokio::test]
async fn shutdown_aborts_conversations_after_the_grace_period() {
    let dropped = Arc::new(AtomicBool::new(false));
    let server = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .shutdown_grace(Duration::from_millis(20))
        .build(Raw, Stubborn(Arc::clone(&dropped)))
        .await
        .unwrap();
    let server = Arc::new(server);
    let running = Arc::clone(&server);
    let serving = tokio::spawn(async move { running.serve_forever().await });
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.send_to(b"hi", server.local_addr()).await.unwrap();
    assert_eq!(recv_raw(&socket).await, b"sleeping");
    server.shutdown();
    tokio::time::timeout(WAIT, serving)
        .await
        .expect("serve_forever returns")
        .unwrap()
        .unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "the conversation was dropped"
    );
}

/// Answers with its metadata, read from the client and from the task-local context
/// (through a helper that is not given the client), and counts per client.
struct Meta;

fn who_is_calling() -> String {
    ClientContext::remote_addr()
        .map(|a| a.to_string())
        .unwrap_or_default()
}

#[request_handler]
impl Meta {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let Ok(_) = recv!() else { return };
        let seen = ClientContext::try_with(|ctx| {
            let n = ctx.get::<u32>().unwrap_or(0) + 1;
            ctx.insert(n);
            n
        })
        .unwrap();
        let ttl = client.socket().ttl_v4().unwrap();
        let reply = format!(
            "{} {} {} {} {}",
            client.remote_addr(),
            client.local_addr(),
            who_is_calling(),
            seen,
            ttl > 0
        );
        client.send_packet(reply.as_bytes()).await.unwrap();
    }
}

#[tokio::test]
async fn client_metadata_and_context() {
    let server = Arc::new(UdpServer::bind("127.0.0.1:0", Raw, Meta).await.unwrap());
    let running = Arc::clone(&server);
    tokio::spawn(async move { running.serve_forever().await.unwrap() });
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = socket.local_addr().unwrap();
    socket.send_to(b"?", server.local_addr()).await.unwrap();
    let reply = String::from_utf8(recv_raw(&socket).await).unwrap();
    assert_eq!(reply, format!("{me} {} {me} 1 true", server.local_addr()));
    assert!(ClientContext::remote_addr().is_none());
}

/// Echo, for the address-family and background tests.
struct Echo;

#[request_handler]
impl Echo {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        if let Ok(bytes) = recv!() {
            client.send_packet(&bytes).await.unwrap();
        }
    }
}

#[tokio::test]
async fn ipv4_and_ipv6() {
    for (bind, local) in [("127.0.0.1:0", "127.0.0.1:0"), ("[::1]:0", "[::1]:0")] {
        let server = Arc::new(UdpServer::bind(bind, Raw, Echo).await.unwrap());
        assert_ne!(server.local_addr().port(), 0);
        let running = Arc::clone(&server);
        tokio::spawn(async move { running.serve_forever().await.unwrap() });
        let socket = UdpSocket::bind(local).await.unwrap();
        socket
            .send_to(b"family", server.local_addr())
            .await
            .unwrap();
        assert_eq!(recv_raw(&socket).await, b"family");
        server.shutdown();
    }
}

#[test]
fn background_server_from_sync_code() {
    let server = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .reuse_port(true)
        .spawn_background(Raw, Echo)
        .unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(WAIT)).unwrap();
    for i in 0..3_u8 {
        socket.send_to(&[i], server.local_addr()).unwrap();
        let mut buf = [0; 8];
        let (n, _) = socket.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], &[i]);
    }
    assert_eq!(server.stats().datagrams_received, 3);
    server.shutdown().unwrap();
}

#[test]
fn background_server_reports_bind_errors() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let err = UdpServer::spawn_background(taken.local_addr().unwrap(), Raw, Echo).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

/// Fails to initialise.
struct BrokenInit;

#[derive(Debug, thiserror::Error)]
#[error("no database")]
struct NoDatabase;

#[request_handler]
impl BrokenInit {
    async fn service_init(
        &self,
        service: &mut easynet::handler::ServiceContext,
    ) -> Result<(), NoDatabase> {
        let _ = service;
        Err(NoDatabase)
    }

    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = (client, recv!());
    }
}

#[tokio::test]
async fn service_init_error_fails_serve_forever() {
    let server = UdpServer::bind("127.0.0.1:0", Raw, BrokenInit)
        .await
        .unwrap();
    let err = server.serve_forever().await.unwrap_err();
    assert_eq!(err.to_string(), "no database");
    assert!(!server.is_serving());
}

#[tokio::test]
async fn serving_twice_at_once_is_refused() {
    let server = Arc::new(UdpServer::bind("127.0.0.1:0", Raw, Echo).await.unwrap());
    let running = Arc::clone(&server);
    let first = tokio::spawn(async move { running.serve_forever().await });
    // Synchronise on the first call having started.
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.send_to(b"up?", server.local_addr()).await.unwrap();
    assert_eq!(recv_raw(&socket).await, b"up?");
    let err = server.serve_forever().await.unwrap_err();
    assert_eq!(err.to_string(), "the server is already serving");
    server.shutdown();
    first.await.unwrap().unwrap();
}

#[tokio::test]
async fn reuse_port_lets_two_servers_share_a_port() {
    let first = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .reuse_port(true)
        .build(Raw, Echo)
        .await
        .unwrap();
    assert!(first.socket().reuse_port().unwrap());
    let port = first.local_addr();
    let second = UdpServer::builder(port)
        .reuse_port(true)
        .build(Raw, Echo)
        .await
        .unwrap();
    assert_eq!(second.local_addr(), port);
    // Without the option the port is taken.
    let err = UdpServer::builder(port).build(Raw, Echo).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[tokio::test]
async fn socket_buffer_sizes_are_applied() {
    let default = UdpServer::bind("127.0.0.1:0", Raw, Echo).await.unwrap();
    let (default_recv, default_send) = (
        default.socket().recv_buffer_size().unwrap(),
        default.socket().send_buffer_size().unwrap(),
    );
    // Small sizes: the OS may round them up (Linux doubles them), but they stay well
    // below its defaults, so an ignored option fails this test.
    let small = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .recv_buffer_size(4096)
        .send_buffer_size(4096)
        .build(Raw, Echo)
        .await
        .unwrap();
    let (recv, send) = (
        small.socket().recv_buffer_size().unwrap(),
        small.socket().send_buffer_size().unwrap(),
    );
    assert!(
        (4096..default_recv).contains(&recv),
        "recv buffer {recv} (default {default_recv})"
    );
    assert!(
        (4096..default_send).contains(&send),
        "send buffer {send} (default {default_send})"
    );
}
