//! Errors of the UDP clients.

use crate::adopt::InvalidSocketKind;
use crate::protocol::{ParseError, SerializeError};
use std::io;

/// What a UDP client operation failed with.
///
/// The client stays usable after [`Parse`](Self::Parse), [`Serialize`](Self::Serialize)
/// and [`Timeout`](Self::Timeout); after [`Closed`](Self::Closed), every method returns
/// `Closed` again.
///
/// ```
/// use easynet::udp::client::{UdpClient, UdpClientError};
/// use std::time::Duration;
///
/// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let client = UdpClient::connect(peer.local_addr()?, easynet::protocol::Raw)?;
/// match client.recv_packet(Some(Duration::ZERO)) {
///     Err(UdpClientError::Timeout) => {} // nothing has arrived yet
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UdpClientError {
    /// The client was closed (by [`close`](super::UdpClient::close) or
    /// [`AsyncUdpClient::close`](super::AsyncUdpClient::close)).
    #[error("the client is closed")]
    Closed,
    /// No datagram arrived within the timeout.
    #[error("timed out waiting for a packet")]
    Timeout,
    /// A datagram arrived but the protocol could not parse it. The datagram is consumed;
    /// the [`ParseError`] carries (a bounded copy of) its bytes.
    #[error("received a packet that could not be parsed")]
    Parse(#[source] ParseError),
    /// The protocol could not serialize the packet to send; nothing was sent.
    #[error("cannot serialize the packet to send")]
    Serialize(#[source] SerializeError),
    /// The socket reported an error. The kernel reports an ICMP "port unreachable" on a
    /// connected UDP socket as [`io::ErrorKind::ConnectionRefused`] on a later send or
    /// receive (see [`is_connection_refused`](Self::is_connection_refused)).
    #[error("socket i/o error")]
    Io(#[from] io::Error),
    /// The socket given to `from_socket` cannot be used by a UDP client.
    #[error("invalid socket: {0}")]
    InvalidSocket(InvalidSocketKind),
}

crate::client_error::client_error_impls!(
    UdpClientError = "easynet::udp::client::UdpClientError",
    is_timeout: {},
    is_connection_refused: {
        /// nobody listens on the remote port (the kernel received an ICMP "port
        /// unreachable").
    },
);
