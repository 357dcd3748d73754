//! The server object: builder, receive loop, conversations, shutdown.

use super::client::{DatagramClient, DatagramRequests};
use super::config::{SocketOptions, UdpServerConfig};
use super::context::ClientContext;
use super::shared::Shared;
use super::stats::{Counters, ServerStats};
use super::table::{ClientTable, Dispatch, Slot};
use crate::handler::{ClientDefaults, HandlerError, RequestHandler, ServiceContext};
use crate::protocol::DatagramProtocol;
use crate::socket::SocketProxy;
use futures_util::future::OptionFuture;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// After this many datagrams handled without waiting, the receive loop yields, so that
/// spawned conversations also run on a current-thread runtime.
const BURST: u32 = 64;

/// A UDP server: one [`RequestHandler`], one conversation per client.
///
/// ```no_run
/// use easynet::udp::server::{DatagramClient, UdpServer};
/// use easynet::protocol::Json;
/// use easynet::{recv, request_handler};
///
/// struct Echo;
///
/// #[request_handler]
/// impl Echo {
///     async fn handle(&self, client: &mut DatagramClient<Json<serde_json::Value>>) {
///         if let Ok(value) = recv!() {
///             let _ = client.send_packet(&value).await;
///         }
///     }
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let server = UdpServer::bind("127.0.0.1:9000", Json::new(), Echo).await?;
/// server.serve_forever().await
/// # }
/// ```
pub struct UdpServer<H, P> {
    shared: Arc<Shared<P>>,
    handler: Arc<H>,
    shutdown: CancellationToken,
    serving: AtomicBool,
}

impl<H, P> std::fmt::Debug for UdpServer<H, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpServer")
            .field("local_addr", &self.shared.local_addr)
            .field("is_serving", &self.serving.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Tells a server to shut down; cheap to clone, usable from any thread.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    token: CancellationToken,
}

