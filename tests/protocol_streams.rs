//! Stream protocols: framing, chunking, limits and resynchronisation.
#![allow(clippy::unwrap_used)] // unwrapping in tests is the point: a panic is a failure

use bytes::{Bytes, BytesMut};
use easynet::protocol::{
    DatagramProtocol, Json, LengthPrefixed, Line, Newline, ParseErrorKind, Raw, RawChunks,
    SerializeError, StreamDecoder, StreamProtocol,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Msg {
    key: Vec<u32>,
    data: Option<String>,
}

use easynet_suite::protocol::{
    Item::{Error, Packet},
    assert_decodes, encode_all, feed,
};

#[test]
fn json_stream_byte_exact() {
    let proto = Json::<Msg>::new();
    let msg = Msg {
        key: vec![1, 2, 3],
        data: None,
    };
    let wire = encode_all(&proto, &[&msg]);
    assert_eq!(&wire[..], b"{\"key\":[1,2,3],\"data\":null}\n");
    let mut datagram = BytesMut::new();
    proto.encode_datagram(&msg, &mut datagram).unwrap();
    assert_eq!(&datagram[..], b"{\"key\":[1,2,3],\"data\":null}");
    assert_eq!(proto.decode_datagram(&datagram).unwrap(), msg);
}

#[test]
fn json_stream_round_trip_in_any_chunking() {
    let proto = Json::<Msg>::new();
    let msgs: Vec<Msg> = (0..20)
        .map(|i| Msg {
            key: (0..i).collect(),
            data: (i % 3 == 0).then(|| format!("é{i}😀")),
        })
        .collect();
    let refs: Vec<&Msg> = msgs.iter().collect();
    let wire = encode_all(&proto, &refs);
    let expected: Vec<_> = msgs.iter().cloned().map(Packet).collect();
    assert_decodes(&proto, &wire, &expected);
}

#[test]
fn json_invalid_then_valid_resyncs() {
    let proto = Json::<Msg>::new();
    let input = b"{\"key\":[1],\"data\":3}\n{not json}\n\r\n[1,2]\n{\"key\":[],\"data\":\"x\"}\r\n";
    assert_decodes(
        &proto,
        input,
        &[
            Error(ParseErrorKind::InvalidData), // `data` is not a string
            Error(ParseErrorKind::InvalidData),
            Error(ParseErrorKind::InvalidData), // an array is not a Msg
            Packet(Msg {
                key: vec![],
                data: Some("x".into()),
            }),
        ],
    );
}

#[test]
fn json_limit_edges() {
    // `"aaaa"` is 6 bytes: accepted at limit 6, refused at limit 5.
    let at = Json::<String>::new().with_limit(6);
    assert_decodes(
        &at,
        b"\"aaaa\"\n\"bb\"\n",
        &[Packet("aaaa".into()), Packet("bb".into())],
    );
    assert_decodes(&at, b"\"aaaa\"\r\n", &[Packet("aaaa".into())]);
    let over = Json::<String>::new().with_limit(5);
    assert_decodes(
        &over,
        b"\"aaaa\"\n\"bb\"\n",
        &[Error(ParseErrorKind::LimitExceeded), Packet("bb".into())],
    );

    let mut out = BytesMut::new();
    assert!(matches!(
        over.encode_frame(&"aaaa".to_owned(), &mut out),
        Err(SerializeError::LimitExceeded { size: 6, limit: 5 })
    ));
    assert!(out.is_empty(), "a refused packet writes nothing");
    assert!(at.encode_frame(&"aaaa".to_owned(), &mut out).is_ok());
    let err = over.decode_datagram(b"\"aaaa\"").unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::LimitExceeded);
}

#[test]
fn json_over_long_tail_is_never_parsed() {
    // The tail of the over-long line is itself a valid document: it must not come out.
    let proto = Json::<serde_json::Value>::new().with_limit(8);
    let input = b"[1,2,3,4,5,6,7,8,9,10]   \"tail\"\n[1]\n";
    assert_decodes(
        &proto,
        input,
        &[
            Error(ParseErrorKind::LimitExceeded),
            Packet(serde_json::json!([1])),
        ],
    );
}

#[test]
fn json_last_line_without_newline_at_eof() {
    let proto = Json::<u32>::new();
    assert_decodes(&proto, b"1\n2", &[Packet(1), Packet(2)]);
    assert_decodes(
        &proto,
        b"1\n{",
        &[Packet(1), Error(ParseErrorKind::InvalidData)],
    );
}

#[test]
fn parse_error_keeps_bounded_offending_bytes() {
    let proto = Json::<u32>::new();
    let mut decoder = proto.decoder();
    let mut buf = BytesMut::from(&b"oops\n"[..]);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::InvalidData);
    assert_eq!(&err.bytes()[..], b"oops");
    assert!(buf.is_empty());

    let big = vec![b'x'; 5000];
    let err = proto.decode_datagram(&big).unwrap_err();
    assert_eq!(err.bytes().len(), easynet::protocol::MAX_ERROR_BYTES);
}

#[test]
fn line_splits_lf_and_crlf() {
    assert_decodes(
        &Line::new(),
        b"a\nb\n",
        &[Packet("a".into()), Packet("b".into())],
    );
    assert_decodes(
        &Line::new(),
        b"a\r\n\n\nb\nc",
        &[Packet("a".into()), Packet("b".into()), Packet("c".into())],
    );
    assert_decodes(
        &Line::new().with_keep_end(true),
        b"a\r\nb\n",
        &[Packet("a\r\n".into()), Packet("b\n".into())],
    );
    assert_decodes(
        &Line::new(),
        b"ok\n\xff\xfe\nnext\n",
        &[
            Packet("ok".into()),
            Error(ParseErrorKind::InvalidData),
            Packet("next".into()),
        ],
    );
}

