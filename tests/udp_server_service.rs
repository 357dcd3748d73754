//! `service_init` on a UDP server: values it sets are copied into each client's context,
//! and its background tasks are stopped at shutdown (aborted after the grace period if
//! they ignore the shutdown token). Real sockets on loopback.
#![allow(clippy::unwrap_used)]

use easynet::handler::ServiceContext;
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

#[derive(Clone)]
struct Greeting(String);

#[derive(Clone)]
struct Visits(u32);

/// Sets client defaults in `service_init`; each conversation greets with the default
/// and counts the client's datagrams in its own copy of `Visits`, until "end".
struct Greeter;

/// Deep in the application: reads the client's context without a client parameter.
fn visit() -> String {
    ClientContext::try_with(|ctx| {
        let greeting = ctx.get::<Greeting>().map_or("none".to_owned(), |g| g.0);
        let visits = ctx.with_value(|v: &mut Visits| {
            v.0 += 1;
            v.0
        });
        format!("{greeting} {visits:?}")
    })
    .unwrap_or_default()
}

#[request_handler]
impl Greeter {
    async fn service_init(&self, service: &mut ServiceContext) {
        service.insert_client_default(Greeting("hello".to_owned()));
        service.insert_client_default(Visits(0));
        // The last value of a type wins.
        assert!(
            service
                .insert_client_default(Greeting("hi".to_owned()))
                .is_some()
        );
    }

    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        while let Ok(bytes) = recv!(timeout = WAIT) {
            if &bytes[..] == b"end" {
                return;
            }
            client.send_packet(visit().as_bytes()).await.unwrap();
        }
    }
}

#[tokio::test]
async fn values_set_in_service_init_are_copied_to_each_client() {
    let server = Arc::new(UdpServer::bind("127.0.0.1:0", Raw, Greeter).await.unwrap());
    let running = Arc::clone(&server);
    tokio::spawn(async move { running.serve_forever().await.unwrap() });
    let addr = server.local_addr();
    let (a, b) = (
        UdpSocket::bind("127.0.0.1:0").await.unwrap(),
        UdpSocket::bind("127.0.0.1:0").await.unwrap(),
    );
    a.send_to(b"x", addr).await.unwrap();
    assert_eq!(recv_raw(&a).await, b"hi Some(1)");
    a.send_to(b"x", addr).await.unwrap();
    assert_eq!(recv_raw(&a).await, b"hi Some(2)");
    // Another client starts from its own copy of the defaults, not from `a`'s values.
    b.send_to(b"x", addr).await.unwrap();
    assert_eq!(recv_raw(&b).await, b"hi Some(1)");
    a.send_to(b"x", addr).await.unwrap();
    assert_eq!(recv_raw(&a).await, b"hi Some(3)");
    // Outside a conversation there is no client context.
    assert_eq!(visit(), "");
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Its background task ignores the shutdown token.
struct StubbornService(Arc<AtomicBool>);

#[request_handler]
impl StubbornService {
    async fn service_init(&self, service: &mut ServiceContext) {
        let guard = SetOnDrop(Arc::clone(&self.0));
        service.spawn(async move {
            let _guard = guard;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
    }

    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        if let Ok(bytes) = recv!() {
            client.send_packet(&bytes).await.unwrap();
        }
    }
}

#[tokio::test]
async fn service_task_ignoring_shutdown_is_aborted_after_the_grace_period() {
    let aborted = Arc::new(AtomicBool::new(false));
    let server = UdpServer::builder("127.0.0.1:0".parse().unwrap())
        .shutdown_grace(Duration::from_millis(20))
        .build(Raw, StubbornService(Arc::clone(&aborted)))
        .await
        .unwrap();
    let server = Arc::new(server);
    let running = Arc::clone(&server);
    let serving = tokio::spawn(async move { running.serve_forever().await });
    // Synchronise on `service_init` having run: the server answers.
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.send_to(b"up?", server.local_addr()).await.unwrap();
    assert_eq!(recv_raw(&socket).await, b"up?");
    assert!(!aborted.load(Ordering::SeqCst));
    server.shutdown();
    tokio::time::timeout(WAIT, serving)
        .await
        .expect("serve_forever returns although a service task ignores shutdown")
        .unwrap()
        .unwrap();
    assert!(
        aborted.load(Ordering::SeqCst),
        "the stubborn task was aborted and dropped before serve_forever returned"
    );
}
