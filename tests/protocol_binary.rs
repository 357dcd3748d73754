//! CBOR and MessagePack: byte-exact wire, round trips, stream framing, limits.
#![allow(clippy::unwrap_used)] // unwrapping in tests is the point: a panic is a failure
#![cfg(any(feature = "cbor", feature = "msgpack"))]

use bytes::BytesMut;
use easynet::protocol::{DatagramProtocol, ParseErrorKind, SerializeError, StreamProtocol};
use easynet_suite::protocol::{
    Item::{Error, Packet},
    assert_decodes, encode_all,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Data {
    data: u32,
}

/// A value that exercises every kind of item: maps, arrays, strings, bytes, floats,
/// negative and large integers, options, enums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Rich {
    id: u64,
    neg: i64,
    ratio: f64,
    name: String,
    #[serde(with = "serde_bytes_like")]
    blob: Vec<u8>,
    tags: Vec<String>,
    attrs: BTreeMap<String, i32>,
    maybe: Option<Box<Rich>>,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Kind {
    Unit,
    Pair(i8, u16),
    Named { x: f32 },
}

/// Serializes a `Vec<u8>` as a byte string (bin / major type 2), not an array.
mod serde_bytes_like {
    pub(crate) fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
        }
        d.deserialize_bytes(V)
    }
}

fn rich(i: u64) -> Rich {
    Rich {
        id: i * 1_000_000_007,
        neg: -(i as i64) * 70_000,
        ratio: i as f64 / 3.0,
        name: format!("é{}😀", "n".repeat(i as usize * 7)),
        blob: (0..(i * 37) as u8).collect(),
        tags: (0..i).map(|t| t.to_string()).collect(),
        attrs: (0..i as i32)
            .map(|k| (format!("k{k}"), -k * 1000))
            .collect(),
        maybe: (i % 2 == 1).then(|| Box::new(rich(i - 1))),
        kind: match i % 3 {
            0 => Kind::Unit,
            1 => Kind::Pair(-(i as i8), 300),
            _ => Kind::Named { x: 1.5 },
        },
    }
}

/// The shared checks, for one format.
fn check_format<P>(proto: P, small_limit: P)
where
    P: StreamProtocol<Sent = Rich, Received = Rich>
        + DatagramProtocol<Sent = Rich, Received = Rich>,
{
    // Datagrams: exact round trip; extra bytes and truncation are invalid.
    for i in 0..6 {
        let mut out = BytesMut::new();
        proto.encode_datagram(&rich(i), &mut out).unwrap();
        assert_eq!(proto.decode_datagram(&out).unwrap(), rich(i));
        let mut extra = out.to_vec();
        extra.push(0);
        assert_eq!(
            proto.decode_datagram(&extra).unwrap_err().kind(),
            ParseErrorKind::InvalidData
        );
        assert_eq!(
            proto
                .decode_datagram(&out[..out.len() - 1])
                .unwrap_err()
                .kind(),
            ParseErrorKind::InvalidData
        );
    }

    // Streams: frames back to back, any chunking.
    let values: Vec<Rich> = (0..6).map(rich).collect();
    let refs: Vec<&Rich> = values.iter().collect();
    let wire = encode_all(&proto, &refs);
    let expected: Vec<_> = values.iter().cloned().map(Packet).collect();
    assert_decodes(&proto, &wire, &expected);

    // A well-formed frame of the wrong shape is consumed whole; the next one decodes.
    let mut input = encode_all(&proto, &[&rich(1)]).to_vec();
    let mut wrong = encode_all(&proto, &[&rich(2)]).to_vec();
    let mut bad = BytesMut::new();
    // `true` is one well-formed item (CBOR 0xf5, MessagePack 0xc3) that is not a `Rich`.
    bad.extend_from_slice(if is_cbor(&wire) { b"\xf5" } else { b"\xc3" });
    let mut stream = bad.to_vec();
    stream.append(&mut input);
    stream.append(&mut wrong);
    assert_decodes(
        &proto,
        &stream,
        &[
            Error(ParseErrorKind::InvalidData),
            Packet(rich(1)),
            Packet(rich(2)),
        ],
    );

    // Limit edges (the caller checks "exactly at the limit"): one byte over is refused,
    // and the over-long frame is skipped to its exact end.
    let one = encode_all(&proto, &[&rich(3)]);
    let mut over = one.to_vec();
    over.extend_from_slice(&encode_all(&proto, &[&rich(0)]));
    assert_decodes(
        &small_limit,
        &over,
        &[Error(ParseErrorKind::LimitExceeded), Packet(rich(0))],
    );
    let mut out = BytesMut::new();
    assert!(matches!(
        small_limit.encode_frame(&rich(3), &mut out),
        Err(SerializeError::LimitExceeded { .. })
    ));
    assert!(out.is_empty());
}

fn is_cbor(wire: &[u8]) -> bool {
    // Our `Rich` is a map: CBOR major type 5 (0xa0..) vs MessagePack fixmap (0x80..).
    wire[0] & 0xe0 == 0xa0
}

