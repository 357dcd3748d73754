//! The blocking Unix stream client.

use super::connection::Connection;
use super::{
    IntoSocket, UnixClientConfig, UnixClientError, adopt, buffered_packet, connect_blocking,
    prepare, to_address,
};
use crate::protocol::StreamProtocol;
use crate::received_packets::Iteration;
use crate::socket::SocketProxy;
use crate::unix::UnixSocketAddress;
use crate::unix::ancillary::{
    Credentials, ReceivedAncillary, SocketAncillary, send_with_ancillary,
};
use crate::unix::framed::FramedReader;
use bytes::BytesMut;
use rustix::event::{PollFd, PollFlags};
use std::fmt;
use std::io;
use std::iter::FusedIterator;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A blocking client of a Unix stream server, safe to share between threads.
///
/// Thread-safety rules (easynetwork's):
/// * sending and receiving take **different** locks: one thread may block in
///   [`recv_packet`](Self::recv_packet) while another sends;
/// * [`close`](Self::close) takes neither lock and does not wait for a blocked receive:
///   the receive returns [`UnixClientError::Closed`] promptly;
/// * [`socket`](Self::socket) holds the send lock while the proxy lives, so socket
///   options never change in the middle of a write.
///
/// How `close` interrupts a blocked receive: the socket is non-blocking and receives
/// wait in `poll(2)`. `close` marks the client closed and calls `shutdown(SHUT_RDWR)`,
/// which makes the socket readable (end of stream) and wakes every waiter; they see the
/// mark and return `Closed`. The descriptor itself is closed only when the client is
/// dropped, so no thread can ever use a descriptor number that was closed and reused
/// (the classic close-while-blocked race); no `unsafe` and no extra eventfd are needed.
///
/// ```no_run
/// use easynet::unix::UnixStreamClient;
/// # use easynet::protocol::StreamProtocol;
/// # fn f<P: StreamProtocol<Sent = str>>(protocol: P) -> Result<(), Box<dyn std::error::Error>>
/// # where P::Received: std::fmt::Debug {
/// let client = UnixStreamClient::connect("/run/my-daemon.sock", protocol)?;
/// client.send_packet("hello")?;
/// let answer = client.recv_packet(Some(std::time::Duration::from_secs(5)))?;
/// println!("{answer:?}");
/// # Ok(()) }
/// ```
pub struct UnixStreamClient<P: StreamProtocol> {
    connection: Connection<P, UnixStream, AtomicBool>,
    send_lock: Mutex<()>,
    recv: Mutex<FramedReader<P::Decoder>>,
}

