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
