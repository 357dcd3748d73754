//! Errors of the Unix stream clients.

use crate::adopt::{InvalidSocketKind, Refused};
use crate::protocol::{ParseError, SerializeError};
use std::io;

/// What a Unix stream client operation failed with.
///
/// The variants it shares with [`UdpClientError`](crate::udp::client::UdpClientError)
/// have the same names, messages and helpers. The client stays usable after
/// [`Parse`](Self::Parse), [`Serialize`](Self::Serialize) and [`Timeout`](Self::Timeout);
/// after [`Closed`](Self::Closed), every method returns `Closed` again.
///
/// ```
/// use easynet::unix::client::{UnixClientError, UnixStreamClient};
/// use std::time::Duration;
///
/// let (socket, _peer) = std::os::unix::net::UnixStream::pair()?;
/// let client = UnixStreamClient::from_socket(socket, easynet::protocol::Line::new())?;
/// match client.recv_packet(Some(Duration::ZERO)) {
///     Err(UnixClientError::Timeout) => {} // nothing has arrived yet
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnixClientError {
    /// The client was closed (by [`close`](super::UnixStreamClient::close) or
    /// [`AsyncUnixStreamClient::close`](super::AsyncUnixStreamClient::close)).
    #[error("the client is closed")]
    Closed,
    /// No packet arrived within the timeout.
    #[error("timed out waiting for a packet")]
    Timeout,
    /// The connection could not be established within the
    /// [connect timeout](super::UnixClientConfig::connect_timeout).
    #[error("timed out connecting")]
    ConnectTimeout,
    /// Bytes arrived that do not make a valid packet. The frame is consumed (the stream
    /// has resynchronised): the next call reads the next packet. The [`ParseError`]
    /// carries (a bounded copy of) the bytes.
    #[error("received a packet that could not be parsed")]
    Parse(#[source] ParseError),
    /// The protocol could not serialize the packet to send; nothing was sent.
    #[error("cannot serialize the packet to send")]
    Serialize(#[source] SerializeError),
    /// The peer closed the connection (end of stream) and no packet is left.
    #[error("connection closed by peer")]
    Eof,
    /// A send after [`send_eof`](super::UnixStreamClient::send_eof): the write side is
    /// shut down.
    #[error("cannot send after send_eof()")]
    WriteClosed,
    /// The socket reported an error (for instance [`io::ErrorKind::ConnectionRefused`]
    /// when nobody listens on the path, see
    /// [`is_connection_refused`](Self::is_connection_refused)).
    #[error("socket i/o error")]
    Io(#[from] io::Error),
    /// The socket given to `from_socket` cannot be used by a Unix stream client.
    #[error("invalid socket: {0}")]
    InvalidSocket(InvalidSocketKind),
}

impl UnixClientError {
    /// `true` for [`Closed`](Self::Closed).
    ///
    /// ```
    /// use easynet::unix::client::UnixClientError;
    /// assert!(UnixClientError::Closed.is_closed());
    /// assert!(!UnixClientError::Timeout.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }

    /// `true` for [`Timeout`](Self::Timeout) (not for
    /// [`ConnectTimeout`](Self::ConnectTimeout)).
    ///
    /// ```
    /// use easynet::unix::client::UnixClientError;
    /// assert!(UnixClientError::Timeout.is_timeout());
    /// assert!(!UnixClientError::ConnectTimeout.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// `true` for [`Eof`](Self::Eof): the peer closed the connection.
    ///
    /// ```
    /// use easynet::unix::client::UnixClientError;
    /// assert!(UnixClientError::Eof.is_eof());
    /// assert!(!UnixClientError::Closed.is_eof());
    /// ```
    pub fn is_eof(&self) -> bool {
        matches!(self, Self::Eof)
    }

    /// `true` for an [`Io`](Self::Io) error of kind
    /// [`ConnectionRefused`](io::ErrorKind::ConnectionRefused): nobody listens on the
    /// socket path (a stale socket file, for instance).
    ///
    /// ```
    /// use easynet::unix::client::UnixClientError;
    /// use std::io;
    /// let err = UnixClientError::from(io::Error::from(io::ErrorKind::ConnectionRefused));
    /// assert!(err.is_connection_refused());
    /// ```
    pub fn is_connection_refused(&self) -> bool {
        matches!(self, Self::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused)
    }

    /// The parse error, for [`Parse`](Self::Parse).
    ///
    /// ```
    /// use easynet::protocol::ParseError;
    /// use easynet::unix::client::UnixClientError;
    /// let err = UnixClientError::Parse(ParseError::invalid_data("bad", b"{"));
    /// assert_eq!(&err.parse_error().unwrap().bytes()[..], b"{");
    /// ```
    pub fn parse_error(&self) -> Option<&ParseError> {
        match self {
            Self::Parse(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for UnixClientError {
    fn from(e: ParseError) -> Self {
        Self::Parse(e)
    }
}

impl From<SerializeError> for UnixClientError {
    fn from(e: SerializeError) -> Self {
        Self::Serialize(e)
    }
}

impl From<Refused> for UnixClientError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Invalid(kind) => Self::InvalidSocket(kind),
            Refused::Io(e) => Self::Io(e),
        }
    }
}

impl crate::received_packets::ClientError for UnixClientError {
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
