//! Low-level access to a client's or server's socket, for `setsockopt`-style calls.

use std::ops::Deref;
use std::sync::MutexGuard;

/// A borrowed view of a socket as a [`socket2::Socket`], for low-level operations
/// (`set_recv_buffer_size`, `set_reuse_port`, `ttl`, …).
///
/// While the proxy lives it may hold the owner's send lock, so socket options are never
/// changed in the middle of a write (the easynetwork rule); drop it promptly.
///
/// ```
/// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let proxy = easynet::socket::SocketProxy::new(&std_socket);
/// proxy.set_ttl_v4(32).unwrap();
/// assert_eq!(proxy.ttl_v4().unwrap(), 32);
/// ```
#[derive(Debug)]
pub struct SocketProxy<'a> {
    socket: socket2::SockRef<'a>,
    _lock: Option<MutexGuard<'a, ()>>,
}

impl<'a> SocketProxy<'a> {
    /// A proxy for any socket-like value (std, tokio or socket2 sockets).
    pub fn new<S: std::os::fd::AsFd>(socket: &'a S) -> Self {
        Self {
            socket: socket2::SockRef::from(socket),
            _lock: None,
        }
    }

    /// A proxy that holds `lock` (usually the owner's send lock) while it lives.
    pub fn locked<S: std::os::fd::AsFd>(socket: &'a S, lock: MutexGuard<'a, ()>) -> Self {
        Self {
            socket: socket2::SockRef::from(socket),
            _lock: Some(lock),
        }
    }
}

impl Deref for SocketProxy<'_> {
    type Target = socket2::Socket;

    fn deref(&self) -> &socket2::Socket {
        &self.socket
    }
}
