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

mod error;

pub use error::{BoxError, MAX_ERROR_BYTES, ParseError, ParseErrorKind, SerializeError};

use bytes::BytesMut;

/// Default limit, in bytes, of one packet on a stream (and of a JSON document): 64 KiB.
pub const DEFAULT_LIMIT: usize = 65536;

/// One packet ⇄ one buffer: the value ↔ bytes half of a protocol.
///
/// `Sent` is what this side writes, `Received` what it reads; they differ in asymmetric
/// protocols (a server sends `Response` and receives `Request`).
pub trait Serializer: Send + Sync + 'static {
    /// The packet type this side sends.
    type Sent: ?Sized;
    /// The packet type this side receives.
    type Received;

    /// Appends the bytes of `packet` to `out`.
    fn serialize(&self, packet: &Self::Sent, out: &mut BytesMut) -> Result<(), SerializeError>;

    /// Parses one whole packet from `data`.
    fn deserialize(&self, data: &[u8]) -> Result<Self::Received, ParseError>;
}

/// A protocol for datagram transports: one packet = one datagram.
///
/// Implemented for every [`Serializer`]. A datagram that fails to parse is consumed
/// whole; it is never retried.
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
}

/// A protocol for stream transports: framed packets and an incremental decoder.
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
mod raw;
#[cfg(any(feature = "cbor", feature = "msgpack"))]
mod self_delimited;

#[cfg(feature = "cbor")]
pub use cbor::{Cbor, CborDecoder};
pub use codec::{CodecError, PacketCodec};
pub use converter::{Converted, ConvertedDecoder};
pub use json::{Json, JsonDecoder};
pub use length_prefixed::{LengthPrefixed, LengthPrefixedDecoder};
pub use line::{Line, LineDecoder, Newline};
#[cfg(feature = "msgpack")]
pub use msgpack::{MsgPack, MsgPackDecoder};
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
