//! UDP clients: [`UdpClient`] for plain threads, [`AsyncUdpClient`] for tokio.
//!
//! Both wrap a *connected* UDP socket and a [protocol object](mod@crate::protocol): each
//! packet sent is serialized into one datagram, each datagram received is parsed into
//! one packet. The socket being connected, the kernel delivers only the remote host's
//! datagrams, and reports an ICMP "port unreachable" as a connection-refused error.
//!
//! ```text
//!   send_packet(&packet) ──encode──▶ one datagram ──▶ remote address
//!   recv_packet() ◀──decode── one datagram ◀── remote address (others dropped by the kernel)
//! ```
//!
//! The how-to guide is [`crate::guide::udp_clients`].
//!
//! ```
//! use easynet::protocol::Json;
//! use easynet::udp::client::UdpClient;
//! use serde_json::{Value, json};
//! use std::time::Duration;
//!
//! let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! let client = UdpClient::connect(peer.local_addr()?, Json::<Value>::new())?;
//! client.send_packet(&json!({"hello": "world"}))?;
//!
//! let mut buf = [0; 1024];
//! let (n, from) = peer.recv_from(&mut buf)?;
//! peer.send_to(&buf[..n], from)?; // echo
//! assert_eq!(client.recv_packet(Some(Duration::from_secs(5)))?, json!({"hello": "world"}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod asynchronous;
mod blocking;
mod close_signal;
mod codec;
mod config;
mod connect;
mod connection;
mod error;

pub use crate::adopt::{IntoSocket, InvalidSocketKind};
pub use asynchronous::{AsyncUdpClient, ReceivedPacketStream};
pub use blocking::{ReceivedPackets, UdpClient};
pub use config::{AddressFamily, UdpClientConfig};
pub use error::UdpClientError;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Size of the receive buffer: larger than any UDP payload (65,507 bytes over IPv4,
/// 65,527 over IPv6 without jumbograms), so no datagram is ever truncated.
const RECV_BUFFER_SIZE: usize = 65_536;

/// A send buffer that grew beyond this (for one huge packet) is not kept.
const MAX_KEPT_SEND_CAPACITY: usize = 65_536;

/// Locks, ignoring poisoning: the data behind the clients' locks (buffers, `()`) is
/// reset before each use, so a panic in a protocol cannot leave it inconsistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
