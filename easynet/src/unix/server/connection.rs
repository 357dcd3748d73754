//! One connection: the handler's [`StreamClient`], its [`StreamRequests`] receiver, and
//! the conversation loop.
//!
//! ```text
//!   accepted ──▶ on_connection(client, requests)        (may recv!() a handshake)
//!                  │ Err / panic ─────────────────────────────────────────┐
//!                  ▼                                                      │
//!            ┌─▶ wait for the next request (packet or parse error) ──┐    │
//!            │     │ EOF / reset / idle / closed by handler / shutdown   │
//!            │     ▼                                                 ▼    ▼
//!            └── handle(client, requests) ── Err / panic ──▶ on_disconnection (once)
//!                                                                    │
//!                                                              socket closed
//! ```
//!
//! Waiting for a request *before* calling `handle` means `handle` runs only when there is
//! something to receive: a handler that returns without receiving cannot spin, and a
//! peer that leaves between requests ends the loop quietly.

use super::stats::Counters;
use super::{SendError, UnixServerConfig};
use crate::handler::{HandlerClient, HandlerError, PacketReceiver, RecvError, RequestHandler};
use crate::protocol::StreamProtocol;
use crate::socket::SocketProxy;
use crate::unix::ancillary::{
    Credentials, ReceivedAncillary, SocketAncillary, send_with_ancillary,
};
use crate::unix::framed::{Buffered, FramedReader};
use bytes::BytesMut;
use futures_util::FutureExt;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};
use tokio::net::UnixStream;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tracing::Instrument;

/// Why a connection's conversation loop stops (not an error: the loop just ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    PeerClosed,
    Reset,
    IdleTimeout,
    ClosedByHandler,
    ServerClosing,
}

/// State shared by a connection's client object and its receiver.
struct Shared {
    /// `AsyncFd` rather than `tokio::net::UnixStream`: reads go through `recvmsg` (for
    /// descriptors), and `AsyncFd`'s guard lets us clear readiness after a short read,
    /// which saves the `EAGAIN` read that would otherwise follow every request (tokio's
    /// own `poll_read` does the same on epoll).
    ///
    /// `AsyncFd::new` is deprecated since tokio 1.5x because a `T: AsRawFd` whose
    /// descriptor is replaced or closed while registered breaks I/O safety; the safe
    /// replacement, `AsyncFd::register`, is an `unsafe fn`, which this crate forbids. The
    /// condition holds here: the `AsyncFd` owns the `UnixStream`, and this module never
    /// calls `get_mut`/`into_inner`, so the registered descriptor stays the same, open,
    /// until the `AsyncFd` is dropped.
    fd: AsyncFd<std::os::unix::net::UnixStream>,
    /// Set by [`StreamClient::close`] (or the idle timeout): a flag for the hot path...
    closed: AtomicBool,
    /// ...and a token to wake waiters: a child of the server's shutdown token, so one
    /// future covers both "closed" and "server closing".
    wake: CancellationToken,
    /// Ancillary data moved here by the receiver as it reads; taken by the handler.
    ancillary: Mutex<ReceivedAncillary>,
}

impl Shared {
    fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.wake.cancel();
            // Tells the peer at once, even if the handler keeps running for a while.
            let _ = self.fd.get_ref().shutdown(std::net::Shutdown::Both);
        }
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// The server's side of one connection, as the handler sees it.
///
/// The peer's credentials are known from the start ([`peer_credentials`]), so
/// `on_connection` can refuse a caller before reading anything from it.
///
/// [`peer_credentials`]: Self::peer_credentials
pub struct StreamClient<P: StreamProtocol> {
    shared: Arc<Shared>,
    protocol: Arc<P>,
    out: BytesMut,
    credentials: Option<Credentials>,
    id: u64,
}

impl<P: StreamProtocol> fmt::Debug for StreamClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamClient")
            .field("id", &self.id)
            .field("credentials", &self.credentials)
            .field("closed", &self.shared.is_closed())
            .finish_non_exhaustive()
    }
}

