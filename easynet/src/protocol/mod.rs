//! The protocol layer: values in, bytes out, and back.
//!
//! A *protocol object* turns the packets an application sends into bytes and the bytes it
//! receives into packets. It knows nothing of sockets: servers and clients take one and
//! call it at their edges.
//!
//! ```text
//!             Sent ──serialize──▶ bytes ──(frame, for streams)──▶ socket
//!   socket ──▶ bytes ──(deframe, for streams)──deserialize──▶ Received
//! ```
//!
//! * [`Serializer`]: one packet ⇄ one buffer (value ↔ bytes). Every serializer is also a
//!   [`DatagramProtocol`]: one packet = one datagram.
//! * [`StreamProtocol`]: writes framed packets into a buffer, and makes a
//!   [`StreamDecoder`] that is fed bytes in any chunking and yields packets.
//! * Converters ([`Converter`]) map the wire type to the application type, so a protocol
//!   can send `Response` and receive `Request`.
//!
//! # Built-in protocols
//!
//! | protocol | datagram | stream framing | sends / receives |
//! |---|---|---|---|
//! | [`Json<S, R>`](Json) | one document | one document per `\n` line | `S` / `R` (serde) |
//! | [`Line`] | one line, no newline | `\n` or `\r\n` lines | `str` / `String` |
//! | [`LengthPrefixed<Ser>`](LengthPrefixed) | header + payload | u32 big-endian length + payload | those of `Ser` |
//! | [`Raw`] | the datagram | — | `[u8]` / `Bytes` |
//! | [`RawChunks`] | — | each read is a packet | `[u8]` / `Bytes` |
//! | `Cbor<S, R>` (feature `cbor`) | one item | items back to back | `S` / `R` (serde) |
//! | `MsgPack<S, R>` (feature `msgpack`) | one object | objects back to back | `S` / `R` (serde) |
//!
//! Every protocol has a hard size **limit** ([`DEFAULT_LIMIT`], 64 KiB, unless set with
//! `with_limit`). A packet that fails to parse is an error *value* ([`ParseError`]: kind,
//! message, a bounded copy of the bytes); stream decoders then go on at the next frame,
//! and after an over-long frame they discard its tail without ever parsing it.
//! [`PacketCodec`] turns any stream protocol into a `tokio_util` codec for `Framed`.
//! The [protocols guide](crate::guide::protocols) walks through all of it.
//!
//! # The `#[protocol]` attribute
//!
//! **Packet form.** On a serde struct or enum, `#[protocol(FORMAT, limit = N)]`
//! implements [`Packet`]: `T::protocol()` is a protocol object sending and receiving `T`,
//! for datagrams and streams. FORMAT is `json`, `cbor`, `msgpack`, or
//! `length_prefixed(json | cbor | msgpack)`.
//!
//! ```
//! use easynet::protocol::{Packet, StreamProtocol};
//!
//! #[easynet::protocol(json, limit = 4096)]
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Position {
//!     x: f32,
//!     y: f32,
//! }
//!
//! let mut out = bytes::BytesMut::new();
//! Position::protocol().encode_frame(&Position { x: 1.0, y: 2.5 }, &mut out)?;
//! assert_eq!(&out[..], b"{\"x\":1.0,\"y\":2.5}\n");
//! # Ok::<(), easynet::protocol::SerializeError>(())
//! ```
//!
//! **Named form.** On a unit struct, with `send` / `recv` types, a `converter`, or the
//! `line` format, the struct itself becomes a protocol object (a [`Serializer`], hence a
//! [`DatagramProtocol`], and a [`StreamProtocol`]) that can be passed wherever a protocol
//! is taken:
//!
//! ```
//! use easynet::protocol::{DatagramProtocol, StreamProtocol};
//! # #[derive(serde::Serialize, serde::Deserialize)] pub struct Reply { ok: bool }
//! # #[derive(serde::Serialize, serde::Deserialize)] pub struct Request { cmd: String }
//!
//! /// The server's side: sends `Reply`, receives `Request`.
//! #[easynet::protocol(json, send = Reply, recv = Request, limit = 4096)]
//! pub struct GameProtocol;
//!
//! /// Text lines written with `\r\n`, at most 512 bytes.
//! #[easynet::protocol(line, limit = 512, newline = "crlf")]
//! pub struct ChatProtocol;
//!
//! let request = GameProtocol.decode_datagram(br#"{"cmd":"look"}"#)?;
//! assert_eq!(request.cmd, "look");
//! assert_eq!(StreamProtocol::limit(&ChatProtocol), 512);
//! # Ok::<(), easynet::protocol::ParseError>(())
//! ```
//!
//! | option | value | meaning |
//! |---|---|---|
//! | FORMAT (first, bare) | `json`, `line`, `cbor`, `msgpack`, `length_prefixed(…)` | the wire format (required) |
//! | `limit` | integer literal | largest packet in bytes (default 65536) |
//! | `send`, `recv` | type | named form: the sent and received types (`recv` defaults to `send`) |
//! | `converter` | type implementing [`Converter`] + `Default` | named form: the application types are the converter's, the wire types its DTOs |
//! | `keep_end` | `true` / `false` | `line` only: keep the line ending in received lines |
//! | `newline` | `"lf"` / `"crlf"` | `line` only: the line ending written |
//! | `crate` | path | where easynet is, for crates that re-export it (default `::easynet`) |
//!
//! Mistakes are compile errors with their own message at the offending token: unknown
//! format or option, duplicate option, wrong value type, an option of another format, a
//! type without serde's traits, a format whose cargo feature is off, use on something
//! other than a struct or an enum.

mod error;
// Only the binary formats write through `std::io::Write`; without them the module would be
// dead code (a warning in default-feature builds).
#[cfg(any(feature = "cbor", feature = "msgpack"))]
mod writer;

pub use error::{BoxError, MAX_ERROR_BYTES, ParseError, ParseErrorKind, SerializeError};

use bytes::{Bytes, BytesMut};

/// Default limit, in bytes, of one packet on a stream (and of a JSON document): 64 KiB.
pub const DEFAULT_LIMIT: usize = 65536;

/// One packet ⇄ one buffer: the value ↔ bytes half of a protocol.
///
/// `Sent` is what this side writes, `Received` what it reads; they differ in asymmetric
/// protocols (a server sends `Response` and receives `Request`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a serializer (one packet ⇄ one buffer)",
    note = "use a built-in protocol (`Json`, `Line`, `Raw`, `Cbor`, `MsgPack`), a `#[protocol]` named protocol, or implement `easynet::protocol::Serializer`"
)]
pub trait Serializer: Send + Sync + 'static {
    /// The packet type this side sends.
    type Sent: ?Sized;
    /// The packet type this side receives.
    type Received;

    /// Appends the bytes of `packet` to `out`.
    fn serialize(&self, packet: &Self::Sent, out: &mut BytesMut) -> Result<(), SerializeError>;

    /// Parses one whole packet from `data`.
    fn deserialize(&self, data: &[u8]) -> Result<Self::Received, ParseError>;

    /// Parses one whole packet from `data`, which the caller hands over: a format whose
    /// packet is the bytes themselves keeps them without a copy. Default:
    /// [`deserialize`](Self::deserialize).
    ///
    /// ```
    /// use easynet::protocol::{Raw, Serializer};
    /// let datagram = bytes::Bytes::from_static(b"ping");
    /// let packet = Raw.deserialize_owned(datagram.clone())?;
    /// assert_eq!(packet.as_ptr(), datagram.as_ptr()); // the same bytes, not a copy
    /// # Ok::<(), easynet::protocol::ParseError>(())
    /// ```
    #[inline]
    fn deserialize_owned(&self, data: Bytes) -> Result<Self::Received, ParseError> {
        self.deserialize(&data)
    }

    /// The bytes of `packet` on the wire, when they are `packet` itself, unchanged:
    /// a transport then sends them as they are, without serializing them into a
    /// buffer first. `None` (the default) for every format that encodes.
    ///
    /// ```
    /// use easynet::protocol::{Json, Raw, Serializer};
    /// assert_eq!(Raw.as_wire_bytes(b"ping".as_slice()), Some(&b"ping"[..]));
    /// assert_eq!(Json::<u32>::new().as_wire_bytes(&1), None);
    /// ```
    #[inline]
    fn as_wire_bytes<'a>(&self, packet: &'a Self::Sent) -> Option<&'a [u8]> {
        let _ = packet;
        None
    }
}

