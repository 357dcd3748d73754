//! The blocking Unix stream client.

use super::{UnixClientConfig, UnixClientError, check_connected_stream, connect_blocking};
use crate::protocol::StreamProtocol;
use crate::socket::SocketProxy;
use crate::unix::UnixSocketAddress;
use crate::unix::ancillary::{
    Credentials, ReceivedAncillary, SocketAncillary, peer_credentials, send_with_ancillary,
};
use crate::unix::framed::{Buffered, FramedReader};
use bytes::BytesMut;
use rustix::event::{PollFd, PollFlags};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
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
    protocol: P,
    socket: UnixStream,
    send_lock: Mutex<()>,
    recv: Mutex<FramedReader<P::Decoder>>,
    closed: AtomicBool,
    write_closed: AtomicBool,
}

impl<P: StreamProtocol> fmt::Debug for UnixStreamClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStreamClient")
            .field("socket", &self.socket)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
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

    /// Adopts an already connected socket ([`std::os::unix::net::UnixStream`],
    /// [`socket2::Socket`], or any owned descriptor). It must be a connected
    /// `AF_UNIX`/`SOCK_STREAM` socket, or [`UnixClientError::InvalidSocket`] is returned
    /// (and the socket closed). The client owns it from now on.
    pub fn from_socket(
        socket: impl Into<OwnedFd>,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let fd = socket.into();
        check_connected_stream(&fd)?;
        Self::from_owned(fd, protocol, config)
    }

    fn from_owned(
        fd: OwnedFd,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let socket = UnixStream::from(fd);
        socket.set_nonblocking(true).map_err(UnixClientError::Io)?;
        if config.receive_credentials {
            rustix::net::sockopt::set_socket_passcred(&socket, true)
                .map_err(|e| UnixClientError::Io(e.into()))?;
        }
        let reader = FramedReader::new(
            protocol.decoder(),
            config.max_recv_size,
            config.ancillary_buffer_size,
        );
        Ok(Self {
            protocol,
            socket,
            send_lock: Mutex::new(()),
            recv: Mutex::new(reader),
            closed: AtomicBool::new(false),
            write_closed: AtomicBool::new(false),
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
        self.protocol.encode_frame(packet, &mut out)?;
        let _guard = lock(&self.send_lock);
        self.check_can_send()?;
        self.write_all(&out, ancillary)
    }

    fn check_can_send(&self) -> Result<(), UnixClientError> {
        if self.closed.load(Ordering::Acquire) {
            Err(UnixClientError::Closed)
        } else if self.write_closed.load(Ordering::Acquire) {
            Err(UnixClientError::WriteClosed)
        } else {
            Ok(())
        }
    }

    fn write_all(
        &self,
        mut data: &[u8],
        ancillary: &SocketAncillary<'_>,
    ) -> Result<(), UnixClientError> {
        let none = SocketAncillary::new();
        let mut ancillary = ancillary;
        while !data.is_empty() {
            match send_with_ancillary(self.socket.as_fd(), data, ancillary) {
                Ok(n) => {
                    data = &data[n..];
                    ancillary = &none;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait(PollFlags::OUT, None)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) if self.closed.load(Ordering::Acquire) => {
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
        let mut fds = [PollFd::new(&self.socket, events)];
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
        let deadline = timeout.map(|t| Instant::now() + t);
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
        let deadline = timeout.map(|t| Instant::now() + t);
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
            if self.closed.load(Ordering::Acquire) {
                return Err(UnixClientError::Closed);
            }
            match reader.poll_buffered() {
                Buffered::Packet(p) => return Ok(p),
                Buffered::Error(e) => return Err(UnixClientError::Parse(e)),
                Buffered::Eof => return Err(UnixClientError::Eof),
                Buffered::NeedMore => {}
            }
            match reader.fill(self.socket.as_fd()) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.wait(PollFlags::IN, deadline)? {
                        return Err(UnixClientError::Timeout);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) if self.closed.load(Ordering::Acquire) => {
                    return Err(UnixClientError::Closed);
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    reader.set_eof();
                }
                Err(e) => return Err(UnixClientError::Io(e)),
            }
        }
    }

    /// Iterates over received packets for at most `timeout` in total (one budget for the
    /// whole iteration; `Duration::ZERO`, the usual value, yields only what has already
    /// arrived). Parse errors are yielded and iteration goes on; the iteration ends at
    /// the timeout, or after yielding any other error (end of stream, closed, I/O).
    pub fn iter_received_packets(&self, timeout: Duration) -> ReceivedPackets<'_, P> {
        ReceivedPackets {
            client: self,
            deadline: Instant::now() + timeout,
            done: false,
        }
    }

    /// Flushes, then shuts down the write side (the peer reads end of stream). Later
    /// sends fail with [`UnixClientError::WriteClosed`]; receiving still works.
    pub fn send_eof(&self) -> Result<(), UnixClientError> {
        // Taking the send lock waits for a send in progress: sends write everything
        // before returning, so holding it means everything is flushed.
        let _guard = lock(&self.send_lock);
        if self.closed.load(Ordering::Acquire) {
            return Err(UnixClientError::Closed);
        }
        if !self.write_closed.swap(true, Ordering::AcqRel) {
            self.socket
                .shutdown(std::net::Shutdown::Write)
                .map_err(UnixClientError::Io)?;
        }
        Ok(())
    }

    /// The peer process's credentials (`SO_PEERCRED`: pid, uid, gid at connect time).
    pub fn peer_credentials(&self) -> Result<Credentials, UnixClientError> {
        peer_credentials(&self.socket).map_err(UnixClientError::Io)
    }

    /// The peer's address (the server's socket path or abstract name; unnamed peers give
    /// `None`).
    pub fn peer_addr(&self) -> Result<Option<UnixSocketAddress>, UnixClientError> {
        let addr = self.socket.peer_addr().map_err(UnixClientError::Io)?;
        Ok(std_addr_to_address(&addr))
    }

    /// The socket, for low-level operations; holds the send lock while it lives.
    pub fn socket(&self) -> SocketProxy<'_> {
        SocketProxy::locked(&self.socket, lock(&self.send_lock))
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// Closes the connection: the peer sees end of stream, a receive blocked in another
    /// thread returns [`UnixClientError::Closed`] promptly, and every later call fails
    /// with `Closed`. Idempotent. Does not wait for the receive lock.
    pub fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            // Wakes every thread polling this socket (see the type's docs).
            let _ = self.socket.shutdown(std::net::Shutdown::Both);
        }
    }

    /// `true` once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

