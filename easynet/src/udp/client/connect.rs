//! Getting a connected UDP socket: from a host name and a configuration, or from the user.

use super::config::UdpClientConfig;
use super::error::UdpClientError;
use crate::adopt::{self, Accepted, InvalidSocketKind};
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, UdpSocket};

/// A connected, non-blocking UDP socket and its two addresses.
#[derive(Debug)]
pub(super) struct Connected {
    pub(super) socket: UdpSocket,
    pub(super) local_addr: SocketAddr,
    pub(super) peer_addr: SocketAddr,
}

/// Creates a socket for each address in turn (filtered by `config`) and returns the
/// first one that connects; else the last error.
pub(super) fn connect_first(
    addresses: impl IntoIterator<Item = SocketAddr>,
    config: &UdpClientConfig,
) -> Result<Connected, UdpClientError> {
    let mut last_error = None;
    for remote in addresses.into_iter().filter(|a| config.accepts(a)) {
        match open(remote, config) {
            Ok(socket) => return adopt(socket),
            Err(e) => {
                tracing::debug!(%remote, error = %e, "cannot connect UDP socket, trying the next address");
                last_error = Some(e);
            }
        }
    }
    Err(UdpClientError::Io(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the remote address resolved to no address of the requested family",
        )
    })))
}

/// One socket, configured, bound and connected to `remote`.
fn open(remote: SocketAddr, config: &UdpClientConfig) -> io::Result<Socket> {
    let socket = Socket::new(
        Domain::for_address(remote),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    if config.reuse_port {
        socket.set_reuse_port(true)?;
    }
    if let Some(bytes) = config.recv_buffer_size {
        socket.set_recv_buffer_size(bytes)?;
    }
    if let Some(bytes) = config.send_buffer_size {
        socket.set_send_buffer_size(bytes)?;
    }
    if let Some(local) = config.local_addr {
        socket.bind(&local.into())?;
    }
    socket.connect(&remote.into())?;
    Ok(socket)
}

/// Checks that `socket` is a connected INET/INET6 datagram socket and makes it
/// non-blocking (both clients wait for readiness themselves).
pub(super) fn adopt(socket: Socket) -> Result<Connected, UdpClientError> {
    adopt::check(&socket, Accepted::Udp)?;
    let inet = |address: socket2::SockAddr| {
        address
            .as_socket()
            .ok_or(UdpClientError::InvalidSocket(InvalidSocketKind::NotInet))
    };
    let local_addr = inet(socket.local_addr()?)?;
    let peer_addr = inet(socket.peer_addr()?)?;
    socket.set_nonblocking(true)?;
    Ok(Connected {
        socket: socket.into(),
        local_addr,
        peer_addr,
    })
}
