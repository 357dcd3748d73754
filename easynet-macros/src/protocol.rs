//! Expander of `#[protocol]`.

use proc_macro2::TokenStream;

pub(crate) fn expand(_args: TokenStream, item: TokenStream) -> TokenStream {
    // Placeholder until the protocol derive lands: emit the item unchanged.
    item
}
