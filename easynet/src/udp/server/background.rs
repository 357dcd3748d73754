//! Running a server from synchronous code, on its own thread and runtime.

use super::client::DatagramClient;
use super::stats::ServerStats;
use super::udp_server::{ShutdownHandle, UdpServerBuilder};
use crate::handler::RequestHandler;
use crate::protocol::DatagramProtocol;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

type StatsFn = Arc<dyn Fn() -> ServerStats + Send + Sync>;

/// A UDP server running on its own thread (with a current-thread tokio runtime), for
/// synchronous programs: the seeds' "Run Server In Background".
///
/// Dropping it shuts the server down and waits for the thread.
///
/// ```
/// use easynet::udp::server::{DatagramClient, UdpServer};
/// use easynet::protocol::Raw;
/// use easynet::{recv, request_handler};
///
/// struct Upper;
///
/// #[request_handler]
/// impl Upper {
///     async fn handle(&self, client: &mut DatagramClient<Raw>) {
///         if let Ok(bytes) = recv!() {
///             let _ = client.send_packet(&bytes.to_ascii_uppercase()).await;
///         }
///     }
/// }
///
/// let server = UdpServer::spawn_background("127.0.0.1:0".parse().unwrap(), Raw, Upper).unwrap();
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// socket.send_to(b"hello", server.local_addr()).unwrap();
/// let mut buf = [0; 16];
/// let (n, _) = socket.recv_from(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"HELLO");
/// server.shutdown().unwrap();
/// ```
pub struct BackgroundServer {
    local_addr: SocketAddr,
    handle: ShutdownHandle,
    stats: StatsFn,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl std::fmt::Debug for BackgroundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl BackgroundServer {
    pub(crate) fn start<H, P>(
        builder: UdpServerBuilder,
        protocol: P,
        handler: H,
    ) -> io::Result<Self>
    where
        P: DatagramProtocol,
        P::Received: Send + 'static,
        H: RequestHandler<Client = DatagramClient<P>>,
    {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("easynet-udp-server".to_owned())
            .spawn(move || -> io::Result<()> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let server = match builder.build(protocol, handler).await {
                        Ok(server) => Arc::new(server),
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return Ok(());
                        }
                    };
                    let stats: StatsFn = {
                        let server = Arc::clone(&server);
                        Arc::new(move || server.stats())
                    };
                    let ready = (server.local_addr(), server.shutdown_handle(), stats);
                    if ready_tx.send(Ok(ready)).is_err() {
                        return Ok(());
                    }
                    server.serve_forever().await
                })
            })?;
        match ready_rx.recv() {
            Ok(Ok((local_addr, handle, stats))) => Ok(Self {
                local_addr,
                handle,
                stats,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => match thread.join() {
                Ok(Err(e)) => Err(e),
                _ => Err(io::Error::other(
                    "the server thread ended before it was ready",
                )),
            },
        }
    }

    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that starts the shutdown without waiting.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// The server's counters now.
    pub fn stats(&self) -> ServerStats {
        (self.stats)()
    }

    /// Shuts the server down gracefully and waits for its thread; returns what
    /// `serve_forever` returned.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        self.handle.shutdown();
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the server thread panicked")),
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!(error = %e, "background server ended with an error");
        }
    }
}
