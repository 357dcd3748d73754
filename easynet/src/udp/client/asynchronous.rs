//! The async UDP client, for tokio.

use super::config::UdpClientConfig;
use super::connect::{self, Connected};
use super::connection::Connection;
use super::error::UdpClientError;
use super::lock;
use crate::adopt::IntoSocket;
use crate::protocol::DatagramProtocol;
use crate::received_packets::{self, AsyncIteration};
use crate::socket::SocketProxy;
use bytes::Bytes;
use futures_util::Stream;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{Interest, Ready};
use tokio::net::{ToSocketAddrs, UdpSocket};
use tokio_util::sync::CancellationToken;

/// A UDP client for tokio: a connected socket and a protocol object.
///
/// The async twin of [`UdpClient`](super::UdpClient): same configuration, same errors, same
/// rules. Methods take `&self` and need no external lock: share the client between
/// tasks with an [`Arc`](std::sync::Arc).
///
/// ```
/// use easynet::protocol::Json;
/// use easynet::udp::client::AsyncUdpClient;
/// use serde_json::{Value, json};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
/// # let address = server.local_addr()?;
/// # let echo = tokio::spawn(async move {
/// #     let mut buf = [0; 1024];
/// #     let (n, from) = server.recv_from(&mut buf).await?;
/// #     server.send_to(&buf[..n], from).await
/// # });
/// let client = AsyncUdpClient::connect(address, Json::<Value>::new()).await?;
/// client.send_packet(&json!({"command-line arguments": ["hello"]})).await?;
/// let response = client.recv_packet().await?;
/// assert_eq!(response, json!({"command-line arguments": ["hello"]}));
/// # echo.await??;
/// # Ok(())
/// # }
/// ```
///
/// # Concurrency
///
/// * [`send_packet`](Self::send_packet) and [`recv_packet`](Self::recv_packet) do not
///   share a lock: a task can wait for a datagram while another sends.
/// * [`close`](Self::close) does not wait for a pending `recv_packet`: it wakes it, and
///   it returns [`UdpClientError::Closed`].
/// * No lock is ever held across an `.await`; the [`socket`](Self::socket) proxy holds
///   the (synchronous) send lock, so do not keep it across an `.await` either.
///
/// # Closing
///
/// ```text
///   open ──close()──▶ closed ──drop──▶ socket released
///    │                  every method returns Closed; pending receives wake
///    └──────────drop (closes)──────────▶ socket released
/// ```
pub struct AsyncUdpClient<P: DatagramProtocol> {
    connection: Connection<P, UdpSocket, CancellationToken>,
}