impl ShutdownHandle {
    /// Starts a graceful shutdown: the server stops receiving, every `recv!()` returns
    /// `Err(RecvError::ServerClosing)`, and `serve_forever` returns once the
    /// conversations and `service_init` tasks have ended. Idempotent.
    pub fn shutdown(&self) {
        self.token.cancel();
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Builds a [`UdpServer`]: bind address, socket options, limits.
///
/// ```
/// use easynet::udp::server::{UdpServer, UdpServerConfig};
/// use std::time::Duration;
/// let builder = UdpServer::builder("127.0.0.1:0".parse().unwrap())
///     .reuse_port(true)
///     .recv_buffer_size(1 << 20)
///     .max_clients(10_000)
///     .client_idle_timeout(Some(Duration::from_secs(60)));
/// assert_eq!(builder.config().max_clients, 10_000);
/// ```
#[derive(Debug, Clone)]
pub struct UdpServerBuilder {
    addr: SocketAddr,
    options: SocketOptions,
    config: UdpServerConfig,
}

impl UdpServerBuilder {
    /// Sets `SO_REUSEPORT` (several servers, or processes, on one port). Default: off.
    pub fn reuse_port(mut self, on: bool) -> Self {
        self.options.reuse_port = on;
        self
    }

    /// Sets the socket's receive buffer (`SO_RCVBUF`). Default: the OS's.
    pub fn recv_buffer_size(mut self, bytes: usize) -> Self {
        self.options.recv_buffer_size = Some(bytes);
        self
    }

    /// Sets the socket's send buffer (`SO_SNDBUF`). Default: the OS's.
    pub fn send_buffer_size(mut self, bytes: usize) -> Self {
        self.options.send_buffer_size = Some(bytes);
        self
    }

    /// For an IPv6 address: accept only IPv6 (`true`) or also IPv4-mapped clients
    /// (`false`). Default: the OS's.
    pub fn only_v6(mut self, only: bool) -> Self {
        self.options.only_v6 = Some(only);
        self
    }

    /// The limits set so far.
    pub fn config(&self) -> &UdpServerConfig {
        &self.config
    }

    /// Replaces all limits at once.
    pub fn with_config(mut self, config: UdpServerConfig) -> Self {
        self.config = config;
        self
    }

    /// See [`UdpServerConfig::max_clients`].
    pub fn max_clients(mut self, n: usize) -> Self {
        self.config.max_clients = n;
        self
    }

    /// See [`UdpServerConfig::max_queued_datagrams`].
    pub fn max_queued_datagrams(mut self, n: usize) -> Self {
        self.config.max_queued_datagrams = n;
        self
    }

    /// See [`UdpServerConfig::max_queued_bytes`].
    pub fn max_queued_bytes(mut self, n: usize) -> Self {
        self.config.max_queued_bytes = n;
        self
    }

    /// See [`UdpServerConfig::client_idle_timeout`].
    pub fn client_idle_timeout(mut self, ttl: Option<Duration>) -> Self {
        self.config.client_idle_timeout = ttl;
        self
    }

    /// See [`UdpServerConfig::max_datagram_size`].
    pub fn max_datagram_size(mut self, bytes: usize) -> Self {
        self.config.max_datagram_size = bytes;
        self
    }

    /// See [`UdpServerConfig::shutdown_grace`].
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// Binds the socket and makes the server (not yet serving). Must be called inside a
    /// tokio runtime.
    pub async fn build<H, P>(self, protocol: P, handler: H) -> io::Result<UdpServer<H, P>>
    where
        P: DatagramProtocol,
        P::Received: Send + 'static,
        H: RequestHandler<Client = DatagramClient<P>>,
    {
        let socket = bind_socket(self.addr, &self.options)?;
        let socket = tokio::net::UdpSocket::from_std(socket)?;
        let local_addr = socket.local_addr()?;
        Ok(UdpServer {
            shared: Arc::new(Shared {
                socket,
                local_addr,
                protocol,
                table: ClientTable::default(),
                config: self.config,
                counters: Counters::default(),
            }),
            handler: Arc::new(handler),
            shutdown: CancellationToken::new(),
            serving: AtomicBool::new(false),
        })
    }

    /// Starts the server on its own thread and tokio runtime, for synchronous code.
    /// Returns once the socket is bound.
    pub fn spawn_background<H, P>(
        self,
        protocol: P,
        handler: H,
    ) -> io::Result<super::BackgroundServer>
    where
        P: DatagramProtocol,
        P::Received: Send + 'static,
        H: RequestHandler<Client = DatagramClient<P>>,
    {
        super::BackgroundServer::start(self, protocol, handler)
    }
}

fn bind_socket(addr: SocketAddr, options: &SocketOptions) -> io::Result<std::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if options.reuse_port {
        socket.set_reuse_port(true)?;
    }
    if let Some(size) = options.recv_buffer_size {
        socket.set_recv_buffer_size(size)?;
    }
    if let Some(size) = options.send_buffer_size {
        socket.set_send_buffer_size(size)?;
    }
    if let (Some(only), SocketAddr::V6(_)) = (options.only_v6, addr) {
        socket.set_only_v6(only)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

impl UdpServer<(), ()> {
    /// A builder for a server bound to `addr` (port 0 picks a free port).
    pub fn builder(addr: SocketAddr) -> UdpServerBuilder {
        UdpServerBuilder {
            addr,
            options: SocketOptions::default(),
            config: UdpServerConfig::default(),
        }
    }
}

impl<H, P> UdpServer<H, P>
where
    P: DatagramProtocol,
    P::Received: Send + 'static,
    H: RequestHandler<Client = DatagramClient<P>>,
{
    /// Binds `addr` (the first address it resolves to) with default options and limits.
    pub async fn bind(
        addr: impl tokio::net::ToSocketAddrs,
        protocol: P,
        handler: H,
    ) -> io::Result<Self> {
        let addr = tokio::net::lookup_host(addr).await?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
        })?;
        UdpServer::builder(addr).build(protocol, handler).await
    }

    /// The address the socket is bound to (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// Whether [`serve_forever`](Self::serve_forever) is running.
    pub fn is_serving(&self) -> bool {
        self.serving.load(Ordering::Acquire)
    }

    /// A handle that shuts the server down, from any task or thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            token: self.shutdown.clone(),
        }
    }

    /// Starts a graceful shutdown (see [`ShutdownHandle::shutdown`]).
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// The server's counters now.
    pub fn stats(&self) -> ServerStats {
        self.shared.counters.snapshot(self.shared.table.len())
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The server's socket, for `setsockopt`-style calls.
    pub fn socket(&self) -> SocketProxy<'_> {
        SocketProxy::new(&self.shared.socket)
    }

    /// Runs `service_init`, then serves until [`shutdown`](ShutdownHandle::shutdown).
    ///
    /// Returns `Ok(())` after a shutdown, once every conversation and every task
    /// spawned by `service_init` has ended (at once if the shutdown came first); an
    /// error if `service_init` fails, if the server is already serving, or if the
    /// socket fails.
    ///
    /// Cancel safety: dropping the future stops receiving; conversations already
    /// spawned end at their next `recv!()` with `ServerClosing`, and the
    /// `service_init` tasks are told to stop (but not awaited).
    pub async fn serve_forever(&self) -> io::Result<()> {
        if self.shutdown.is_cancelled() {
            // Shut down before (or while) starting: nothing to serve.
            return Ok(());
        }
        if self.serving.swap(true, Ordering::AcqRel) {
            return Err(io::Error::other("the server is already serving"));
        }
        let _serving = ResetOnDrop(&self.serving, &self.shared.table);
        let service_token = CancellationToken::new();
        // Also tells the service tasks to stop if this future is dropped.
        let _stop_service = service_token.clone().drop_guard();
        let mut service = ServiceContext::new(TaskTracker::new(), service_token);
        let init = self.handler.service_init(&mut service).await;
        let result = match init {
            Ok(()) => {
                let serving = Serving {
                    shared: &self.shared,
                    handler: &self.handler,
                    conversations: TaskTracker::new(),
                    client_defaults: service.take_client_defaults(),
                };
                let result = receive_loop(&serving, &self.shutdown).await;
                let conversations = serving.conversations;
                self.shared.table.close();
                conversations.close();
                let grace = self.shared.config.shutdown_grace;
                if tokio::time::timeout(grace, conversations.wait())
                    .await
                    .is_err()
                {
                    tracing::warn!(
                        ?grace,
                        "conversations still running after the shutdown grace period, aborting them"
                    );
                    self.shared.table.abort_all();
                    conversations.wait().await;
                }
                self.shared.table.clear();
                result
            }
            Err(e) => {
                tracing::error!(error = %e, "service_init failed");
                Err(io::Error::other(e))
            }
        };
        // Same policy as conversations: told to stop, awaited up to the grace, aborted.
        service.stop_tasks(self.shared.config.shutdown_grace).await;
        tracing::debug!(local_addr = %self.shared.local_addr, "server stopped");
        result
    }
}

