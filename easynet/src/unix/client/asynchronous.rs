//! The tokio Unix stream client.

use super::blocking::std_addr_to_address;
use super::{UnixClientConfig, UnixClientError, check_connected_stream, connect_blocking};
use crate::protocol::StreamProtocol;
use crate::socket::SocketProxy;
use crate::unix::UnixSocketAddress;
use crate::unix::ancillary::{
    Credentials, ReceivedAncillary, SocketAncillary, peer_credentials, send_with_ancillary,
};
use crate::unix::framed::{Buffered, FramedReader};
use bytes::BytesMut;
use futures_util::Stream;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::Interest;
use tokio::net::UnixStream;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// An asynchronous (tokio) client of a Unix stream server.
///
/// Methods take `&self` and need no external lock: sending and receiving use
/// **different** internal locks, so one task can wait in
/// [`recv_packet`](Self::recv_packet) while another sends. [`close`](Self::close) does not
/// wait for a pending receive: that receive returns [`UnixClientError::Closed`].
///
/// Timeouts come from tokio: wrap a call in [`tokio::time::timeout`].
///
/// ```no_run
/// use easynet::unix::AsyncUnixStreamClient;
/// # use easynet::protocol::StreamProtocol;
/// # async fn f<P: StreamProtocol<Sent = str>>(protocol: P) -> Result<(), Box<dyn std::error::Error>>
/// # where P::Received: std::fmt::Debug {
/// let client = AsyncUnixStreamClient::connect("/run/my-daemon.sock", protocol).await?;
/// client.send_packet("hello").await?;
/// let answer = tokio::time::timeout(std::time::Duration::from_secs(5), client.recv_packet()).await??;
/// println!("{answer:?}");
/// # Ok(()) }
/// ```
pub struct AsyncUnixStreamClient<P: StreamProtocol> {
    protocol: P,
    socket: UnixStream,
    send_lock: Mutex<()>,
    recv: Mutex<FramedReader<P::Decoder>>,
    closed: CancellationToken,
    write_closed: AtomicBool,
}

