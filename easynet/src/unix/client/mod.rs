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
mod connection;
mod error;

pub use crate::adopt::{IntoSocket, InvalidSocketKind};
pub use asynchronous::{AsyncUnixStreamClient, ReceivedPacketStream};
pub use blocking::{ReceivedPackets, UnixStreamClient};
pub use config::UnixClientConfig;
pub use error::UnixClientError;

use super::UnixSocketAddress;
use super::framed::{Buffered, FramedReader};
use crate::adopt::{self, Accepted};
use crate::protocol::{StreamDecoder, StreamProtocol};
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
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

/// Checks that `socket` is a connected `AF_UNIX`/`SOCK_STREAM` socket (see
/// [`adopt::check`]) and hands it over as a descriptor.
fn adopt(socket: impl IntoSocket) -> Result<OwnedFd, UnixClientError> {
    let socket = socket.into_socket()?;
    adopt::check(&socket, Accepted::UnixStream)?;
    Ok(OwnedFd::from(socket))
}

/// Makes an adopted or connected socket ready for a client: non-blocking (both clients
/// wait for readiness themselves), `SO_PASSCRED` if configured, and the reader that
/// frames what it receives.
fn prepare<P: StreamProtocol>(
    fd: OwnedFd,
    protocol: &P,
    config: &UnixClientConfig,
) -> Result<(std::os::unix::net::UnixStream, FramedReader<P::Decoder>), UnixClientError> {
    let socket = std::os::unix::net::UnixStream::from(fd);
    socket.set_nonblocking(true)?;
    if config.receive_credentials {
        rustix::net::sockopt::set_socket_passcred(&socket, true).map_err(io::Error::from)?;
    }
    let reader = FramedReader::new(
        protocol.decoder(),
        config.max_recv_size,
        config.ancillary_buffer_size,
    );
    Ok((socket, reader))
}

/// One non-blocking read into `reader`, then the [`max_pending_fds`] bound on what it
/// holds: extra descriptors are closed at once and reported as `truncated`.
///
/// [`max_pending_fds`]: UnixClientConfig::max_pending_fds
fn fill<D: StreamDecoder>(
    reader: &mut FramedReader<D>,
    socket: BorrowedFd<'_>,
    max_pending_fds: usize,
) -> io::Result<usize> {
    let n = reader.fill(socket)?;
    let dropped = reader.ancillary.cap(max_pending_fds);
    if dropped > 0 {
        tracing::warn!(
            dropped,
            max_pending_fds,
            "too many received file descriptors pending: closing the new ones"
        );
    }
    Ok(n)
}

/// A packet from what `reader` has already buffered: `None` if it needs more bytes.
fn buffered_packet<D: StreamDecoder>(
    reader: &mut FramedReader<D>,
) -> Option<Result<D::Packet, UnixClientError>> {
    match reader.poll_buffered() {
        Buffered::Packet(packet) => Some(Ok(packet)),
        Buffered::Error(e) => Some(Err(UnixClientError::Parse(e))),
        Buffered::Eof => Some(Err(UnixClientError::Eof)),
        Buffered::NeedMore => None,
    }
}

/// The address of one end of a Unix socket, as a [`UnixSocketAddress`]; `None` for an
/// unnamed socket.
fn to_address(addr: &std::os::unix::net::SocketAddr) -> Option<UnixSocketAddress> {
    if let Some(path) = addr.as_pathname() {
        return Some(UnixSocketAddress::Path(path.to_path_buf()));
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt;
        if let Some(name) = addr.as_abstract_name() {
            return Some(UnixSocketAddress::Abstract(name.to_vec()));
        }
    }
    None
}
