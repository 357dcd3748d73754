//! Applying a [`Converter`] on top of a protocol.

use super::{
    Converter, DatagramProtocol, ParseError, ParseErrorKind, SerializeError, Serializer,
    StreamDecoder, StreamProtocol,
};
use bytes::BytesMut;
use std::fmt;
use std::sync::Arc;

/// A protocol whose packets go through a [`Converter`]: the inner protocol `P` reads and
/// writes the wire types (`C::SentDto`, `C::ReceivedDto`), the application sees
/// `C::Sent` and `C::Received`.
///
/// Works for datagrams (when `P` is a [`Serializer`]) and streams (when `P` is a
/// [`StreamProtocol`]). A value the converter rejects after parsing is a
/// [`ParseErrorKind::Conversion`] error; on send, a [`SerializeError::Conversion`].
///
/// Build one with [`Converted::new`] or the `with_converter` method of every built-in
/// protocol:
///
/// ```
/// use easynet::protocol::{BoxError, Converter, DatagramProtocol, Json, ParseErrorKind};
///
/// /// Receives temperatures as JSON numbers, refuses absurd ones.
/// struct Celsius;
/// impl Converter for Celsius {
///     type Sent = f64;
///     type Received = f64;
///     type SentDto = f64;
///     type ReceivedDto = f64;
///     fn to_dto(&self, packet: &f64) -> Result<f64, BoxError> {
///         Ok(*packet)
///     }
///     fn from_dto(&self, dto: f64) -> Result<f64, BoxError> {
///         if dto < -273.15 { Err("below absolute zero".into()) } else { Ok(dto) }
///     }
/// }
///
/// let proto = Json::<f64>::new().with_converter(Celsius);
/// assert_eq!(proto.decode_datagram(b"21.5")?, 21.5);
/// let err = proto.decode_datagram(b"-300").unwrap_err();
/// assert_eq!(err.kind(), ParseErrorKind::Conversion);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Converted<P, C> {
    protocol: P,
    converter: Arc<C>,
}

impl<P, C> Converted<P, C> {
    /// `protocol`, with its packets converted by `converter`.
    pub fn new(protocol: P, converter: C) -> Self {
        Self {
            protocol,
            converter: Arc::new(converter),
        }
    }

    /// The inner (wire) protocol.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// The converter.
    pub fn converter(&self) -> &C {
        &self.converter
    }
}

impl<P: Clone, C> Clone for Converted<P, C> {
    fn clone(&self) -> Self {
        Self {
            protocol: self.protocol.clone(),
            converter: Arc::clone(&self.converter),
        }
    }
}

impl<P: fmt::Debug, C> fmt::Debug for Converted<P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Converted")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

fn conversion_error(source: super::BoxError, bytes: &[u8]) -> ParseError {
    ParseError::new(
        ParseErrorKind::Conversion,
        "the converter rejected the packet",
        bytes,
    )
    .with_source(source)
}

impl<P, C: Converter> Converted<P, C> {
    /// The wire form of an application packet.
    fn to_dto(&self, packet: &C::Sent) -> Result<C::SentDto, SerializeError> {
        self.converter
            .to_dto(packet)
            .map_err(SerializeError::Conversion)
    }
}

impl<P, C> Serializer for Converted<P, C>
where
    C: Converter,
    P: Serializer<Sent = C::SentDto, Received = C::ReceivedDto>,
{
    type Sent = C::Sent;
    type Received = C::Received;

    fn serialize(&self, packet: &C::Sent, out: &mut BytesMut) -> Result<(), SerializeError> {
        self.protocol.encode_datagram(&self.to_dto(packet)?, out)
    }

    fn deserialize(&self, data: &[u8]) -> Result<C::Received, ParseError> {
        let dto = self.protocol.decode_datagram(data)?;
        self.converter
            .from_dto(dto)
            .map_err(|e| conversion_error(e, data))
    }
}

impl<P, C> StreamProtocol for Converted<P, C>
where
    C: Converter,
    P: StreamProtocol<Sent = C::SentDto, Received = C::ReceivedDto>,
{
    type Sent = C::Sent;
    type Received = C::Received;
    type Decoder = ConvertedDecoder<P::Decoder, C>;

    fn encode_frame(&self, packet: &C::Sent, out: &mut BytesMut) -> Result<(), SerializeError> {
        self.protocol.encode_frame(&self.to_dto(packet)?, out)
    }

    fn decoder(&self) -> Self::Decoder {
        ConvertedDecoder {
            inner: self.protocol.decoder(),
            converter: Arc::clone(&self.converter),
        }
    }

    fn limit(&self) -> usize {
        self.protocol.limit()
    }
}

/// The stream decoder of [`Converted`].
///
/// The frame's bytes are already consumed when the converter runs, so a conversion
/// error from a stream carries no bytes ([`ParseError::bytes`] is empty).
pub struct ConvertedDecoder<D, C> {
    inner: D,
    converter: Arc<C>,
}

impl<D: fmt::Debug, C> fmt::Debug for ConvertedDecoder<D, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConvertedDecoder")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<D, C: Converter> ConvertedDecoder<D, C> {
    /// Converts what the inner decoder produced, if anything.
    fn convert(&self, dto: Option<C::ReceivedDto>) -> Result<Option<C::Received>, ParseError> {
        dto.map(|dto| self.converter.from_dto(dto))
            .transpose()
            .map_err(|e| conversion_error(e, &[]))
    }
}

impl<D, C> StreamDecoder for ConvertedDecoder<D, C>
where
    C: Converter,
    D: StreamDecoder<Packet = C::ReceivedDto>,
{
    type Packet = C::Received;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<C::Received>, ParseError> {
        let dto = self.inner.decode(buf)?;
        self.convert(dto)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<C::Received>, ParseError> {
        let dto = self.inner.decode_eof(buf)?;
        self.convert(dto)
    }
}

/// Adds `with_converter` to the built-in protocols.
macro_rules! impl_with_converter {
    ($( [$($gen:tt)*] $ty:ty ),* $(,)?) => {$(
        impl<$($gen)*> $ty {
            /// This protocol with its packets converted by `converter` (see
            /// [`Converted`](crate::protocol::Converted)).
            pub fn with_converter<C>(self, converter: C) -> $crate::protocol::Converted<Self, C> {
                $crate::protocol::Converted::new(self, converter)
            }
        }
    )*};
}

impl_with_converter!(
    [S: ?Sized, R] super::Json<S, R>,
    [] super::Line,
    [] super::Raw,
    [] super::RawChunks,
    [Ser] super::LengthPrefixed<Ser>,
);
#[cfg(feature = "cbor")]
impl_with_converter!([S: ?Sized, R] super::Cbor<S, R>);
#[cfg(feature = "msgpack")]
impl_with_converter!([S: ?Sized, R] super::MsgPack<S, R>);
