//! The Unix stream server: one conversation loop per connection, driving a
//! [`RequestHandler`] whose `Client` is [`StreamClient<P>`].
//!
//! ```text
//!   listener ──accept──▶ connection task (span "connection" id, pid, uid)
//!                          on_connection ─▶ handle ─▶ handle ─▶ … ─▶ on_disconnection
//!                          recv!() = StreamRequests::recv(): the next framed packet
//!   shutdown: stop accepting ─▶ recv!() points return ServerClosing ─▶ wait (grace)
//!             ─▶ cancel and await service_init's background tasks ─▶ remove socket file
//! ```
//!
//! * **Framing**: partial frames wait for more bytes, pipelined packets are served in
//!   order; a frame that fails to parse or is too long reaches `recv!()` as
//!   [`RecvError::Parse`](crate::RecvError::Parse), the connection stays open, and the
//!   stream resynchronises at the next frame boundary.
//! * **Ends**: peer EOF or reset ends the conversation quietly (`on_disconnection` still
//!   runs). A handler error or panic is logged, that connection is closed, the others
//!   are unaffected. A handler may [`close`](StreamClient::close) its connection: packets
//!   the peer already sent are then not processed.
//! * **Access control**: [`StreamClient::peer_credentials`] is known before the first
//!   `recv!()`; [`UnixServerConfig::socket_mode`] sets the socket file's permissions.
//! * **Socket file**: a stale file left by a dead server is replaced; a path where a live
//!   server listens is refused ([`ServerError::AddressInUse`]); the file is removed at
//!   shutdown if it is still ours (same device and inode).
//! * **Limits** ([`UnixServerConfig`]), each counted in [`ServerStats`]: connections
//!   beyond `max_connections` are accepted and closed at once; a connection buffers at
//!   most the protocol's limit plus `max_recv_size`; an optional idle timeout.
//!
//! See the [how-to guide](crate::guide::unix_stream#the-server).

mod config;
mod connection;
mod error;
mod socket_file;
mod stats;

pub use config::UnixServerConfig;
pub use connection::{StreamClient, StreamRequests};
pub use error::{SendError, ServerError};
pub use stats::ServerStats;

use crate::handler::{RequestHandler, ServiceContext};
use crate::protocol::StreamProtocol;
use crate::unix::UnixSocketAddress;
use connection::{ConnectionContext, serve_connection};
use socket_file::{SocketFile, bind_listener};
use stats::Counters;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A Unix stream server: binds a socket file (or an abstract name), accepts connections,
/// and runs one conversation per connection with the handler.
///
/// The API mirrors [`UdpServer`](crate::udp::server::UdpServer): `bind`, `serve_forever`,
/// `shutdown_handle`, `stats`, `spawn_background`.
///
/// ```no_run
/// use easynet::unix::server::{StreamClient, UnixStreamServer};
/// use easynet::protocol::Line;
/// use easynet::request_handler;
///
/// struct Echo;
///
/// #[request_handler]
/// impl Echo {
///     async fn handle(&self, client: &mut StreamClient<Line>) {
///         if let Ok(line) = recv!() {
///             let _ = client.send_packet(&line).await;
///         }
///     }
/// }
///
/// # async fn run() -> Result<(), easynet::unix::server::ServerError> {
/// let server = UnixStreamServer::bind("/tmp/echo.sock", Line::new(), Echo).await?;
/// server.serve_forever().await
/// # }
/// ```
pub struct UnixStreamServer<H, P> {
    listener: tokio::net::UnixListener,
    address: UnixSocketAddress,
    socket_file: Mutex<Option<SocketFile>>,
    cx: ConnectionContext<P, H>,
    serving: AtomicBool,
}

