//! The tokio Unix stream client.

use super::connection::Connection;
use super::{
    IntoSocket, UnixClientConfig, UnixClientError, adopt, buffered_packet, connect_blocking,
    prepare, to_address,
};
use crate::protocol::StreamProtocol;
use crate::received_packets::{self, AsyncIteration};
use crate::socket::SocketProxy;
use crate::unix::UnixSocketAddress;
use crate::unix::ancillary::{
    Credentials, ReceivedAncillary, SocketAncillary, send_with_ancillary,
};
use crate::unix::framed::FramedReader;
use bytes::BytesMut;
use futures_util::Stream;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};
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
    connection: Connection<P, UnixStream, CancellationToken>,
    send_lock: Mutex<()>,
    recv: Mutex<FramedReader<P::Decoder>>,
}

impl<P: StreamProtocol> fmt::Debug for AsyncUnixStreamClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.connection.debug("AsyncUnixStreamClient", f)
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

    /// Takes ownership of an already connected socket (tokio, std or socket2 stream, or
    /// an owned descriptor), with the default [configuration](UnixClientConfig).
    ///
    /// It must be a connected `AF_UNIX`/`SOCK_STREAM` socket, else
    /// [`UnixClientError::InvalidSocket`] says what is wrong (and the socket is closed).
    /// Must be called within a tokio runtime (else an [`Io`](UnixClientError::Io)
    /// error); the socket is registered with that runtime.
    ///
    /// ```
    /// use easynet::unix::AsyncUnixStreamClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (socket, _peer) = tokio::net::UnixStream::pair()?;
    /// let client = AsyncUnixStreamClient::from_socket(socket, easynet::protocol::Line::new())?;
    /// assert_eq!(client.peer_addr()?, None); // a socket pair is unnamed
    /// # Ok(())
    /// # }
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
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(UnixClientError::Io(io::Error::other(
                "an async Unix stream client must be created within a tokio runtime",
            )));
        }
        let (socket, reader) = prepare(fd, &protocol, &config)?;
        Ok(Self {
            connection: Connection::new(
                protocol,
                UnixStream::from_std(socket)?,
                CancellationToken::new(),
                config.max_pending_fds,
            ),
            send_lock: Mutex::new(()),
            recv: Mutex::new(reader),
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
        let connection = &self.connection;
        connection.protocol().encode_frame(packet, &mut out)?;
        let _guard = self.send_lock.lock().await;
        connection.check_can_send()?;
        let none = SocketAncillary::new();
        let mut ancillary = ancillary;
        let mut data = &out[..];
        while !data.is_empty() {
            let result = tokio::select! {
                biased;
                () = connection.closed.cancelled() => return Err(UnixClientError::Closed),
                r = connection.socket.writable() => r,
            };
            result.map_err(UnixClientError::Io)?;
            match connection.socket.try_io(Interest::WRITABLE, || {
                send_with_ancillary(connection.socket.as_fd(), data, ancillary)
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
                Err(_) if connection.is_closed() => return Err(UnixClientError::Closed),
                Err(e) => return Err(UnixClientError::Io(e)),
            }
        }
        Ok(())
    }

    /// Receives the next packet; extraneous bytes are kept for the next call. Ancillary
    /// data received meanwhile is discarded (descriptors closed).
    ///
    /// Cancel safety: cancel safe. If the future is dropped before it completes, no
    /// byte is lost: what was read stays buffered for the next call.
    pub async fn recv_packet(&self) -> Result<P::Received, UnixClientError> {
        self.recv_discarding_ancillary(false).await
    }

    /// A receive that discards the ancillary data; `buffered_only` as for `recv_locked`.
    async fn recv_discarding_ancillary(
        &self,
        buffered_only: bool,
    ) -> Result<P::Received, UnixClientError> {
        let mut reader = self.recv.lock().await;
        let result = self.recv_locked(&mut reader, buffered_only).await;
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
        let connection = &self.connection;
        loop {
            connection.check_open()?;
            if let Some(result) = buffered_packet(reader) {
                return result;
            }
            if buffered_only {
                // Zero timeout: one real read attempt, whatever tokio believes about
                // readiness (bytes may have arrived before the reactor noticed).
                match connection.fill(reader) {
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
                () = connection.closed.cancelled() => return Err(UnixClientError::Closed),
                r = connection.socket.readable() => r,
            };
            ready.map_err(UnixClientError::Io)?;
            match connection
                .socket
                .try_io(Interest::READABLE, || connection.fill(reader))
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

    /// A stream of the received packets, with one time `budget` for the whole stream.
    ///
    /// * `Some(Duration::ZERO)` (easynetwork's default, also [`drain_received_packets`])
    ///   yields the packets already received or buffered, without waiting.
    /// * `Some(d)`: waiting inside `next().await` spends the budget; when it is spent,
    ///   the stream ends. Time spent by the caller between two items is not counted.
    /// * `None`: no time limit.
    ///
    /// Items are `Ok(packet)`, or `Err(`[`UnixClientError::Parse`]`)` for a frame that did
    /// not parse (yielded, not swallowed; the stream goes on). The stream ends when the
    /// budget is spent or the client is closed; on any other error (end of stream, socket
    /// error) it yields that error and then ends. Ancillary data is discarded, as by
    /// [`recv_packet`](Self::recv_packet).
    ///
    /// Cancel safety: dropping a pending `next()` loses no packet (what was read stays
    /// buffered).
    ///
    /// [`drain_received_packets`]: Self::drain_received_packets
    ///
    /// ```
    /// use easynet::unix::AsyncUnixStreamClient;
    /// use futures_util::StreamExt;
    /// use std::time::Duration;
    /// use tokio::io::AsyncWriteExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (socket, mut peer) = tokio::net::UnixStream::pair()?;
    /// let client = AsyncUnixStreamClient::from_socket(socket, easynet::protocol::Line::new())?;
    /// peer.write_all(b"a\nb\nc\n").await?;
    /// let received: Vec<_> = client
    ///     .iter_received_packets(Some(Duration::from_secs(5)))
    ///     .take(3)
    ///     .collect()
    ///     .await;
    /// let received: Vec<_> = received.into_iter().collect::<Result<_, _>>()?;
    /// assert_eq!(received, ["a", "b", "c"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn iter_received_packets(&self, budget: Option<Duration>) -> ReceivedPacketStream<'_, P> {
        ReceivedPacketStream {
            client: self,
            iteration: AsyncIteration::new(budget),
        }
    }

    /// The packets already received or buffered, parsed: `iter_received_packets` with a
    /// zero budget.
    pub fn drain_received_packets(&self) -> ReceivedPacketStream<'_, P> {
        self.iter_received_packets(Some(Duration::ZERO))
    }

    /// Waits for pending sends to finish, then shuts down the write side (the peer reads
    /// end of stream). Later sends fail with [`UnixClientError::WriteClosed`].
    pub async fn send_eof(&self) -> Result<(), UnixClientError> {
        let _guard = self.send_lock.lock().await;
        self.connection.shutdown_write()
    }

    /// The peer process's credentials (`SO_PEERCRED`).
    pub fn peer_credentials(&self) -> Result<Credentials, UnixClientError> {
        self.connection.peer_credentials()
    }

    /// The local address of the socket (`None` for an unnamed socket, which is what a
    /// connecting client usually has).
    pub fn local_addr(&self) -> Result<Option<UnixSocketAddress>, UnixClientError> {
        self.connection.check_open()?;
        Ok(to_address(&self.connection.socket.local_addr()?.into()))
    }

    /// The peer's address: the server's socket path or abstract name (`None` for an
    /// unnamed peer).
    pub fn peer_addr(&self) -> Result<Option<UnixSocketAddress>, UnixClientError> {
        self.connection.check_open()?;
        Ok(to_address(&self.connection.socket.peer_addr()?.into()))
    }

    /// A proxy for low-level socket operations (`setsockopt` and friends, through
    /// [`socket2::Socket`]). Unlike the blocking client's, it does not hold the send lock
    /// (an async lock cannot be held by a synchronous proxy): do not change options that
    /// matter to a send in progress.
    pub fn socket(&self) -> Result<SocketProxy<'_>, UnixClientError> {
        self.connection.check_open()?;
        Ok(SocketProxy::new(&self.connection.socket))
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        self.connection.protocol()
    }

    /// Closes the connection: the peer sees end of stream, a pending receive or send
    /// returns [`UnixClientError::Closed`], later calls fail with `Closed`. Idempotent;
    /// does not wait for a pending receive.
    pub fn close(&self) {
        self.connection.close();
    }

    /// `true` once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.connection.is_closed()
    }
}

/// Stream of received packets, from [`AsyncUnixStreamClient::iter_received_packets`];
/// see there for when it ends. It is `Unpin`: call `next()` on it directly.
#[must_use = "streams do nothing unless polled"]
pub struct ReceivedPacketStream<'a, P: StreamProtocol> {
    client: &'a AsyncUnixStreamClient<P>,
    iteration: AsyncIteration<'a, P::Received, UnixClientError>,
}

impl<P: StreamProtocol> Stream for ReceivedPacketStream<'_, P> {
    type Item = Result<P::Received, UnixClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let client = this.client;
        this.iteration.poll_next(cx, |budget| {
            received_packets::budgeted(
                budget,
                client.recv_discarding_ancillary(true),
                client.recv_discarding_ancillary(false),
            )
        })
    }
}

impl<P: StreamProtocol> fmt::Debug for ReceivedPacketStream<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedPacketStream")
            .field("client", self.client)
            .field("iteration", &self.iteration)
            .finish()
    }
}
