//! Procedural macros of easynet. Use them through the `easynet` crate, which re-exports
//! them and holds all the runtime behaviour they map onto.
//!
//! * `#[protocol]` (module `protocol`): derives a protocol object from serde types.
//! * `#[request_handler]` (module `request_handler`): turns an `async fn handle` with
//!   `recv!()` points into a `RequestHandler` implementation.

use proc_macro::TokenStream;

mod protocol;
mod request_handler;

/// Derives a protocol object from serde types.
///
/// * `#[protocol(json)]` (or `cbor`, `msgpack`, `length_prefixed(json)`, with `limit = N`)
///   on a serde struct or enum implements `easynet::protocol::Packet`: `T::protocol()`.
/// * `#[protocol(json, send = Reply, recv = Request)]`, `#[protocol(json, converter = C)]`
///   or `#[protocol(line, …)]` on a unit struct makes the struct a protocol object.
///
/// The full syntax, with examples, is in the documentation of `easynet::protocol`.
#[proc_macro_attribute]
pub fn protocol(args: TokenStream, item: TokenStream) -> TokenStream {
    protocol::expand(args.into(), item.into()).into()
}

/// Turns an `impl` block with an `async fn handle` into a request handler. See
/// `easynet::handler` for the syntax.
#[proc_macro_attribute]
pub fn request_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    request_handler::expand(args.into(), item.into()).into()
}