impl<P: StreamProtocol> fmt::Debug for UnixStreamClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.connection.debug("UnixStreamClient", f)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another thread while it held the lock leaves the state consistent
    // (every mutation is a whole step), so poisoning is ignored.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<P: StreamProtocol> UnixStreamClient<P> {
    /// Connects to `address` (a path, or an abstract [`UnixSocketAddress`]) with the
    /// default options.
    pub fn connect(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
    ) -> Result<Self, UnixClientError> {
        Self::connect_with_config(address, protocol, UnixClientConfig::default())
    }

    /// Connects to `address` with `config` (connect timeout, buffer sizes).
    pub fn connect_with_config(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let socket = connect_blocking(&address.into(), config.connect_timeout)?;
        Self::from_owned(OwnedFd::from(socket), protocol, config)
    }

    /// Takes ownership of an already connected socket (std, tokio or socket2 stream, or
    /// an owned descriptor), with the default [configuration](UnixClientConfig).
    ///
    /// It must be a connected `AF_UNIX`/`SOCK_STREAM` socket, else
    /// [`UnixClientError::InvalidSocket`] says what is wrong (and the socket is closed).
    /// The client makes it non-blocking.
    ///
    /// ```
    /// use easynet::unix::UnixStreamClient;
    ///
    /// let (socket, _peer) = std::os::unix::net::UnixStream::pair()?;
    /// let client = UnixStreamClient::from_socket(socket, easynet::protocol::Line::new())?;
    /// assert_eq!(client.peer_addr()?, None); // a socket pair is unnamed
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_socket<S: IntoSocket>(socket: S, protocol: P) -> Result<Self, UnixClientError> {
        Self::from_socket_with_config(socket, protocol, UnixClientConfig::default())
    }

    /// Like [`from_socket`](Self::from_socket), with `config` (buffer sizes,
    /// credentials; the connect timeout does not apply).
    pub fn from_socket_with_config<S: IntoSocket>(
        socket: S,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        Self::from_owned(adopt(socket)?, protocol, config)
    }

    fn from_owned(
        fd: OwnedFd,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let (socket, reader) = prepare(fd, &protocol, &config)?;
        Ok(Self {
            connection: Connection::new(
                protocol,
                socket,
                AtomicBool::new(false),
                config.max_pending_fds,
            ),
            send_lock: Mutex::new(()),
            recv: Mutex::new(reader),
        })
    }

    /// Sends one packet, framed by the protocol. Blocks until every byte is written.
    pub fn send_packet(&self, packet: &P::Sent) -> Result<(), UnixClientError> {
        self.send_packet_with_ancillary(packet, &SocketAncillary::new())
    }

    /// Sends one packet with ancillary data (file descriptors, credentials) attached to
    /// its first byte; see `sendmsg(2)` and `unix(7)`.
    pub fn send_packet_with_ancillary(
        &self,
        packet: &P::Sent,
        ancillary: &SocketAncillary<'_>,
    ) -> Result<(), UnixClientError> {
        let mut out = BytesMut::new();
        self.connection.protocol().encode_frame(packet, &mut out)?;
        let _guard = lock(&self.send_lock);
        self.connection.check_can_send()?;
        self.write_all(&out, ancillary)
    }

    fn write_all(
        &self,
        mut data: &[u8],
        ancillary: &SocketAncillary<'_>,
    ) -> Result<(), UnixClientError> {
        let none = SocketAncillary::new();
        let mut ancillary = ancillary;
        while !data.is_empty() {
            match send_with_ancillary(self.connection.socket.as_fd(), data, ancillary) {
                Ok(n) => {
                    data = &data[n..];
                    ancillary = &none;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait(PollFlags::OUT, None)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) if self.connection.is_closed() => {
                    return Err(UnixClientError::Closed);
                }
                Err(e) => return Err(UnixClientError::Io(e)),
            }
        }
        Ok(())
    }

    /// Waits until the socket is ready for `events`; `Ok(false)` on timeout.
    fn wait(&self, events: PollFlags, deadline: Option<Instant>) -> Result<bool, UnixClientError> {
        let timeout = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(false);
                }
                Some(
                    rustix::event::Timespec::try_from(left).unwrap_or(rustix::event::Timespec {
                        tv_sec: i64::MAX,
                        tv_nsec: 0,
                    }),
                )
            }
            None => None,
        };
        let mut fds = [PollFd::new(&self.connection.socket, events)];
        match rustix::event::poll(&mut fds, timeout.as_ref()) {
            Ok(n) => Ok(n > 0),
            Err(rustix::io::Errno::INTR) => Ok(true),
            Err(e) => Err(UnixClientError::Io(e.into())),
        }
    }

    /// Receives the next packet, waiting at most `timeout` (`None`: as long as needed;
    /// `Some(Duration::ZERO)`: only what has already arrived).
    ///
    /// Bytes after the packet are kept for the next call. A frame that fails to parse
    /// gives [`UnixClientError::Parse`] and is consumed; the next call reads the next one.
    /// Ancillary data that arrived with the bytes read is discarded (received descriptors
    /// are closed); use [`recv_packet_with_ancillary`](Self::recv_packet_with_ancillary)
    /// to get it.
    pub fn recv_packet(&self, timeout: Option<Duration>) -> Result<P::Received, UnixClientError> {
        let deadline = deadline(timeout);
        let mut reader = lock(&self.recv);
        let result = self.recv_locked(&mut reader, deadline);
        drop(reader.take_ancillary());
        result
    }

    /// Like [`recv_packet`](Self::recv_packet), and also returns the ancillary data
    /// received with the bytes read by this call (and by earlier calls of `recv_packet`
    /// that had not been returned, which `recv_packet` discards).
    ///
    /// Linux delivers the descriptors of one `sendmsg` together with that message's
    /// bytes, so descriptors sent along with a packet come out with that packet.
    pub fn recv_packet_with_ancillary(
        &self,
        timeout: Option<Duration>,
    ) -> Result<(P::Received, ReceivedAncillary), UnixClientError> {
        let deadline = deadline(timeout);
        let mut reader = lock(&self.recv);
        let packet = self.recv_locked(&mut reader, deadline)?;
        Ok((packet, reader.take_ancillary()))
    }

    fn recv_locked(
        &self,
        reader: &mut FramedReader<P::Decoder>,
        deadline: Option<Instant>,
    ) -> Result<P::Received, UnixClientError> {
        loop {
            self.connection.check_open()?;
            if let Some(result) = buffered_packet(reader) {
                return result;
            }
            match self.connection.fill(reader) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.wait(PollFlags::IN, deadline)? {
                        return Err(UnixClientError::Timeout);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) if self.connection.is_closed() => {
                    return Err(UnixClientError::Closed);
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    reader.set_eof();
                }
                Err(e) => return Err(UnixClientError::Io(e)),
            }
        }
    }

    /// Iterates over the received packets, with one time `budget` for the whole
    /// iteration.
    ///
    /// * `Some(Duration::ZERO)` (easynetwork's default, also [`drain_received_packets`])
    ///   yields the packets already received or buffered, without waiting.
    /// * `Some(d)`: waiting inside `next()` spends the budget; when it is spent, the
    ///   iteration ends. Time spent by the caller between two `next()` calls is not
    ///   counted.
    /// * `None`: no time limit.
    ///
    /// Items are `Ok(packet)`, or `Err(`[`UnixClientError::Parse`]`)` for a frame that did
    /// not parse (yielded, not swallowed; the iteration goes on). The iteration ends when
    /// the budget is spent or the client is closed; on any other error (end of stream,
    /// socket error) it yields that error and then ends. Ancillary data is discarded, as
    /// by [`recv_packet`](Self::recv_packet).
    ///
    /// [`drain_received_packets`]: Self::drain_received_packets
    ///
    /// ```
    /// use easynet::unix::UnixStreamClient;
    /// use std::io::Write;
    /// use std::time::Duration;
    ///
    /// let (socket, mut peer) = std::os::unix::net::UnixStream::pair()?;
    /// let client = UnixStreamClient::from_socket(socket, easynet::protocol::Line::new())?;
    /// peer.write_all(b"a\nb\nc\n")?;
    /// let received: Vec<_> = client
    ///     .iter_received_packets(Some(Duration::from_secs(5)))
    ///     .take(3)
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(received, ["a", "b", "c"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter_received_packets(&self, budget: Option<Duration>) -> ReceivedPackets<'_, P> {
        ReceivedPackets {
            client: self,
            iteration: Iteration::new(budget),
        }
    }

    /// The packets already received or buffered, parsed: `iter_received_packets` with a
    /// zero budget.
    ///
    /// ```
    /// use easynet::unix::UnixStreamClient;
    /// use std::io::Write;
    /// use std::time::Duration;
    ///
    /// let (socket, mut peer) = std::os::unix::net::UnixStream::pair()?;
    /// let client = UnixStreamClient::from_socket(socket, easynet::protocol::Line::new())?;
    /// peer.write_all(b"one\ntwo\n")?;
    /// // One write: once the first line is there, so is the second.
    /// let first = client.recv_packet(Some(Duration::from_secs(5)))?;
    /// let rest: Vec<_> = client.drain_received_packets().collect::<Result<_, _>>()?;
    /// assert_eq!((first.as_str(), rest), ("one", vec!["two".to_owned()]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drain_received_packets(&self) -> ReceivedPackets<'_, P> {
        self.iter_received_packets(Some(Duration::ZERO))
    }

    /// Flushes, then shuts down the write side (the peer reads end of stream). Later
    /// sends fail with [`UnixClientError::WriteClosed`]; receiving still works.
    pub fn send_eof(&self) -> Result<(), UnixClientError> {
        // Taking the send lock waits for a send in progress: sends write everything
        // before returning, so holding it means everything is flushed.
        let _guard = lock(&self.send_lock);
        self.connection.shutdown_write()
    }

    /// The peer process's credentials (`SO_PEERCRED`: pid, uid, gid at connect time).
    pub fn peer_credentials(&self) -> Result<Credentials, UnixClientError> {
        self.connection.peer_credentials()
    }

    /// The local address of the socket (`None` for an unnamed socket, which is what a
    /// connecting client usually has).
    pub fn local_addr(&self) -> Result<Option<UnixSocketAddress>, UnixClientError> {
        self.connection.check_open()?;
        Ok(to_address(&self.connection.socket.local_addr()?))
    }

    /// The peer's address: the server's socket path or abstract name (`None` for an
    /// unnamed peer).
    pub fn peer_addr(&self) -> Result<Option<UnixSocketAddress>, UnixClientError> {
        self.connection.check_open()?;
        Ok(to_address(&self.connection.socket.peer_addr()?))
    }

    /// A proxy for low-level socket operations (`setsockopt` and friends, through
    /// [`socket2::Socket`]). It holds the send lock while it lives, so socket options
    /// never change in the middle of a write: drop it promptly.
    pub fn socket(&self) -> Result<SocketProxy<'_>, UnixClientError> {
        self.connection.check_open()?;
        Ok(SocketProxy::locked(
            &self.connection.socket,
            lock(&self.send_lock),
        ))
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        self.connection.protocol()
    }

    /// Closes the connection: the peer sees end of stream, a receive blocked in another
    /// thread returns [`UnixClientError::Closed`] promptly, and every later call fails
    /// with `Closed`. Idempotent. Does not wait for the receive lock.
    pub fn close(&self) {
        // The shutdown wakes every thread polling this socket (see the type's docs).
        self.connection.close();
    }

    /// `true` once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.connection.is_closed()
    }
}

/// When a receive with `timeout` gives up; a deadline that does not fit in an `Instant`
/// is as good as none.
fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

/// Iterator over received packets, from [`UnixStreamClient::iter_received_packets`];
/// see there for when it ends.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ReceivedPackets<'a, P: StreamProtocol> {
    client: &'a UnixStreamClient<P>,
    iteration: Iteration,
}

impl<P: StreamProtocol> fmt::Debug for ReceivedPackets<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedPackets")
            .field("client", self.client)
            .field("iteration", &self.iteration)
            .finish()
    }
}

impl<P: StreamProtocol> Iterator for ReceivedPackets<'_, P> {
    type Item = Result<P::Received, UnixClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.iteration
            .next_blocking(|timeout| self.client.recv_packet(timeout))
    }
}

impl<P: StreamProtocol> FusedIterator for ReceivedPackets<'_, P> {}
