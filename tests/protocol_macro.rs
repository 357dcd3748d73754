//! `#[protocol]`: packet types and named protocols, in every format.
#![allow(clippy::unwrap_used)] // unwrapping in tests is the point: a panic is a failure

use bytes::BytesMut;
use easynet::protocol::{
    BoxError, Converter, DatagramProtocol, Packet, ParseErrorKind, SerializeError, StreamProtocol,
};
use easynet_suite::protocol::{
    Item::{Error, Packet as P},
    assert_decodes, encode_all,
};
use serde::{Deserialize, Serialize};

#[easynet::protocol(json)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Msg {
    key: Vec<u32>,
    data: Option<u32>,
}

#[easynet::protocol(json, limit = 16)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Small {
    A(u8),
    B,
}

#[easynet::protocol(length_prefixed(json), limit = 64)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Framed {
    text: String,
}

#[easynet::protocol(json)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Wrapper<T> {
    inner: T,
}

#[test]
fn packet_form_json_is_wire_exact() {
    let proto = Msg::protocol();
    let msg = Msg {
        key: vec![1, 2, 3],
        data: None,
    };
    let mut out = BytesMut::new();
    proto.encode_datagram(&msg, &mut out).unwrap();
    assert_eq!(&out[..], br#"{"key":[1,2,3],"data":null}"#);
    assert_eq!(
        &encode_all(&proto, &[&msg])[..],
        b"{\"key\":[1,2,3],\"data\":null}\n"
    );
    assert_decodes(
        &proto,
        b"{\"key\":[],\"data\":1}\n",
        &[P(Msg {
            key: vec![],
            data: Some(1),
        })],
    );
}

#[test]
fn packet_form_options_apply() {
    assert_eq!(StreamProtocol::limit(&Small::protocol()), 16);
    assert_decodes(
        &Small::protocol(),
        b"{\"A\":1}\n\"B\"\n{\"A\":1}          \n",
        &[
            P(Small::A(1)),
            P(Small::B),
            Error(ParseErrorKind::LimitExceeded),
        ],
    );
    let proto = Framed::protocol();
    let wire = encode_all(&proto, &[&Framed { text: "hé".into() }]);
    assert_eq!(&wire[..], b"\0\0\0\x12{\"text\":\"h\\u00e9\"}");
    assert_decodes(&proto, &wire, &[P(Framed { text: "hé".into() })]);
    let mut out = BytesMut::new();
    let big = Framed {
        text: "x".repeat(64),
    };
    assert!(matches!(
        proto.encode_frame(&big, &mut out),
        Err(SerializeError::LimitExceeded { .. })
    ));
}

#[test]
fn packet_form_on_generic_types() {
    let proto = Wrapper::<Vec<u8>>::protocol();
    let mut out = BytesMut::new();
    proto
        .encode_datagram(&Wrapper { inner: vec![1] }, &mut out)
        .unwrap();
    assert_eq!(&out[..], br#"{"inner":[1]}"#);
    assert_eq!(
        proto.decode_datagram(&out).unwrap(),
        Wrapper { inner: vec![1] }
    );
}

/// A generic function that takes any packet type.
fn round_trip<T: Packet + PartialEq + std::fmt::Debug>(value: &T) {
    let proto = T::protocol();
    let mut out = BytesMut::new();
    proto.encode_datagram(value, &mut out).unwrap();
    assert_eq!(&proto.decode_datagram(&out).unwrap(), value);
    let wire = encode_all(&proto, &[value, value]);
    let mut decoder = proto.decoder();
    let mut buf = BytesMut::from(&wire[..]);
    use easynet::protocol::StreamDecoder;
    assert_eq!(decoder.decode(&mut buf).unwrap().as_ref(), Some(value));
    assert_eq!(decoder.decode(&mut buf).unwrap().as_ref(), Some(value));
}

#[test]
fn packet_trait_is_usable_generically() {
    round_trip(&Msg {
        key: vec![9],
        data: Some(1),
    });
    round_trip(&Small::A(3));
    round_trip(&Framed { text: "ok".into() });
}

// --- named protocols -------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A client request.
pub struct Request {
    /// The command.
    pub cmd: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A server reply.
pub struct Reply {
    /// Whether the command succeeded.
    pub ok: bool,
}

/// The server side of a game protocol: sends `Reply`, receives `Request`.
#[easynet::protocol(json, send = Reply, recv = Request, limit = 4096)]
pub struct GameProtocol;

/// The client side.
#[easynet::protocol(json, send = Request, recv = Reply)]
pub struct GameClientProtocol;

#[test]
fn named_protocol_is_asymmetric() {
    let server = GameProtocol;
    let client = GameClientProtocol;
    let mut out = BytesMut::new();
    client
        .encode_datagram(&Request { cmd: "go".into() }, &mut out)
        .unwrap();
    assert_eq!(
        server.decode_datagram(&out).unwrap(),
        Request { cmd: "go".into() }
    );
    let wire = encode_all(&server, &[&Reply { ok: true }]);
    assert_eq!(&wire[..], b"{\"ok\":true}\n");
    assert_decodes(&client, &wire, &[P(Reply { ok: true })]);
    assert_eq!(StreamProtocol::limit(&server), 4096);
}

/// Validates requests: the command must not be empty.
#[derive(Default)]
struct Validate;

#[derive(Debug, PartialEq)]
struct Cmd(String);

impl Converter for Validate {
    type Sent = bool;
    type Received = Cmd;
    type SentDto = Reply;
    type ReceivedDto = Request;

    fn to_dto(&self, ok: &bool) -> Result<Reply, BoxError> {
        Ok(Reply { ok: *ok })
    }

    fn from_dto(&self, dto: Request) -> Result<Cmd, BoxError> {
        if dto.cmd.is_empty() {
            return Err("empty command".into());
        }
        Ok(Cmd(dto.cmd))
    }
}

#[easynet::protocol(json, converter = Validate)]
struct ValidatedProtocol;

#[test]
fn named_protocol_with_converter() {
    let proto = ValidatedProtocol;
    assert_eq!(
        proto.decode_datagram(br#"{"cmd":"x"}"#).unwrap(),
        Cmd("x".into())
    );
    assert_eq!(
        proto.decode_datagram(br#"{"cmd":""}"#).unwrap_err().kind(),
        ParseErrorKind::Conversion
    );
    let mut out = BytesMut::new();
    proto.encode_datagram(&true, &mut out).unwrap();
    assert_eq!(&out[..], br#"{"ok":true}"#);
    assert_decodes(
        &proto,
        b"{\"cmd\":\"\"}\n{\"cmd\":\"y\"}\n",
        &[Error(ParseErrorKind::Conversion), P(Cmd("y".into()))],
    );
}

#[easynet::protocol(line, limit = 8, keep_end = true, newline = "crlf")]
struct ChatLines;

#[test]
fn named_line_protocol() {
    assert_eq!(&encode_all(&ChatLines, &["hi"])[..], b"hi\r\n");
    assert_decodes(
        &ChatLines,
        b"a\nb\r\n123456789\nc\n",
        &[
            P("a\n".into()),
            P("b\r\n".into()),
            Error(ParseErrorKind::LimitExceeded),
            P("c\n".into()),
        ],
    );
    assert_eq!(ChatLines.decode_datagram(b"x\n").unwrap(), "x");
}

#[cfg(feature = "cbor")]
#[test]
fn packet_form_cbor() {
    #[easynet::protocol(cbor)]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Data {
        data: u32,
    }
    let mut out = BytesMut::new();
    Data::protocol()
        .encode_datagram(&Data { data: 42 }, &mut out)
        .unwrap();
    assert_eq!(&out[..], [0xa1, 0x64, 0x64, 0x61, 0x74, 0x61, 0x18, 0x2a]);
    round_trip(&Data { data: 42 });
}

#[cfg(feature = "msgpack")]
#[test]
fn packet_form_msgpack_and_named() {
    #[easynet::protocol(msgpack)]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Data {
        data: u32,
    }
    let mut out = BytesMut::new();
    Data::protocol()
        .encode_datagram(&Data { data: 42 }, &mut out)
        .unwrap();
    assert_eq!(&out[..], [0x81, 0xa4, 0x64, 0x61, 0x74, 0x61, 0x2a]);
    round_trip(&Data { data: 42 });

    #[easynet::protocol(length_prefixed(msgpack), send = Data, limit = 100)]
    struct Binary;
    let wire = encode_all(&Binary, &[&Data { data: 1 }]);
    assert_eq!(&wire[..], b"\0\0\0\x07\x81\xa4data\x01");
    assert_decodes(&Binary, &wire, &[P(Data { data: 1 })]);
}

/// `crate = path` for crates that re-export easynet under another name.
mod reexport {
    pub(crate) use ::easynet as net;
}

#[test]
fn crate_option_through_a_reexport() {
    #[reexport::net::protocol(json, crate = crate::reexport::net)]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Renamed(u8);

    #[reexport::net::protocol(json, send = u8, recv = Renamed, crate = crate::reexport::net)]
    struct RenamedProtocol;

    round_trip(&Renamed(7));
    assert_eq!(RenamedProtocol.decode_datagram(b"9").unwrap(), Renamed(9));
}
