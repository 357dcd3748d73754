//! The server-side client object and its receiver.

use super::shared::Shared;
use super::table::Slot;
use crate::handler::{HandlerClient, PacketReceiver, RecvError};
use crate::protocol::DatagramProtocol;
use crate::socket::SocketProxy;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

thread_local! {
    /// Where `send_packet` serializes; reused, so that sending allocates nothing.
    static SEND_BUFFER: std::cell::RefCell<BytesMut> = std::cell::RefCell::new(BytesMut::new());
}

pub use crate::SendError;

/// One client of a UDP server, as its conversation sees it: `&mut DatagramClient<P>` is
/// the parameter of `handle`.
///
/// A client is its remote address. The object is cheap: it shares the server's socket.
pub struct DatagramClient<P> {
    shared: Arc<Shared<P>>,
    addr: SocketAddr,
}

impl<P> fmt::Debug for DatagramClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatagramClient")
            .field("remote_addr", &self.addr)
            .field("local_addr", &self.shared.local_addr)
            .finish()
    }
}

impl<P: DatagramProtocol> DatagramClient<P> {
    pub(crate) fn new(shared: Arc<Shared<P>>, addr: SocketAddr) -> Self {
        Self { shared, addr }
    }

    /// Serializes `packet` and sends it to this client as one datagram.
    ///
    /// The packet is serialized, and sent if the socket buffer has room (the usual case
    /// on UDP), when `send_packet` is called; the future then only reports the result.
    /// If the buffer is full, the future waits for room and sends then. Either way the
    /// future does not borrow `packet`.
    ///
    /// Cancel safety: if the future is dropped before it completes, the datagram was
    /// either sent whole or not at all.
    pub fn send_packet(
        &self,
        packet: &P::Sent,
    ) -> impl Future<Output = Result<(), SendError>> + Send + '_ {
        // Serialized into a per-thread buffer and sent at once if the socket has room
        // (the usual case): no allocation, and the future does not borrow `packet`.
        // Only a datagram that must wait for room is copied out.
        let attempt = match self.shared.protocol.datagram_bytes(packet) {
            // A packet that is its own datagram (`Raw`) is sent from where it is.
            Some(datagram) => self.try_send(datagram),
            None => SEND_BUFFER.with_borrow_mut(|buf| {
                buf.clear();
                if let Err(e) = self.shared.protocol.encode_datagram(packet, buf) {
                    return Err(SendError::Serialize(e));
                }
                self.try_send(buf)
            }),
        };
        async move {
            match attempt? {
                None => Ok(()),
                Some(datagram) => std::future::poll_fn(|cx| {
                    self.shared.socket.poll_send_to(cx, &datagram, self.addr)
                })
                .await
                .map(drop)
                .map_err(SendError::Io),
            }
        }
    }

    /// Sends `datagram` now if the socket has room; if not, returns a copy of it for
    /// the send future to wait with (rare on UDP: the socket buffer is full).
    fn try_send(&self, datagram: &[u8]) -> Result<Option<Bytes>, SendError> {
        match self.shared.socket.try_send_to(datagram, self.addr) {
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                Ok(Some(Bytes::copy_from_slice(datagram)))
            }
            Err(e) => Err(SendError::Io(e)),
        }
    }

    /// The client's address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's address (the local end of the socket).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// The server's socket, for `setsockopt`-style calls. It is shared by all clients:
    /// an option set here applies to the whole server.
    pub fn socket(&self) -> SocketProxy<'_> {
        SocketProxy::new(&self.shared.socket)
    }
}

impl<P> HandlerClient for DatagramClient<P>
where
    P: DatagramProtocol,
    P::Received: Send + 'static,
{
    type Received = P::Received;
    type Receiver = DatagramRequests<P>;
}

/// The receiver of one UDP client's packets: what `recv!()` awaits on.
///
/// Datagrams are queued raw and parsed when a `recv!()` takes them, so a conversation
/// that returns before its first `recv!()` refuses its datagram without parsing it.
///
/// To use it directly (for example inside `tokio::select!`), name it with a second
/// parameter of `handle`: `async fn handle(&self, client: &mut DatagramClient<P>,
/// requests: &mut DatagramRequests<P>)`, then call the [`PacketReceiver`] methods
/// `requests.recv()` / `requests.recv_timeout(d)` (bring the trait into scope with
/// `use easynet::handler::PacketReceiver`).
pub struct DatagramRequests<P> {
    shared: Arc<Shared<P>>,
    slot: Arc<Slot>,
    /// Whether this conversation took a datagram (if not, its first one is refused).
    received: bool,
}

