//! Getting a connected UDP socket: from a host name and a configuration, or from the user.

use super::config::UdpClientConfig;
use super::error::{InvalidSocketKind, UdpClientError};
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::OwnedFd;

/// A socket that a UDP client can take ownership of, with `from_socket`.
///
/// Implemented for [`std::net::UdpSocket`], [`tokio::net::UdpSocket`],
/// [`socket2::Socket`] and [`OwnedFd`]. The client checks what it gets: a connected
/// `SOCK_DGRAM` socket of family `AF_INET` or `AF_INET6`.
///
/// ```
/// use easynet::udp::client::IntoSocket;
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let socket2: socket2::Socket = socket.into_socket()?;
/// assert_eq!(socket2.r#type()?, socket2::Type::DGRAM);
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait IntoSocket {
    /// Converts `self` into a [`socket2::Socket`], giving up ownership.
    fn into_socket(self) -> io::Result<Socket>;
}

impl IntoSocket for Socket {
    fn into_socket(self) -> io::Result<Socket> {
        Ok(self)
    }
}

impl IntoSocket for UdpSocket {
    fn into_socket(self) -> io::Result<Socket> {
        Ok(Socket::from(self))
    }
}

impl IntoSocket for OwnedFd {
    fn into_socket(self) -> io::Result<Socket> {
        Ok(Socket::from(self))
    }
}

impl IntoSocket for tokio::net::UdpSocket {
    fn into_socket(self) -> io::Result<Socket> {
        // Deregisters the socket from its tokio reactor, so that the (possibly different)
        // runtime or thread of the client owns it alone.
        Ok(Socket::from(self.into_std()?))
    }
}

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
    if socket.r#type()? != Type::DGRAM {
        return Err(UdpClientError::InvalidSocket(
            InvalidSocketKind::NotDatagram,
        ));
    }
    let local_addr = socket
        .local_addr()?
        .as_socket()
        .ok_or(UdpClientError::InvalidSocket(InvalidSocketKind::NotInet))?;
    let peer_addr = match socket.peer_addr() {
        Ok(peer) => peer
            .as_socket()
            .ok_or(UdpClientError::InvalidSocket(InvalidSocketKind::NotInet))?,
        Err(e) if e.kind() == io::ErrorKind::NotConnected => {
            return Err(UdpClientError::InvalidSocket(
                InvalidSocketKind::NotConnected,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    socket.set_nonblocking(true)?;
    Ok(Connected {
        socket: socket.into(),
        local_addr,
        peer_addr,
    })
}
