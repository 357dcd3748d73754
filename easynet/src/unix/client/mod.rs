//! Unix stream clients: [`UnixStreamClient`] (blocking, thread-safe) and
//! [`AsyncUnixStreamClient`] (tokio).
//!
//! Both connect by path or abstract name (with a connect timeout) or adopt an already
//! connected socket, send framed packets (optionally with file descriptors and
//! credentials attached), and receive parsed packets, keeping extraneous bytes for the
//! next call. See the [how-to guide](crate::guide::unix_stream).

mod asynchronous;
mod blocking;
mod config;
mod error;

pub use asynchronous::AsyncUnixStreamClient;
pub use blocking::{ReceivedPackets, UnixStreamClient};
pub use config::UnixClientConfig;
pub use error::UnixClientError;

use super::UnixSocketAddress;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

/// Connects a blocking `AF_UNIX`/`SOCK_STREAM` socket to `address` within `timeout`.
///
/// A Unix `connect()` only waits when the listener's backlog is full, and a non-blocking
/// `connect()` then fails at once with `EAGAIN` (there is no `EINPROGRESS` to poll for,
/// unlike TCP). Linux bounds that wait by the socket's send timeout (`SO_SNDTIMEO`), so the
/// timeout is applied through it and an `EAGAIN` means "timed out".
pub(crate) fn connect_blocking(
    address: &UnixSocketAddress,
    timeout: Option<Duration>,
) -> Result<socket2::Socket, UnixClientError> {
    let addr = address.to_sockaddr().map_err(UnixClientError::Io)?;
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)
        .map_err(UnixClientError::Io)?;
    match timeout {
        Some(t) if t.is_zero() => socket.set_nonblocking(true),
        Some(t) => socket.set_write_timeout(Some(t)),
        None => Ok(()),
    }
    .map_err(UnixClientError::Io)?;
    match socket.connect(&addr) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock && timeout.is_some() => {
            return Err(UnixClientError::ConnectTimeout);
        }
        Err(e) => return Err(UnixClientError::Io(e)),
    }
    socket
        .set_write_timeout(None)
        .map_err(UnixClientError::Io)?;
    socket.set_nonblocking(false).map_err(UnixClientError::Io)?;
    Ok(socket)
}

/// Checks that `fd` is a connected `AF_UNIX`/`SOCK_STREAM` socket.
pub(crate) fn check_connected_stream(fd: &OwnedFd) -> Result<(), UnixClientError> {
    let socket = socket2::SockRef::from(fd);
    let invalid = |what: &str| UnixClientError::InvalidSocket(what.to_owned());
    let domain = socket
        .domain()
        .map_err(|e| UnixClientError::InvalidSocket(format!("not a socket ({e})")))?;
    if domain != socket2::Domain::UNIX {
        return Err(invalid("not an AF_UNIX socket"));
    }
    if socket.r#type().map_err(UnixClientError::Io)? != socket2::Type::STREAM {
        return Err(invalid("not a SOCK_STREAM socket"));
    }
    match rustix::net::getpeername(fd.as_fd()) {
        Ok(_) => Ok(()),
        Err(rustix::io::Errno::NOTCONN) => Err(invalid("socket is not connected")),
        Err(e) => Err(UnixClientError::Io(e.into())),
    }
}