impl<P: StreamProtocol> fmt::Debug for AsyncUnixStreamClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncUnixStreamClient")
            .field("socket", &self.socket)
            .field("closed", &self.closed.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl<P: StreamProtocol> AsyncUnixStreamClient<P> {
    /// Connects to `address` (a path or an abstract [`UnixSocketAddress`]) with the
    /// default options.
    pub async fn connect(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
    ) -> Result<Self, UnixClientError> {
        Self::connect_with_config(address, protocol, UnixClientConfig::default()).await
    }

    /// Connects to `address` with `config`.
    ///
    /// A Unix `connect()` completes at once unless the listener's backlog is full, and
    /// then a non-blocking connect cannot be awaited (it fails with `EAGAIN`). So the
    /// connection is attempted without blocking first, and only a full backlog moves it
    /// to tokio's blocking pool, bounded by the connect timeout.
    ///
    /// Cancel safety: dropping the future abandons the attempt; an attempt already in
    /// the blocking pool ends within the connect timeout and its socket is closed.
    pub async fn connect_with_config(
        address: impl Into<UnixSocketAddress>,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let address = address.into();
        let fast = connect_blocking(&address, Some(Duration::ZERO));
        let socket = match fast {
            Ok(socket) => socket,
            Err(UnixClientError::ConnectTimeout)
                if config.connect_timeout.is_none_or(|t| !t.is_zero()) =>
            {
                let timeout = config.connect_timeout;
                tokio::task::spawn_blocking(move || connect_blocking(&address, timeout))
                    .await
                    .map_err(|e| UnixClientError::Io(io::Error::other(e)))??
            }
            Err(e) => return Err(e),
        };
        Self::from_owned(OwnedFd::from(socket), protocol, config)
    }

    /// Adopts an already connected socket (std or socket2 stream, any owned descriptor;
    /// for a tokio stream use [`from_tokio`](Self::from_tokio)). It must be a connected
    /// `AF_UNIX`/`SOCK_STREAM` socket, or [`UnixClientError::InvalidSocket`] is returned.
    /// The client owns it from now on. Must be called inside a tokio runtime.
    pub fn from_socket(
        socket: impl Into<OwnedFd>,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let fd = socket.into();
        check_connected_stream(&fd)?;
        Self::from_owned(fd, protocol, config)
    }

    /// Adopts a connected tokio [`UnixStream`].
    pub fn from_tokio(
        socket: UnixStream,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let std = socket.into_std().map_err(UnixClientError::Io)?;
        Self::from_socket(std, protocol, config)
    }

    fn from_owned(
        fd: OwnedFd,
        protocol: P,
        config: UnixClientConfig,
    ) -> Result<Self, UnixClientError> {
        let std = std::os::unix::net::UnixStream::from(fd);
        std.set_nonblocking(true).map_err(UnixClientError::Io)?;
        if config.receive_credentials {
            rustix::net::sockopt::set_socket_passcred(&std, true)
                .map_err(|e| UnixClientError::Io(e.into()))?;
        }
        let socket = UnixStream::from_std(std).map_err(UnixClientError::Io)?;
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
            closed: CancellationToken::new(),
            write_closed: AtomicBool::new(false),
        })
    }

    /// Sends one packet, framed by the protocol; returns when every byte is written.
    ///
    /// Cancel safety: not cancel safe. Dropped mid-way, part of the frame may have been
    /// written and the stream is then corrupt for the peer; close the client.
    pub async fn send_packet(&self, packet: &P::Sent) -> Result<(), UnixClientError> {
        self.send_packet_with_ancillary(packet, &SocketAncillary::new())
            .await
    }

    /// Sends one packet with ancillary data (descriptors, credentials) attached to its
    /// first byte. Cancel safety: as [`send_packet`](Self::send_packet).
    pub async fn send_packet_with_ancillary(
        &self,
        packet: &P::Sent,
        ancillary: &SocketAncillary<'_>,
    ) -> Result<(), UnixClientError> {
        let mut out = BytesMut::new();
        self.protocol.encode_frame(packet, &mut out)?;
        let _guard = self.send_lock.lock().await;
        self.check_can_send()?;
        let none = SocketAncillary::new();
        let mut ancillary = ancillary;
        let mut data = &out[..];
        while !data.is_empty() {
            let result = tokio::select! {
                biased;
                () = self.closed.cancelled() => return Err(UnixClientError::Closed),
                r = self.socket.writable() => r,
            };
            result.map_err(UnixClientError::Io)?;
            match self.socket.try_io(Interest::WRITABLE, || {
                send_with_ancillary(self.socket.as_fd(), data, ancillary)
            }) {
                Ok(n) => {
                    data = &data[n..];
                    ancillary = &none;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) if self.closed.is_cancelled() => return Err(UnixClientError::Closed),
                Err(e) => return Err(UnixClientError::Io(e)),
            }
        }
        Ok(())
    }

    fn check_can_send(&self) -> Result<(), UnixClientError> {
        if self.closed.is_cancelled() {
            Err(UnixClientError::Closed)
        } else if self.write_closed.load(Ordering::Acquire) {
            Err(UnixClientError::WriteClosed)
        } else {
            Ok(())
        }
    }

    /// Receives the next packet; extraneous bytes are kept for the next call. Ancillary
    /// data received meanwhile is discarded (descriptors closed).
    ///
    /// Cancel safety: cancel safe. If the future is dropped before it completes, no
    /// byte is lost: what was read stays buffered for the next call.
    pub async fn recv_packet(&self) -> Result<P::Received, UnixClientError> {
        let mut reader = self.recv.lock().await;
        let result = self.recv_locked(&mut reader, false).await;
        drop(reader.take_ancillary());
        result
    }

    /// Like [`recv_packet`](Self::recv_packet), and also returns the ancillary data
    /// received with the bytes read. Cancel safety: cancel safe (pending ancillary data
    /// stays for the next call).
    pub async fn recv_packet_with_ancillary(
        &self,
    ) -> Result<(P::Received, ReceivedAncillary), UnixClientError> {
        let mut reader = self.recv.lock().await;
        let packet = self.recv_locked(&mut reader, false).await?;
        Ok((packet, reader.take_ancillary()))
    }

    /// `buffered_only`: return `Timeout` instead of waiting for readiness.
    async fn recv_locked(
        &self,
        reader: &mut FramedReader<P::Decoder>,
        buffered_only: bool,
    ) -> Result<P::Received, UnixClientError> {
        loop {
            if self.closed.is_cancelled() {
                return Err(UnixClientError::Closed);
            }
            match reader.poll_buffered() {
                Buffered::Packet(p) => return Ok(p),
                Buffered::Error(e) => return Err(UnixClientError::Parse(e)),
                Buffered::Eof => return Err(UnixClientError::Eof),
                Buffered::NeedMore => {}
            }
            if buffered_only {
                // Zero timeout: one real read attempt, whatever tokio believes about
                // readiness (bytes may have arrived before the reactor noticed).
                match reader.fill(self.socket.as_fd()) {
                    Ok(_) => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                        reader.set_eof();
                        continue;
                    }
                    Err(e) => return Err(UnixClientError::Io(e)),
                }
            }
            if buffered_only {
                return Err(UnixClientError::Timeout);
            }
            // Known readable: read at once; otherwise wait (try_io clears readiness when
            // the read would block, so the wait is for a new edge).
            let ready = tokio::select! {
                biased;
                () = self.closed.cancelled() => return Err(UnixClientError::Closed),
                r = self.socket.readable() => r,
            };
            ready.map_err(UnixClientError::Io)?;
            match self
                .socket
                .try_io(Interest::READABLE, || reader.fill(self.socket.as_fd()))
            {
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => reader.set_eof(),
                Err(e) => return Err(UnixClientError::Io(e)),
            }
        }
    }

    /// A stream of received packets for at most `timeout` in total (one budget;
    /// `Duration::ZERO` yields only what has already arrived). Parse errors are yielded
    /// and the stream goes on; it ends at the timeout or after any other error.
    ///
    /// Cancel safety: dropping the stream between items loses nothing.
    pub fn iter_received_packets(
        &self,
        timeout: Duration,
    ) -> impl Stream<Item = Result<P::Received, UnixClientError>> + '_ {
        let deadline = tokio::time::Instant::now() + timeout;
        futures_util::stream::unfold(false, move |done| async move {
            if done {
                return None;
            }
            let result = {
                let mut reader = self.recv.lock().await;
                let r = if timeout.is_zero() {
                    self.recv_locked(&mut reader, true).await
                } else {
                    match tokio::time::timeout_at(deadline, self.recv_locked(&mut reader, false))
                        .await
                    {
                        Ok(r) => r,
                        Err(_) => Err(UnixClientError::Timeout),
                    }
                };
                drop(reader.take_ancillary());
                r
            };
            match result {
                Ok(p) => Some((Ok(p), false)),
                Err(UnixClientError::Parse(e)) => Some((Err(UnixClientError::Parse(e)), false)),
                Err(UnixClientError::Timeout) => None,
                Err(e) => Some((Err(e), true)),
            }
        })
    }

    /// Waits for pending sends to finish, then shuts down the write side (the peer reads
    /// end of stream). Later sends fail with [`UnixClientError::WriteClosed`].
    pub async fn send_eof(&self) -> Result<(), UnixClientError> {
        let _guard = self.send_lock.lock().await;
        if self.closed.is_cancelled() {
            return Err(UnixClientError::Closed);
        }
        if !self.write_closed.swap(true, Ordering::AcqRel) {
            socket2::SockRef::from(&self.socket)
                .shutdown(std::net::Shutdown::Write)
                .map_err(UnixClientError::Io)?;
        }
        Ok(())
    }

    /// The peer process's credentials (`SO_PEERCRED`).
    pub fn peer_credentials(&self) -> Result<Credentials, UnixClientError> {
        peer_credentials(&self.socket).map_err(UnixClientError::Io)
    }

    /// The peer's address, if it is named.
    pub fn peer_addr(&self) -> Result<Option<UnixSocketAddress>, UnixClientError> {
        let addr = self.socket.peer_addr().map_err(UnixClientError::Io)?;
        let std: std::os::unix::net::SocketAddr = addr.into();
        Ok(std_addr_to_address(&std))
    }

    /// The socket, for low-level operations.
    pub fn socket(&self) -> SocketProxy<'_> {
        SocketProxy::new(&self.socket)
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// Closes the connection: the peer sees end of stream, a pending receive or send
    /// returns [`UnixClientError::Closed`], later calls fail with `Closed`. Idempotent;
    /// does not wait for a pending receive.
    pub fn close(&self) {
        if !self.closed.is_cancelled() {
            self.closed.cancel();
            let _ = socket2::SockRef::from(&self.socket).shutdown(std::net::Shutdown::Both);
        }
    }

    /// `true` once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }
}