pub(crate) fn std_addr_to_address(
    addr: &std::os::unix::net::SocketAddr,
) -> Option<UnixSocketAddress> {
    if let Some(p) = addr.as_pathname() {
        return Some(UnixSocketAddress::Path(p.to_path_buf()));
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt;
        if let Some(name) = addr.as_abstract_name() {
            return Some(UnixSocketAddress::Abstract(name.to_vec()));
        }
    }
    None
}

/// Iterator of [`UnixStreamClient::iter_received_packets`].
pub struct ReceivedPackets<'a, P: StreamProtocol> {
    client: &'a UnixStreamClient<P>,
    deadline: Instant,
    done: bool,
}

impl<P: StreamProtocol> fmt::Debug for ReceivedPackets<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedPackets")
            .field("deadline", &self.deadline)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<P: StreamProtocol> Iterator for ReceivedPackets<'_, P> {
    type Item = Result<P::Received, UnixClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut reader = lock(&self.client.recv);
        let result = self.client.recv_locked(&mut reader, Some(self.deadline));
        drop(reader.take_ancillary());
        match result {
            Ok(p) => Some(Ok(p)),
            Err(UnixClientError::Parse(e)) => Some(Err(UnixClientError::Parse(e))),
            Err(UnixClientError::Timeout) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
