//! State shared by a server's receive loop and all its conversations.

use super::config::UdpServerConfig;
use super::stats::Counters;
use super::table::ClientTable;
use std::net::SocketAddr;
use tokio::net::UdpSocket;

pub(crate) struct Shared<P> {
    pub(crate) socket: UdpSocket,
    pub(crate) local_addr: SocketAddr,
    pub(crate) protocol: P,
    pub(crate) table: ClientTable,
    pub(crate) config: UdpServerConfig,
    pub(crate) counters: Counters,
}