impl<P: StreamProtocol> StreamClient<P> {
    /// Sends one packet, framed by the protocol; returns when every byte is written.
    ///
    /// Cancel safety: not cancel safe (a frame may be half written); the connection
    /// should then be closed.
    pub async fn send_packet(&mut self, packet: &P::Sent) -> Result<(), SendError> {
        self.send_packet_with_ancillary(packet, &SocketAncillary::new())
            .await
    }

    /// Sends one packet with file descriptors attached (`SCM_RIGHTS`): the peer receives
    /// its own copies; ours stay open. Cancel safety: as [`send_packet`](Self::send_packet).
    pub async fn send_packet_with_fds(
        &mut self,
        packet: &P::Sent,
        fds: &[BorrowedFd<'_>],
    ) -> Result<(), SendError> {
        let ancillary = SocketAncillary::new().with_fds(fds.iter());
        self.send_packet_with_ancillary(packet, &ancillary).await
    }

    /// Sends one packet with any ancillary data (descriptors and/or credentials).
    /// Cancel safety: as [`send_packet`](Self::send_packet).
    pub async fn send_packet_with_ancillary(
        &mut self,
        packet: &P::Sent,
        ancillary: &SocketAncillary<'_>,
    ) -> Result<(), SendError> {
        self.out.clear();
        self.protocol.encode_frame(packet, &mut self.out)?;
        write_all(&self.shared, &self.out, ancillary).await
    }

    /// The peer process's credentials (`SO_PEERCRED`, read when the connection was
    /// accepted). `None` only if the kernel could not report them.
    pub fn peer_credentials(&self) -> Option<Credentials> {
        self.credentials
    }

    /// Takes the file descriptors received so far (with the packets already received,
    /// see [`take_received_ancillary`](Self::take_received_ancillary)).
    pub fn take_received_fds(&mut self) -> Vec<OwnedFd> {
        std::mem::take(&mut self.lock_ancillary().fds)
    }

    /// Takes the ancillary data received so far: Linux delivers the descriptors sent
    /// with a packet together with that packet's bytes, so after `recv!()` returned a
    /// packet, the descriptors sent along with it are here. Descriptors nobody takes are
    /// closed when the connection ends.
    pub fn take_received_ancillary(&mut self) -> ReceivedAncillary {
        std::mem::take(&mut *self.lock_ancillary())
    }

    fn lock_ancillary(&self) -> std::sync::MutexGuard<'_, ReceivedAncillary> {
        self.shared
            .ancillary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the connection: the peer reads end of stream, packets it already sent are
    /// not processed, the next `recv!()` returns [`RecvError::Disconnected`] and the
    /// conversation loop ends once the handler returns. Idempotent.
    pub fn close(&mut self) {
        self.shared.close();
    }

    /// `true` once the connection is closed by [`close`](Self::close).
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The connection's number in this server (as in the logs' `connection` span).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The socket, for low-level operations.
    pub fn socket(&self) -> SocketProxy<'_> {
        SocketProxy::new(self.shared.fd.get_ref())
    }
}