/// A protocol for datagram transports: one packet = one datagram.
///
/// Implemented for every [`Serializer`]. A datagram that fails to parse is consumed
/// whole; it is never retried.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a datagram protocol",
    label = "expected a datagram protocol object here",
    note = "every `Serializer` is a datagram protocol: use `Json`, `Line`, `Raw`, `Cbor`, `MsgPack`, `T::protocol()` of a `#[protocol]` packet type, or a `#[protocol]` named protocol"
)]
pub trait DatagramProtocol: Send + Sync + 'static {
    /// The packet type this side sends.
    type Sent: ?Sized;
    /// The packet type this side receives.
    type Received;

    /// Appends the datagram for `packet` to `out`.
    fn encode_datagram(
        &self,
        packet: &Self::Sent,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError>;

    /// Parses one datagram.
    fn decode_datagram(&self, datagram: &[u8]) -> Result<Self::Received, ParseError>;

    /// Parses one datagram that the caller hands over (see
    /// [`Serializer::deserialize_owned`]). Default: [`decode_datagram`](Self::decode_datagram).
    #[inline]
    fn decode_owned_datagram(&self, datagram: Bytes) -> Result<Self::Received, ParseError> {
        self.decode_datagram(&datagram)
    }

    /// The datagram for `packet`, when it is `packet`'s own bytes (see
    /// [`Serializer::as_wire_bytes`]): sent without a copy. Default: `None`.
    #[inline]
    fn datagram_bytes<'a>(&self, packet: &'a Self::Sent) -> Option<&'a [u8]> {
        let _ = packet;
        None
    }
}

