//! Not public API. Used by the code that `#[protocol]` and `#[request_handler]` generate;
//! may change in any release.

pub use crate::handler::{HandlerClient, IntoHandlerResult, PacketReceiver};
pub use ::core;
pub use ::std;