/// What the receive loop serves with: the server's state and handler, the tracker of
/// the conversations it spawns, and the client defaults `service_init` set.
struct Serving<'a, H, P> {
    shared: &'a Arc<Shared<P>>,
    handler: &'a Arc<H>,
    conversations: TaskTracker,
    /// Copied into each new client's context; read by the receive loop only, so
    /// without a lock.
    client_defaults: ClientDefaults,
}

/// The counters only the receive loop increments: kept here and published with plain
/// stores, not a read-modify-write per datagram.
struct LoopCounts {
    datagrams_received: u64,
    conversations_started: u64,
}

impl LoopCounts {
    /// Continues from the published values (a server can serve again after a shutdown).
    fn resume(counters: &Counters) -> Self {
        Self {
            datagrams_received: counters.datagrams_received.load(Ordering::Relaxed),
            conversations_started: counters.conversations_started.load(Ordering::Relaxed),
        }
    }
}

/// Receives datagrams and routes them, until shutdown or a socket failure.
async fn receive_loop<H, P>(
    serving: &Serving<'_, H, P>,
    shutdown: &CancellationToken,
) -> io::Result<()>
where
    P: DatagramProtocol,
    P::Received: Send + 'static,
    H: RequestHandler<Client = DatagramClient<P>>,
{
    let shared = serving.shared;
    // Every datagram lands in this one buffer, at the same address, in memory the
    // cache still holds; the table copies the datagrams it keeps to their exact size
    // (see `ClientTable::dispatch`).
    let mut buf = vec![0_u8; shared.config.max_datagram_size.max(1)].into_boxed_slice();
    let mut cancelled = pin!(shutdown.cancelled());
    let mut burst = 0_u32;
    let mut recycled = Recycled {
        conversation: None,
        slot: None,
    };
    let mut counts = LoopCounts::resume(&shared.counters);
    let mut token_task = None;
    tracing::debug!(local_addr = %shared.local_addr, "serving");
    loop {
        if burst >= BURST {
            burst = 0;
            tokio::task::yield_now().await;
            if shutdown.is_cancelled() {
                return Ok(());
            }
        }
        match shared.socket.try_recv_from(&mut buf) {
            Ok((len, addr)) => {
                burst += 1;
                dispatch(
                    serving,
                    addr,
                    &buf[..len],
                    &mut counts,
                    &mut recycled,
                    client_conversations::<H, P>,
                );
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                burst = 0;
                let stop = idle_wait(shared, &mut cancelled, &mut token_task).await?;
                if stop {
                    return Ok(());
                }
            }
            Err(e) => {
                // ICMP errors (e.g. a port unreachable for an earlier reply) show up
                // here on some systems; they concern one peer, not the server.
                burst += 1;
                tracing::debug!(error = %e, "receive error ignored");
            }
        }
    }
}

