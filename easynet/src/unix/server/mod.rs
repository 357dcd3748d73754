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
//!   server listens is refused ([`UnixServerError::AddressInUse`]); the file is removed at
//!   shutdown if it is still ours (same device and inode).
//! * **Limits** ([`UnixServerConfig`]), each counted in [`UnixServerStats`]: connections
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
pub use error::{StreamSendError, UnixServerError};
pub use stats::UnixServerStats;

use crate::handler::{RequestHandler, ServiceContext};
use crate::protocol::StreamProtocol;
use crate::unix::UnixSocketAddress;
use connection::{ConnectionContext, serve_connection};
use socket_file::{SocketFile, bind_listener};
use stats::Counters;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A Unix stream server: binds a socket file (or an abstract name), accepts connections,
/// and runs one conversation per connection with the handler.
///
/// ```no_run
/// use easynet::unix::server::{StreamClient, UnixStreamServer};
/// use easynet::handler::{HandlerClient, HandlerResult, PacketReceiver, RequestHandler};
/// use easynet::protocol::{Line, StreamProtocol};
///
/// struct Echo;
///
/// impl RequestHandler for Echo {
///     type Client = StreamClient<Line>;
///
///     async fn handle(
///         &self,
///         client: &mut StreamClient<Line>,
///         requests: &mut <StreamClient<Line> as HandlerClient>::Receiver,
///     ) -> HandlerResult {
///         let line = requests.recv().await?;
///         client.send_packet(&line).await?;
///         Ok(())
///     }
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let server = UnixStreamServer::bind("/tmp/echo.sock", Line::new(), Echo)?;
/// server.serve_forever().await?;
/// # Ok(()) }
/// ```
pub struct UnixStreamServer<P, H> {
    listener: tokio::net::UnixListener,
    address: UnixSocketAddress,
    socket_file: Option<SocketFile>,
    cx: ConnectionContext<P, H>,
}

