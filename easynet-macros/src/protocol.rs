//! Expander of `#[protocol]`.
//!
//! Two forms, chosen by the options:
//!
//! * **Packet form** — `#[protocol(json)]` on a serde struct or enum: implements
//!   `easynet::protocol::Packet` (so `T::protocol()` is a protocol object for `T`).
//! * **Named form** — `#[protocol(json, send = Reply, recv = Request)]` (or with
//!   `converter = …`, or the `line` format) on a unit struct: the struct itself becomes a
//!   protocol object (`Serializer`, hence `DatagramProtocol`, and `StreamProtocol`),
//!   delegating to the built-in protocol the options describe.
//!
//! Every mistake is collected (not only the first), spanned at the user's token, and
//! reported beside the unchanged item, so IDEs keep seeing the type.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, Token};

mod kw {
    syn::custom_keyword!(json);
    syn::custom_keyword!(line);
    syn::custom_keyword!(cbor);
    syn::custom_keyword!(msgpack);
    syn::custom_keyword!(length_prefixed);
    syn::custom_keyword!(limit);
    syn::custom_keyword!(send);
    syn::custom_keyword!(recv);
    syn::custom_keyword!(converter);
    syn::custom_keyword!(keep_end);
    syn::custom_keyword!(newline);
}

const FORMATS: &str =
    "`json`, `line`, `cbor`, `msgpack`, or `length_prefixed(json | cbor | msgpack)`";
const OPTIONS: &str = "`limit`, `send`, `recv`, `converter`, `keep_end`, `newline` or `crate`";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::default();
    let args = parse_args(args, &mut cx);
    let generated = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(parsed) => generate(&args, &parsed, &mut cx),
        Err(e) => {
            cx.errors.push(e);
            TokenStream::new()
        }
    };
    if cx.errors.is_empty() {
        quote!(#item #generated)
    } else {
        // Emit the user's item unchanged beside the errors, so that the rest of the crate
        // (and IDEs) still see the type.
        let errors = cx.errors.iter().map(syn::Error::to_compile_error);
        quote!(#item #(#errors)*)
    }
}

/// Collects every error, reported together at the end.
#[derive(Default)]
struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatKind {
    Json,
    Line,
    Cbor,
    MsgPack,
}

impl FormatKind {
    fn name(self) -> &'static str {
        match self {
            FormatKind::Json => "json",
            FormatKind::Line => "line",
            FormatKind::Cbor => "cbor",
            FormatKind::MsgPack => "msgpack",
        }
    }
}

#[derive(Clone, Copy)]
struct Format {
    kind: FormatKind,
    span: Span,
    /// `length_prefixed(…)` around the format, with the span of `length_prefixed`.
    length_prefixed: Option<Span>,
}

/// A parsed option value, with the span of the option's name.
struct Opt<T> {
    value: T,
    span: Span,
}

#[derive(Default)]
struct Args {
    format: Option<Format>,
    limit: Option<Opt<usize>>,
    send: Option<Opt<syn::Type>>,
    recv: Option<Opt<syn::Type>>,
    converter: Option<Opt<syn::Type>>,
    keep_end: Option<Opt<bool>>,
    newline: Option<Opt<bool>>, // true: CRLF
    krate: Option<Opt<syn::Path>>,
    /// A format was given but refused (already reported): no "missing format" on top.
    format_rejected: bool,
}

