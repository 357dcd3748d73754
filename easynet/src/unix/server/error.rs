//! Errors of the Unix stream server.

use crate::handler::HandlerError;
use crate::protocol::SerializeError;
use std::path::PathBuf;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnixServerError {
    /// Another server is listening on this socket file (it accepted a test connection).
    #[error("a server is already listening on {}", .0.display())]
    AddressInUse(PathBuf),
    /// The path exists and is not a socket: it is never removed.
    #[error("{} exists and is not a socket", .0.display())]
    NotASocket(PathBuf),
    /// `service_init` failed.
    #[error("service initialisation failed")]
    ServiceInit(#[source] HandlerError),
    /// An operating-system error (binding, listening, accepting).
    #[error("i/o error")]
    Io(#[source] std::io::Error),
}

/// Why a send to a connected client failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamSendError {
    /// The connection is closed (by the handler, or at shutdown).
    #[error("connection is closed")]
    Closed,
    /// The packet could not be serialized; nothing was sent.
    #[error("cannot serialize the packet")]
    Serialize(#[source] SerializeError),
    /// The write failed (the peer went away, ...).
    #[error("i/o error")]
    Io(#[source] std::io::Error),
}

impl From<SerializeError> for StreamSendError {
    fn from(e: SerializeError) -> Self {
        Self::Serialize(e)
    }
}
