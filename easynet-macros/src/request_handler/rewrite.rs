//! Rewrites the `recv!()` points of a handler body into awaits on the hidden receiver.
//!
//! Modelled on async-stream's `Scrub`: a [`VisitMut`] that rewrites `recv!()` written
//! directly in the body (including inside other macros' tokens), and reports every
//! `recv!()` found in a closure, an async block or a nested item, where an `.await` on
//! the conversation's receiver would be wrong or impossible.

use super::args::RecvArgs;
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::quote_spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Macro, Path, Stmt};

/// Where the visitor currently is, relative to the handler body.
#[derive(Clone, Copy)]
enum Place {
    /// Directly in the body: `recv!()` is rewritten.
    Body,
    /// Inside a closure.
    Closure,
    /// Inside an `async` block.
    AsyncBlock,
    /// Inside a nested item (`fn`, `impl`, ...).
    Item,
    /// In a hook that cannot receive (`service_init`, `on_disconnection`).
    NoReceiver(&'static str),
}

pub(crate) struct RecvRewriter<'a> {
    krate: &'a Path,
    /// The receiver variable; `None` in hooks that have none.
    receiver: Option<&'a Ident>,
    place: Place,
    pub(crate) errors: Vec<syn::Error>,
}

impl<'a> RecvRewriter<'a> {
    /// A rewriter for a body whose receiver variable is `receiver`.
    pub(crate) fn new(krate: &'a Path, receiver: &'a Ident) -> Self {
        Self {
            krate,
            receiver: Some(receiver),
            place: Place::Body,
            errors: Vec::new(),
        }
    }

    /// A checker for the body of a hook that cannot `recv!()` (named `hook`).
    pub(crate) fn forbidding(krate: &'a Path, hook: &'static str) -> Self {
        Self {
            krate,
            receiver: None,
            place: Place::NoReceiver(hook),
            errors: Vec::new(),
        }
    }

    /// A checker for the body of a hook whose signature is wrong (already reported): its
    /// `recv!()`s become placeholders, and only their own mistakes (bad arguments, a
    /// closure, ...) are reported, so that every error comes out in one pass.
    pub(crate) fn silencing(krate: &'a Path) -> Self {
        Self {
            krate,
            receiver: None,
            place: Place::Body,
            errors: Vec::new(),
        }
    }

    fn with_place(&mut self, place: Place, f: impl FnOnce(&mut Self)) {
        let saved = self.place;
        // Once outside the body, stay in the outermost forbidden place for the message.
        if matches!(saved, Place::Body) {
            self.place = place;
        }
        f(self);
        self.place = saved;
    }

    /// The expression that replaces one `recv!(...)` with arguments `tokens`.
    fn expansion(&mut self, span: Span, tokens: TokenStream) -> TokenStream {
        let krate = self.krate;
        let args = match syn::parse2::<RecvArgs>(tokens) {
            Ok(args) => args,
            Err(e) => {
                self.errors.push(e);
                return quote_spanned!(span=> #krate::__private::core::unreachable!());
            }
        };
        let receiver = match (self.place, self.receiver) {
            (Place::Body, Some(receiver)) => receiver,
            (Place::Body, None) => {
                return quote_spanned!(span=> #krate::__private::core::unreachable!());
            }
            (place, _) => {
                let message = match place {
                    Place::Closure => {
                        "`recv!()` cannot be used inside a closure: write it directly in the handler body"
                            .to_owned()
                    }
                    Place::AsyncBlock => {
                        "`recv!()` cannot be used inside an async block: write it directly in the handler body, or name the receiver with a second parameter (`requests: &mut DatagramRequests<P>`) and call `requests.recv()`"
                            .to_owned()
                    }
                    Place::Item => {
                        "`recv!()` cannot be used inside a nested function or item: write it directly in the handler body"
                            .to_owned()
                    }
                    Place::NoReceiver(hook) => format!(
                        "`recv!()` cannot be used in `{hook}`: only `handle` and `on_connection` receive packets"
                    ),
                    Place::Body => unreachable!("handled above"),
                };
                self.errors.push(syn::Error::new(span, message));
                return quote_spanned!(span=> #krate::__private::core::unreachable!());
            }
        };
        match args {
            RecvArgs::Plain => quote_spanned! {span=>
                #krate::__private::PacketReceiver::recv(&mut *#receiver).await
            },
            RecvArgs::Timeout(timeout) => quote_spanned! {span=>
                #krate::__private::PacketReceiver::recv_timeout(&mut *#receiver, #timeout).await
            },
        }
    }

    /// Rewrites `recv ! (...)` sequences in the raw tokens of another macro's call.
    fn rewrite_tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = Vec::with_capacity(trees.len());
        let mut i = 0;
        while i < trees.len() {
            if let (
                TokenTree::Ident(ident),
                Some(TokenTree::Punct(bang)),
                Some(TokenTree::Group(args)),
            ) = (&trees[i], trees.get(i + 1), trees.get(i + 2))
                && ident == "recv"
                && bang.as_char() == '!'
                && args.delimiter() != Delimiter::None
            {
                let expansion = self.expansion(ident.span(), args.stream());
                out.push(TokenTree::Group(Group::new(Delimiter::None, expansion)));
                i += 3;
                continue;
            }
            match &trees[i] {
                TokenTree::Group(group) => {
                    let mut new =
                        Group::new(group.delimiter(), self.rewrite_tokens(group.stream()));
                    new.set_span(group.span());
                    out.push(TokenTree::Group(new));
                }
                other => out.push(other.clone()),
            }
            i += 1;
        }
        out.into_iter().collect()
    }

    /// If `mac` is a `recv!(...)`, its expansion.
    fn recv_call(&mut self, mac: &Macro) -> Option<TokenStream> {
        let last = mac.path.segments.last()?;
        if last.ident != "recv" || !last.arguments.is_none() {
            return None;
        }
        Some(self.expansion(last.ident.span(), mac.tokens.clone()))
    }
}

impl VisitMut for RecvRewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(m) = expr {
            if let Some(expansion) = self.recv_call(&m.mac) {
                *expr = Expr::Verbatim(expansion);
                return;
            }
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(m) = stmt {
            if let Some(expansion) = self.recv_call(&m.mac) {
                let semi = m.semi_token;
                *stmt = Stmt::Expr(Expr::Verbatim(expansion), semi);
                return;
            }
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        mac.tokens = self.rewrite_tokens(std::mem::take(&mut mac.tokens));
    }

    fn visit_expr_closure_mut(&mut self, closure: &mut syn::ExprClosure) {
        self.with_place(Place::Closure, |v| {
            visit_mut::visit_expr_closure_mut(v, closure)
        });
    }

    fn visit_expr_async_mut(&mut self, block: &mut syn::ExprAsync) {
        self.with_place(Place::AsyncBlock, |v| {
            visit_mut::visit_expr_async_mut(v, block)
        });
    }

    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        self.with_place(Place::Item, |v| visit_mut::visit_item_mut(v, item));
    }
}