/// Waits until the socket has a datagram (`false`) or the server shuts down (`true`).
///
/// With one client in ping-pong, the receive loop waits once per datagram, so this wait
/// is on the hot path. Polling the shutdown token takes two locks; it is polled only
/// when it may have fired: when something else than the socket woke the loop during
/// this wait, or when the token does not hold this task's waker yet. A token once
/// polled stays registered, and its cancellation wakes the loop, whose next poll of
/// this wait then looks at it.
///
/// `token_task` identifies the waker the token was last polled with by its data
/// pointer: `Waker::will_wake` compares vtable addresses too, and a waker's clone may
/// carry another copy of the same vtable (it did here, with tokio's), which would make
/// every wait poll the token.
async fn idle_wait<P>(
    shared: &Shared<P>,
    cancelled: &mut Pin<&mut WaitForCancellationFuture<'_>>,
    token_task: &mut Option<usize>,
) -> io::Result<bool> {
    let mut woken = false;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(ready) = shared.socket.poll_recv_ready(cx) {
            return Poll::Ready(ready.map(|()| false));
        }
        let task = cx.waker().data().addr();
        let registered = *token_task == Some(task);
        if registered && !std::mem::replace(&mut woken, true) {
            return Poll::Pending;
        }
        *token_task = Some(task);
        cancelled.as_mut().poll(cx).map(|()| Ok(true))
    })
    .await
}

/// The allocations of the last conversation that completed inline (its future's box
/// and its slot), reused by the next one: a conversation that answers at once (an echo)
/// then allocates nothing. Only the receive loop holds them: one of each per server.
struct Recycled<F> {
    /// Empty (`None`): the completed future was dropped at once, as without reuse, so
    /// that its client context goes when the conversation ends.
    conversation: Option<Pin<Box<OptionFuture<F>>>>,
    slot: Option<Arc<Slot>>,
}

/// What makes a client's conversations' future: `client_conversations`.
type StartFn<H, P, F> = fn(Arc<H>, Arc<Shared<P>>, Arc<Slot>, SocketAddr, &ClientDefaults) -> F;

