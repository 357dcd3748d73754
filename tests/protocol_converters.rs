//! Converters on top of datagram and stream protocols.
#![allow(clippy::unwrap_used)] // unwrapping in tests is the point: a panic is a failure

use bytes::BytesMut;
use easynet::protocol::{
    BoxError, Converted, Converter, DatagramProtocol, Json, LengthPrefixed, Line, ParseErrorKind,
    SerializeError, StreamProtocol,
};
use easynet_suite::protocol::{
    Item::{Error, Packet},
    assert_decodes, encode_all,
};
use serde::{Deserialize, Serialize};

/// Application types: the server receives `Command`s and sends `Reply`s.
#[derive(Debug, Clone, PartialEq)]
enum Command {
    Move { dx: i32, dy: i32 },
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
struct Reply {
    ok: bool,
}

/// Wire types (DTOs).
#[derive(Debug, Serialize, Deserialize)]
struct CommandDto {
    op: String,
    #[serde(default)]
    args: Vec<i32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReplyDto {
    status: String,
}

/// Server side: validates commands, writes replies.
struct ServerConverter;

impl Converter for ServerConverter {
    type Sent = Reply;
    type Received = Command;
    type SentDto = ReplyDto;
    type ReceivedDto = CommandDto;

    fn to_dto(&self, packet: &Reply) -> Result<ReplyDto, BoxError> {
        Ok(ReplyDto {
            status: if packet.ok { "ok" } else { "error" }.into(),
        })
    }

    fn from_dto(&self, dto: CommandDto) -> Result<Command, BoxError> {
        match (dto.op.as_str(), dto.args.as_slice()) {
            ("move", [dx, dy]) => Ok(Command::Move { dx: *dx, dy: *dy }),
            ("quit", []) => Ok(Command::Quit),
            (op, args) => Err(format!("bad command {op:?} with {} arguments", args.len()).into()),
        }
    }
}

#[test]
fn datagram_converter_is_asymmetric_and_validates() {
    let proto = Json::<ReplyDto, CommandDto>::new().with_converter(ServerConverter);
    assert_eq!(
        proto
            .decode_datagram(br#"{"op":"move","args":[1,-2]}"#)
            .unwrap(),
        Command::Move { dx: 1, dy: -2 }
    );
    let err = proto
        .decode_datagram(br#"{"op":"move","args":[1]}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::Conversion);
    assert_eq!(&err.bytes()[..], br#"{"op":"move","args":[1]}"#);
    assert!(err.to_string().contains("bad command"), "{err}");
    // Invalid JSON is still invalid data, not a conversion error.
    let err = proto.decode_datagram(b"{").unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::InvalidData);

    let mut out = BytesMut::new();
    proto
        .encode_datagram(&Reply { ok: true }, &mut out)
        .unwrap();
    assert_eq!(&out[..], br#"{"status":"ok"}"#);
}

#[test]
fn stream_converter_errors_do_not_stop_the_stream() {
    let proto = Converted::new(Json::<ReplyDto, CommandDto>::new(), ServerConverter);
    let input =
        b"{\"op\":\"quit\"}\n{\"op\":\"fly\"}\nnot json\n{\"op\":\"move\",\"args\":[3,4]}\n";
    assert_decodes(
        &proto,
        input,
        &[
            Packet(Command::Quit),
            Error(ParseErrorKind::Conversion),
            Error(ParseErrorKind::InvalidData),
            Packet(Command::Move { dx: 3, dy: 4 }),
        ],
    );
    assert_eq!(
        &encode_all(&proto, &[&Reply { ok: false }])[..],
        b"{\"status\":\"error\"}\n"
    );
    assert_eq!(proto.limit(), Json::<ReplyDto, CommandDto>::new().limit());
}

/// Refuses to send empty strings; parses lines as numbers.
struct Numbers;

impl Converter for Numbers {
    type Sent = String;
    type Received = u64;
    type SentDto = String;
    type ReceivedDto = String;

    fn to_dto(&self, packet: &String) -> Result<String, BoxError> {
        if packet.is_empty() {
            return Err("empty".into());
        }
        Ok(packet.clone())
    }

    fn from_dto(&self, dto: String) -> Result<u64, BoxError> {
        Ok(dto.trim().parse()?)
    }
}

/// `Line` sends `str`; this wrapper makes it send `String`, so a converter can own DTOs.
#[derive(Clone, Copy)]
struct OwnedLine(Line);

impl StreamProtocol for OwnedLine {
    type Sent = String;
    type Received = String;
    type Decoder = <Line as StreamProtocol>::Decoder;

    fn encode_frame(&self, packet: &String, out: &mut BytesMut) -> Result<(), SerializeError> {
        self.0.encode_frame(packet, out)
    }

    fn decoder(&self) -> Self::Decoder {
        self.0.decoder()
    }

    fn limit(&self) -> usize {
        self.0.limit()
    }
}

#[test]
fn converter_on_a_hand_written_stream_protocol() {
    let proto = Converted::new(OwnedLine(Line::new()), Numbers);
    assert_decodes(
        &proto,
        b"1\nx\n 42 \n",
        &[Packet(1), Error(ParseErrorKind::Conversion), Packet(42)],
    );
    let mut out = BytesMut::new();
    assert!(matches!(
        proto.encode_frame(&String::new(), &mut out),
        Err(SerializeError::Conversion(_))
    ));
    assert!(out.is_empty());
    proto.encode_frame(&"7".to_owned(), &mut out).unwrap();
    assert_eq!(&out[..], b"7\n");
}

#[test]
fn converter_through_length_prefixed() {
    let proto =
        LengthPrefixed::new(Json::<ReplyDto, CommandDto>::new()).with_converter(ServerConverter);
    let wire = LengthPrefixed::new(Json::<CommandDto>::new());
    let frames = encode_all(
        &wire,
        &[
            &CommandDto {
                op: "quit".into(),
                args: vec![],
            },
            &CommandDto {
                op: "quit".into(),
                args: vec![1],
            },
        ],
    );
    assert_decodes(
        &proto,
        &frames,
        &[Packet(Command::Quit), Error(ParseErrorKind::Conversion)],
    );
}
