//! The blocking UDP client, for plain threads.

use super::close_signal::CloseSignal;
use super::config::UdpClientConfig;
use super::connect::{self, Connected};
use super::connection::Connection;
use super::error::UdpClientError;
use super::lock;
use crate::adopt::IntoSocket;
use crate::protocol::DatagramProtocol;
use crate::received_packets::Iteration;
use crate::socket::SocketProxy;
use rustix::event::{PollFd, PollFlags, Timespec};
use std::fmt;
use std::io;
use std::iter::FusedIterator;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// A UDP client for plain threads: a connected socket and a protocol object.
///
/// `send_packet` turns one packet into one datagram; `recv_packet` returns the next
/// datagram from the remote address, parsed. Datagrams from any other source never
/// reach the client: the socket is connected, so the kernel drops them.
///
/// ```
/// use easynet::protocol::Json;
/// use easynet::udp::client::UdpClient;
/// use serde_json::{Value, json};
///
/// # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// # let address = server.local_addr()?;
/// # let echo = std::thread::spawn(move || -> std::io::Result<()> {
/// #     let mut buf = [0; 1024];
/// #     let (n, from) = server.recv_from(&mut buf)?;
/// #     server.send_to(&buf[..n], from)?;
/// #     Ok(())
/// # });
/// let client = UdpClient::connect(address, Json::<Value>::new())?;
/// client.send_packet(&json!({"command-line arguments": ["hello"]}))?;
/// let response = client.recv_packet(None)?;
/// assert_eq!(response, json!({"command-line arguments": ["hello"]}));
/// # echo.join().unwrap()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Thread safety
///
/// `UdpClient` is `Send + Sync` and every method takes `&self`: share it with an
/// [`Arc`](std::sync::Arc) or scoped threads.
///
/// * [`send_packet`](Self::send_packet) and [`recv_packet`](Self::recv_packet) do not
///   share a lock: one thread can wait for a datagram while another sends.
/// * [`close`](Self::close) does not wait for a blocked `recv_packet`: it wakes it, and
///   it returns [`UdpClientError::Closed`] promptly.
/// * The [`socket`](Self::socket) proxy holds the send lock, so socket options never
///   change in the middle of a write.
///
/// # Closing
///
/// ```text
///   open ──close()──▶ closed ──drop──▶ socket released
///    │                  every method returns Closed; blocked receivers wake
///    └──────────drop (closes)──────────▶ socket released
/// ```
///
/// `close` takes `&self` and other threads may still hold the client, so the socket's
/// descriptor is released when the client is dropped (closing a descriptor that another
/// thread may be using is racy: its number can be reused meanwhile). Dropping the
/// client closes it.
pub struct UdpClient<P: DatagramProtocol> {
    connection: Connection<P, UdpSocket, CloseSignal>,
}