/// Routes one datagram; starts a conversation (made by `start`: always
/// `client_conversations`, a parameter only to name its future's type) if its client
/// has none.
fn dispatch<H, P, F>(
    serving: &Serving<'_, H, P>,
    addr: SocketAddr,
    datagram: &[u8],
    counts: &mut LoopCounts,
    recycled: &mut Recycled<F>,
    start: StartFn<H, P, F>,
) where
    P: DatagramProtocol,
    P::Received: Send + 'static,
    H: RequestHandler<Client = DatagramClient<P>>,
    F: Future<Output = ()> + Send + 'static,
{
    let shared = serving.shared;
    counts.datagrams_received += 1;
    shared
        .counters
        .datagrams_received
        .store(counts.datagrams_received, Ordering::Relaxed);
    let slot = match shared.table.dispatch(
        addr,
        datagram,
        &shared.config,
        &shared.counters,
        &mut recycled.slot,
    ) {
        Dispatch::Start(slot) => slot,
        Dispatch::Queued | Dispatch::Dropped => return,
    };
    counts.conversations_started += 1;
    shared
        .counters
        .conversations_started
        .store(counts.conversations_started, Ordering::Relaxed);
    let future = start(
        Arc::clone(serving.handler),
        Arc::clone(shared),
        Arc::clone(&slot),
        addr,
        &serving.client_defaults,
    );
    let mut conversation = match recycled.conversation.take() {
        Some(mut empty) => {
            empty.set(Some(future).into());
            empty
        }
        None => Box::pin(OptionFuture::from(Some(future))),
    };
    // Poll once inline: a conversation that answers at once (an echo) completes
    // here, without a task. Only a waiting one becomes a task; the task polls it
    // again, so the no-op waker used here is never relied upon.
    let mut cx = Context::from_waker(Waker::noop());
    if conversation.as_mut().poll(&mut cx).is_ready() {
        // Drops the completed future in place; the box is kept for the next one.
        conversation.set(None.into());
        recycled.conversation = Some(conversation);
        recycled.slot = Some(slot);
        return;
    }
    shared.table.register(addr, &slot, &shared.counters);
    let task = serving.conversations.spawn(conversation);
    slot.lock().task = Some(task.abort_handle());
}

/// Clears `serving`, and closes the table if `serve_forever`'s future is dropped.
struct ResetOnDrop<'a>(&'a AtomicBool, &'a ClientTable);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.1.close();
        self.0.store(false, Ordering::Release);
    }
}

/// All consecutive conversations of one client, with its context and tracing span.
fn client_conversations<H, P>(
    handler: Arc<H>,
    shared: Arc<Shared<P>>,
    slot: Arc<Slot>,
    addr: SocketAddr,
    client_defaults: &ClientDefaults,
) -> impl Future<Output = ()> + Send + use<H, P>
where
    P: DatagramProtocol,
    P::Received: Send + 'static,
    H: RequestHandler<Client = DatagramClient<P>>,
{
    // DEBUG, not INFO: one span per conversation is one per datagram for a service that
    // answers at once, and an enabled span is allocated and formatted.
    let span = tracing::debug_span!("udp_conversation", client = %addr);
    let context = ClientContext::new(addr, client_defaults);
    let conversations = async move {
        // `shared` and `slot` are moved into the client objects, not cloned: every
        // byte of this future is paid by every idle client.
        let mut client = DatagramClient::new(Arc::clone(&shared), addr);
        let mut requests = DatagramRequests::new(shared, slot);
        loop {
            let outcome = {
                // Pinned in place and polled through `catch_unwind` by hand: wrapping
                // it in combinators would store the handler's future twice.
                let mut conversation = pin!(handler.handle(&mut client, &mut requests));
                std::future::poll_fn(|cx| {
                    match std::panic::catch_unwind(AssertUnwindSafe(|| {
                        conversation.as_mut().poll(cx)
                    })) {
                        Ok(Poll::Pending) => Poll::Pending,
                        Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
                        Err(panic) => Poll::Ready(Err(panic)),
                    }
                })
                .await
            };
            if !matches!(outcome, Ok(Ok(()))) {
                report(requests.counters(), client.remote_addr(), outcome);
            }
            if !requests.end_conversation(client.remote_addr()) {
                break;
            }
        }
    };
    context.scope(conversations).instrument(span)
}

/// Logs and counts a conversation that failed or panicked.
#[cold]
fn report(
    counters: &Counters,
    addr: SocketAddr,
    outcome: Result<Result<(), HandlerError>, Box<dyn std::any::Any + Send>>,
) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            counters.handler_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(client = %addr, error = %e, "request handler failed");
        }
        Err(panic) => {
            counters.handler_panics.fetch_add(1, Ordering::Relaxed);
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic)".to_owned());
            tracing::error!(client = %addr, panic = %message, "request handler panicked");
        }
    }
}

impl<H, P> Drop for UdpServer<H, P> {
    fn drop(&mut self) {
        // Conversations still waiting must not outlive their server unnoticed.
        self.shutdown.cancel();
        self.shared.table.close();
    }
}