impl<P> fmt::Debug for DatagramRequests<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatagramRequests")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl<P: DatagramProtocol> DatagramRequests<P> {
    pub(crate) fn new(shared: Arc<Shared<P>>, slot: Arc<Slot>) -> Self {
        Self {
            shared,
            slot,
            received: false,
        }
    }

    /// Ends a conversation of `addr` (see `ClientTable::end_conversation`); `true` if
    /// the next one must start on the same slot.
    pub(crate) fn end_conversation(&mut self, addr: SocketAddr) -> bool {
        let received = std::mem::replace(&mut self.received, false);
        self.shared
            .table
            .end_conversation(addr, &self.slot, received, &self.shared.counters)
    }

    pub(crate) fn counters(&self) -> &super::stats::Counters {
        &self.shared.counters
    }

    /// Takes the next raw datagram of this client, or registers `cx`'s waker. Only
    /// pops a datagram when returning it, so a dropped receive loses nothing.
    fn poll_datagram(&mut self, cx: &mut Context<'_>) -> Poll<Result<Bytes, RecvError>> {
        let mut state = self.slot.lock();
        if state.closed {
            return Poll::Ready(Err(RecvError::ServerClosing));
        }
        if let Some(datagram) = state.queue.pop_front() {
            // A slot not in the table is in its inline first poll: its datagram was
            // never accounted, and if the conversation completes, the receive loop
            // reuses the slot, queue buffer included (if not, `register` frees the
            // buffer).
            let accounted = state.in_table;
            if accounted && state.queue.is_empty() {
                // Give the buffer back: an idle client keeps no queue allocation.
                state.queue = VecDeque::new();
            }
            drop(state);
            if accounted {
                self.shared.counters.release_queued_bytes(datagram.len());
            }
            return Poll::Ready(Ok(datagram));
        }
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    fn parse(&mut self, datagram: Bytes) -> Result<P::Received, RecvError> {
        self.received = true;
        self.shared
            .protocol
            .decode_owned_datagram(datagram)
            .map_err(RecvError::Parse)
    }

    /// The receive future, written to stay small (it is part of every idle client's
    /// memory): no `Timeout` wrapper, and the timer is only created if the queue is
    /// empty (so the first `recv!()` of a conversation never reads the clock).
    fn recv_within(
        &mut self,
        limit: Option<Duration>,
    ) -> impl Future<Output = Result<P::Received, RecvError>> + Send + '_
    where
        P::Received: Send,
    {
        let idle = self.shared.config.client_idle_timeout;
        let (limit, is_idle_limit) = match (limit, idle) {
            (Some(l), Some(i)) if i < l => (Some(i), true),
            (Some(l), _) => (Some(l), false),
            (None, Some(i)) => (Some(i), true),
            (None, None) => (None, false),
        };
        async move {
            let mut timer = pin!(None::<tokio::time::Sleep>);
            let datagram = std::future::poll_fn(|cx| {
                if let Poll::Ready(datagram) = self.poll_datagram(cx) {
                    return Poll::Ready(Some(datagram));
                }
                let Some(limit) = limit else {
                    return Poll::Pending;
                };
                if timer.is_none() {
                    timer.set(Some(tokio::time::sleep(limit)));
                }
                match timer.as_mut().as_pin_mut() {
                    Some(sleep) => sleep.poll(cx).map(|()| None),
                    None => Poll::Pending,
                }
            })
            .await;
            match datagram {
                Some(datagram) => self.parse(datagram?),
                None => {
                    if is_idle_limit {
                        self.shared
                            .counters
                            .idle_timeouts
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    Err(RecvError::Timeout)
                }
            }
        }
    }
}

impl<P> PacketReceiver for DatagramRequests<P>
where
    P: DatagramProtocol,
    P::Received: Send + 'static,
{
    type Packet = P::Received;

    /// The next datagram of this client, parsed. Cancel safe.
    fn recv(&mut self) -> impl Future<Output = Result<Self::Packet, RecvError>> + Send + '_ {
        self.recv_within(None)
    }

    /// The next datagram of this client, parsed, or `Timeout` after `timeout`. If a
    /// datagram is already queued (always the case at a conversation's first
    /// `recv!()`), it is returned at once and the timeout never fires. Cancel safe.
    fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Self::Packet, RecvError>> + Send + '_ {
        self.recv_within(Some(timeout))
    }
}