impl<P: DatagramProtocol> UdpClient<P> {
    /// Connects to `address` (a `(host, port)` pair, a `"host:port"` string, a
    /// [`SocketAddr`]…) with the default [configuration](UdpClientConfig).
    ///
    /// The name is resolved with [`ToSocketAddrs`]; each address is tried in turn, IPv4
    /// and IPv6, and the first socket that connects is kept. UDP has no handshake:
    /// connecting only fixes the remote address, nothing is sent.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let port = peer.local_addr()?.port();
    /// let client = UdpClient::connect(("127.0.0.1", port), easynet::protocol::Raw)?;
    /// assert_eq!(client.peer_addr()?, peer.local_addr()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect<A: ToSocketAddrs>(address: A, protocol: P) -> Result<Self, UdpClientError> {
        Self::connect_with_config(address, protocol, UdpClientConfig::default())
    }

    /// Connects to `address` with `config` (local address, family, reuse-port, buffer
    /// sizes).
    ///
    /// ```
    /// use easynet::udp::client::{UdpClient, UdpClientConfig};
    ///
    /// let peer = std::net::UdpSocket::bind("[::1]:0")?;
    /// let config = UdpClientConfig::new().local_addr("[::1]:0".parse()?);
    /// let client = UdpClient::connect_with_config(peer.local_addr()?, easynet::protocol::Raw, config)?;
    /// assert!(client.local_addr()?.is_ipv6());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_with_config<A: ToSocketAddrs>(
        address: A,
        protocol: P,
        config: UdpClientConfig,
    ) -> Result<Self, UdpClientError> {
        let connected = connect::connect_first(address.to_socket_addrs()?, &config)?;
        Self::new(connected, protocol)
    }

    /// Takes ownership of an already connected socket (std, tokio or socket2).
    ///
    /// It must be a connected `SOCK_DGRAM` socket of family `AF_INET` or `AF_INET6`,
    /// else [`UdpClientError::InvalidSocket`] says what is wrong (and the socket is
    /// closed). The client makes it non-blocking.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// socket.connect(peer.local_addr()?)?;
    /// let client = UdpClient::from_socket(socket, easynet::protocol::Raw)?;
    /// assert_eq!(client.peer_addr()?, peer.local_addr()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_socket<S: IntoSocket>(socket: S, protocol: P) -> Result<Self, UdpClientError> {
        Self::new(connect::adopt(socket.into_socket()?)?, protocol)
    }

    fn new(connected: Connected, protocol: P) -> Result<Self, UdpClientError> {
        let Connected {
            socket,
            local_addr,
            peer_addr,
        } = connected;
        let close_signal = CloseSignal::new()?;
        Ok(Self {
            connection: Connection::new(
                socket,
                local_addr,
                peer_addr,
                protocol,
                close_signal,
                "udp client",
            ),
        })
    }

    /// Serializes `packet` through the protocol and sends it as one datagram.
    ///
    /// Waits only if the kernel send buffer is full. Errors: [`Serialize`] (nothing
    /// sent), [`Io`] (for instance connection refused, reported by the kernel for an
    /// earlier datagram), [`Closed`].
    ///
    /// [`Serialize`]: UdpClientError::Serialize
    /// [`Io`]: UdpClientError::Io
    /// [`Closed`]: UdpClientError::Closed
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// client.send_packet(b"ping")?;
    ///
    /// let mut buf = [0; 16];
    /// let (n, from) = peer.recv_from(&mut buf)?;
    /// assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_packet(&self, packet: &P::Sent) -> Result<(), UdpClientError> {
        let connection = &self.connection;
        connection.check_open()?;
        let _send_lock = lock(&connection.send_lock);
        connection.codec.encode_then(packet, |datagram| {
            loop {
                match connection.socket.send(datagram) {
                    Ok(_) => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.wait(PollFlags::OUT, None)?;
                        connection.check_open()?;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(UdpClientError::Io(e)),
                }
            }
        })
    }

    /// Waits for the next datagram and returns it parsed.
    ///
    /// `timeout`: `None` waits as long as needed; `Some(d)` gives up after `d` with
    /// [`UdpClientError::Timeout`]; `Some(Duration::ZERO)` only takes a datagram that has
    /// already arrived.
    ///
    /// A datagram that does not parse is consumed and reported as
    /// [`UdpClientError::Parse`], which carries its bytes; the client stays usable.
    /// If the client is closed meanwhile (from another thread), this returns
    /// [`UdpClientError::Closed`] at once.
    ///
    /// ```
    /// use easynet::udp::client::{UdpClient, UdpClientError};
    /// use std::time::Duration;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// assert!(client.recv_packet(Some(Duration::from_millis(10))).unwrap_err().is_timeout());
    ///
    /// peer.send_to(b"pong", client.local_addr()?)?;
    /// assert_eq!(client.recv_packet(None)?, &b"pong"[..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recv_packet(&self, timeout: Option<Duration>) -> Result<P::Received, UdpClientError> {
        // A deadline that does not fit in an `Instant` is as good as no deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // In a request/response exchange the reply is rarely there yet: waiting first
        // saves a `recv(2)` that would fail. With a zero timeout, only try.
        let mut wait_first = timeout != Some(Duration::ZERO);
        loop {
            self.connection.check_open()?;
            if wait_first {
                self.wait(PollFlags::IN, deadline)?;
                self.connection.check_open()?;
            }
            wait_first = true;
            if let Some(packet) = self.try_recv()? {
                return Ok(packet);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(UdpClientError::Timeout);
            }
        }
    }

    /// Iterates over the received packets, with one time `budget` for the whole
    /// iteration.
    ///
    /// * `Some(Duration::ZERO)` (easynetwork's default, also [`drain_received_packets`])
    ///   yields the datagrams that have already arrived, without waiting.
    /// * `Some(d)`: waiting inside `next()` spends the budget; when it is spent, the
    ///   iteration ends. Time spent by the caller between two `next()` calls is not
    ///   counted.
    /// * `None`: no time limit.
    ///
    /// Items are `Ok(packet)`, or `Err(`[`UdpClientError::Parse`]`)` for a datagram that
    /// did not parse (yielded, not swallowed; the iteration goes on). The iteration ends
    /// when the budget is spent or the client is closed; on a socket error (such as
    /// connection refused) it yields that `Err(`[`UdpClientError::Io`]`)` and then ends.
    ///
    /// [`drain_received_packets`]: Self::drain_received_packets
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    /// use std::time::Duration;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// for word in ["a", "b", "c"] {
    ///     peer.send_to(word.as_bytes(), client.local_addr()?)?;
    /// }
    /// let received: Vec<_> = client
    ///     .iter_received_packets(Some(Duration::from_millis(100)))
    ///     .take(3)
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(received, [&b"a"[..], b"b", b"c"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter_received_packets(&self, budget: Option<Duration>) -> ReceivedPackets<'_, P> {
        ReceivedPackets {
            client: self,
            iteration: Iteration::new(budget),
        }
    }

    /// The datagrams that have already arrived, parsed: `iter_received_packets` with a
    /// zero budget.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    /// use std::time::Duration;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// peer.send_to(b"one", client.local_addr()?)?;
    /// peer.send_to(b"two", client.local_addr()?)?;
    /// // Wait until both are queued (loopback delivers in order), then drain them.
    /// let first = client.recv_packet(Some(Duration::from_secs(5)))?;
    /// let rest: Vec<_> = client.drain_received_packets().collect::<Result<_, _>>()?;
    /// assert_eq!((first, rest), (bytes::Bytes::from("one"), vec![bytes::Bytes::from("two")]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drain_received_packets(&self) -> ReceivedPackets<'_, P> {
        self.iter_received_packets(Some(Duration::ZERO))
    }

    /// A proxy for low-level socket operations (`setsockopt` and friends, through
    /// [`socket2::Socket`]).
    ///
    /// The proxy holds the send lock while it lives: sends wait, receives do not. Drop
    /// it promptly, and do not call [`send_packet`](Self::send_packet) from the same
    /// thread while holding it.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// let socket = client.socket()?;
    /// socket.set_ttl_v4(16)?;
    /// assert_eq!(socket.ttl_v4()?, 16);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn socket(&self) -> Result<SocketProxy<'_>, UdpClientError> {
        self.connection.socket_proxy()
    }

    /// The local address of the socket.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// assert_ne!(client.local_addr()?.port(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn local_addr(&self) -> Result<SocketAddr, UdpClientError> {
        self.connection.local_addr()
    }

    /// The remote address the socket is connected to.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// assert_eq!(client.peer_addr()?, peer.local_addr()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peer_addr(&self) -> Result<SocketAddr, UdpClientError> {
        self.connection.peer_addr()
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        self.connection.protocol()
    }

    /// Closes the client: from now on every method returns [`UdpClientError::Closed`],
    /// and threads blocked in [`recv_packet`](Self::recv_packet) wake up and return it.
    /// Does not wait for them. Closing twice is harmless.
    ///
    /// The socket itself is released when the client is dropped (see
    /// [Closing](Self#closing)).
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// std::thread::scope(|scope| {
    ///     let waiting = scope.spawn(|| client.recv_packet(None));
    ///     client.close(); // whether the other thread already waits or not
    ///     assert!(waiting.join().unwrap().unwrap_err().is_closed());
    /// });
    /// assert!(client.send_packet(b"late").unwrap_err().is_closed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(&self) {
        self.connection.close();
    }

    /// `true` once [`close`](Self::close) has been called.
    ///
    /// ```
    /// use easynet::udp::client::UdpClient;
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
    /// assert!(!client.is_closed());
    /// client.close();
    /// assert!(client.is_closed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.connection.is_closed()
    }

    /// One non-blocking `recv(2)`: `Ok(None)` if nothing is queued.
    fn try_recv(&self) -> Result<Option<P::Received>, UdpClientError> {
        let connection = &self.connection;
        connection
            .codec
            .recv_then_decode(|buffer| connection.socket.recv(buffer))
    }

    /// Waits until the socket is ready for `events`, the client is closed, or the
    /// deadline passes (at once if it has passed: a readiness check). May return early
    /// (spurious wake-ups, signals): callers check and retry.
    fn wait(&self, events: PollFlags, deadline: Option<Instant>) -> Result<(), UdpClientError> {
        let timeout = deadline.and_then(|deadline| {
            // Only fails beyond i64::MAX seconds: as good as forever.
            Timespec::try_from(deadline.saturating_duration_since(Instant::now())).ok()
        });
        let mut fds = [
            PollFd::new(&self.connection.socket, events),
            PollFd::new(&self.connection.closed, PollFlags::IN),
        ];
        match rustix::event::poll(&mut fds, timeout.as_ref()) {
            Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
            Err(e) => Err(UdpClientError::Io(e.into())),
        }
    }
}

impl<P: DatagramProtocol> fmt::Debug for UdpClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.connection.debug("UdpClient", f)
    }
}

/// Iterator over received packets, from
/// [`UdpClient::iter_received_packets`]; see there for when it ends.
///
/// ```
/// use easynet::udp::client::UdpClient;
///
/// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
/// assert_eq!(client.drain_received_packets().count(), 0); // nothing arrived yet
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ReceivedPackets<'a, P: DatagramProtocol> {
    client: &'a UdpClient<P>,
    iteration: Iteration,
}

impl<P: DatagramProtocol> Iterator for ReceivedPackets<'_, P> {
    type Item = Result<P::Received, UdpClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.iteration
            .next_blocking(|timeout| self.client.recv_packet(timeout))
    }
}

impl<P: DatagramProtocol> FusedIterator for ReceivedPackets<'_, P> {}

impl<P: DatagramProtocol> fmt::Debug for ReceivedPackets<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedPackets")
            .field("client", self.client)
            .field("iteration", &self.iteration)
            .finish()
    }
}
