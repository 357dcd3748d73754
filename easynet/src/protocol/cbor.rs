//! CBOR (ciborium), behind the `cbor` feature.

use super::ParseError;
use super::error::BoxError;
use super::self_delimited::{self, Children, Header, SelfDelimited, be_uint};
use super::serde_protocol::serde_protocol;
use super::writer::BytesWriter;
use bytes::BytesMut;
use serde::{Serialize, de::DeserializeOwned};

serde_protocol! {
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
    pub struct Cbor<S, R = S>;

    /// The stream decoder of [`Cbor`].
    #[cfg_attr(docsrs, doc(cfg(feature = "cbor")))]
    pub struct CborDecoder<R>;

    format: SelfDelimited<CborFormat>, what: "CBOR", unit: "item",
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

    fn write<T: Serialize + ?Sized>(packet: &T, out: &mut BytesMut) -> Result<(), BoxError> {
        Ok(ciborium::into_writer(packet, BytesWriter(out))?)
    }

    fn read<R: DeserializeOwned>(frame: &[u8]) -> Result<R, ParseError> {
        ciborium::from_reader(frame)
            .map_err(|e| ParseError::invalid_data("invalid CBOR item", frame).with_source(e))
    }
}