fn parse_args(args: TokenStream, cx: &mut Ctxt) -> Args {
    let mut parsed = Args::default();
    let parser = |input: ParseStream<'_>| -> syn::Result<()> {
        while !input.is_empty() {
            if let Err(e) = parse_element(input, &mut parsed, cx) {
                cx.errors.push(e);
                skip_to_comma(input)?;
            }
            if input.is_empty() {
                break;
            }
            if let Err(e) = input.parse::<Token![,]>() {
                cx.errors.push(e);
                skip_to_comma(input)?;
                let _ = input.parse::<Option<Token![,]>>()?;
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(args) {
        cx.errors.push(e);
    }
    parsed
}

fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

fn parse_element(input: ParseStream<'_>, args: &mut Args, cx: &mut Ctxt) -> syn::Result<()> {
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::json)
        || lookahead.peek(kw::line)
        || lookahead.peek(kw::cbor)
        || lookahead.peek(kw::msgpack)
    {
        let (kind, span) = parse_format_name(input)?;
        set_format(
            args,
            cx,
            Format {
                kind,
                span,
                length_prefixed: None,
            },
        );
        Ok(())
    } else if lookahead.peek(kw::length_prefixed) {
        let outer = input.parse::<kw::length_prefixed>()?.span;
        let content;
        syn::parenthesized!(content in input);
        let inner = content.lookahead1();
        if inner.peek(kw::json) || inner.peek(kw::cbor) || inner.peek(kw::msgpack) {
            let (kind, span) = parse_format_name(&content)?;
            if !content.is_empty() {
                return Err(content.error("`length_prefixed(…)` takes one format"));
            }
            set_format(
                args,
                cx,
                Format {
                    kind,
                    span,
                    length_prefixed: Some(outer),
                },
            );
            Ok(())
        } else if content.peek(kw::line) {
            Err(content.error(
                "`length_prefixed(line)` is not a format: lines are framed by their newline; use `line`",
            ))
        } else {
            Err(content.error(
                "expected the format inside `length_prefixed(…)`: `json`, `cbor` or `msgpack`",
            ))
        }
    } else if lookahead.peek(kw::limit) {
        let span = input.parse::<kw::limit>()?.span;
        input.parse::<Token![=]>()?;
        let value = if input.peek(syn::LitInt) {
            let lit: syn::LitInt = input.parse()?;
            lit.base10_parse::<usize>()
                .map_err(|_| syn::Error::new(lit.span(), "`limit` must fit in a `usize`"))?
        } else {
            return Err(input.error(
                "`limit` expects an integer literal (a number of bytes), like `limit = 4096`",
            ));
        };
        if value == 0 {
            cx.error(span, "`limit` must be at least 1 byte");
        }
        set_option(&mut args.limit, Opt { value, span }, "limit", cx);
        Ok(())
    } else if lookahead.peek(kw::send) {
        let span = input.parse::<kw::send>()?.span;
        let value = parse_type_value(input, "send")?;
        set_option(&mut args.send, Opt { value, span }, "send", cx);
        Ok(())
    } else if lookahead.peek(kw::recv) {
        let span = input.parse::<kw::recv>()?.span;
        let value = parse_type_value(input, "recv")?;
        set_option(&mut args.recv, Opt { value, span }, "recv", cx);
        Ok(())
    } else if lookahead.peek(kw::converter) {
        let span = input.parse::<kw::converter>()?.span;
        let value = parse_type_value(input, "converter")?;
        set_option(&mut args.converter, Opt { value, span }, "converter", cx);
        Ok(())
    } else if lookahead.peek(kw::keep_end) {
        let span = input.parse::<kw::keep_end>()?.span;
        input.parse::<Token![=]>()?;
        if !input.peek(syn::LitBool) {
            return Err(input.error("`keep_end` expects `true` or `false`"));
        }
        let value = input.parse::<syn::LitBool>()?.value;
        set_option(&mut args.keep_end, Opt { value, span }, "keep_end", cx);
        Ok(())
    } else if lookahead.peek(kw::newline) {
        let span = input.parse::<kw::newline>()?.span;
        input.parse::<Token![=]>()?;
        let bad = "`newline` expects \"lf\" or \"crlf\"";
        if !input.peek(syn::LitStr) {
            return Err(input.error(bad));
        }
        let lit: syn::LitStr = input.parse()?;
        let value = match lit.value().as_str() {
            "lf" => false,
            "crlf" => true,
            _ => return Err(syn::Error::new(lit.span(), bad)),
        };
        set_option(&mut args.newline, Opt { value, span }, "newline", cx);
        Ok(())
    } else if lookahead.peek(Token![crate]) {
        let span = input.parse::<Token![crate]>()?.span;
        input.parse::<Token![=]>()?;
        let value = input.call(syn::Path::parse_mod_style).map_err(|e| {
            syn::Error::new(
                e.span(),
                "`crate` expects a path to the easynet crate, like `crate = my_reexport::easynet`",
            )
        })?;
        set_option(&mut args.krate, Opt { value, span }, "crate", cx);
        Ok(())
    } else if input.peek(Ident::peek_any) {
        let ident = input.call(Ident::parse_any)?;
        if input.peek(Token![=]) {
            Err(syn::Error::new(
                ident.span(),
                format!("unknown option `{ident}`: expected {OPTIONS}"),
            ))
        } else {
            args.format_rejected = true;
            Err(syn::Error::new(
                ident.span(),
                format!("unknown format `{ident}`: expected {FORMATS}"),
            ))
        }
    } else {
        Err(lookahead.error())
    }
}

fn parse_format_name(input: ParseStream<'_>) -> syn::Result<(FormatKind, Span)> {
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::json) {
        Ok((FormatKind::Json, input.parse::<kw::json>()?.span))
    } else if lookahead.peek(kw::line) {
        Ok((FormatKind::Line, input.parse::<kw::line>()?.span))
    } else if lookahead.peek(kw::cbor) {
        Ok((FormatKind::Cbor, input.parse::<kw::cbor>()?.span))
    } else if lookahead.peek(kw::msgpack) {
        Ok((FormatKind::MsgPack, input.parse::<kw::msgpack>()?.span))
    } else {
        Err(lookahead.error())
    }
}

