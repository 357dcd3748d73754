//! Not public API. Used by the code that `#[protocol]` and `#[request_handler]` generate;
//! may change in any release.

pub use crate::handler::{HandlerClient, IntoHandlerResult, PacketReceiver};
pub use ::core;
pub use ::std;

/// The future of a generated hook: the user's body, its result converted. A combinator
/// rather than an outer `async` block, which would store the body's captures twice.
///
/// `R` is given explicitly by the generated code, so that the `async` block's output
/// type (and the error type of its `?`s) is the user's declared return type.
pub fn into_handler_future<R, F>(
    body: F,
) -> impl ::core::future::Future<Output = crate::handler::HandlerResult>
where
    F: ::core::future::Future<Output = R>,
    R: IntoHandlerResult,
{
    futures_util::FutureExt::map(body, IntoHandlerResult::into_handler_result)
}

// --- `#[protocol]` -------------------------------------------------------------------

pub use crate::protocol::packet::SerdePacket;

/// Compiles only if `T` implements serde's traits; the error is `SerdePacket`'s.
pub const fn assert_serde_packet<T: SerdePacket>() {}

/// Compiles only if `C` is a converter that `#[protocol(converter = C)]` can build.
pub const fn assert_converter<C: crate::protocol::Converter + Default>() {}
pub use bytes::BytesMut;

/// Gates for the formats behind cargo features. `#[protocol]` cannot see easynet's
/// features, so it wraps what it generates for `cbor` / `msgpack` in these macros: with
/// the feature on they expand to their input; with it off, to our own error, spanned at
/// the user's format token (and nothing else, so there is no cascade of errors).
pub mod formats {
    pub use crate::__easynet_format_cbor as cbor;
    pub use crate::__easynet_format_msgpack as msgpack;
}

#[cfg(feature = "cbor")]
#[doc(hidden)]
#[macro_export]
macro_rules! __easynet_format_cbor {
    ($($item:tt)*) => { $($item)* };
}

#[cfg(not(feature = "cbor"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __easynet_format_cbor {
    ($($item:tt)*) => {
        ::core::compile_error!(
            "the `cbor` format needs the `cbor` feature of easynet: enable it in Cargo.toml, e.g. `easynet = { version = \"…\", features = [\"cbor\"] }`"
        );
    };
}

#[cfg(feature = "msgpack")]
#[doc(hidden)]
#[macro_export]
macro_rules! __easynet_format_msgpack {
    ($($item:tt)*) => { $($item)* };
}

#[cfg(not(feature = "msgpack"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __easynet_format_msgpack {
    ($($item:tt)*) => {
        ::core::compile_error!(
            "the `msgpack` format needs the `msgpack` feature of easynet: enable it in Cargo.toml, e.g. `easynet = { version = \"…\", features = [\"msgpack\"] }`"
        );
    };
}

// --- `#[request_handler]` checks ------------------------------------------------------

/// Implemented by every `Send` future. A generated hidden method's return type is
/// bounded by it, spanned at the user's `async`, so that a hook whose future is not
/// `Send` fails with our message before the compiler's (`do_not_recommend` keeps the
/// error on this trait rather than on the inner `Send` obligation).
#[diagnostic::on_unimplemented(
    message = "the future of this request handler hook is not `Send`",
    label = "this `async fn` holds a value that is not `Send` across an `.await` or a `recv!()`",
    note = "a server may run a conversation on any of its runtime's threads: drop values such as `Rc` or a `RefCell` borrow before the next `.await` or `recv!()` (the error that follows names the value)"
)]
pub trait SendHookFuture {}

#[diagnostic::do_not_recommend]
impl<F: ::core::future::Future + Send> SendHookFuture for F {}