impl<H, P> fmt::Debug for UnixStreamServer<H, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStreamServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl<H, P> UnixStreamServer<H, P>
where
    P: StreamProtocol,
    P::Received: Send,
    H: RequestHandler<Client = StreamClient<P>>,
{
    /// Binds `address` (a path, or an abstract [`UnixSocketAddress`]) with the default
    /// options.
    pub async fn bind(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
    ) -> Result<Self, ServerError> {
        Self::bind_with_config(address, protocol, handler, UnixServerConfig::default()).await
    }

    /// Binds `address` with `config` (socket mode, limits, idle timeout...).
    ///
    /// Cancel safety: completes at its first poll (binding never waits), so there is
    /// nothing to cancel; the same holds for [`bind`](Self::bind).
    pub async fn bind_with_config(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
        config: UnixServerConfig,
    ) -> Result<Self, ServerError> {
        Self::bind_now(address.into(), protocol, handler, config)
    }

    /// Binding does not wait for anything (at most a non-blocking probe of a stale
    /// socket file), so it runs inline; it only needs a tokio runtime to register the
    /// listener.
    fn bind_now(
        address: UnixSocketAddress,
        protocol: P,
        handler: H,
        config: UnixServerConfig,
    ) -> Result<Self, ServerError> {
        let (fd, socket_file) = bind_listener(&address, &config)?;
        let listener =
            tokio::net::UnixListener::from_std(std::os::unix::net::UnixListener::from(fd))
                .map_err(ServerError::Io)?;
        tracing::info!(%address, "unix stream server listening");
        Ok(Self {
            listener,
            address,
            socket_file: Mutex::new(socket_file),
            cx: ConnectionContext {
                protocol: Arc::new(protocol),
                handler: Arc::new(handler),
                config: Arc::new(config),
                shutdown: CancellationToken::new(),
                closing: Arc::new(AtomicBool::new(false)),
                counters: Arc::new(Counters::default()),
            },
            serving: AtomicBool::new(false),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> &UnixSocketAddress {
        &self.address
    }

    /// Whether [`serve_forever`](Self::serve_forever) is running.
    pub fn is_serving(&self) -> bool {
        self.serving.load(Ordering::Acquire)
    }

    /// A handle that shuts the server down, from any task or thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            token: self.cx.shutdown.clone(),
            closing: self.cx.closing.clone(),
            counters: self.cx.counters.clone(),
        }
    }

    /// Starts a graceful shutdown (see [`ShutdownHandle::shutdown`]).
    pub fn shutdown(&self) {
        self.shutdown_handle().shutdown();
    }

    /// The server's counters now.
    pub fn stats(&self) -> ServerStats {
        self.cx.counters.snapshot()
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.cx.handler
    }

    /// The listening socket, for `setsockopt`-style calls.
    pub fn socket(&self) -> crate::socket::SocketProxy<'_> {
        crate::socket::SocketProxy::new(&self.listener)
    }

    /// Refuses new connections from now on (Linux refuses `connect()` to a listener
    /// that is shut down), and removes the socket file if it is still ours.
    fn release_listener(&self) {
        let _ = socket2::SockRef::from(&self.listener).shutdown(std::net::Shutdown::Both);
        drop(
            self.socket_file
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }

    /// Runs `service_init`, then serves until [`shutdown`](ShutdownHandle::shutdown).
    ///
    /// Shutdown is graceful: no new connection, `recv!()` points return
    /// `ServerClosing`, conversations get [`shutdown_grace`](UnixServerConfig::shutdown_grace)
    /// to finish (then they are aborted), background tasks are cancelled and awaited, and
    /// the socket file is removed if it is still ours. Returns `Ok(())` after a shutdown
    /// (at once if the shutdown came first); an error if `service_init` fails or the
    /// server is already serving.
    ///
    /// Cancel safety: dropping the future stops accepting and aborts the conversations
    /// (their `on_disconnection` does not run).
    pub async fn serve_forever(&self) -> Result<(), ServerError> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Like [`serve_forever`](Self::serve_forever), and also shuts down when `signal`
    /// completes (for example `tokio::signal::ctrl_c()`), like axum's
    /// `with_graceful_shutdown`.
    ///
    /// Cancel safety: as [`serve_forever`](Self::serve_forever).
    pub async fn serve_with_shutdown(
        &self,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<(), ServerError> {
        if self.cx.shutdown.is_cancelled() {
            // Shut down before it served (a race a background server's owner may lose):
            // nothing to serve, just release the socket file.
            self.release_listener();
            return Ok(());
        }
        if self.serving.swap(true, Ordering::AcqRel) {
            return Err(ServerError::Io(std::io::Error::other(
                "the server is already serving",
            )));
        }
        let cx = &self.cx;
        let tracker = TaskTracker::new();
        let mut service = ServiceContext::new(tracker.clone(), cx.shutdown.clone());
        let init = cx.handler.service_init(&mut service).await;
        if let Err(e) = init {
            self.shutdown();
            service.stop_tasks(cx.config.shutdown_grace).await;
            self.serving.store(false, Ordering::Release);
            return Err(ServerError::ServiceInit(e));
        }
        let mut connections = JoinSet::new();
        let mut next_id: u64 = 0;
        let mut signal = std::pin::pin!(signal);
        loop {
            let accepted = tokio::select! {
                biased;
                () = cx.shutdown.cancelled() => break,
                () = &mut signal => break,
                accepted = self.listener.accept() => accepted,
            };
            while connections.try_join_next().is_some() {}
            let socket = match accepted {
                Ok((socket, _)) => socket,
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: the listener stays usable;
                    // pause briefly so a descriptor shortage does not become a busy loop.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            if cx.counters.active.load(Ordering::Relaxed) >= cx.config.max_connections {
                Counters::bump(&cx.counters.rejected);
                tracing::warn!(
                    max_connections = cx.config.max_connections,
                    "too many connections: closing the new one"
                );
                drop(socket);
                continue;
            }
            next_id += 1;
            Counters::bump(&cx.counters.accepted);
            cx.counters.active.fetch_add(1, Ordering::Relaxed);
            let active = ActiveGuard(cx.counters.clone());
            let task = serve_connection(cx.clone(), socket, next_id);
            connections.spawn(async move {
                let _active = active;
                task.await;
            });
        }
        let address = &self.address;
        tracing::info!(%address, "unix stream server shutting down");
        self.shutdown();
        self.release_listener();
        let grace = cx.config.shutdown_grace;
        let drained = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                remaining = connections.len(),
                "conversations still running after the shutdown grace period: aborting them"
            );
            connections.abort_all();
            while connections.join_next().await.is_some() {}
        }
        // Background tasks of `service_init`: cancelled, given the same grace, then aborted.
        service.stop_tasks(grace).await;
        tracing::info!(%address, "unix stream server stopped");
        Ok(())
    }
}

