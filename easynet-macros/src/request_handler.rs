//! Expander of `#[request_handler]`.
//!
//! Input: an inherent `impl Type { async fn handle(&self, client: &mut Client) -> R {..} }`
//! with optional `service_init`, `on_connection` and `on_disconnection` hooks. Output:
//!
//! * the impl block with every other item, unchanged (inherent methods stay inherent);
//! * `impl RequestHandler for Type` inside `const _: () = { ... };`, whose hooks are the
//!   user's bodies with each `recv!()` rewritten into an await on the conversation's
//!   receiver (a hidden, mixed-site parameter, or the user's second parameter).
//!
//! Every mistake is collected and reported together, spanned at the user's token; the
//! user's item is still emitted so that IDEs keep working.

mod args;
mod rewrite;

use args::Args;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use rewrite::RecvRewriter;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, Path, ReturnType, Type};

/// The hooks the macro recognises, by method name.
const HOOKS: [&str; 4] = [
    "handle",
    "service_init",
    "on_connection",
    "on_disconnection",
];

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Vec::new();
    let args = match syn::parse2::<Args>(args) {
        Ok(args) => args,
        Err(e) => {
            errors.push(e);
            Args {
                krate: syn::parse_quote!(::easynet),
            }
        }
    };
    let item_impl = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(item_impl) => item_impl,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                "`#[request_handler]` goes on an `impl` block that has an `async fn handle`",
            );
            return with_errors(item, vec![e]);
        }
    };
    match expand_impl(&args.krate, item_impl, &mut errors) {
        Some(output) if errors.is_empty() => output,
        Some(output) => with_errors(output, errors),
        None => with_errors(item, errors),
    }
}

/// `tokens` followed by one `compile_error!` per error (tokio's `token_stream_with_error`).
fn with_errors(mut tokens: TokenStream, errors: Vec<syn::Error>) -> TokenStream {
    for e in errors {
        tokens.extend(e.into_compile_error());
    }
    tokens
}

/// The parts of a hook's signature the generated code needs.
struct Hook {
    method: ImplItemFn,
    /// The pattern and referent type of the `&mut X` parameter (client or context).
    arg: Option<(Box<Pat>, Type)>,
    /// The receiver variable, for hooks that receive.
    receiver: Option<(Ident, Option<Type>)>,
}

