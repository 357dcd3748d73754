//! The UDP server: one request handler, one conversation per client.
//!
//! A client is a remote address. A datagram from an address with no live conversation
//! starts one (a call of the handler's `handle`); datagrams that arrive while it runs are
//! queued, in arrival order, for its next `recv!()`s. The path of a datagram:
//!
//! ```text
//!   socket ──try_recv_from──▶ client table ──(no entry)──▶ new slot + conversation,
//!                               │                          polled once inline, spawned
//!                               │ (entry)                  as a task only if it waits
//!                               ▼
//!                        slot queue (raw bytes) ──wake──▶ recv!() pops + parses
//!                                                               │
//!   socket ◀──try_send_to (await writable if full)── client.send_packet(&reply)
//! ```
//!
//! Each client's slot follows this state machine (all transitions of the
//! table entry happen under the table lock, so no datagram is lost at a boundary):
//!
//! ```text
//!            datagram, no entry                 handle() returns, queue empty
//!   (none) ──────────────────────▶ Live ──────────────────────────────────▶ (none)
//!                                  │  ▲   handle() returns, queue non-empty:
//!                                  │  └── next conversation, same slot and task
//!                                  │ shutdown: closed, waker woken
//!                                  ▼
//!                               Closed ── recv!() gives ServerClosing; the entry is
//!                                         removed when the conversation ends
//! ```
//!
//! Every datagram is received into one buffer of the receive loop; the table copies
//! the ones it keeps (queued, or the first of a new conversation) to their exact size,
//! once. `recv!()` parses that copy (`Raw` hands it over as it is), so a packet a
//! handler keeps holds its own bytes, never a whole receive buffer. On the way back,
//! `send_packet` serializes into a per-thread buffer (`Raw` sends the packet's bytes as
//! they are) and sends at once when the socket has room.
//!
//! A conversation that returns before its first `recv!()` *refuses* its datagram: it
//! is dropped without being parsed. An idle conversation is a suspended future in a
//! tokio task (no thread); memory per idle client is under 1 KiB.
//!
//! The handler's `service_init` hook runs when serving starts; `on_connection` and
//! `on_disconnection` belong to stream servers and are not called for UDP.
//!
//! See the [UDP server guide](crate::guide::udp_servers) for a tour.

mod background;
mod client;
mod config;
mod context;
mod shared;
mod stats;
mod table;
mod udp_server;

pub use background::BackgroundServer;
pub use client::{DatagramClient, DatagramRequests, SendError};
pub use config::UdpServerConfig;
pub use context::ClientContext;
pub use stats::ServerStats;
pub use udp_server::{ShutdownHandle, UdpServer, UdpServerBuilder};

impl UdpServer<(), ()> {
    /// Binds `addr` and runs the server on its own thread and runtime (see
    /// [`BackgroundServer`]); returns once the socket is bound.
    pub fn spawn_background<H, P>(
        addr: std::net::SocketAddr,
        protocol: P,
        handler: H,
    ) -> std::io::Result<BackgroundServer>
    where
        P: crate::protocol::DatagramProtocol,
        P::Received: Send + 'static,
        H: crate::handler::RequestHandler<Client = DatagramClient<P>>,
    {
        UdpServer::builder(addr).spawn_background(protocol, handler)
    }
}
