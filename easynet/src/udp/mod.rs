//! UDP: the datagram server and the datagram clients.

pub mod client;
pub mod server;
