//! MessagePack (rmp-serde), behind the `msgpack` feature.

use super::ParseError;
use super::error::BoxError;
use super::self_delimited::{self, Children, Header, SelfDelimited, be_uint};
use super::serde_protocol::serde_protocol;
use super::writer::BytesWriter;
use bytes::BytesMut;
use serde::{Serialize, de::DeserializeOwned};

serde_protocol! {
    /// MessagePack objects (through rmp-serde): sends `S`, receives `R`.
    ///
    /// Structs are written as maps with field names (`rmp_serde::to_vec_named`), like
    /// Python's `msgpack.packb` writes dicts, so easynetwork peers read them.
    ///
    /// * Datagrams carry exactly one object.
    /// * Streams carry objects back to back: MessagePack is self-delimiting, so there is no framing.
    ///   The decoder finds where each object ends by walking its markers, so a frame rejected
    ///   by serde is consumed whole, and an over-long frame is skipped to its exact end.
    ///
    /// Frames over the [limit](MsgPack::with_limit) (default
    /// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)) are refused both ways.
    ///
    /// ```
    /// use easynet::protocol::{MsgPack, DatagramProtocol};
    /// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    /// struct Msg { data: u32 }
    ///
    /// let msgpack = MsgPack::<Msg>::new();
    /// let mut out = bytes::BytesMut::new();
    /// msgpack.encode_datagram(&Msg { data: 42 }, &mut out)?;
    /// assert_eq!(&out[..], b"\x81\xa4data\x2a");
    /// assert_eq!(msgpack.decode_datagram(&out)?, Msg { data: 42 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "msgpack")))]
    pub struct MsgPack<S, R = S>;

    /// The stream decoder of [`MsgPack`].
    #[cfg_attr(docsrs, doc(cfg(feature = "msgpack")))]
    pub struct MsgPackDecoder<R>;

    format: SelfDelimited<MsgPackFormat>, what: "MessagePack", unit: "object",
}

/// MessagePack markers (the MessagePack specification, "formats").
pub(crate) struct MsgPackFormat;

impl self_delimited::Format for MsgPackFormat {
    fn header(buf: &[u8]) -> Header {
        let Some(&marker) = buf.first() else {
            return Header::Incomplete;
        };
        let item = |len: usize, payload: u64, children| Header::Item {
            len,
            payload,
            children,
        };
        // bin, str, ext: `len` header bytes holding the payload size, then `extra` bytes
        // (the ext type) and the payload.
        let blob = |n: Option<u64>, len: usize, extra: u64| match n {
            Some(n) => item(len, extra + n, Children::None),
            None => Header::Incomplete,
        };
        // array, map: `len` header bytes holding the count, then `per` items per entry.
        let container = |n: Option<u64>, len: usize, per: u64| match n {
            Some(n) => item(len, 0, Children::Count(n * per)),
            None => Header::Incomplete,
        };
        match marker {
            0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => item(1, 0, Children::None),
            0x80..=0x8f => item(1, 0, Children::Count(u64::from(marker & 0x0f) * 2)),
            0x90..=0x9f => item(1, 0, Children::Count(u64::from(marker & 0x0f))),
            0xa0..=0xbf => item(1, u64::from(marker & 0x1f), Children::None),
            0xc1 => Header::Invalid,                      // never used
            0xc4 | 0xd9 => blob(be_uint::<1>(buf), 2, 0), // bin8, str8
            0xc5 | 0xda => blob(be_uint::<2>(buf), 3, 0), // bin16, str16
            0xc6 | 0xdb => blob(be_uint::<4>(buf), 5, 0), // bin32, str32
            0xc7 => blob(be_uint::<1>(buf), 2, 1),        // ext8: length, type
            0xc8 => blob(be_uint::<2>(buf), 3, 1),        // ext16
            0xc9 => blob(be_uint::<4>(buf), 5, 1),        // ext32
            0xca => item(1, 4, Children::None),           // float32
            0xcb => item(1, 8, Children::None),           // float64
            0xcc | 0xd0 => item(1, 1, Children::None),    // (u)int8
            0xcd | 0xd1 => item(1, 2, Children::None),    // (u)int16
            0xce | 0xd2 => item(1, 4, Children::None),    // (u)int32
            0xcf | 0xd3 => item(1, 8, Children::None),    // (u)int64
            0xd4..=0xd8 => item(1, 1 + (1 << (marker - 0xd4)), Children::None), // fixext: type, 1..16 bytes
            0xdc => container(be_uint::<2>(buf), 3, 1),                         // array16
            0xdd => container(be_uint::<4>(buf), 5, 1),                         // array32
            0xde => container(be_uint::<2>(buf), 3, 2),                         // map16
            0xdf => container(be_uint::<4>(buf), 5, 2),                         // map32
        }
    }

    fn write<T: Serialize + ?Sized>(packet: &T, out: &mut BytesMut) -> Result<(), BoxError> {
        Ok(rmp_serde::encode::write_named(
            &mut BytesWriter(out),
            packet,
        )?)
    }

    fn read<R: DeserializeOwned>(frame: &[u8]) -> Result<R, ParseError> {
        rmp_serde::from_slice(frame).map_err(|e| {
            ParseError::invalid_data("invalid MessagePack object", frame).with_source(e)
        })
    }
}
