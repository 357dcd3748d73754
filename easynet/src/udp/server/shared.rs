//! State shared by a server's receive loop and all its conversations.

use super::config::UdpServerConfig;
use super::stats::Counters;
use super::table::ClientTable;
use std::io;
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

impl<P> Shared<P> {
    /// Sends one datagram. Tries at once (UDP sends almost never block), and only
    /// waits for writability if the socket buffer is full.
    pub(crate) async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> io::Result<()> {
        match self.socket.try_send_to(buf, addr) {
            Ok(_) => Ok(()),
            // `poll_send_to` keeps no intrusive waiter in the future (unlike `send_to`),
            // which keeps every suspended conversation's future small.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::future::poll_fn(|cx| self.socket.poll_send_to(cx, buf, addr))
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        }
    }
}