#[test]
fn line_limit_edges() {
    let proto = Line::new().with_limit(3);
    assert_decodes(
        &proto,
        b"abc\nabc\r\nabcd\nabcdefgh-tail\nxy\n",
        &[
            Packet("abc".into()),
            Packet("abc".into()),
            Error(ParseErrorKind::LimitExceeded),
            Error(ParseErrorKind::LimitExceeded),
            Packet("xy".into()),
        ],
    );
}

#[test]
fn line_encoding_matches_easynetwork() {
    let lf = Line::new();
    assert_eq!(&encode_all(&lf, &["a", "b\n", "c\r\n"])[..], b"a\nb\nc\n");
    let crlf = Line::new().with_newline(Newline::CrLf);
    assert_eq!(&encode_all(&crlf, &["a", "b\n"])[..], b"a\r\nb\r\n");
    let mut out = BytesMut::new();
    assert!(matches!(
        lf.encode_frame("a\nb", &mut out),
        Err(SerializeError::Format(_))
    ));
    // Datagrams: no newline on the wire, trailing line endings removed on receive.
    assert!(matches!(
        lf.encode_datagram("a\n", &mut out),
        Err(SerializeError::Format(_))
    ));
    lf.encode_datagram("héllo", &mut out).unwrap();
    assert_eq!(&out[..], "héllo".as_bytes());
    assert_eq!(lf.decode_datagram(b"hi\r\n\n").unwrap(), "hi");
    assert_eq!(lf.decode_datagram(b"a\nb").unwrap(), "a\nb");
}

#[test]
fn length_prefixed_frames_and_limits() {
    let proto = LengthPrefixed::new(Raw).with_limit(4);
    let wire = encode_all(&proto, &[b"ab".as_slice(), b"", b"abcd"]);
    assert_eq!(&wire[..], b"\0\0\0\x02ab\0\0\0\0\0\0\0\x04abcd");
    let mut input = wire.to_vec();
    // An over-long frame (5 bytes) whose payload looks like a valid frame: skipped whole.
    input.extend_from_slice(b"\0\0\0\x05\0\0\0\x01z");
    input.extend_from_slice(b"\0\0\0\x01y");
    assert_decodes(
        &proto,
        &input,
        &[
            Packet(Bytes::from_static(b"ab")),
            Packet(Bytes::new()),
            Packet(Bytes::from_static(b"abcd")),
            Error(ParseErrorKind::LimitExceeded),
            Packet(Bytes::from_static(b"y")),
        ],
    );
    let mut out = BytesMut::new();
    assert!(matches!(
        proto.encode_frame(b"abcde", &mut out),
        Err(SerializeError::LimitExceeded { size: 5, limit: 4 })
    ));
    assert!(out.is_empty());
    // Truncated frame at end of stream.
    assert_decodes(
        &proto,
        b"\0\0\0\x03ab",
        &[Error(ParseErrorKind::InvalidData)],
    );
}

#[test]
fn length_prefixed_json_invalid_then_valid() {
    let proto = LengthPrefixed::new(Json::<Vec<u8>>::new());
    let mut input = b"\0\0\0\x03[1,".to_vec();
    input.extend_from_slice(&encode_all(&proto, &[&vec![7u8]]));
    assert_decodes(
        &proto,
        &input,
        &[Error(ParseErrorKind::InvalidData), Packet(vec![7])],
    );
}

#[test]
fn raw_chunks_yield_what_was_read() {
    let proto = RawChunks::new();
    let out = feed(&proto, b"hello world", &mut || 4);
    assert_eq!(
        out,
        vec![
            Packet(Bytes::from_static(b"hell")),
            Packet(Bytes::from_static(b"o wo")),
            Packet(Bytes::from_static(b"rld")),
        ]
    );
    let small = RawChunks::new().with_limit(2);
    assert_eq!(
        feed(&small, b"abc", &mut || 3),
        vec![
            Packet(Bytes::from_static(b"ab")),
            Packet(Bytes::from_static(b"c"))
        ]
    );
    assert_eq!(&encode_all(&proto, &[b"ab".as_slice(), b"c"])[..], b"abc");
}

#[test]
fn length_prefixed_huge_announced_length_reserves_bounded_memory() {
    // The largest limit there is (clamped to u32::MAX) and a header announcing u32::MAX
    // bytes: the decoder waits for the payload without reserving gigabytes for it.
    let proto = LengthPrefixed::new(Raw).with_limit(usize::MAX);
    assert_eq!(StreamProtocol::limit(&proto), u32::MAX as usize);
    let mut decoder = proto.decoder();
    let mut buf = BytesMut::from(&b"\xff\xff\xff\xffpayload"[..]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert!(
        buf.capacity() <= 1 << 20,
        "reserved {} bytes for an announced frame",
        buf.capacity()
    );
    assert_eq!(
        &buf[..],
        b"\xff\xff\xff\xffpayload",
        "the partial frame is kept"
    );
    // A header at the very end of the buffer, and a header cut short: both wait.
    let mut buf = BytesMut::from(&b"\0\0\0"[..]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert_eq!(&buf[..], b"\0\0\0");
}