async fn write_all(
    shared: &Shared,
    mut data: &[u8],
    ancillary: &SocketAncillary<'_>,
) -> Result<(), SendError> {
    let none = SocketAncillary::new();
    let mut ancillary = ancillary;
    while !data.is_empty() {
        if shared.is_closed() {
            return Err(SendError::Closed);
        }
        // Immediate when tokio already knows the socket is writable (the usual case).
        let mut guard = tokio::select! {
            biased;
            guard = std::future::poll_fn(|cx| shared.fd.poll_write_ready(cx)) => {
                guard.map_err(SendError::Io)?
            }
            () = shared.wake.cancelled() => {
                if shared.is_closed() {
                    return Err(SendError::Closed);
                }
                // Server shutdown: a conversation may still say goodbye.
                shared.fd.writable().await.map_err(SendError::Io)?
            }
        };
        match guard.try_io(|fd| send_with_ancillary(fd.as_fd(), data, ancillary)) {
            Ok(Ok(n)) => {
                data = &data[n..];
                ancillary = &none;
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Ok(Err(e)) => return Err(SendError::Io(e)),
            // Not writable after all: readiness cleared, wait again.
            Err(_would_block) => {}
        }
    }
    Ok(())
}

impl<P: StreamProtocol> HandlerClient for StreamClient<P>
where
    P::Received: Send,
{
    type Received = P::Received;
    type Receiver = StreamRequests<P>;
}

/// A connection's packets, in order: what `recv!()` awaits on in a Unix stream handler.
///
/// Partial frames wait for more bytes; pipelined packets come out one per call; a frame
/// that fails to parse, or is longer than the protocol's limit, comes out as
/// [`RecvError::Parse`] and the next call continues at the next frame. End of stream (or
/// a reset) gives [`RecvError::Disconnected`], shutdown [`RecvError::ServerClosing`].
///
/// Cancel safety: [`recv`](PacketReceiver::recv) and
/// [`recv_timeout`](PacketReceiver::recv_timeout) are cancel safe (for example in
/// `tokio::select!`): bytes already read stay buffered, so no packet is lost; the next
/// call picks up where the cancelled one stopped.
pub struct StreamRequests<P: StreamProtocol> {
    shared: Arc<Shared>,
    /// Created once and polled by every wait: registering a fresh cancellation future
    /// on each request would cost a lock and a list insertion per packet.
    woken: Pin<Box<WaitForCancellationFutureOwned>>,
    reader: FramedReader<P::Decoder>,
    max_recv_size: usize,
    /// See [`UnixServerConfig::max_pending_fds`].
    max_pending_fds: usize,
    /// A request read by the conversation loop before it called `handle`.
    pending: Option<Result<P::Received, RecvError>>,
    /// Set when the server shuts down (before the tokens are cancelled): read on every
    /// request, so an atomic rather than `CancellationToken::is_cancelled`, which locks
    /// a mutex shared by every connection.
    closing: Arc<AtomicBool>,
    idle_timeout: Option<Duration>,
    counters: Arc<Counters>,
    end: Option<End>,
}

impl<P: StreamProtocol> fmt::Debug for StreamRequests<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamRequests")
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

impl<P: StreamProtocol> StreamRequests<P> {
    /// Reads the next packet. Cancel safe: bytes read stay in the reader.
    async fn read_next(&mut self, timeout: Option<Duration>) -> Result<P::Received, RecvError> {
        if let Some(end) = self.end {
            return Err(end_error(end));
        }
        // No clock read on the common path (no timeout, no idle timeout).
        let (deadline, mut idle_deadline) = if timeout.is_some() || self.idle_timeout.is_some() {
            let now = tokio::time::Instant::now();
            (timeout.map(|t| now + t), self.idle_timeout.map(|t| now + t))
        } else {
            (None, None)
        };
        loop {
            if self.shared.is_closed() {
                return Err(self.finish(End::ClosedByHandler));
            }
            if self.closing.load(Ordering::Acquire) {
                return Err(self.finish(End::ServerClosing));
            }
            match self.reader.poll_buffered() {
                Buffered::Packet(p) => return Ok(p),
                Buffered::Error(e) => {
                    Counters::bump(&self.counters.parse_errors);
                    if e.is_limit_exceeded() {
                        Counters::bump(&self.counters.oversized_frames);
                    }
                    // Debug, not warn: a peer must not be able to flood the logs.
                    tracing::debug!(error = %e, kind = ?e.kind(), "invalid frame received");
                    return Err(RecvError::Parse(e));
                }
                Buffered::Eof => return Err(self.finish(End::PeerClosed)),
                Buffered::NeedMore => {}
            }
            let shared = &*self.shared;
            let timer = async {
                match (deadline, idle_deadline) {
                    (Some(d), Some(i)) if i < d => {
                        tokio::time::sleep_until(i).await;
                        Woke::Idle
                    }
                    (Some(d), _) => {
                        tokio::time::sleep_until(d).await;
                        Woke::Deadline
                    }
                    (None, Some(i)) => {
                        tokio::time::sleep_until(i).await;
                        Woke::Idle
                    }
                    (None, None) => std::future::pending().await,
                }
            };
            // Readiness first: when tokio already knows the socket is readable, nothing
            // else is polled. `poll_read_ready` (one reader per connection) keeps the waker
            // in the registration's reader slot; the `readable()` future would take the
            // waiter list's lock to register and again to unregister, on every request.
            let woke = tokio::select! {
                biased;
                guard = std::future::poll_fn(|cx| shared.fd.poll_read_ready(cx)) => {
                    Woke::Readable(guard)
                }
                () = self.woken.as_mut() => Woke::Cancelled,
                woke = timer => woke,
            };
            let mut guard = match woke {
                Woke::Readable(Ok(guard)) => guard,
                Woke::Readable(Err(e)) => return Err(RecvError::Io(e)),
                // `wake` is cancelled by `close` (which sets `closed` first) or by the
                // server's shutdown token.
                Woke::Cancelled if self.shared.is_closed() => {
                    return Err(self.finish(End::ClosedByHandler));
                }
                Woke::Cancelled => return Err(self.finish(End::ServerClosing)),
                Woke::Deadline => return Err(RecvError::Timeout),
                Woke::Idle => {
                    Counters::bump(&self.counters.idle_timeouts);
                    tracing::debug!("idle timeout: closing the connection");
                    self.shared.close();
                    return Err(self.finish(End::IdleTimeout));
                }
            };
            let reader = &mut self.reader;
            match guard.try_io(|fd| reader.fill(fd.as_fd())) {
                Ok(Ok(n)) => {
                    if let Some(idle) = self.idle_timeout {
                        // Idle means "no byte": a partial frame restarts the clock.
                        idle_deadline = Some(tokio::time::Instant::now() + idle);
                    }
                    if n > 0 && n < self.max_recv_size {
                        // A short read drained the socket (epoll reports new data as a
                        // new edge), so skip the EAGAIN read that would confirm it.
                        guard.clear_ready();
                    }
                    if !self.reader.ancillary.is_empty() {
                        let received = self.reader.take_ancillary();
                        let mut slot = shared
                            .ancillary
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        let dropped = keep_bounded(&mut slot, received, self.max_pending_fds);
                        drop(slot);
                        if dropped > 0 {
                            self.counters
                                .dropped_fds
                                .fetch_add(dropped as u64, Ordering::Relaxed);
                            tracing::warn!(
                                dropped,
                                max_pending_fds = self.max_pending_fds,
                                "too many unclaimed file descriptors: closing the new ones"
                            );
                        }
                    }
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                    ) =>
                {
                    return Err(self.finish(End::Reset));
                }
                Ok(Err(e)) => return Err(RecvError::Io(e)),
                Err(_would_block) => {}
            }
        }
    }

    fn finish(&mut self, end: End) -> RecvError {
        // The first reason sticks: later calls report the same end.
        let end = *self.end.get_or_insert(end);
        self.reader.set_eof();
        end_error(end)
    }

    /// Waits until there is a request for `handle` (stored in `pending`); `false` when
    /// the connection is over.
    async fn wait_for_request(&mut self) -> bool {
        if self.pending.is_some() {
            return true;
        }
        match self.read_next(None).await {
            Err(_) if self.end.is_some() => false,
            Err(RecvError::Io(e)) => {
                tracing::debug!(error = %e, "connection failed");
                false
            }
            other => {
                self.pending = Some(other);
                true
            }
        }
    }
}

/// Moves `received` into `slot`, keeping at most `max` descriptors (and `max`
/// credentials) there; the extra descriptors are closed (dropped) and `truncated` is set.
/// Returns how many descriptors were dropped.
///
/// Why: a peer may send descriptors with every byte, and a handler that never takes
/// them would otherwise let one connection exhaust the process's descriptor table.
fn keep_bounded(
    slot: &mut ReceivedAncillary,
    mut received: ReceivedAncillary,
    max: usize,
) -> usize {
    let fd_room = max.saturating_sub(slot.fds.len());
    let dropped = received.fds.len().saturating_sub(fd_room);
    // `truncate` drops the `OwnedFd`s past the room, which closes them.
    received.fds.truncate(fd_room);
    let cred_room = max.saturating_sub(slot.credentials.len());
    let dropped_credentials = received.credentials.len().saturating_sub(cred_room);
    received.credentials.truncate(cred_room);
    slot.fds.append(&mut received.fds);
    slot.credentials.append(&mut received.credentials);
    slot.truncated |= received.truncated || dropped > 0 || dropped_credentials > 0;
    dropped
}

/// What woke a waiting read.
enum Woke<'a> {
    Readable(io::Result<AsyncFdReadyGuard<'a, std::os::unix::net::UnixStream>>),
    Cancelled,
    Deadline,
    Idle,
}

fn end_error(end: End) -> RecvError {
    match end {
        End::ServerClosing => RecvError::ServerClosing,
        End::IdleTimeout => RecvError::Io(io::Error::new(io::ErrorKind::TimedOut, "idle timeout")),
        End::PeerClosed | End::Reset | End::ClosedByHandler => RecvError::Disconnected,
    }
}

impl<P: StreamProtocol> PacketReceiver for StreamRequests<P>
where
    P::Received: Send,
{
    type Packet = P::Received;

    async fn recv(&mut self) -> Result<P::Received, RecvError> {
        match self.pending.take() {
            Some(request) => request,
            None => self.read_next(None).await,
        }
    }

    async fn recv_timeout(&mut self, timeout: Duration) -> Result<P::Received, RecvError> {
        match self.pending.take() {
            Some(request) => request,
            None => self.read_next(Some(timeout)).await,
        }
    }
}

/// Everything a connection task needs from the server.
pub(crate) struct ConnectionContext<P, H> {
    pub(crate) protocol: Arc<P>,
    pub(crate) handler: Arc<H>,
    pub(crate) config: Arc<UnixServerConfig>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) closing: Arc<AtomicBool>,
    pub(crate) counters: Arc<Counters>,
}