fn expand_impl(
    krate: &Path,
    mut item_impl: ItemImpl,
    errors: &mut Vec<syn::Error>,
) -> Option<TokenStream> {
    if let Some((path, _)) = &item_impl.trait_ {
        errors.push(syn::Error::new_spanned(
            path,
            "`#[request_handler]` goes on an inherent `impl` block (`impl MyHandler { .. }`), not on a trait impl",
        ));
        return None;
    }

    let mut hooks: Vec<(&'static str, ImplItemFn)> = Vec::new();
    let mut rest = Vec::new();
    for item in std::mem::take(&mut item_impl.items) {
        match item {
            ImplItem::Fn(f) if HOOKS.iter().any(|h| f.sig.ident == h) => {
                let name = HOOKS
                    .iter()
                    .find(|h| f.sig.ident == h)
                    .copied()
                    .unwrap_or("handle");
                hooks.push((name, f));
            }
            other => rest.push(other),
        }
    }
    item_impl.items = rest;

    if !hooks.iter().any(|(name, _)| *name == "handle") {
        errors.push(syn::Error::new_spanned(
            &item_impl.self_ty,
            "a request handler needs `async fn handle(&self, client: &mut ClientType)` in this impl block",
        ));
    }

    let mut generated = Vec::new();
    let mut hidden = Vec::new();
    let mut client_ty: Option<Type> = None;
    for (name, method) in hooks {
        let receives = matches!(name, "handle" | "on_connection");
        let Some(hook) = check_hook(name, &method, receives, errors) else {
            // Still emit the method (as an inherent one) so that IDEs and the user's
            // imports keep working; its `recv!()`s are silenced, and only their own
            // mistakes are reported beside the signature's.
            let mut method = method;
            let mut silencer = if receives {
                RecvRewriter::silencing(krate)
            } else {
                RecvRewriter::forbidding(krate, name)
            };
            silencer.visit_block_mut(&mut method.block);
            errors.extend(silencer.errors);
            item_impl.items.push(ImplItem::Fn(method));
            continue;
        };
        let hook = Hook { method, ..hook };
        if name == "handle" {
            client_ty = hook.arg.as_ref().map(|(_, ty)| ty.clone());
        }
        let (inherent, method) = generate_hook(krate, name, hook, errors);
        hidden.push(inherent);
        generated.push(method);
    }

    // The `recv!()`s in error became diverging placeholders: no extra warnings.
    let allow = (!errors.is_empty()).then(|| quote!(#[allow(unreachable_code)]));
    let self_ty = &item_impl.self_ty;
    let (impl_generics, _, where_clause) = item_impl.generics.split_for_impl();
    let trait_impl = client_ty.map(|client_ty| {
        quote! {
            #[allow(non_local_definitions, clippy::needless_lifetimes, clippy::used_underscore_binding, clippy::manual_async_fn)]
            #allow
            const _: () = {
                impl #impl_generics #self_ty #where_clause {
                    #(#hidden)*
                }
                #[automatically_derived]
                impl #impl_generics #krate::handler::RequestHandler for #self_ty #where_clause {
                    type Client = #client_ty;
                    #(#generated)*
                }
            };
        }
    });
    Some(quote! {
        #allow
        #item_impl
        #trait_impl
    })
}

/// Checks one hook's signature; `None` if it is too wrong to generate anything.
fn check_hook(
    name: &'static str,
    method: &ImplItemFn,
    receives: bool,
    errors: &mut Vec<syn::Error>,
) -> Option<Hook> {
    let sig = &method.sig;
    let arg_what = if name == "service_init" {
        "service: &mut ServiceContext"
    } else {
        "client: &mut ClientType"
    };
    let before = errors.len();
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            format!("`{name}` must be an `async fn`"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            format!("`{name}` cannot have generic parameters"),
        ));
    }
    if sig.constness.is_some() || !matches!(sig.safety, syn::Safety::Default) || sig.abi.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.ident,
            format!("`{name}` must be a plain `async fn` (not `const`, `unsafe` or `extern`)"),
        ));
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(r)) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) => {}
        Some(other) => errors.push(syn::Error::new_spanned(
            other,
            format!("`{name}` must take `&self`: there is one handler for the whole service"),
        )),
        None => errors.push(syn::Error::new(
            sig.ident.span(),
            format!("`{name}` must take `&self` and `{arg_what}`"),
        )),
    }
    let arg = match inputs.next() {
        Some(FnArg::Typed(pt)) => match &*pt.ty {
            Type::Reference(r) if r.mutability.is_some() => {
                Some((pt.pat.clone(), (*r.elem).clone()))
            }
            _ => {
                errors.push(syn::Error::new_spanned(
                    &pt.ty,
                    format!("`{name}` takes its parameter by mutable reference: `{arg_what}`"),
                ));
                None
            }
        },
        Some(FnArg::Receiver(_)) | None => {
            errors.push(syn::Error::new(
                sig.paren_token.span.join(),
                format!("`{name}` is missing its parameter: `{name}(&self, {arg_what})`"),
            ));
            None
        }
    };
    let mut receiver = None;
    match inputs.next() {
        None => {}
        Some(FnArg::Typed(pt)) if receives => match (&*pt.pat, &*pt.ty) {
            (Pat::Ident(pi), Type::Reference(r))
                if r.mutability.is_some() && pi.by_ref.is_none() && pi.subpat.is_none() =>
            {
                receiver = Some((pi.ident.clone(), Some((*r.elem).clone())));
            }
            _ => errors.push(syn::Error::new_spanned(
                pt,
                format!("the optional second parameter of `{name}` names the receiver: `requests: &mut DatagramRequests<P>`"),
            )),
        },
        Some(extra) => errors.push(syn::Error::new_spanned(
            extra,
            format!("`{name}` takes no more parameters than `(&self, {arg_what})`"),
        )),
    }
    if let Some(extra) = inputs.next() {
        errors.push(syn::Error::new_spanned(
            extra,
            format!("`{name}` takes at most `(&self, client, requests)`"),
        ));
    }
    if errors.len() > before {
        return None;
    }
    if receives && receiver.is_none() {
        // The hidden receiver: mixed-site hygiene makes it unnameable by user code.
        receiver = Some((Ident::new("__easynet_requests", Span::mixed_site()), None));
    }
    Some(Hook {
        method: method.clone(),
        arg,
        receiver,
    })
}

