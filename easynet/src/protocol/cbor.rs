//! CBOR (ciborium), behind the `cbor` feature.

use super::self_delimited::{self, Children, FrameFinder, Header, be_uint};
use super::writer::BytesWriter;
use super::{ParseError, SerializeError, Serializer, StreamDecoder, StreamProtocol};
use bytes::{Buf, BytesMut};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;
use std::marker::PhantomData;

/// CBOR items (RFC 8949, through ciborium): sends `S`, receives `R`.
///
/// * Datagrams carry exactly one item.
/// * Streams carry items back to back: CBOR is self-delimiting, so there is no framing.
///   The decoder finds where each item ends by walking its headers, so a frame rejected
///   by serde is consumed whole, and an over-long frame is skipped to its exact end.
///
/// Frames over the [limit](Cbor::with_limit) (default
/// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)) are refused both ways.
///
/// ```
/// use easynet::protocol::{Cbor, DatagramProtocol};
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Msg { data: u32 }
///
/// let cbor = Cbor::<Msg>::new();
/// let mut out = bytes::BytesMut::new();
/// cbor.encode_datagram(&Msg { data: 42 }, &mut out)?;
/// assert_eq!(&out[..], b"\xa1\x64data\x18\x2a");
/// assert_eq!(cbor.decode_datagram(&out)?, Msg { data: 42 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "cbor")))]
pub struct Cbor<S: ?Sized, R = S> {
    limit: usize,
    _types: PhantomData<fn(&S) -> R>,
}

impl<S: ?Sized, R> Cbor<S, R> {
    /// A CBOR protocol with the default limit ([`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)).
    pub const fn new() -> Self {
        Self {
            limit: super::DEFAULT_LIMIT,
            _types: PhantomData,
        }
    }

    /// Sets the largest item accepted, in bytes (default
    /// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)).
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The largest item accepted, in bytes.
    pub const fn limit(&self) -> usize {
        self.limit
    }
}

impl<S: ?Sized, R> Default for Cbor<S, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: ?Sized, R> Clone for Cbor<S, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized, R> Copy for Cbor<S, R> {}

impl<S: ?Sized, R> fmt::Debug for Cbor<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cbor").field("limit", &self.limit).finish()
    }
}

/// CBOR item headers (RFC 8949 §3).
pub(crate) struct CborFormat;

impl self_delimited::Format for CborFormat {
    fn header(buf: &[u8]) -> Header {
        let Some(&first) = buf.first() else {
            return Header::Incomplete;
        };
        let major = first >> 5;
        let info = first & 0x1f;
        let (len, arg) = match info {
            0..=23 => (1, Some(u64::from(info))),
            24 => (2, be_uint::<1>(buf)),
            25 => (3, be_uint::<2>(buf)),
            26 => (5, be_uint::<4>(buf)),
            27 => (9, be_uint::<8>(buf)),
            28..=30 => return Header::Invalid,
            _ => (1, None), // 31: indefinite length, or break
        };
        let item = |payload, children| Header::Item {
            len,
            payload,
            children,
        };
        match (major, arg) {
            (_, None) if info != 31 => Header::Incomplete,
            (0 | 1, Some(_)) => item(0, Children::None),
            (2 | 3, Some(n)) => item(n, Children::None),
            (2..=5, None) => item(0, Children::UntilBreak),
            (4, Some(n)) => item(0, Children::Count(n)),
            (5, Some(n)) => item(0, Children::Count(n.saturating_mul(2))),
            (6, Some(_)) => item(0, Children::Count(1)),
            (7, Some(_)) => item(0, Children::None),
            (7, None) => item(0, Children::Break),
            _ => Header::Invalid, // indefinite integer or tag
        }
    }
}

fn write_cbor<T: Serialize + ?Sized>(
    packet: &T,
    out: &mut BytesMut,
    limit: usize,
) -> Result<(), SerializeError> {
    let start = out.len();
    if let Err(e) = ciborium::into_writer(packet, BytesWriter(out)) {
        out.truncate(start);
        return Err(SerializeError::Format(e.into()));
    }
    let size = out.len() - start;
    if size > limit {
        out.truncate(start);
        return Err(SerializeError::LimitExceeded { size, limit });
    }
    Ok(())
}

fn read_cbor<R: DeserializeOwned>(frame: &[u8]) -> Result<R, ParseError> {
    ciborium::from_reader(frame)
        .map_err(|e| ParseError::invalid_data("invalid CBOR item", frame).with_source(e))
}

impl<S, R> Serializer for Cbor<S, R>
where
    S: Serialize + ?Sized + 'static,
    R: DeserializeOwned + 'static,
{
    type Sent = S;
    type Received = R;

    fn serialize(&self, packet: &S, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_cbor(packet, out, self.limit)
    }

    fn deserialize(&self, data: &[u8]) -> Result<R, ParseError> {
        if data.len() > self.limit {
            return Err(ParseError::limit_exceeded(self.limit, data));
        }
        self_delimited::check_single_frame::<CborFormat>(data)?;
        read_cbor(data)
    }
}

impl<S, R> StreamProtocol for Cbor<S, R>
where
    S: Serialize + ?Sized + 'static,
    R: DeserializeOwned + Send + 'static,
{
    type Sent = S;
    type Received = R;
    type Decoder = CborDecoder<R>;

    fn encode_frame(&self, packet: &S, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_cbor(packet, out, self.limit)
    }

    fn decoder(&self) -> CborDecoder<R> {
        CborDecoder {
            finder: FrameFinder::new(self.limit),
            _packet: PhantomData,
        }
    }

    fn limit(&self) -> usize {
        self.limit
    }
}

/// The stream decoder of [`Cbor`].
#[cfg_attr(docsrs, doc(cfg(feature = "cbor")))]
pub struct CborDecoder<R> {
    finder: FrameFinder,
    _packet: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for CborDecoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CborDecoder")
            .field("finder", &self.finder)
            .finish()
    }
}

impl<R: DeserializeOwned + Send + 'static> StreamDecoder for CborDecoder<R> {
    type Packet = R;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<R>, ParseError> {
        let Some(end) = self.finder.next_frame::<CborFormat>(buf)? else {
            return Ok(None);
        };
        let packet = read_cbor(&buf[..end]);
        buf.advance(end);
        packet.map(Some)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<R>, ParseError> {
        let Some(end) = self.finder.last_frame::<CborFormat>(buf)? else {
            return Ok(None);
        };
        let packet = read_cbor(&buf[..end]);
        buf.advance(end);
        packet.map(Some)
    }
}
