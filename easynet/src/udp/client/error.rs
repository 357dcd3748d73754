//! Errors of the UDP clients.

use crate::adopt::{InvalidSocketKind, Refused};
use crate::protocol::{ParseError, SerializeError};
use std::io;

/// What a UDP client operation failed with.
///
/// The client stays usable after [`Parse`](Self::Parse), [`Serialize`](Self::Serialize)
/// and [`Timeout`](Self::Timeout); after [`Closed`](Self::Closed), every method returns
/// `Closed` again.
///
/// ```
/// use easynet::udp::client::{UdpClient, UdpClientError};
/// use std::time::Duration;
///
/// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
/// match client.recv_packet(Some(Duration::ZERO)) {
///     Err(UdpClientError::Timeout) => {} // nothing has arrived yet
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UdpClientError {
    /// The client was closed (by [`close`](super::UdpClient::close) or
    /// [`AsyncUdpClient::close`](super::AsyncUdpClient::close)).
    #[error("the client is closed")]
    Closed,
    /// No datagram arrived within the timeout.
    #[error("timed out waiting for a packet")]
    Timeout,
    /// A datagram arrived but the protocol could not parse it. The datagram is consumed;
    /// the [`ParseError`] carries (a bounded copy of) its bytes.
    #[error("received a packet that could not be parsed")]
    Parse(#[source] ParseError),
    /// The protocol could not serialize the packet to send; nothing was sent.
    #[error("cannot serialize the packet to send")]
    Serialize(#[source] SerializeError),
    /// The socket reported an error. The kernel reports an ICMP "port unreachable" on a
    /// connected UDP socket as [`io::ErrorKind::ConnectionRefused`] on a later send or
    /// receive (see [`is_connection_refused`](Self::is_connection_refused)).
    #[error("socket i/o error")]
    Io(#[from] io::Error),
    /// The socket given to `from_socket` cannot be used by a UDP client.
    #[error("invalid socket: {0}")]
    InvalidSocket(InvalidSocketKind),
}

impl UdpClientError {
    /// `true` for [`Closed`](Self::Closed).
    ///
    /// ```
    /// use easynet::udp::client::UdpClientError;
    /// assert!(UdpClientError::Closed.is_closed());
    /// assert!(!UdpClientError::Timeout.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }

    /// `true` for [`Timeout`](Self::Timeout).
    ///
    /// ```
    /// use easynet::udp::client::UdpClientError;
    /// assert!(UdpClientError::Timeout.is_timeout());
    /// assert!(!UdpClientError::Closed.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// `true` for an [`Io`](Self::Io) error of kind
    /// [`ConnectionRefused`](io::ErrorKind::ConnectionRefused): nobody listens on the
    /// remote port (the kernel received an ICMP "port unreachable").
    ///
    /// ```
    /// use easynet::udp::client::UdpClientError;
    /// use std::io;
    /// let err = UdpClientError::from(io::Error::from(io::ErrorKind::ConnectionRefused));
    /// assert!(err.is_connection_refused());
    /// ```
    pub fn is_connection_refused(&self) -> bool {
        matches!(self, Self::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused)
    }

    /// The parse error, for [`Parse`](Self::Parse).
    ///
    /// ```
    /// use easynet::protocol::ParseError;
    /// use easynet::udp::client::UdpClientError;
    /// let err = UdpClientError::Parse(ParseError::invalid_data("bad", b"{"));
    /// assert_eq!(&err.parse_error().unwrap().bytes()[..], b"{");
    /// ```
    pub fn parse_error(&self) -> Option<&ParseError> {
        match self {
            Self::Parse(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for UdpClientError {
    fn from(e: ParseError) -> Self {
        Self::Parse(e)
    }
}

impl From<SerializeError> for UdpClientError {
    fn from(e: SerializeError) -> Self {
        Self::Serialize(e)
    }
}

impl From<Refused> for UdpClientError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Invalid(kind) => Self::InvalidSocket(kind),
            Refused::Io(e) => Self::Io(e),
        }
    }
}

impl crate::received_packets::ClientError for UdpClientError {
    fn timeout() -> Self {
        Self::Timeout
    }

    fn ends_iteration(&self) -> bool {
        self.is_timeout() || self.is_closed()
    }

    fn is_recoverable(&self) -> bool {
        self.parse_error().is_some()
    }
}
