//! Configuration shared by the blocking and the async UDP client.

use std::net::SocketAddr;

/// Which IP family to connect with, when the remote host name resolves to several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressFamily {
    /// IPv4 (`AF_INET`).
    Ipv4,
    /// IPv6 (`AF_INET6`).
    Ipv6,
}

impl AddressFamily {
    /// The family of `addr`.
    ///
    /// ```
    /// use easynet::udp::client::AddressFamily;
    /// assert_eq!(AddressFamily::of(&"[::1]:9000".parse().unwrap()), AddressFamily::Ipv6);
    /// ```
    pub fn of(addr: &SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(_) => Self::Ipv4,
            SocketAddr::V6(_) => Self::Ipv6,
        }
    }
}

/// How a UDP client creates and configures its socket before connecting it.
///
/// Used by [`UdpClient::connect_with_config`](super::UdpClient::connect_with_config)
/// and [`AsyncUdpClient::connect_with_config`](super::AsyncUdpClient::connect_with_config).
/// Every field has a default (written in its doc); set the ones you need with the
/// builder methods:
///
/// ```
/// use easynet::udp::client::{AddressFamily, UdpClient, UdpClientConfig};
///
/// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let config = UdpClientConfig::new()
///     .family(AddressFamily::Ipv4)
///     .local_addr("127.0.0.1:0".parse()?)
///     .reuse_port(true)
///     .recv_buffer_size(1 << 20)
///     .send_buffer_size(1 << 20);
/// let client = UdpClient::connect_with_config(peer.local_addr()?, easynet::protocol::Raw, config)?;
/// assert!(client.socket()?.reuse_port()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UdpClientConfig {
    /// Local address to bind the socket to before connecting it.
    ///
    /// Default: `None`: the kernel chooses the local address (from the route to the
    /// remote host) and an ephemeral port when the socket is connected.
    pub local_addr: Option<SocketAddr>,
    /// Only connect to remote addresses of this family.
    ///
    /// Default: `None`: the resolved addresses are tried in order, whatever their
    /// family (with a [`local_addr`](Self::local_addr), only those of its family).
    pub family: Option<AddressFamily>,
    /// Sets `SO_REUSEPORT` on the socket, so that several sockets can bind the same local
    /// address and port.
    ///
    /// Default: `false`.
    pub reuse_port: bool,
    /// Sets the kernel receive buffer size (`SO_RCVBUF`), in bytes. Linux doubles the
    /// value and caps it at `net.core.rmem_max`.
    ///
    /// Default: `None`: the system default (`net.core.rmem_default` on Linux).
    pub recv_buffer_size: Option<usize>,
    /// Sets the kernel send buffer size (`SO_SNDBUF`), in bytes. Linux doubles the value
    /// and caps it at `net.core.wmem_max`.
    ///
    /// Default: `None`: the system default (`net.core.wmem_default` on Linux).
    pub send_buffer_size: Option<usize>,
}

impl UdpClientConfig {
    /// The defaults (same as [`Default::default`]).
    ///
    /// ```
    /// let config = easynet::udp::client::UdpClientConfig::new();
    /// assert_eq!(config.local_addr, None);
    /// assert!(!config.reuse_port);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    crate::builder::setters! {
        /// ```
        /// let config = easynet::udp::client::UdpClientConfig::new()
        ///     .local_addr("127.0.0.1:0".parse().unwrap());
        /// assert!(config.local_addr.is_some());
        /// ```
        local_addr(address: SocketAddr) = Some(address);

        /// ```
        /// use easynet::udp::client::{AddressFamily, UdpClientConfig};
        /// let config = UdpClientConfig::new().family(AddressFamily::Ipv6);
        /// assert_eq!(config.family, Some(AddressFamily::Ipv6));
        /// ```
        family(family: AddressFamily) = Some(family);

        /// ```
        /// let config = easynet::udp::client::UdpClientConfig::new().reuse_port(true);
        /// assert!(config.reuse_port);
        /// ```
        reuse_port(reuse_port: bool);

        /// ```
        /// let config = easynet::udp::client::UdpClientConfig::new().recv_buffer_size(1 << 20);
        /// assert_eq!(config.recv_buffer_size, Some(1 << 20));
        /// ```
        recv_buffer_size(bytes: usize) = Some(bytes);

        /// ```
        /// let config = easynet::udp::client::UdpClientConfig::new().send_buffer_size(1 << 20);
        /// assert_eq!(config.send_buffer_size, Some(1 << 20));
        /// ```
        send_buffer_size(bytes: usize) = Some(bytes);
    }

    /// Whether a remote address may be used with this configuration.
    pub(super) fn accepts(&self, remote: &SocketAddr) -> bool {
        let family = AddressFamily::of(remote);
        self.family.is_none_or(|wanted| wanted == family)
            && self
                .local_addr
                .is_none_or(|local| AddressFamily::of(&local) == family)
    }
}
