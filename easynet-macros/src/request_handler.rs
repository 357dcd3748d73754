//! Expander of `#[request_handler]`.

use proc_macro2::TokenStream;

pub(crate) fn expand(_args: TokenStream, item: TokenStream) -> TokenStream {
    // Placeholder until the request handler expander lands: emit the item unchanged.
    item
}
