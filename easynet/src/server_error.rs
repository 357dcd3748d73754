//! The two error types every server shares, whatever its transport: [`ServerError`]
//! (why a server could not start or stopped) and [`SendError`] (why a send to one of
//! its clients failed).

use crate::handler::HandlerError;
use crate::protocol::SerializeError;
use std::io;
use std::path::PathBuf;

/// Why a server could not start, or why it stopped serving.
///
/// Converts into [`std::io::Error`], so `?` works in a `main` that returns
/// `std::io::Result<()>`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Another server is listening on this socket file (it accepted a test connection).
    #[error("a server is already listening on {}", .0.display())]
    AddressInUse(PathBuf),
    /// The path exists and is not a socket: it is never removed.
    #[error("{} exists and is not a socket", .0.display())]
    NotASocket(PathBuf),
    /// `serve_forever` was called while the server was already serving.
    #[error("the server is already serving")]
    AlreadyServing,
    /// `service_init` failed.
    #[error("service initialisation failed")]
    ServiceInit(#[source] HandlerError),
    /// An operating-system error (resolving, binding, listening, receiving, accepting).
    #[error("i/o error")]
    Io(#[source] io::Error),
}

impl From<io::Error> for ServerError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<ServerError> for io::Error {
    fn from(e: ServerError) -> Self {
        match e {
            ServerError::Io(e) => e,
            ServerError::AddressInUse(_) => io::Error::new(io::ErrorKind::AddrInUse, e),
            ServerError::NotASocket(_) => io::Error::new(io::ErrorKind::AlreadyExists, e),
            other => io::Error::other(other),
        }
    }
}

/// Why a send to one client of a server failed (`send_packet` of every server's client
/// type: datagram or stream).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The connection is closed (by the handler, by the peer, or at shutdown).
    #[error("connection is closed")]
    Closed,
    /// The packet could not be serialized; nothing was sent.
    #[error("cannot serialize the packet")]
    Serialize(#[source] SerializeError),
    /// The socket refused the datagram, or the write failed.
    #[error("i/o error")]
    Io(#[source] io::Error),
}

impl From<SerializeError> for SendError {
    fn from(e: SerializeError) -> Self {
        Self::Serialize(e)
    }
}

impl From<io::Error> for SendError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}