impl<S: Serializer> DatagramProtocol for S {
    type Sent = S::Sent;
    type Received = S::Received;

    #[inline]
    fn encode_datagram(
        &self,
        packet: &Self::Sent,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        self.serialize(packet, out)
    }

    #[inline]
    fn decode_datagram(&self, datagram: &[u8]) -> Result<Self::Received, ParseError> {
        self.deserialize(datagram)
    }

    #[inline]
    fn decode_owned_datagram(&self, datagram: Bytes) -> Result<Self::Received, ParseError> {
        self.deserialize_owned(datagram)
    }

    #[inline]
    fn datagram_bytes<'a>(&self, packet: &'a Self::Sent) -> Option<&'a [u8]> {
        self.as_wire_bytes(packet)
    }
}

/// A protocol for stream transports: framed packets and an incremental decoder.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stream protocol",
    label = "expected a stream protocol object here",
    note = "use `Json`, `Line`, `LengthPrefixed`, `RawChunks`, `Cbor`, `MsgPack`, `T::protocol()` of a `#[protocol]` packet type, or a `#[protocol]` named protocol"
)]
pub trait StreamProtocol: Send + Sync + 'static {
    /// The packet type this side sends.
    type Sent: ?Sized;
    /// The packet type this side receives.
    type Received;
    /// The incremental decoder, one per connection.
    type Decoder: StreamDecoder<Packet = Self::Received>;

    /// Appends the framed bytes of `packet` to `out`.
    fn encode_frame(&self, packet: &Self::Sent, out: &mut BytesMut) -> Result<(), SerializeError>;

    /// A fresh decoder for a new connection.
    fn decoder(&self) -> Self::Decoder;

    /// The largest frame the decoder accepts, in bytes.
    fn limit(&self) -> usize;
}

/// Incremental decoding of packets from a byte stream.
///
/// State machine, per call of [`decode`](StreamDecoder::decode):
///
/// ```text
///   buf has a whole frame ──▶ consume it ──▶ Ok(Some(packet)) | Err(parse error)
///   buf has a partial frame ──▶ keep the bytes ──▶ Ok(None)          (feed more)
///   partial frame > limit ──▶ Err(limit exceeded), then discard up to and
///                             including the next frame boundary (resync)
/// ```
///
/// After an `Err`, the decoder is still usable: the bad frame has been consumed (or is
/// being discarded) and the next call continues at the next frame boundary.
pub trait StreamDecoder: Send + 'static {
    /// The packet type produced.
    type Packet;

    /// Tries to decode one packet from the front of `buf`, consuming what it used.
    /// `Ok(None)` means "feed more bytes"; the remainder is kept in `buf`.
    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Packet>, ParseError>;

    /// Called at end of stream: decodes what is left. The default returns `Ok(None)`
    /// for an empty buffer and an invalid-data error for a truncated frame.
    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Packet>, ParseError> {
        match self.decode(buf)? {
            Some(packet) => Ok(Some(packet)),
            None if buf.is_empty() => Ok(None),
            None => {
                let err = ParseError::invalid_data("stream ended inside a frame", buf);
                buf.clear();
                Err(err)
            }
        }
    }
}