impl<P, H> Clone for ConnectionContext<P, H> {
    fn clone(&self) -> Self {
        Self {
            protocol: self.protocol.clone(),
            handler: self.handler.clone(),
            config: self.config.clone(),
            shutdown: self.shutdown.clone(),
            closing: self.closing.clone(),
            counters: self.counters.clone(),
        }
    }
}

/// Serves one accepted connection to its end (see the module's diagram).
pub(crate) fn serve_connection<P, H>(
    cx: ConnectionContext<P, H>,
    socket: UnixStream,
    id: u64,
) -> impl Future<Output = ()> + Send
where
    P: StreamProtocol,
    P::Received: Send,
    H: RequestHandler<Client = StreamClient<P>>,
{
    let credentials = crate::unix::ancillary::peer_credentials(&socket).ok();
    let span = tracing::info_span!(
        "connection",
        id,
        pid = credentials.map(|c| c.pid),
        uid = credentials.map(|c| c.uid)
    );
    async move {
        if cx.config.receive_credentials {
            if let Err(e) = rustix::net::sockopt::set_socket_passcred(&socket, true) {
                tracing::warn!(error = %e, "cannot enable SO_PASSCRED");
            }
        }
        #[allow(deprecated)] // see the note on `Shared::fd`
        let fd = match socket.into_std().and_then(AsyncFd::new) {
            Ok(fd) => fd,
            Err(e) => {
                tracing::warn!(error = %e, "cannot register the connection");
                return;
            }
        };
        let wake = cx.shutdown.child_token();
        let shared = Arc::new(Shared {
            fd,
            closed: AtomicBool::new(false),
            wake: wake.clone(),
            ancillary: Mutex::new(ReceivedAncillary::default()),
        });
        let mut client = StreamClient {
            shared: shared.clone(),
            protocol: cx.protocol.clone(),
            out: BytesMut::new(),
            credentials,
            id,
        };
        let mut requests = StreamRequests::<P> {
            shared: shared.clone(),
            woken: Box::pin(wake.cancelled_owned()),
            max_recv_size: cx.config.max_recv_size.max(1),
            max_pending_fds: cx.config.max_pending_fds,
            reader: FramedReader::new(
                cx.protocol.decoder(),
                cx.config.max_recv_size,
                cx.config.ancillary_buffer_size,
            ),
            pending: None,
            closing: cx.closing.clone(),
            idle_timeout: cx.config.idle_timeout,
            counters: cx.counters.clone(),
            end: None,
        };
        tracing::debug!("connection accepted");
        let outcome = AssertUnwindSafe(conversation(&*cx.handler, &mut client, &mut requests))
            .catch_unwind()
            .await;
        report(&cx.counters, outcome, "conversation");
        let outcome = AssertUnwindSafe(cx.handler.on_disconnection(&mut client))
            .catch_unwind()
            .await;
        report(&cx.counters, outcome, "on_disconnection");
        shared.close();
        tracing::debug!(reason = ?requests.end, "connection closed");
    }
    .instrument(span)
}

