//! Errors of the Unix stream clients.

use crate::adopt::InvalidSocketKind;
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
}

crate::client_error::client_error_impls!(
    UnixClientError = "easynet::unix::client::UnixClientError",
    is_timeout: {
        /// Not for [`ConnectTimeout`](Self::ConnectTimeout):
        ///
        /// ```
        /// use easynet::unix::client::UnixClientError;
        /// assert!(!UnixClientError::ConnectTimeout.is_timeout());
        /// ```
    },
    is_connection_refused: {
        /// nobody listens on the socket path (a stale socket file, for instance).
    },
);