impl<P, H> fmt::Debug for UnixStreamServer<P, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStreamServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl<P, H> UnixStreamServer<P, H>
where
    P: StreamProtocol,
    P::Received: Send,
    H: RequestHandler<Client = StreamClient<P>>,
{
    /// Binds `address` (a path, or an abstract [`UnixSocketAddress`]) with the default
    /// options. Must be called inside a tokio runtime.
    pub fn bind(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
    ) -> Result<Self, UnixServerError> {
        Self::bind_with_config(address, protocol, handler, UnixServerConfig::default())
    }

    /// Binds `address` with `config`. Must be called inside a tokio runtime.
    pub fn bind_with_config(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
        config: UnixServerConfig,
    ) -> Result<Self, UnixServerError> {
        let address = address.into();
        let (fd, socket_file) = bind_listener(&address, &config)?;
        let listener =
            tokio::net::UnixListener::from_std(std::os::unix::net::UnixListener::from(fd))
                .map_err(UnixServerError::Io)?;
        tracing::info!(%address, "unix stream server listening");
        Ok(Self {
            listener,
            address,
            socket_file,
            cx: ConnectionContext {
                protocol: Arc::new(protocol),
                handler: Arc::new(handler),
                config: Arc::new(config),
                shutdown: CancellationToken::new(),
                counters: Arc::new(Counters::default()),
            },
        })
    }

    /// The address the server listens on.
    pub fn local_address(&self) -> &UnixSocketAddress {
        &self.address
    }

    /// A handle to stop the server and read its counters from elsewhere.
    pub fn handle(&self) -> UnixServerHandle {
        UnixServerHandle {
            shutdown: self.cx.shutdown.clone(),
            counters: self.cx.counters.clone(),
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> UnixServerStats {
        self.cx.counters.snapshot()
    }

    /// Serves until [`UnixServerHandle::shutdown`] is called.
    pub async fn serve_forever(self) -> Result<(), UnixServerError> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Serves until `signal` completes (for example `tokio::signal::ctrl_c()`) or
    /// [`UnixServerHandle::shutdown`] is called, then shuts down gracefully: no new
    /// connection, `recv!()` points return `ServerClosing`, conversations get
    /// [`shutdown_grace`](UnixServerConfig::shutdown_grace) to finish, background tasks
    /// are cancelled and awaited, and the socket file is removed if it is still ours.
    pub async fn serve_with_shutdown(
        self,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<(), UnixServerError> {
        let Self {
            listener,
            address,
            socket_file,
            cx,
        } = self;
        let tracker = TaskTracker::new();
        let mut service = ServiceContext::new(tracker.clone(), cx.shutdown.clone());
        let init = cx.handler.service_init(&mut service).await;
        if let Err(e) = init {
            cx.shutdown.cancel();
            tracker.close();
            tracker.wait().await;
            return Err(UnixServerError::ServiceInit(e));
        }
        let mut connections = JoinSet::new();
        let mut next_id: u64 = 0;
        let mut signal = std::pin::pin!(signal);
        loop {
            let accepted = tokio::select! {
                biased;
                () = cx.shutdown.cancelled() => break,
                () = &mut signal => break,
                accepted = listener.accept() => accepted,
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
        tracing::info!(%address, "unix stream server shutting down");
        cx.shutdown.cancel();
        // Refuse new connections from now on.
        drop(listener);
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
        tracker.close();
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            tracing::warn!("background tasks still running after the shutdown grace period");
        }
        drop(socket_file);
        tracing::info!(%address, "unix stream server stopped");
        Ok(())
    }

    /// Binds and serves on a new thread with its own tokio runtime, for synchronous
    /// programs (and tests). Returns once the server listens.
    pub fn start_background(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        handler: H,
        config: UnixServerConfig,
    ) -> Result<BackgroundUnixServer, UnixServerError> {
        let address = address.into();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("easynet-unix-server".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(UnixServerError::Io)?;
                runtime.block_on(async move {
                    let server = match Self::bind_with_config(address, protocol, handler, config) {
                        Ok(server) => server,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return Ok(());
                        }
                    };
                    let _ = ready_tx.send(Ok((server.local_address().clone(), server.handle())));
                    server.serve_forever().await
                })
            })
            .map_err(UnixServerError::Io)?;
        match ready_rx.recv() {
            Ok(Ok((address, handle))) => Ok(BackgroundUnixServer {
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
                _ => Err(UnixServerError::Io(std::io::Error::other(
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

/// Stops a running [`UnixStreamServer`] and reads its counters; cheap to clone.
#[derive(Debug, Clone)]
pub struct UnixServerHandle {
    shutdown: CancellationToken,
    counters: Arc<Counters>,
}

impl UnixServerHandle {
    /// Asks the server to shut down gracefully; `serve_forever` returns when done.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// `true` once shutdown was requested.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> UnixServerStats {
        self.counters.snapshot()
    }
}

/// A server running on its own thread ([`UnixStreamServer::start_background`]).
/// Dropping it shuts the server down and waits for it.
#[derive(Debug)]
pub struct BackgroundUnixServer {
    address: UnixSocketAddress,
    handle: UnixServerHandle,
    thread: Option<std::thread::JoinHandle<Result<(), UnixServerError>>>,
}

impl BackgroundUnixServer {
    /// The address the server listens on.
    pub fn local_address(&self) -> &UnixSocketAddress {
        &self.address
    }

    /// The server's handle.
    pub fn handle(&self) -> &UnixServerHandle {
        &self.handle
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> UnixServerStats {
        self.handle.stats()
    }

    /// Shuts the server down and waits until it has stopped.
    pub fn shutdown(mut self) -> Result<(), UnixServerError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), UnixServerError> {
        self.handle.shutdown();
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(UnixServerError::Io(std::io::Error::other(
                "the server thread panicked",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundUnixServer {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "unix stream server failed");
        }
    }
}
