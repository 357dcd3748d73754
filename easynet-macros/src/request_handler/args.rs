//! Options of `#[request_handler(...)]`: `crate = path`.

use syn::parse::{Parse, ParseStream};
use syn::{Path, Token};

mod kw {
    syn::custom_keyword!(timeout);
}

/// The parsed options.
pub(crate) struct Args {
    /// Path to the easynet crate in generated code (default `::easynet`).
    pub(crate) krate: Path,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut krate: Option<Path> = None;
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(Token![crate]) {
                let token: Token![crate] = input.parse()?;
                input.parse::<Token![=]>()?;
                let path: Path = input.parse()?;
                if krate.is_some() {
                    return Err(syn::Error::new(token.span, "`crate` is given twice"));
                }
                krate = Some(path);
            } else if input.peek(syn::Ident) {
                let ident: syn::Ident = input.parse()?;
                return Err(syn::Error::new(
                    ident.span(),
                    format!("unknown option `{ident}`, the only option is `crate = path`"),
                ));
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Args {
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::easynet)),
        })
    }
}

/// The arguments of one `recv!(...)`: none, or `timeout = EXPR`.
pub(crate) enum RecvArgs {
    /// `recv!()`
    Plain,
    /// `recv!(timeout = EXPR)`
    Timeout(syn::Expr),
}

impl Parse for RecvArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(RecvArgs::Plain);
        }
        let bad =
            |span| syn::Error::new(span, "expected `recv!()` or `recv!(timeout = <duration>)`");
        if !input.peek(kw::timeout) {
            return Err(bad(input.span()));
        }
        let kw: kw::timeout = input.parse()?;
        if !input.peek(Token![=]) {
            return Err(bad(kw.span));
        }
        input.parse::<Token![=]>()?;
        if input.is_empty() {
            return Err(bad(kw.span));
        }
        let expr: syn::Expr = input.parse()?;
        // A trailing comma is tolerated, anything else is not.
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(bad(input.span()));
        }
        Ok(RecvArgs::Timeout(expr))
    }
}