impl<P: DatagramProtocol> AsyncUdpClient<P> {
    /// Connects to `address` (a `(host, port)` pair, a `"host:port"` string, a
    /// [`SocketAddr`]…) with the default [configuration](UdpClientConfig).
    ///
    /// The name is resolved with [`tokio::net::lookup_host`]; each address is tried in
    /// turn, IPv4 and IPv6, and the first socket that connects is kept.
    ///
    /// Cancel safety: cancelling it leaves nothing behind (no socket is created before
    /// the name is resolved, and the rest does not wait).
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let port = peer.local_addr()?.port();
    /// let client = AsyncUdpClient::connect(("127.0.0.1", port), easynet::protocol::Raw).await?;
    /// assert_eq!(client.peer_addr()?, peer.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect<A: ToSocketAddrs>(
        address: A,
        protocol: P,
    ) -> Result<Self, UdpClientError> {
        Self::connect_with_config(address, protocol, UdpClientConfig::default()).await
    }

    /// Connects to `address` with `config` (local address, family, reuse-port, buffer
    /// sizes). Cancel safe, like [`connect`](Self::connect).
    ///
    /// ```
    /// use easynet::udp::client::{AddressFamily, AsyncUdpClient, UdpClientConfig};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("[::1]:0")?;
    /// let config = UdpClientConfig::new().family(AddressFamily::Ipv6);
    /// let client =
    ///     AsyncUdpClient::connect_with_config(peer.local_addr()?, easynet::protocol::Raw, config).await?;
    /// assert!(client.local_addr()?.is_ipv6());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_with_config<A: ToSocketAddrs>(
        address: A,
        protocol: P,
        config: UdpClientConfig,
    ) -> Result<Self, UdpClientError> {
        let addresses = tokio::net::lookup_host(address).await?;
        Self::new(connect::connect_first(addresses, &config)?, protocol)
    }

    /// Takes ownership of an already connected socket (tokio, std or socket2).
    ///
    /// It must be a connected `SOCK_DGRAM` socket of family `AF_INET` or `AF_INET6`,
    /// else [`UdpClientError::InvalidSocket`] says what is wrong (and the socket is
    /// closed). Must be called within a tokio runtime (else an [`Io`] error); the socket
    /// is registered with that runtime.
    ///
    /// [`Io`]: UdpClientError::Io
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// let client = AsyncUdpClient::from_socket(socket, easynet::protocol::Raw)?;
    /// assert_eq!(client.peer_addr()?, peer.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_socket<S: IntoSocket>(socket: S, protocol: P) -> Result<Self, UdpClientError> {
        let connected = connect::adopt(socket.into_socket()?)?;
        Self::new(connected, protocol)
    }

    fn new(connected: Connected, protocol: P) -> Result<Self, UdpClientError> {
        let Connected {
            socket,
            local_addr,
            peer_addr,
        } = connected;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(UdpClientError::Io(io::Error::other(
                "an async UDP client must be created within a tokio runtime",
            )));
        }
        Ok(Self {
            connection: Connection::new(
                UdpSocket::from_std(socket)?,
                local_addr,
                peer_addr,
                protocol,
                CancellationToken::new(),
                "async udp client",
            ),
        })
    }

    /// Serializes `packet` through the protocol and sends it as one datagram.
    ///
    /// Waits only if the kernel send buffer is full. Errors: [`Serialize`] (nothing
    /// sent), [`Io`] (for instance connection refused, reported by the kernel for an
    /// earlier datagram), [`Closed`].
    ///
    /// Cancel safety: a datagram is sent whole or not at all; if the future is dropped
    /// before it completes, the packet may or may not have been sent.
    ///
    /// [`Serialize`]: UdpClientError::Serialize
    /// [`Io`]: UdpClientError::Io
    /// [`Closed`]: UdpClientError::Closed
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// client.send_packet(b"ping").await?;
    ///
    /// let mut buf = [0; 16];
    /// let (n, from) = peer.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_packet(&self, packet: &P::Sent) -> Result<(), UdpClientError> {
        let Some(pending) = self.send_now(packet)? else {
            return Ok(());
        };
        // The kernel send buffer is full: wait until the socket is writable again.
        let connection = &self.connection;
        loop {
            tokio::select! {
                biased;
                ready = connection.socket.writable() => ready?,
                () = connection.closed.cancelled() => return Err(UdpClientError::Closed),
            }
            if self.send_when_ready(&pending)? {
                return Ok(());
            }
        }
    }

    /// Serializes and tries one direct, non-blocking `send(2)`. `Ok(None)`: sent;
    /// `Ok(Some(datagram))`: the socket would block, send `datagram` later.
    fn send_now(&self, packet: &P::Sent) -> Result<Option<Bytes>, UdpClientError> {
        let connection = &self.connection;
        connection.check_open()?;
        let _send_lock = lock(&connection.send_lock);
        // A direct syscall rather than `try_send`: tokio only tries when it has seen the
        // socket writable, which it has not yet right after the client is created.
        connection.codec.encode_then(packet, |datagram| {
            loop {
                match rustix::net::send(
                    &connection.socket,
                    datagram,
                    rustix::net::SendFlags::empty(),
                ) {
                    Ok(_) => return Ok(None),
                    Err(rustix::io::Errno::INTR) => {}
                    Err(rustix::io::Errno::AGAIN) => {
                        return Ok(Some(Bytes::copy_from_slice(datagram)));
                    }
                    Err(e) => return Err(UdpClientError::Io(e.into())),
                }
            }
        })
    }

    /// Sends through tokio (which clears its readiness on `EAGAIN`, so the next
    /// `writable()` really waits). `Ok(false)`: would block.
    fn send_when_ready(&self, datagram: &[u8]) -> Result<bool, UdpClientError> {
        let _send_lock = lock(&self.connection.send_lock);
        self.connection.check_open()?;
        match self.connection.socket.try_send(datagram) {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(UdpClientError::Io(e)),
        }
    }

    /// Waits for the next datagram and returns it parsed.
    ///
    /// For a timeout, wrap it in [`tokio::time::timeout`]. A datagram that does not
    /// parse is consumed and reported as [`UdpClientError::Parse`], which carries its
    /// bytes; the client stays usable. If the client is closed meanwhile, this returns
    /// [`UdpClientError::Closed`].
    ///
    /// Cancel safety: this method is cancel safe. A datagram is only taken from the
    /// socket when it is returned, so dropping the future (in `tokio::select!`, or when
    /// `tokio::time::timeout` expires) loses no datagram.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// let nothing = tokio::time::timeout(Duration::from_millis(10), client.recv_packet()).await;
    /// assert!(nothing.is_err()); // timed out
    ///
    /// peer.send_to(b"pong", client.local_addr()?).await?;
    /// assert_eq!(client.recv_packet().await?, &b"pong"[..]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_packet(&self) -> Result<P::Received, UdpClientError> {
        let connection = &self.connection;
        loop {
            connection.check_open()?;
            // Readiness first: when tokio already knows the socket is ready, the close
            // token is not even polled. ERROR too: an ICMP error (connection refused)
            // makes the socket report an error without being readable.
            let ready = tokio::select! {
                biased;
                ready = connection.socket.ready(Interest::READABLE | Interest::ERROR) => ready?,
                () = connection.closed.cancelled() => return Err(UdpClientError::Closed),
            };
            connection.check_open()?;
            if let Some(packet) = self.recv_when_ready(ready)? {
                return Ok(packet);
            }
        }
    }

    /// One `recv(2)` through tokio, which clears its readiness on `EAGAIN`.
    fn recv_when_ready(&self, ready: Ready) -> Result<Option<P::Received>, UdpClientError> {
        // tokio only tries the call if it knows the socket is ready for that interest:
        // readable for a datagram, in error for a pending ICMP error (which `recv(2)`
        // reports, and clears).
        let interest = if ready.is_readable() {
            Interest::READABLE
        } else {
            Interest::ERROR
        };
        let socket = &self.connection.socket;
        self.connection
            .codec
            .recv_then_decode(|buffer| socket.try_io(interest, || recv(socket, buffer)))
    }

    /// A datagram that has already arrived, without waiting: one direct `recv(2)`, so
    /// that it is seen even before tokio's reactor has noticed it.
    /// [`UdpClientError::Timeout`] if none.
    fn recv_now(&self) -> Result<P::Received, UdpClientError> {
        self.connection.check_open()?;
        let retrying_interrupted = |buffer: &mut [u8]| loop {
            match recv(&self.connection.socket, buffer) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return result,
            }
        };
        self.connection
            .codec
            .recv_then_decode(retrying_interrupted)?
            .ok_or(UdpClientError::Timeout)
    }

    /// A stream of the received packets, with one time `budget` for the whole stream.
    ///
    /// * `Some(Duration::ZERO)` (easynetwork's default, also [`drain_received_packets`])
    ///   yields the datagrams that have already arrived, without waiting.
    /// * `Some(d)`: waiting inside `next().await` spends the budget; when it is spent,
    ///   the stream ends. Time spent by the caller between two items is not counted.
    /// * `None`: no time limit.
    ///
    /// Items are `Ok(packet)`, or `Err(`[`UdpClientError::Parse`]`)` for a datagram that
    /// did not parse (yielded, not swallowed; the stream goes on). The stream ends when
    /// the budget is spent or the client is closed; on a socket error (such as
    /// connection refused) it yields that `Err(`[`UdpClientError::Io`]`)` and then ends.
    ///
    /// Cancel safety: dropping a pending `next()` loses no datagram.
    ///
    /// [`drain_received_packets`]: Self::drain_received_packets
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    /// use futures_util::StreamExt;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// for word in ["a", "b", "c"] {
    ///     peer.send_to(word.as_bytes(), client.local_addr()?).await?;
    /// }
    /// let received: Vec<_> = client
    ///     .iter_received_packets(Some(Duration::from_millis(100)))
    ///     .take(3)
    ///     .collect()
    ///     .await;
    /// let received: Vec<_> = received.into_iter().collect::<Result<_, _>>()?;
    /// assert_eq!(received, [&b"a"[..], b"b", b"c"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn iter_received_packets(&self, budget: Option<Duration>) -> ReceivedPacketStream<'_, P> {
        ReceivedPacketStream {
            client: self,
            iteration: AsyncIteration::new(budget),
        }
    }

    /// The datagrams that have already arrived, parsed: `iter_received_packets` with a
    /// zero budget.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    /// use futures_util::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// peer.send_to(b"one", client.local_addr()?).await?;
    /// peer.send_to(b"two", client.local_addr()?).await?;
    /// // Wait until both are queued (loopback delivers in order), then drain them.
    /// let first = client.recv_packet().await?;
    /// let rest: Vec<_> = client.drain_received_packets().collect().await;
    /// assert_eq!(first, &b"one"[..]);
    /// assert_eq!(rest.len(), 1);
    /// assert_eq!(rest[0].as_ref().unwrap(), &b"two"[..]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn drain_received_packets(&self) -> ReceivedPacketStream<'_, P> {
        self.iter_received_packets(Some(Duration::ZERO))
    }

    /// A proxy for low-level socket operations (`setsockopt` and friends, through
    /// [`socket2::Socket`]).
    ///
    /// The proxy holds the send lock while it lives (sends wait, receives do not): drop
    /// it promptly, and never keep it across an `.await`.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// {
    ///     let socket = client.socket()?;
    ///     socket.set_ttl_v4(16)?;
    ///     assert_eq!(socket.ttl_v4()?, 16);
    /// } // dropped before the next `.await`
    /// client.send_packet(b"hello").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn socket(&self) -> Result<SocketProxy<'_>, UdpClientError> {
        self.connection.socket_proxy()
    }

    /// The local address of the socket.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// assert_ne!(client.local_addr()?.port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> Result<SocketAddr, UdpClientError> {
        self.connection.local_addr()
    }

    /// The remote address the socket is connected to.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// assert_eq!(client.peer_addr()?, peer.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> Result<SocketAddr, UdpClientError> {
        self.connection.peer_addr()
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        self.connection.protocol()
    }

    /// Closes the client: from now on every method returns [`UdpClientError::Closed`],
    /// and pending [`recv_packet`](Self::recv_packet) calls wake up and return it.
    /// Does not wait for them (and needs no `.await`). Closing twice is harmless.
    ///
    /// The socket itself is released when the client is dropped; dropping the client
    /// closes it.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    /// use std::sync::Arc;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = Arc::new(AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?);
    /// let waiting = tokio::spawn({
    ///     let client = Arc::clone(&client);
    ///     async move { client.recv_packet().await }
    /// });
    /// client.close();
    /// assert!(waiting.await?.unwrap_err().is_closed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn close(&self) {
        self.connection.close();
    }

    /// `true` once [`close`](Self::close) has been called.
    ///
    /// ```
    /// use easynet::udp::client::AsyncUdpClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
    /// client.close();
    /// assert!(client.is_closed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.connection.is_closed()
    }
}

