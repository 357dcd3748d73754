//! What `#[request_handler]` accepts: hooks, inherent methods, a named receiver for
//! `tokio::select!`, `recv!()` inside other macros, `crate = path` through a re-export.
#![allow(clippy::unwrap_used)]

use easynet::handler::{PacketReceiver, RecvError, ServiceContext};
use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, DatagramRequests, UdpServer};
use easynet_suite::WAIT;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// A re-exporting module, as a crate that re-exports easynet would have.
mod reexport {
    pub(crate) use ::easynet as net;
}

fn exchange(server: std::net::SocketAddr, payloads: &[&[u8]], replies: usize) -> Vec<Vec<u8>> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(WAIT)).unwrap();
    for p in payloads {
        socket.send_to(p, server).unwrap();
    }
    let mut buf = [0; 2048];
    (0..replies)
        .map(|_| {
            let (n, _) = socket.recv_from(&mut buf).expect("reply in time");
            buf[..n].to_vec()
        })
        .collect()
}

struct Hooks {
    service_started: Arc<AtomicBool>,
    background_stopped: Arc<AtomicBool>,
    calls: AtomicUsize,
}

#[request_handler]
impl Hooks {
    /// An inherent method: stays callable as `Hooks::prefix`.
    fn prefix(&self) -> &'static [u8] {
        b"> "
    }

    async fn service_init(&self, service: &mut ServiceContext) {
        self.service_started.store(true, Ordering::SeqCst);
        let token = service.shutdown_token();
        let stopped = Arc::clone(&self.background_stopped);
        service.spawn(async move {
            token.cancelled().await;
            stopped.store(true, Ordering::SeqCst);
        });
    }

    async fn handle(
        &self,
        client: &mut DatagramClient<Raw>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        // `recv!()` inside another macro's arguments is rewritten too.
        let line = format!("{:?}", recv!()?);
        let mut reply = self.prefix().to_vec();
        reply.extend_from_slice(line.as_bytes());
        client.send_packet(&reply).await?;
        Ok(())
    }
}

#[test]
fn hooks_inherent_methods_and_recv_in_macros() {
    let (started, stopped) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let handler = Hooks {
        service_started: Arc::clone(&started),
        background_stopped: Arc::clone(&stopped),
        calls: AtomicUsize::new(0),
    };
    assert_eq!(handler.prefix(), b"> ");
    let server = UdpServer::spawn_background("127.0.0.1:0".parse().unwrap(), Raw, handler).unwrap();
    assert_eq!(
        exchange(server.local_addr(), &[b"hi"], 1),
        vec![br#"> b"hi""#.to_vec()]
    );
    assert!(started.load(Ordering::SeqCst));
    server.shutdown().unwrap();
    // The background task was told to stop and awaited before shutdown returned.
    assert!(stopped.load(Ordering::SeqCst));
}

/// Names its receiver to race it against another future in `tokio::select!`.
struct Selecting;

#[request_handler]
impl Selecting {
    async fn handle(&self, client: &mut DatagramClient<Raw>, requests: &mut DatagramRequests<Raw>) {
        let first = recv!().unwrap();
        client.send_packet(&first).await.unwrap();
        let tick = tokio::time::sleep(Duration::from_millis(20));
        tokio::select! {
            next = requests.recv() => client.send_packet(&next.unwrap()).await.unwrap(),
            () = tick => client.send_packet(b"tick").await.unwrap(),
        }
        // The macro's `recv!()` and the named receiver are the same queue.
        match requests.recv_timeout(Duration::from_millis(20)).await {
            Err(RecvError::Timeout) => client.send_packet(b"done").await.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn named_receiver_in_select() {
    let server =
        UdpServer::spawn_background("127.0.0.1:0".parse().unwrap(), Raw, Selecting).unwrap();
    assert_eq!(
        exchange(server.local_addr(), &[b"a"], 3),
        vec![b"a".to_vec(), b"tick".to_vec(), b"done".to_vec()]
    );
}

/// Generated through a re-export: `crate = path`.
struct ViaReexport;

#[reexport::net::request_handler(crate = crate::reexport::net)]
impl ViaReexport {
    async fn handle(
        &self,
        client: &mut reexport::net::udp::server::DatagramClient<reexport::net::protocol::Raw>,
    ) {
        if let Ok(bytes) = recv!(timeout = Duration::from_secs(1)) {
            let _ = client.send_packet(&bytes).await;
        }
    }
}

#[test]
fn crate_option_through_a_reexport() {
    let server =
        UdpServer::spawn_background("127.0.0.1:0".parse().unwrap(), Raw, ViaReexport).unwrap();
    assert_eq!(
        exchange(server.local_addr(), &[b"via"], 1),
        vec![b"via".to_vec()]
    );
}

/// Generic handlers keep their generics.
struct Generic<T>(T);

#[request_handler]
impl<T: AsRef<[u8]> + Send + Sync + 'static> Generic<T> {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        if recv!().is_ok() {
            client.send_packet(self.0.as_ref()).await.unwrap();
        }
    }
}

#[test]
fn generic_handler() {
    let server =
        UdpServer::spawn_background("127.0.0.1:0".parse().unwrap(), Raw, Generic("fixed")).unwrap();
    assert_eq!(
        exchange(server.local_addr(), &[b"x"], 1),
        vec![b"fixed".to_vec()]
    );
}
