//! What the serde protocols ([`Json`](super::Json), `Cbor`, `MsgPack`) share.
//!
//! Each is a public type of its own, with its own docs and its own name in compiler
//! messages, but they differ only by their data format: a [`SerdeFormat`] says how the
//! format writes, reads and frames one packet, and [`serde_protocol!`] writes the rest
//! once for all of them (the type, its constructors, the [`Serializer`] and
//! [`StreamProtocol`] impls, and the stream decoder).
//!
//! ```text
//!   serialize    ──▶ limit on what is written      ──▶ F::write
//!   encode_frame ──▶ limit on what is written      ──▶ F::write, then F::FRAME_END
//!   deserialize  ──▶ limit ──▶ F::check_datagram   ──▶ F::read
//!   decoder      ──▶ F::Framer finds a frame       ──▶ F::read, then the frame is consumed
//! ```
//!
//! [`Serializer`]: super::Serializer
//! [`StreamProtocol`]: super::StreamProtocol

use super::framing::{FrameSpan, Framer};
use super::{ParseError, SerializeError};
use bytes::{Buf, BytesMut};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;

/// A serde data format, and the settings of its protocol besides the limit.
pub(crate) trait SerdeFormat: Copy + Send + Sync + 'static {
    /// The settings of a protocol made by `new()`.
    const DEFAULT: Self;

    /// What ends each frame on a stream: JSON's newline; nothing for the self-delimiting
    /// formats, which need no framing.
    const FRAME_END: &'static [u8];

    /// Finds the frames of a stream (one framer per decoder).
    type Framer: Framer;

    /// A framer for frames of at most `limit` bytes.
    fn framer(limit: usize) -> Self::Framer;

    /// Appends `packet` to `out`, refusing packets over `limit` bytes; on error, `out` is
    /// left as it was.
    fn write<T: Serialize + ?Sized>(
        self,
        packet: &T,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), SerializeError>;

    /// Parses one whole packet.
    fn read<R: DeserializeOwned>(data: &[u8]) -> Result<R, ParseError>;

    /// Checks, before [`read`](Self::read), that a datagram is exactly one packet.
    /// Default: nothing to check (the parser refuses trailing data itself).
    #[inline]
    fn check_datagram(data: &[u8]) -> Result<(), ParseError> {
        let _ = data;
        Ok(())
    }

    /// Adds these settings to the protocol's `Debug` output. Default: none.
    fn debug_fields(self, f: &mut fmt::DebugStruct<'_, '_>) {
        let _ = f;
    }
}

/// `Serializer::deserialize` of every serde protocol.
#[inline]
pub(crate) fn deserialize<F: SerdeFormat, R: DeserializeOwned>(
    data: &[u8],
    limit: usize,
) -> Result<R, ParseError> {
    if data.len() > limit {
        return Err(ParseError::limit_exceeded(limit, data));
    }
    F::check_datagram(data)?;
    F::read(data)
}

/// `StreamProtocol::encode_frame` of every serde protocol.
#[inline]
pub(crate) fn encode_frame<F: SerdeFormat, T: Serialize + ?Sized>(
    format: F,
    packet: &T,
    out: &mut BytesMut,
    limit: usize,
) -> Result<(), SerializeError> {
    format.write(packet, out, limit)?;
    out.extend_from_slice(F::FRAME_END);
    Ok(())
}

/// Reads the frame a framer found, if any, and consumes it: a frame that fails to parse
/// is consumed too, so the decoder goes on at the next one.
#[inline]
pub(crate) fn take_frame<F: SerdeFormat, R: DeserializeOwned>(
    buf: &mut BytesMut,
    span: Option<FrameSpan>,
) -> Result<Option<R>, ParseError> {
    let Some(span) = span else {
        return Ok(None);
    };
    let packet = F::read(&buf[..span.content]);
    buf.advance(span.total);
    packet.map(Some)
}