#[cfg(feature = "cbor")]
mod cbor {
    use super::*;
    use easynet::protocol::Cbor;

    #[test]
    fn byte_exact() {
        let mut out = BytesMut::new();
        Cbor::<Data>::new()
            .encode_datagram(&Data { data: 42 }, &mut out)
            .unwrap();
        assert_eq!(&out[..], [0xa1, 0x64, 0x64, 0x61, 0x74, 0x61, 0x18, 0x2a]);
        let mut frame = BytesMut::new();
        Cbor::<Data>::new()
            .encode_frame(&Data { data: 42 }, &mut frame)
            .unwrap();
        assert_eq!(
            frame, out,
            "CBOR is self-delimiting: stream frame = datagram"
        );
    }

    #[test]
    fn round_trips_chunkings_and_limits() {
        check_format(
            Cbor::<Rich>::new(),
            Cbor::<Rich>::new().with_limit(encoded_len(3) - 1),
        );
        let at_limit = Cbor::<Rich>::new().with_limit(encoded_len(3));
        assert_decodes(
            &at_limit,
            &encode_all(&at_limit, &[&rich(3)]),
            &[Packet(rich(3))],
        );
    }

    fn encoded_len(i: u64) -> usize {
        encode_all(&Cbor::<Rich>::new(), &[&rich(i)]).len()
    }

    #[test]
    fn indefinite_lengths_and_malformed_headers() {
        let proto = Cbor::<Vec<String>>::new();
        // [_ "a", (_ "b" "c")] then a reserved additional-info byte (0x1c), then ["d"].
        let input = b"\x9f\x61a\x7f\x61b\x61c\xff\xff\x1c\x81\x61d";
        assert_decodes(
            &proto,
            input,
            &[
                Packet(vec!["a".into(), "bc".into()]),
                Error(ParseErrorKind::InvalidData),
                Packet(vec!["d".into()]),
            ],
        );
        // A stray break is malformed too.
        assert_decodes(
            &proto,
            b"\xff\x80",
            &[Error(ParseErrorKind::InvalidData), Packet(vec![])],
        );
        // Truncated at end of stream.
        assert_decodes(&proto, b"\x82\x61a", &[Error(ParseErrorKind::InvalidData)]);
    }
}

#[cfg(feature = "msgpack")]
mod msgpack {
    use super::*;
    use easynet::protocol::MsgPack;

    #[test]
    fn byte_exact() {
        let mut out = BytesMut::new();
        MsgPack::<Data>::new()
            .encode_datagram(&Data { data: 42 }, &mut out)
            .unwrap();
        assert_eq!(&out[..], [0x81, 0xa4, 0x64, 0x61, 0x74, 0x61, 0x2a]);
        let mut frame = BytesMut::new();
        MsgPack::<Data>::new()
            .encode_frame(&Data { data: 42 }, &mut frame)
            .unwrap();
        assert_eq!(
            frame, out,
            "MessagePack is self-delimiting: stream frame = datagram"
        );
    }

    #[test]
    fn round_trips_chunkings_and_limits() {
        check_format(
            MsgPack::<Rich>::new(),
            MsgPack::<Rich>::new().with_limit(encoded_len(3) - 1),
        );
        let at_limit = MsgPack::<Rich>::new().with_limit(encoded_len(3));
        assert_decodes(
            &at_limit,
            &encode_all(&at_limit, &[&rich(3)]),
            &[Packet(rich(3))],
        );
    }

    fn encoded_len(i: u64) -> usize {
        encode_all(&MsgPack::<Rich>::new(), &[&rich(i)]).len()
    }

    #[test]
    fn every_marker_family_frames() {
        // bin16 + str8 + ext8 + fixext4 + float64 + int64 + map16 + array32, as one array.
        let proto = MsgPack::<serde_json::Value>::new();
        let mut obj = vec![0x98]; // fixarray of 8
        obj.extend_from_slice(b"\xc5\x00\x02xy");
        obj.extend_from_slice(b"\xd9\x01z");
        obj.extend_from_slice(b"\xc7\x01\x05q");
        obj.extend_from_slice(b"\xd6\x05abcd");
        obj.extend_from_slice(b"\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00");
        obj.extend_from_slice(b"\xd3\xff\xff\xff\xff\xff\xff\xff\xfe");
        obj.extend_from_slice(b"\xde\x00\x01\xa1k\xc0");
        obj.extend_from_slice(b"\xdd\x00\x00\x00\x01\x01");
        let mut input = obj.clone();
        input.extend_from_slice(b"\xc1"); // never-used marker
        input.extend_from_slice(b"\x93\x01\x02\x03");
        let got = easynet_suite::protocol::feed(&proto, &input, &mut || 1);
        assert_eq!(got.len(), 3, "{got:?}");
        // serde_json::Value cannot hold bin/ext: the first frame is consumed as invalid.
        assert_eq!(got[0], Error(ParseErrorKind::InvalidData));
        assert_eq!(got[1], Error(ParseErrorKind::InvalidData));
        assert_eq!(got[2], Packet(serde_json::json!([1, 2, 3])));
    }
}
