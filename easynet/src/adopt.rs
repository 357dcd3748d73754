//! Adopting a socket the user already has (every client's `from_socket`): what can be
//! given ([`IntoSocket`]), and why a socket is refused ([`InvalidSocketKind`]).
//!
//! Both client families check the same way: a socket of the right domain and type, and
//! connected. A refused socket is dropped, so closed.

use socket2::{Domain, Socket, Type};
use std::fmt;
use std::io;
use std::os::fd::OwnedFd;

/// A socket that a client can take ownership of, with `from_socket`.
///
/// Implemented for [`socket2::Socket`], [`OwnedFd`], the std sockets and the tokio UDP
/// socket and Unix stream. The client checks what it gets: a connected `SOCK_DGRAM` socket of
/// family `AF_INET` or `AF_INET6` for the UDP clients, a connected `SOCK_STREAM` socket of
/// family `AF_UNIX` for the Unix stream clients.
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

/// The std types (and an owned descriptor) convert as they are.
macro_rules! into_socket_from_fd {
    ($($std:ty),* $(,)?) => {$(
        impl IntoSocket for $std {
            fn into_socket(self) -> io::Result<Socket> {
                Ok(Socket::from(OwnedFd::from(self)))
            }
        }
    )*};
}

into_socket_from_fd!(
    OwnedFd,
    std::net::UdpSocket,
    std::net::TcpStream,
    std::os::unix::net::UnixStream,
    std::os::unix::net::UnixDatagram,
);

// The tokio sockets are deregistered from their reactor, so that the (possibly
// different) runtime or thread of the client owns them alone.
impl IntoSocket for tokio::net::UdpSocket {
    fn into_socket(self) -> io::Result<Socket> {
        Ok(Socket::from(self.into_std()?))
    }
}

impl IntoSocket for tokio::net::UnixStream {
    fn into_socket(self) -> io::Result<Socket> {
        Ok(Socket::from(self.into_std()?))
    }
}

/// Why a socket given to `from_socket` was refused.
///
/// ```
/// use easynet::udp::client::{InvalidSocketKind, UdpClient, UdpClientError};
///
/// let unconnected = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// match UdpClient::from_socket(unconnected, easynet::protocol::Raw) {
///     Err(UdpClientError::InvalidSocket(InvalidSocketKind::NotConnected)) => {}
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidSocketKind {
    /// Not a socket at all (a file, a pipe…).
    NotSocket,
    /// Not a `SOCK_DGRAM` socket (a TCP socket, for instance), for a UDP client.
    NotDatagram,
    /// Not a `SOCK_STREAM` socket (a Unix datagram socket, for instance), for a Unix
    /// stream client.
    NotStream,
    /// Not an `AF_INET` or `AF_INET6` socket (a Unix datagram socket, for instance), for a
    /// UDP client.
    NotInet,
    /// Not an `AF_UNIX` socket, for a Unix stream client.
    NotUnix,
    /// Not connected: it has no peer address (`connect(2)` was never called).
    NotConnected,
}

impl fmt::Display for InvalidSocketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotSocket => "not a socket",
            Self::NotDatagram => "not a datagram (SOCK_DGRAM) socket",
            Self::NotStream => "not a stream (SOCK_STREAM) socket",
            Self::NotInet => "not an IPv4 or IPv6 (AF_INET/AF_INET6) socket",
            Self::NotUnix => "not a Unix (AF_UNIX) socket",
            Self::NotConnected => "the socket is not connected",
        })
    }
}

/// The sockets a client family accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Accepted {
    /// `AF_INET`/`AF_INET6`, `SOCK_DGRAM`.
    Udp,
    /// `AF_UNIX`, `SOCK_STREAM`.
    UnixStream,
}

/// Why [`check`] refused a socket; each client error converts it.
#[derive(Debug)]
pub(crate) enum Refused {
    Invalid(InvalidSocketKind),
    Io(io::Error),
}

/// Checks that `socket` is a connected socket that the `accepted` family can use.
pub(crate) fn check(socket: &Socket, accepted: Accepted) -> Result<(), Refused> {
    let domain = match socket.domain() {
        Ok(domain) => domain,
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOTSOCK.raw_os_error()) => {
            return Err(Refused::Invalid(InvalidSocketKind::NotSocket));
        }
        Err(e) => return Err(Refused::Io(e)),
    };
    let (domain_ok, wanted_type, wrong_domain, wrong_type) = match accepted {
        Accepted::Udp => (
            domain == Domain::IPV4 || domain == Domain::IPV6,
            Type::DGRAM,
            InvalidSocketKind::NotInet,
            InvalidSocketKind::NotDatagram,
        ),
        Accepted::UnixStream => (
            domain == Domain::UNIX,
            Type::STREAM,
            InvalidSocketKind::NotUnix,
            InvalidSocketKind::NotStream,
        ),
    };
    if !domain_ok {
        return Err(Refused::Invalid(wrong_domain));
    }
    if socket.r#type().map_err(Refused::Io)? != wanted_type {
        return Err(Refused::Invalid(wrong_type));
    }
    match socket.peer_addr() {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => {
            Err(Refused::Invalid(InvalidSocketKind::NotConnected))
        }
        Err(e) => Err(Refused::Io(e)),
    }
}