/// Defines a serde protocol type `$name<S, R = S>` and its stream decoder `$decoder<R>`
/// for the format `$format`, with the attributes (docs) given for each. `$what` names the
/// format in the constructor's docs, `$unit` what one packet of it is called.
macro_rules! serde_protocol {
    (
        $(#[$attr:meta])*
        pub struct $name:ident<S, R = S>;
        $(#[$decoder_attr:meta])*
        pub struct $decoder:ident<R>;
        format: $format:ty, what: $what:literal, unit: $unit:literal $(,)?
    ) => {
        $(#[$attr])*
        pub struct $name<S: ?Sized, R = S> {
            limit: usize,
            format: $format,
            _types: ::std::marker::PhantomData<fn(&S) -> R>,
        }

        impl<S: ?Sized, R> $name<S, R> {
            #[doc = concat!(
                "A ", $what, " protocol with the default limit ",
                "([`DEFAULT_LIMIT`](crate::protocol::DEFAULT_LIMIT)).",
            )]
            pub const fn new() -> Self {
                Self {
                    limit: $crate::protocol::DEFAULT_LIMIT,
                    format: <$format as $crate::protocol::serde_protocol::SerdeFormat>::DEFAULT,
                    _types: ::std::marker::PhantomData,
                }
            }

            #[doc = concat!(
                "Sets the largest ", $unit, " accepted, in bytes (default\n",
                "[`DEFAULT_LIMIT`](crate::protocol::DEFAULT_LIMIT)).",
            )]
            pub const fn with_limit(mut self, limit: usize) -> Self {
                self.limit = limit;
                self
            }

            #[doc = concat!("The largest ", $unit, " accepted, in bytes.")]
            pub const fn limit(&self) -> usize {
                self.limit
            }
        }

        impl<S: ?Sized, R> ::std::default::Default for $name<S, R> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<S: ?Sized, R> ::std::clone::Clone for $name<S, R> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<S: ?Sized, R> ::std::marker::Copy for $name<S, R> {}

        impl<S: ?Sized, R> ::std::fmt::Debug for $name<S, R> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut debug = f.debug_struct(stringify!($name));
                debug.field("limit", &self.limit);
                $crate::protocol::serde_protocol::SerdeFormat::debug_fields(
                    self.format,
                    &mut debug,
                );
                debug.finish()
            }
        }

        impl<S, R> $crate::protocol::Serializer for $name<S, R>
        where
            S: ::serde::Serialize + ?Sized + 'static,
            R: ::serde::de::DeserializeOwned + 'static,
        {
            type Sent = S;
            type Received = R;

            fn serialize(
                &self,
                packet: &S,
                out: &mut ::bytes::BytesMut,
            ) -> ::std::result::Result<(), $crate::protocol::SerializeError> {
                $crate::protocol::serde_protocol::SerdeFormat::write(
                    self.format,
                    packet,
                    out,
                    self.limit,
                )
            }

            fn deserialize(
                &self,
                data: &[u8],
            ) -> ::std::result::Result<R, $crate::protocol::ParseError> {
                $crate::protocol::serde_protocol::deserialize::<$format, R>(data, self.limit)
            }
        }

        impl<S, R> $crate::protocol::StreamProtocol for $name<S, R>
        where
            S: ::serde::Serialize + ?Sized + 'static,
            R: ::serde::de::DeserializeOwned + Send + 'static,
        {
            type Sent = S;
            type Received = R;
            type Decoder = $decoder<R>;

            fn encode_frame(
                &self,
                packet: &S,
                out: &mut ::bytes::BytesMut,
            ) -> ::std::result::Result<(), $crate::protocol::SerializeError> {
                $crate::protocol::serde_protocol::encode_frame(self.format, packet, out, self.limit)
            }

            fn decoder(&self) -> $decoder<R> {
                $decoder {
                    framer: <$format as $crate::protocol::serde_protocol::SerdeFormat>::framer(
                        self.limit,
                    ),
                    _packet: ::std::marker::PhantomData,
                }
            }

            fn limit(&self) -> usize {
                self.limit
            }
        }

        $(#[$decoder_attr])*
        pub struct $decoder<R> {
            framer: <$format as $crate::protocol::serde_protocol::SerdeFormat>::Framer,
            _packet: ::std::marker::PhantomData<fn() -> R>,
        }

        impl<R> ::std::fmt::Debug for $decoder<R> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($decoder))
                    .field("framer", &self.framer)
                    .finish()
            }
        }

        impl<R: ::serde::de::DeserializeOwned + Send + 'static> $crate::protocol::StreamDecoder
            for $decoder<R>
        {
            type Packet = R;

            fn decode(
                &mut self,
                buf: &mut ::bytes::BytesMut,
            ) -> ::std::result::Result<::std::option::Option<R>, $crate::protocol::ParseError> {
                let span = $crate::protocol::framing::Framer::next_frame(&mut self.framer, buf)?;
                $crate::protocol::serde_protocol::take_frame::<$format, R>(buf, span)
            }

            fn decode_eof(
                &mut self,
                buf: &mut ::bytes::BytesMut,
            ) -> ::std::result::Result<::std::option::Option<R>, $crate::protocol::ParseError> {
                let span = $crate::protocol::framing::Framer::last_frame(&mut self.framer, buf)?;
                $crate::protocol::serde_protocol::take_frame::<$format, R>(buf, span)
            }
        }
    };
}

pub(crate) use serde_protocol;
