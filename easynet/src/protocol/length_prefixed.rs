//! Length-prefixed frames: a u32 big-endian header, then the payload.

use super::{ParseError, Raw, SerializeError, Serializer, StreamDecoder, StreamProtocol};
use bytes::{Buf, BufMut, BytesMut};
use std::sync::Arc;

/// Size of the frame header.
const HEADER: usize = 4;

/// Most bytes reserved ahead on the strength of a frame header alone; the buffer grows
/// further only as payload bytes actually arrive.
const MAX_RESERVE: usize = super::DEFAULT_LIMIT;

/// Frames of any [`Serializer`] on a stream: a 4-byte big-endian length, then the
/// serializer's bytes. `LengthPrefixed<Raw>` (the default) carries arbitrary bytes.
///
/// A frame whose announced length is over the [limit](LengthPrefixed::with_limit)
/// (default [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT), header excluded) is reported as
/// [`LimitExceeded`](super::ParseErrorKind::LimitExceeded) and its payload is skipped
/// without being buffered; a payload the serializer rejects is consumed whole. Either
/// way the decoder goes on with the next frame.
///
/// ```
/// use easynet::protocol::{Json, LengthPrefixed, StreamDecoder, StreamProtocol};
/// let proto = LengthPrefixed::new(Json::<Vec<u8>>::new());
/// let mut buf = bytes::BytesMut::new();
/// proto.encode_frame(&vec![1, 2], &mut buf)?;
/// assert_eq!(&buf[..], b"\x00\x00\x00\x05[1,2]");
/// assert_eq!(proto.decoder().decode(&mut buf)?, Some(vec![1, 2]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LengthPrefixed<Ser = Raw> {
    inner: Arc<Ser>,
    limit: usize,
}

impl<Ser> LengthPrefixed<Ser> {
    /// Frames of `inner`, at most [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT) bytes each.
    pub fn new(inner: Ser) -> Self {
        Self {
            inner: Arc::new(inner),
            limit: super::DEFAULT_LIMIT,
        }
    }

    /// Sets the largest payload accepted, in bytes, header excluded (default
    /// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT); at most `u32::MAX`).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit.min(u32::MAX as usize);
        self
    }

    /// The serializer of the payloads.
    pub fn inner(&self) -> &Ser {
        &self.inner
    }
}

impl Default for LengthPrefixed<Raw> {
    fn default() -> Self {
        Self::new(Raw)
    }
}

impl<Ser> Clone for LengthPrefixed<Ser> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            limit: self.limit,
        }
    }
}

/// As a datagram protocol, a datagram is one frame: the header, then the payload. A
/// datagram whose header does not match its length is invalid.
impl<Ser: Serializer> Serializer for LengthPrefixed<Ser> {
    type Sent = Ser::Sent;
    type Received = Ser::Received;

    fn serialize(&self, packet: &Ser::Sent, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_frame(&*self.inner, self.limit, packet, out)
    }

    fn deserialize(&self, data: &[u8]) -> Result<Ser::Received, ParseError> {
        let Some((header, payload)) = data.split_first_chunk::<HEADER>() else {
            return Err(ParseError::invalid_data(
                "datagram shorter than the frame header",
                data,
            ));
        };
        if payload.len() > self.limit {
            return Err(ParseError::limit_exceeded(self.limit, payload));
        }
        if u32::from_be_bytes(*header) as usize != payload.len() {
            return Err(ParseError::invalid_data(
                "frame header does not match the datagram's length",
                data,
            ));
        }
        self.inner.deserialize(payload)
    }
}

/// Writes the header and the payload of `packet` at the end of `out` (left as it was on
/// error).
fn write_frame<Ser: Serializer + ?Sized>(
    inner: &Ser,
    limit: usize,
    packet: &Ser::Sent,
    out: &mut BytesMut,
) -> Result<(), SerializeError> {
    let start = out.len();
    out.put_u32(0);
    if let Err(e) = inner.serialize(packet, out) {
        out.truncate(start);
        return Err(e);
    }
    let size = out.len() - start - HEADER;
    if size > limit {
        out.truncate(start);
        return Err(SerializeError::LimitExceeded { size, limit });
    }
    // `limit` is at most u32::MAX, so `size` fits.
    let header = u32::try_from(size).unwrap_or(u32::MAX).to_be_bytes();
    out[start..start + HEADER].copy_from_slice(&header);
    Ok(())
}

impl<Ser> StreamProtocol for LengthPrefixed<Ser>
where
    Ser: Serializer,
    Ser::Received: Send,
{
    type Sent = Ser::Sent;
    type Received = Ser::Received;
    type Decoder = LengthPrefixedDecoder<Ser>;

    fn encode_frame(&self, packet: &Ser::Sent, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_frame(&*self.inner, self.limit, packet, out)
    }

    fn decoder(&self) -> LengthPrefixedDecoder<Ser> {
        LengthPrefixedDecoder {
            inner: Arc::clone(&self.inner),
            limit: self.limit,
            skip: 0,
        }
    }

    fn limit(&self) -> usize {
        self.limit
    }
}

/// The stream decoder of [`LengthPrefixed`].
///
/// ```text
///   Header ── < 4 bytes ──▶ wait
///     │ len ≤ limit                         len > limit
///     ▼                                          │
///   Payload ── < len bytes ──▶ wait        Err(limit) ──▶ Skipping(len) ── skipped all ──▶ Header
///     │ len bytes
///     ▼
///   deserialize, consume 4 + len ──▶ Header
/// ```
#[derive(Debug)]
pub struct LengthPrefixedDecoder<Ser> {
    inner: Arc<Ser>,
    limit: usize,
    /// Payload bytes of an over-long frame still to be discarded.
    skip: usize,
}

impl<Ser> LengthPrefixedDecoder<Ser> {
    fn skip_from(&mut self, buf: &mut BytesMut) {
        let n = self.skip.min(buf.len());
        buf.advance(n);
        self.skip -= n;
    }
}

impl<Ser> StreamDecoder for LengthPrefixedDecoder<Ser>
where
    Ser: Serializer,
    Ser::Received: Send,
{
    type Packet = Ser::Received;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Ser::Received>, ParseError> {
        if self.skip > 0 {
            self.skip_from(buf);
            if self.skip > 0 {
                return Ok(None);
            }
        }
        let Some(header) = buf.first_chunk::<HEADER>() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(*header) as usize;
        if len > self.limit {
            let err = ParseError::limit_exceeded(self.limit, &buf[HEADER..]);
            buf.advance(HEADER);
            self.skip = len;
            self.skip_from(buf);
            return Err(err);
        }
        // Cannot overflow on 64-bit targets (`len` ≤ u32::MAX); saturating on 32-bit ones,
        // where a frame that large can never complete anyway.
        let total = len.saturating_add(HEADER);
        if buf.len() < total {
            // The announced length is only the peer's word: reserve at most a bounded step
            // for it, so that a header announcing ~4 GiB (with a large limit) cannot make
            // one connection allocate that much before sending a byte of payload.
            buf.reserve((total - buf.len()).min(MAX_RESERVE));
            return Ok(None);
        }
        let packet = self.inner.deserialize(&buf[HEADER..total]);
        buf.advance(total);
        packet.map(Some)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Ser::Received>, ParseError> {
        if let Some(packet) = self.decode(buf)? {
            return Ok(Some(packet));
        }
        if buf.is_empty() || self.skip > 0 {
            buf.clear();
            self.skip = 0;
            return Ok(None);
        }
        let err = ParseError::invalid_data("stream ended inside a frame", buf);
        buf.clear();
        Err(err)
    }
}