impl UnixStreamServer<(), ()> {
    /// Binds `address` and runs the server on its own thread and runtime (see
    /// [`BackgroundServer`]); returns once the server listens.
    pub fn spawn_background<H, P>(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
    ) -> Result<BackgroundServer, ServerError>
    where
        P: StreamProtocol,
        P::Received: Send,
        H: RequestHandler<Client = StreamClient<P>>,
    {
        Self::spawn_background_with_config(address, protocol, handler, UnixServerConfig::default())
    }

    /// [`spawn_background`](Self::spawn_background) with `config`.
    pub fn spawn_background_with_config<H, P>(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
        config: UnixServerConfig,
    ) -> Result<BackgroundServer, ServerError>
    where
        P: StreamProtocol,
        P::Received: Send,
        H: RequestHandler<Client = StreamClient<P>>,
    {
        let address = address.into();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("easynet-unix-server".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(ServerError::Io)?;
                runtime.block_on(async move {
                    let server =
                        match UnixStreamServer::bind_now(address, protocol, handler, config) {
                            Ok(server) => server,
                            Err(e) => {
                                let _ = ready_tx.send(Err(e));
                                return Ok(());
                            }
                        };
                    let _ =
                        ready_tx.send(Ok((server.local_addr().clone(), server.shutdown_handle())));
                    server.serve_forever().await
                })
            })
            .map_err(ServerError::Io)?;
        match ready_rx.recv() {
            Ok(Ok((address, handle))) => Ok(BackgroundServer {
                address,
                handle,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => match thread.join() {
                Ok(Err(e)) => Err(e),
                _ => Err(ServerError::Io(std::io::Error::other(
                    "the server thread ended before listening",
                ))),
            },
        }
    }
}

/// Decrements the active-connection count when a connection task ends (or is aborted).
struct ActiveGuard(Arc<Counters>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Shuts a running [`UnixStreamServer`] down and reads its counters; cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    token: CancellationToken,
    closing: Arc<AtomicBool>,
    counters: Arc<Counters>,
}

impl ShutdownHandle {
    /// Starts a graceful shutdown; `serve_forever` returns when it is done.
    pub fn shutdown(&self) {
        // The flag first: a connection woken by the token must see it.
        self.closing.store(true, Ordering::Release);
        self.token.cancel();
    }

    /// Whether a shutdown was requested.
    pub fn is_shutdown(&self) -> bool {
        self.token.is_cancelled()
    }

    /// The server's counters now.
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }
}

/// A Unix stream server running on its own thread (with a multi-thread tokio runtime),
/// for synchronous programs ([`UnixStreamServer::spawn_background`]).
///
/// Dropping it shuts the server down and waits for the thread.
#[derive(Debug)]
pub struct BackgroundServer {
    address: UnixSocketAddress,
    handle: ShutdownHandle,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl BackgroundServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> &UnixSocketAddress {
        &self.address
    }

    /// A handle that shuts the server down.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// The server's counters now.
    pub fn stats(&self) -> ServerStats {
        self.handle.stats()
    }

    /// Shuts the server down gracefully and waits for its thread.
    pub fn shutdown(mut self) -> Result<(), ServerError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), ServerError> {
        self.handle.shutdown();
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ServerError::Io(std::io::Error::other(
                "the server thread panicked",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "unix stream server failed");
        }
    }
}