/// Maps between the application's packet types and the wire (DTO) types.
///
/// Like easynetwork's converters: the serializer handles `SentDto`/`ReceivedDto`, the
/// converter turns application `Sent` values into `SentDto` before serializing and
/// validates `ReceivedDto` into `Received` after parsing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a converter",
    note = "implement `easynet::protocol::Converter` for it (and `Default`, to use it in `#[protocol(converter = …)]`)"
)]
pub trait Converter: Send + Sync + 'static {
    /// Application type sent.
    type Sent: ?Sized;
    /// Application type received.
    type Received;
    /// Wire type sent.
    type SentDto;
    /// Wire type received.
    type ReceivedDto;

    /// Converts an application packet into its wire form.
    fn to_dto(&self, packet: &Self::Sent) -> Result<Self::SentDto, BoxError>;

    /// Validates and converts a parsed wire packet into the application type.
    // The name mirrors easynetwork's `convert_from_dto`; a converter may hold state
    // (validation rules), hence `&self`.
    #[allow(clippy::wrong_self_convention)]
    fn from_dto(&self, dto: Self::ReceivedDto) -> Result<Self::Received, BoxError>;
}

#[cfg(feature = "cbor")]
mod cbor;
mod codec;
mod converter;
mod framing;
mod json;
mod length_prefixed;
mod line;
#[cfg(feature = "msgpack")]
mod msgpack;
pub(crate) mod packet;
mod raw;
#[cfg(any(feature = "cbor", feature = "msgpack"))]
mod self_delimited;
mod serde_protocol;

#[cfg(feature = "cbor")]
pub use cbor::{Cbor, CborDecoder};
pub use codec::{CodecError, PacketCodec};
pub use converter::{Converted, ConvertedDecoder};
pub use json::{Json, JsonDecoder};
pub use length_prefixed::{LengthPrefixed, LengthPrefixedDecoder};
pub use line::{Line, LineDecoder, Newline};
#[cfg(feature = "msgpack")]
pub use msgpack::{MsgPack, MsgPackDecoder};
pub use packet::Packet;
pub use raw::{Raw, RawChunks, RawChunksDecoder};

// A shared protocol object is a protocol object: servers can hand one `Arc` to every
// connection without requiring `Clone` of the protocol.
impl<S: Serializer + ?Sized> Serializer for std::sync::Arc<S> {
    type Sent = S::Sent;
    type Received = S::Received;

    #[inline]
    fn serialize(&self, packet: &Self::Sent, out: &mut BytesMut) -> Result<(), SerializeError> {
        (**self).serialize(packet, out)
    }

    #[inline]
    fn deserialize(&self, data: &[u8]) -> Result<Self::Received, ParseError> {
        (**self).deserialize(data)
    }

    #[inline]
    fn deserialize_owned(&self, data: Bytes) -> Result<Self::Received, ParseError> {
        (**self).deserialize_owned(data)
    }

    #[inline]
    fn as_wire_bytes<'a>(&self, packet: &'a Self::Sent) -> Option<&'a [u8]> {
        (**self).as_wire_bytes(packet)
    }
}

impl<P: StreamProtocol + ?Sized> StreamProtocol for std::sync::Arc<P> {
    type Sent = P::Sent;
    type Received = P::Received;
    type Decoder = P::Decoder;

    #[inline]
    fn encode_frame(&self, packet: &Self::Sent, out: &mut BytesMut) -> Result<(), SerializeError> {
        (**self).encode_frame(packet, out)
    }

    #[inline]
    fn decoder(&self) -> Self::Decoder {
        (**self).decoder()
    }

    #[inline]
    fn limit(&self) -> usize {
        (**self).limit()
    }
}
