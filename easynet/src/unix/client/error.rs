//! Errors of the Unix stream clients.

use crate::protocol::{ParseError, SerializeError};

/// Why a Unix stream client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnixClientError {
    /// The client was closed (by [`close`](super::UnixStreamClient::close)).
    #[error("client is closed")]
    Closed,
    /// No packet arrived within the receive timeout.
    #[error("timed out waiting for a packet")]
    Timeout,
    /// The connection could not be established within the connect timeout.
    #[error("timed out connecting")]
    ConnectTimeout,
    /// Bytes arrived that do not make a valid packet; the stream has resynchronised and
    /// the next call reads the next packet.
    #[error("received an invalid packet")]
    Parse(#[source] ParseError),
    /// The packet to send could not be serialized; nothing was sent.
    #[error("cannot serialize the packet")]
    Serialize(#[source] SerializeError),
    /// The peer closed the connection (end of stream) and no packet is left.
    #[error("connection closed by peer")]
    Eof,
    /// A send after [`send_eof`](super::UnixStreamClient::send_eof): the write side is
    /// shut down.
    #[error("cannot send after send_eof()")]
    WriteClosed,
    /// The socket given to `from_socket` is unusable (the text says why).
    #[error("invalid socket: {0}")]
    InvalidSocket(String),
    /// An operating-system error.
    #[error("i/o error")]
    Io(#[source] std::io::Error),
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