fn parse_type_value(input: ParseStream<'_>, name: &str) -> syn::Result<syn::Type> {
    input.parse::<Token![=]>()?;
    input.parse::<syn::Type>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{name}` expects a type, like `{name} = MyType`"),
        )
    })
}

fn set_format(args: &mut Args, cx: &mut Ctxt, format: Format) {
    match &args.format {
        Some(previous) => cx.error(
            format.length_prefixed.unwrap_or(format.span),
            format!(
                "only one format is allowed, and `{}` is already given",
                previous.kind.name()
            ),
        ),
        None => args.format = Some(format),
    }
}

fn set_option<T>(slot: &mut Option<Opt<T>>, value: Opt<T>, name: &str, cx: &mut Ctxt) {
    if slot.is_some() {
        cx.error(value.span, format!("duplicate option `{name}`"));
    } else {
        *slot = Some(value);
    }
}

/// Checks the options against each other and the item, then generates the impls.
fn generate(args: &Args, item: &syn::Item, cx: &mut Ctxt) -> TokenStream {
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::easynet), |k| k.value.to_token_stream());

    let Some(format) = args.format else {
        if !args.format_rejected {
            cx.error(
                Span::call_site(),
                format!("missing format: `#[protocol(FORMAT, …)]`, where FORMAT is {FORMATS}"),
            );
        }
        return TokenStream::new();
    };
    let is_line = format.kind == FormatKind::Line;
    for (opt, name) in [
        (&args.keep_end.as_ref().map(|o| o.span), "keep_end"),
        (&args.newline.as_ref().map(|o| o.span), "newline"),
    ] {
        if let (Some(span), false) = (opt, is_line) {
            cx.error(*span, format!("`{name}` applies only to the `line` format"));
        }
    }
    if is_line {
        for (opt, name) in [
            (args.send.as_ref().map(|o| o.span), "send"),
            (args.recv.as_ref().map(|o| o.span), "recv"),
            (args.converter.as_ref().map(|o| o.span), "converter"),
        ] {
            if let Some(span) = opt {
                cx.error(
                    span,
                    format!("`{name}` is not available with `line`: it sends `str` and receives `String`"),
                );
            }
        }
    }
    if args.converter.is_some() {
        for (opt, name) in [
            (args.send.as_ref().map(|o| o.span), "send"),
            (args.recv.as_ref().map(|o| o.span), "recv"),
        ] {
            if let Some(span) = opt {
                cx.error(
                    span,
                    format!("`{name}` comes from the converter (its `Sent` and `Received` types): remove `{name}` or `converter`"),
                );
            }
        }
    }

    let named = is_line || args.send.is_some() || args.recv.is_some() || args.converter.is_some();
    let (ident, generics) = match item {
        syn::Item::Struct(s) => (&s.ident, &s.generics),
        syn::Item::Enum(e) => (&e.ident, &e.generics),
        other => {
            cx.error(
                item_span(other),
                "`#[protocol]` applies to a struct or an enum (a packet type), or to a unit struct (a named protocol)",
            );
            return TokenStream::new();
        }
    };

    let generated = if named {
        let unit = matches!(item, syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Unit) && s.generics.params.is_empty());
        if !unit {
            cx.error(
                ident.span(),
                "a named protocol (with `send`, `recv`, `converter`, or the `line` format) must be a unit struct without generics, like `struct GameProtocol;`",
            );
            return TokenStream::new();
        }
        if !is_line && args.converter.is_none() && args.send.is_none() {
            cx.error(
                args.recv.as_ref().map_or(Span::call_site(), |o| o.span),
                "a named protocol needs `send = Type` (and `recv = Type` if it receives another type)",
            );
            return TokenStream::new();
        }
        named_protocol(args, format, ident, &krate)
    } else {
        packet_impl(args, format, ident, generics, &krate)
    };
    if !cx.errors.is_empty() {
        return TokenStream::new();
    }
    // Formats behind cargo features are gated by the runtime crate (this macro cannot see
    // its features): see `easynet::__private::formats`.
    let gated = match format.kind {
        FormatKind::Cbor => Some(quote_spanned!(format.span=> #krate::__private::formats::cbor!)),
        FormatKind::MsgPack => {
            Some(quote_spanned!(format.span=> #krate::__private::formats::msgpack!))
        }
        FormatKind::Json | FormatKind::Line => None,
    };
    match gated {
        Some(gate) => quote!(#gate { #generated }),
        None => generated,
    }
}

fn item_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Fn(f) => f.sig.ident.span(),
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Mod(m) => m.ident.span(),
        syn::Item::Trait(t) => t.ident.span(),
        syn::Item::Union(u) => u.ident.span(),
        syn::Item::Type(t) => t.ident.span(),
        syn::Item::Const(c) => c.ident.span(),
        syn::Item::Static(s) => s.ident.span(),
        other => other.span(),
    }
}

/// The expression and type of the built-in protocol for `send` / `recv` wire types.
fn inner_protocol(
    args: &Args,
    format: Format,
    send: &TokenStream,
    recv: &TokenStream,
    krate: &TokenStream,
) -> (TokenStream, TokenStream) {
    let limit = args.limit.as_ref().map(|l| l.value);
    let with_limit = limit.map(|l| quote!(.with_limit(#l)));
    let base = match format.kind {
        FormatKind::Json => quote!(#krate::protocol::Json),
        FormatKind::Cbor => quote!(#krate::protocol::Cbor),
        FormatKind::MsgPack => quote!(#krate::protocol::MsgPack),
        FormatKind::Line => {
            let keep_end = args.keep_end.as_ref().is_some_and(|o| o.value);
            let newline = if args.newline.as_ref().is_some_and(|o| o.value) {
                quote!(#krate::protocol::Newline::CrLf)
            } else {
                quote!(#krate::protocol::Newline::Lf)
            };
            return (
                quote!(#krate::protocol::Line::new() #with_limit .with_keep_end(#keep_end).with_newline(#newline)),
                quote!(#krate::protocol::Line),
            );
        }
    };
    let ty = quote!(#base<#send, #recv>);
    let expr = quote!(<#ty>::new() #with_limit);
    if format.length_prefixed.is_some() {
        (
            quote!(#krate::protocol::LengthPrefixed::new(#expr) #with_limit),
            quote!(#krate::protocol::LengthPrefixed<#ty>),
        )
    } else {
        (expr, ty)
    }
}

/// `impl Packet for T`.
fn packet_impl(
    args: &Args,
    format: Format,
    ident: &Ident,
    generics: &syn::Generics,
    krate: &TokenStream,
) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let self_ty = quote!(#ident #ty_generics);
    let (expr, ty) = inner_protocol(args, format, &self_ty, &self_ty, krate);
    let predicates = where_clause.map(|w| &w.predicates);
    let std = quote!(#krate::__private::std);
    // The impl assumes the serde traits through a higher-ranked where-clause: unlike a plain
    // one on a concrete type, rustc does not check it at the impl, so a type without serde
    // gets exactly one error, ours, from the check below, spanned at the type's name.
    let serde_bound = quote!(for<'__easynet> #self_ty: #krate::__private::SerdePacket,);
    let check = if generics.params.is_empty() {
        let check = serde_check(&self_ty, ident.span(), krate);
        quote! {
            fn __easynet_check() {
                #check
            }
        }
    } else {
        // A generic type is checked where it is used, with concrete parameters.
        TokenStream::new()
    };
    quote! {
        const _: () = {
            #check

            #[automatically_derived]
            impl #impl_generics #krate::protocol::Packet for #self_ty
            where
                #serde_bound
                #self_ty: #std::marker::Send + 'static,
                #predicates
            {
                type Protocol = #ty;

                #[inline]
                fn protocol() -> Self::Protocol {
                    #expr
                }
            }
        };
    }
}

/// A call that fails to compile, with `SerdePacket`'s message at `span`, unless `ty`
/// implements serde's traits.
fn serde_check(ty: &TokenStream, span: Span, krate: &TokenStream) -> TokenStream {
    let krate = respan(krate.clone(), span);
    let ty = respan(ty.clone(), span);
    quote_spanned!(span=> #krate::__private::assert_serde_packet::<#ty>();)
}

/// `tokens` with every span set to `span`, so that errors point at the user's token.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The unit struct becomes a protocol object that delegates to the built-in one.
fn named_protocol(args: &Args, format: Format, ident: &Ident, krate: &TokenStream) -> TokenStream {
    let std = quote!(#krate::__private::std);
    let (expr, ty, checks) = if let Some(conv) = &args.converter {
        let c = &conv.value;
        let send = quote!(<#c as #krate::protocol::Converter>::SentDto);
        let recv = quote!(<#c as #krate::protocol::Converter>::ReceivedDto);
        let (inner, inner_ty) = inner_protocol(args, format, &send, &recv, krate);
        let conv_check = {
            let span = c.span();
            let krate = respan(krate.clone(), span);
            let c = respan(c.to_token_stream(), span);
            quote_spanned!(span=> #krate::__private::assert_converter::<#c>();)
        };
        (
            quote!(#krate::protocol::Converted::new(#inner, <#c as #std::default::Default>::default())),
            quote!(#krate::protocol::Converted<#inner_ty, #c>),
            conv_check,
        )
    } else if format.kind == FormatKind::Line {
        let (expr, ty) = inner_protocol(args, format, &quote!(), &quote!(), krate);
        (expr, ty, quote!())
    } else {
        let send = args.send.as_ref().map(|o| &o.value);
        let recv = args.recv.as_ref().map_or(send, |o| Some(&o.value));
        let (Some(send), Some(recv)) = (send, recv) else {
            return TokenStream::new();
        };
        let send_check = serde_check(&send.to_token_stream(), send.span(), krate);
        let recv_check = serde_check(&recv.to_token_stream(), recv.span(), krate);
        let (expr, ty) = inner_protocol(
            args,
            format,
            &send.to_token_stream(),
            &recv.to_token_stream(),
            krate,
        );
        (expr, ty, quote!(#send_check #recv_check))
    };
    let inner_fn = Ident::new("__easynet_inner_protocol", Span::mixed_site());
    let p = quote!(#krate::protocol);
    quote! {
        const _: () = {
            // One shared instance: a converter may hold state, and `Converted` shares it.
            fn __easynet_check() {
                #checks
            }

            fn #inner_fn() -> &'static #ty {
                static INNER: #std::sync::LazyLock<#ty> = #std::sync::LazyLock::new(|| #expr);
                &INNER
            }

            #[automatically_derived]
            impl #p::Serializer for #ident
            where
                for<'__easynet> #ty: #p::Serializer,
            {
                type Sent = <#ty as #p::Serializer>::Sent;
                type Received = <#ty as #p::Serializer>::Received;

                #[inline]
                fn serialize(
                    &self,
                    packet: &Self::Sent,
                    out: &mut #krate::__private::BytesMut,
                ) -> #std::result::Result<(), #p::SerializeError> {
                    #p::Serializer::serialize(#inner_fn(), packet, out)
                }

                #[inline]
                fn deserialize(
                    &self,
                    data: &[u8],
                ) -> #std::result::Result<Self::Received, #p::ParseError> {
                    #p::Serializer::deserialize(#inner_fn(), data)
                }
            }

            #[automatically_derived]
            impl #p::StreamProtocol for #ident
            where
                for<'__easynet> #ty: #p::StreamProtocol,
            {
                type Sent = <#ty as #p::StreamProtocol>::Sent;
                type Received = <#ty as #p::StreamProtocol>::Received;
                type Decoder = <#ty as #p::StreamProtocol>::Decoder;

                #[inline]
                fn encode_frame(
                    &self,
                    packet: &Self::Sent,
                    out: &mut #krate::__private::BytesMut,
                ) -> #std::result::Result<(), #p::SerializeError> {
                    #p::StreamProtocol::encode_frame(#inner_fn(), packet, out)
                }

                #[inline]
                fn decoder(&self) -> Self::Decoder {
                    #p::StreamProtocol::decoder(#inner_fn())
                }

                #[inline]
                fn limit(&self) -> usize {
                    #p::StreamProtocol::limit(#inner_fn())
                }
            }
        };
    }
}