impl<P: DatagramProtocol> fmt::Debug for AsyncUdpClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.connection.debug("AsyncUdpClient", f)
    }
}

/// Stream of received packets, from [`AsyncUdpClient::iter_received_packets`]; see
/// there for when it ends. It is `Unpin`: call `next()` on it directly.
///
/// ```
/// use easynet::udp::client::AsyncUdpClient;
/// use futures_util::StreamExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let client = AsyncUdpClient::connect(peer.local_addr()?, easynet::protocol::Raw).await?;
/// let mut stream = client.drain_received_packets();
/// assert!(stream.next().await.is_none()); // nothing arrived yet
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ReceivedPacketStream<'a, P: DatagramProtocol> {
    client: &'a AsyncUdpClient<P>,
    iteration: AsyncIteration<'a, P::Received, UdpClientError>,
}

impl<P: DatagramProtocol> Stream for ReceivedPacketStream<'_, P> {
    type Item = Result<P::Received, UdpClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let client = this.client;
        this.iteration.poll_next(cx, |budget| {
            received_packets::budgeted(budget, async { client.recv_now() }, client.recv_packet())
        })
    }
}

impl<P: DatagramProtocol> fmt::Debug for ReceivedPacketStream<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedPacketStream")
            .field("client", self.client)
            .field("iteration", &self.iteration)
            .finish()
    }
}

/// One direct, non-blocking `recv(2)` (tokio's own would not try before its reactor has
/// seen the socket readable).
fn recv(socket: &UdpSocket, buffer: &mut [u8]) -> io::Result<usize> {
    rustix::net::recv(socket, buffer, rustix::net::RecvFlags::empty())
        .map(|(n, _)| n)
        .map_err(io::Error::from)
}