async fn conversation<P, H>(
    handler: &H,
    client: &mut StreamClient<P>,
    requests: &mut StreamRequests<P>,
) -> Result<(), HandlerError>
where
    P: StreamProtocol,
    P::Received: Send,
    H: RequestHandler<Client = StreamClient<P>>,
{
    handler.on_connection(client, requests).await?;
    while !client.is_closed() && requests.wait_for_request().await {
        handler.handle(client, requests).await?;
        if requests.pending.is_some() && requests.end.is_none() && !client.is_closed() {
            // handle() returned without receiving the request it was started for:
            // calling it again would spin on the same request.
            return Err(HandlerError::new(
                "handle() returned without receiving a packet; closing the connection",
            ));
        }
    }
    Ok(())
}

fn report(
    counters: &Counters,
    outcome: Result<Result<(), HandlerError>, Box<dyn std::any::Any + Send>>,
    what: &str,
) {
    match outcome {
        Ok(Ok(())) => {}
        // A handler that propagates the `Disconnected`/`ServerClosing` of its recv!() with
        // `?` is just ending: the peer left, nothing to report.
        Ok(Err(e)) if is_end_of_connection(&e) => {
            tracing::debug!(error = %e, "{what} ended with the connection");
        }
        Ok(Err(e)) => {
            Counters::bump(&counters.handler_errors);
            tracing::error!(error = %e, "{what} failed; closing the connection");
        }
        Err(panic) => {
            Counters::bump(&counters.handler_errors);
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic payload)".to_owned());
            tracing::error!(panic = %message, "{what} panicked; closing the connection");
        }
    }
}

fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    )
}

/// `true` if `e` is (caused by) the connection ending: the peer left, the server is
/// closing, or the handler closed it.
fn is_end_of_connection(e: &HandlerError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&*e.0);
    while let Some(err) = source {
        if let Some(recv) = err.downcast_ref::<RecvError>() {
            return matches!(
                recv,
                RecvError::Disconnected | RecvError::ServerClosing | RecvError::Io(_)
            );
        }
        if let Some(send) = err.downcast_ref::<SendError>() {
            return match send {
                SendError::Closed => true,
                SendError::Io(e) => is_peer_gone(e),
                _ => false,
            };
        }
        source = err.source();
    }
    false
}
