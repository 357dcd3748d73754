//! Raw bytes: the identity serializer, for datagrams.

use super::{ParseError, SerializeError, Serializer, StreamDecoder, StreamProtocol};
use bytes::{Bytes, BytesMut};

/// The identity serializer: a packet is its bytes. One datagram = one [`Bytes`].
///
/// ```
/// use easynet::protocol::{DatagramProtocol, Raw};
/// let mut out = bytes::BytesMut::new();
/// Raw.encode_datagram(b"ping".as_slice(), &mut out).unwrap();
/// assert_eq!(&out[..], b"ping");
/// assert_eq!(Raw.decode_datagram(b"pong").unwrap(), &b"pong"[..]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Raw;

impl Serializer for Raw {
    type Sent = [u8];
    type Received = Bytes;

    #[inline]
    fn serialize(&self, packet: &[u8], out: &mut BytesMut) -> Result<(), SerializeError> {
        out.extend_from_slice(packet);
        Ok(())
    }

    #[inline]
    fn deserialize(&self, data: &[u8]) -> Result<Bytes, ParseError> {
        Ok(Bytes::copy_from_slice(data))
    }

    /// The packet is the bytes handed over: kept, not copied.
    #[inline]
    fn deserialize_owned(&self, data: Bytes) -> Result<Bytes, ParseError> {
        Ok(data)
    }

    /// The packet is its own datagram: sent as it is.
    #[inline]
    fn as_wire_bytes<'a>(&self, packet: &'a [u8]) -> Option<&'a [u8]> {
        Some(packet)
    }
}

/// Raw chunks on a stream: every read is a packet (at most
/// [`limit`](RawChunks::with_limit) bytes; a bigger read is split). Writing a packet writes
/// its bytes unchanged. For echo-style services that do not care about message
/// boundaries.
///
/// ```
/// use easynet::protocol::{RawChunks, StreamDecoder, StreamProtocol};
/// let mut decoder = RawChunks::new().with_limit(4).decoder();
/// let mut buf = bytes::BytesMut::from(&b"hello"[..]);
/// assert_eq!(decoder.decode(&mut buf)?.as_deref(), Some(&b"hell"[..]));
/// assert_eq!(decoder.decode(&mut buf)?.as_deref(), Some(&b"o"[..]));
/// assert_eq!(decoder.decode(&mut buf)?, None);
/// # Ok::<(), easynet::protocol::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RawChunks {
    limit: usize,
}

impl RawChunks {
    /// Chunks of at most [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT) bytes.
    pub const fn new() -> Self {
        Self {
            limit: super::DEFAULT_LIMIT,
        }
    }

    /// Sets the largest chunk yielded, in bytes (default
    /// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT); at least 1).
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.limit = if limit == 0 { 1 } else { limit };
        self
    }
}

impl Default for RawChunks {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamProtocol for RawChunks {
    type Sent = [u8];
    type Received = Bytes;
    type Decoder = RawChunksDecoder;

    #[inline]
    fn encode_frame(&self, packet: &[u8], out: &mut BytesMut) -> Result<(), SerializeError> {
        out.extend_from_slice(packet);
        Ok(())
    }

    fn decoder(&self) -> RawChunksDecoder {
        RawChunksDecoder { limit: self.limit }
    }

    fn limit(&self) -> usize {
        self.limit
    }
}

/// The stream decoder of [`RawChunks`].
#[derive(Debug, Clone)]
pub struct RawChunksDecoder {
    limit: usize,
}

impl StreamDecoder for RawChunksDecoder {
    type Packet = Bytes;

    #[inline]
    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, ParseError> {
        if buf.is_empty() {
            return Ok(None);
        }
        let n = buf.len().min(self.limit);
        Ok(Some(buf.split_to(n).freeze()))
    }
}
