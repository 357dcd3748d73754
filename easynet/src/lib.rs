//! # easynet
//!
//! Socket servers and clients with real per-client conversations, as easy to write as
//! Python's *easynetwork*.
//!
//! * [`protocol`](mod@protocol): protocol objects, values ⇄ bytes, for datagrams and streams.
//! * [`handler`]: request handlers, one conversation per client, `recv!()` points.
//! * [`udp::client`]: UDP clients, [blocking](udp::client::UdpClient) and
//!   [async](udp::client::AsyncUdpClient) (how-to: [`guide::udp_clients`]).
//! * [`unix`]: Unix stream servers and clients, with fd passing, peer credentials and
//!   abstract addresses ([guide](guide::unix_stream)).
//!
//! The path of a datagram through a server is short and one-way:
//!
//! ```text
//!   socket ──▶ client table ──▶ that client's conversation ──▶ recv!() in handle()
//!                                                                   │
//!   socket ◀──────────────── client.send_packet(&reply) ◀───────────┘
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adopt;
mod builder;
mod client_error;
mod close_flag;
pub mod guide;
pub mod handler;
pub mod protocol;
mod received_packets;
mod server_error;
pub mod socket;
pub mod udp;
pub mod unix;

pub use easynet_macros::{protocol, request_handler};
pub use handler::{RecvError, RequestHandler};
pub use server_error::{SendError, ServerError};

/// Not public API: items used by the code that easynet's macros generate.
#[doc(hidden)]
pub mod __private;

/// Receives the next packet of the current client, inside a `#[request_handler]` handler.
///
/// `recv!()` waits as long as needed; `recv!(timeout = DURATION)` gives up with
/// [`RecvError::Timeout`]. Both evaluate to `Result<Packet, RecvError>`.
///
/// This definition is the fallback: `#[request_handler]` rewrites every `recv!()` written
/// directly in a handler body. Anywhere else (outside a handler, inside a closure, an
/// async block or a nested function) this fallback is what the compiler sees, and it
/// reports an error.
#[macro_export]
macro_rules! recv {
    ($($tt:tt)*) => {
        ::core::compile_error!(
            "`recv!()` can only be used directly inside the body of a `#[request_handler]` method (`handle` or `on_connection`), not in a closure, an async block, a nested function or outside a handler"
        )
    };
}