/// The hidden inherent method that holds one checked hook's body, and the trait method
/// that forwards to it.
fn generate_hook(
    krate: &Path,
    name: &'static str,
    hook: Hook,
    errors: &mut Vec<syn::Error>,
) -> (TokenStream, TokenStream) {
    let Hook {
        mut method,
        arg,
        receiver,
    } = hook;
    match &receiver {
        Some((ident, _)) => {
            let mut rewriter = RecvRewriter::new(krate, ident);
            rewriter.visit_block_mut(&mut method.block);
            errors.extend(rewriter.errors);
        }
        None => {
            let mut rewriter = RecvRewriter::forbidding(krate, name);
            rewriter.visit_block_mut(&mut method.block);
            errors.extend(rewriter.errors);
        }
    }

    let sig = &method.sig;
    let ident = &sig.ident;
    // Spans of the user's tokens, so that type errors (e.g. a future that is not
    // `Send`) point at the user's `async fn`.
    let span = sig.asyncness.map_or(sig.ident.span(), |a| a.span);
    let self_token = match sig.inputs.first() {
        Some(FnArg::Receiver(r)) => r.self_token.to_token_stream(),
        _ => quote!(self),
    };
    let output = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let body = &method.block;
    let attrs = method.attrs.iter().filter(|a| !a.path().is_ident("doc"));
    let lt = syn::Lifetime::new("'__easynet", Span::mixed_site());
    let (arg_pat, arg_ty) = match &arg {
        Some((pat, ty)) => (pat.to_token_stream(), ty.to_token_stream()),
        None => (quote!(_), quote!(_)),
    };
    let mut params = quote!(#arg_pat: &#lt mut #arg_ty);
    // The trait method forwards to the hidden one under names of its own: the user's
    // parameter may be a pattern.
    let fwd_arg = Ident::new("__easynet_arg", Span::mixed_site());
    let mut fwd_params = quote!(#fwd_arg: &#lt mut #arg_ty);
    let mut fwd_args = quote!(#fwd_arg);
    if let Some((rx, rx_ty)) = &receiver {
        let rx_ty = match rx_ty {
            Some(ty) => ty.to_token_stream(),
            None => quote!(<#arg_ty as #krate::__private::HandlerClient>::Receiver),
        };
        params.extend(quote!(, #rx: &#lt mut #rx_ty));
        let fwd_rx = Ident::new("__easynet_receiver", Span::mixed_site());
        fwd_params.extend(quote!(, #fwd_rx: &#lt mut #rx_ty));
        fwd_args.extend(quote!(, #fwd_rx));
    }
    let output_ty =
        quote!(#krate::__private::core::future::Future<Output = #krate::handler::HandlerResult>);
    // The body lives in a hidden inherent method, `__easynet_hook_NAME`, whose future
    // has no `Send` bound. Two methods return that same future (no wrapper, so no extra
    // bytes per idle client): the trait method, and `__easynet_check_NAME`, whose return
    // type is bounded by our `SendHookFuture` (spanned at the user's `async`). The check
    // sits in an inherent impl *before* the trait impl, so a future that is not `Send`
    // fails first with our message (`#[diagnostic::on_unimplemented]`), then with the
    // compiler's own explanation from the trait method (which value is held across
    // which await). Putting our bound on the body's method itself would hide the latter.
    let hidden = Ident::new(&format!("__easynet_hook_{ident}"), ident.span());
    let check = Ident::new(&format!("__easynet_check_{ident}"), ident.span());
    let checked_future = respan(quote!(impl #krate::__private::SendHookFuture + #lt), span);
    let krate_at = respan(krate.to_token_stream(), span);
    let inherent = quote_spanned! {span=>
        #(#attrs)*
        #[doc(hidden)]
        #[allow(clippy::manual_async_fn, clippy::needless_lifetimes)]
        fn #hidden<#lt>(&#lt #self_token, #params) -> impl #output_ty + #lt
        {
            #krate_at::__private::into_handler_future::<#output, _>(async move #body)
        }
        #[doc(hidden)]
        #[allow(dead_code, clippy::needless_lifetimes)]
        fn #check<#lt>(&#lt self, #fwd_params) -> #checked_future {
            Self::#hidden(self, #fwd_args)
        }
    };
    // Spanned at the user's `async`, so that "future is not `Send`" points there.
    let future = respan(
        quote! {
            impl #output_ty + #krate::__private::core::marker::Send + #lt
        },
        span,
    );
    let method = quote_spanned! {span=>
        fn #ident<#lt>(&#lt self, #fwd_params) -> #future
        {
            Self::#hidden(self, #fwd_args)
        }
    };
    (inherent, method)
}

/// `tokens` with every span set to `span` (hygiene unchanged: `Span::located_at`).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                tree = proc_macro2::TokenTree::Group(new);
            } else {
                tree.set_span(tree.span().located_at(span));
            }
            tree
        })
        .collect()
}
