//! # How-to: protocols
//!
//! A *protocol object* converts the packets your application sends into bytes, and the
//! bytes it receives into packets. Servers and clients take one; they never see bytes.
//! This guide follows easynetwork's "protocols" how-to, in Rust.
//!
//! ## The basics: pick a format
//!
//! For datagrams (UDP, Unix datagram sockets), a protocol is a [`DatagramProtocol`]: one
//! packet per datagram. For streams (Unix stream sockets, TCP), it is a
//! [`StreamProtocol`]: packets are framed, and a [`StreamDecoder`] cuts them out of the
//! byte stream whatever the chunking of the reads. The built-in protocols are both, where
//! it makes sense.
//!
//! ```
//! use easynet::protocol::{DatagramProtocol, Json, StreamDecoder, StreamProtocol};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Move {
//!     dx: i32,
//!     dy: i32,
//! }
//!
//! let json = Json::<Move>::new();
//!
//! // A datagram is one compact document.
//! let mut datagram = bytes::BytesMut::new();
//! json.encode_datagram(&Move { dx: 1, dy: -1 }, &mut datagram)?;
//! assert_eq!(&datagram[..], br#"{"dx":1,"dy":-1}"#);
//! assert_eq!(json.decode_datagram(&datagram)?, Move { dx: 1, dy: -1 });
//!
//! // On a stream, one document per line; the decoder takes bytes as they come.
//! let mut decoder = json.decoder();
//! let mut buf = bytes::BytesMut::from(&b"{\"dx\":2,"[..]);
//! assert_eq!(decoder.decode(&mut buf)?, None); // incomplete: feed more
//! buf.extend_from_slice(b"\"dy\":0}\n");
//! assert_eq!(decoder.decode(&mut buf)?, Some(Move { dx: 2, dy: 0 }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | format | type | notes |
//! |---|---|---|
//! | JSON | [`Json<S, R>`](crate::protocol::Json) | byte-compatible with easynetwork's `JSONSerializer` |
//! | text lines | [`Line`] | `\n` or `\r\n`, optional keep-end, like `StringLineSerializer` |
//! | length-prefixed | [`LengthPrefixed<Ser>`](crate::protocol::LengthPrefixed) | u32 big-endian header around any serializer |
//! | raw bytes | [`Raw`] (datagrams), [`RawChunks`] (streams) | for echo-style services |
//! | CBOR | `Cbor<S, R>` | cargo feature `cbor` |
//! | MessagePack | `MsgPack<S, R>` | cargo feature `msgpack` |
//!
//! ## Wire compatibility with easynetwork
//!
//! [`Json`] writes what Python's `json.dumps(obj, separators=(",", ":"),
//! ensure_ascii=True)` writes: no spaces, and every non-ASCII character escaped.
//!
//! ```
//! use easynet::protocol::{DatagramProtocol, Json};
//! let mut out = bytes::BytesMut::new();
//! Json::<String>::new().encode_datagram(&"héllo 😀".to_owned(), &mut out)?;
//! assert_eq!(&out[..], br#""h\u00e9llo \ud83d\ude00""#);
//! # Ok::<(), easynet::protocol::SerializeError>(())
//! ```
//!
//! [`Line`] behaves like easynetwork's `StringLineSerializer` (in UTF-8): on streams the
//! line ending is removed (unless [`with_keep_end`](crate::protocol::Line::with_keep_end)) and empty lines
//! are skipped; a datagram has no line ending, and a packet containing `\n` is refused.
//!
//! ```
//! use easynet::protocol::{DatagramProtocol, Line, StreamDecoder, StreamProtocol};
//! let line = Line::new();
//! let mut decoder = line.decoder();
//! let mut buf = bytes::BytesMut::from(&b"a\n\nb\r\n"[..]);
//! assert_eq!(decoder.decode(&mut buf)?.as_deref(), Some("a"));
//! assert_eq!(decoder.decode(&mut buf)?.as_deref(), Some("b"));
//!
//! let mut out = bytes::BytesMut::new();
//! assert!(line.encode_datagram("two\nlines", &mut out).is_err());
//! # Ok::<(), easynet::protocol::ParseError>(())
//! ```
//!
//! ## Limits and bad input
//!
//! Every protocol has a size limit: 64 KiB ([`DEFAULT_LIMIT`]) unless changed with
//! `with_limit`. Bad input is never a panic: it is a [`ParseError`] that tells what failed
//! ([`ParseErrorKind`]) and carries a bounded copy of the offending bytes. On a stream the
//! decoder then goes on with the next frame. An over-long line is reported as soon as it
//! passes the limit, and the rest of it is discarded up to its newline: its tail is never
//! parsed as a packet.
//!
//! ```
//! use easynet::protocol::{Json, ParseErrorKind, StreamDecoder, StreamProtocol};
//! let mut decoder = Json::<Vec<u32>>::new().with_limit(8).decoder();
//! let mut buf = bytes::BytesMut::from(&b"[1,2,3,4,5,6] [7]\nnot json\n[8]\n"[..]);
//!
//! let err = decoder.decode(&mut buf).unwrap_err();
//! assert_eq!(err.kind(), ParseErrorKind::LimitExceeded);
//! let err = decoder.decode(&mut buf).unwrap_err();
//! assert_eq!(err.kind(), ParseErrorKind::InvalidData);
//! assert_eq!(&err.bytes()[..], b"not json");
//! assert_eq!(decoder.decode(&mut buf)?, Some(vec![8])); // `[7]` was never parsed
//! # Ok::<(), easynet::protocol::ParseError>(())
//! ```
//!
//! Sending is checked too: a packet that serializes to more than the limit is refused
//! with [`SerializeError::LimitExceeded`] and nothing is written.
//!
//! ## Asymmetric protocols and converters
//!
//! `Json<S, R>` sends `S` and receives `R`: a server uses `Json<Reply, Request>` and its
//! clients `Json<Request, Reply>`. A [`Converter`] goes further: the wire carries *DTOs*,
//! the application sees its own types, and the converter validates what was parsed.
//! A value it rejects is a [`ParseErrorKind::Conversion`] error.
//!
//! ```
//! use easynet::protocol::{BoxError, Converter, DatagramProtocol, Json, ParseErrorKind};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct RawCommand {
//!     op: String,
//!     arg: Option<u32>,
//! }
//!
//! #[derive(Debug, PartialEq)]
//! enum Command {
//!     Ping,
//!     Wait(u32),
//! }
//!
//! struct Commands;
//!
//! impl Converter for Commands {
//!     type Sent = str;
//!     type Received = Command;
//!     type SentDto = String;
//!     type ReceivedDto = RawCommand;
//!
//!     fn to_dto(&self, reply: &str) -> Result<String, BoxError> {
//!         Ok(reply.to_owned())
//!     }
//!
//!     fn from_dto(&self, dto: RawCommand) -> Result<Command, BoxError> {
//!         match (dto.op.as_str(), dto.arg) {
//!             ("ping", None) => Ok(Command::Ping),
//!             ("wait", Some(ms)) => Ok(Command::Wait(ms)),
//!             _ => Err(format!("unknown command {:?}", dto.op).into()),
//!         }
//!     }
//! }
//!
//! let proto = Json::<String, RawCommand>::new().with_converter(Commands);
//! assert_eq!(proto.decode_datagram(br#"{"op":"wait","arg":5}"#)?, Command::Wait(5));
//! let err = proto.decode_datagram(br#"{"op":"fly"}"#).unwrap_err();
//! assert_eq!(err.kind(), ParseErrorKind::Conversion);
//!
//! let mut out = bytes::BytesMut::new();
//! proto.encode_datagram("pong", &mut out)?;
//! assert_eq!(&out[..], br#""pong""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Deriving protocols with `#[protocol]`
//!
//! On a serde type, `#[protocol(FORMAT)]` gives it a protocol: `T::protocol()`.
//!
//! ```
//! use easynet::protocol::{DatagramProtocol, Packet};
//!
//! #[easynet::protocol(json)]
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! enum Event {
//!     Joined { name: String },
//!     Left,
//! }
//!
//! let mut out = bytes::BytesMut::new();
//! Event::protocol().encode_datagram(&Event::Left, &mut out)?;
//! assert_eq!(&out[..], br#""Left""#);
//! # Ok::<(), easynet::protocol::SerializeError>(())
//! ```
//!
//! On a unit struct, it names a protocol with its own sent and received types, options,
//! and converter; the struct is then the protocol object:
//!
//! ```
//! use easynet::protocol::{BoxError, Converter, DatagramProtocol};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! pub struct Reading {
//!     celsius: f64,
//! }
//!
//! /// Refuses readings below absolute zero.
//! #[derive(Default)]
//! pub struct Plausible;
//!
//! impl Converter for Plausible {
//!     type Sent = f64;
//!     type Received = f64;
//!     type SentDto = Reading;
//!     type ReceivedDto = Reading;
//!     fn to_dto(&self, celsius: &f64) -> Result<Reading, BoxError> {
//!         Ok(Reading { celsius: *celsius })
//!     }
//!     fn from_dto(&self, dto: Reading) -> Result<f64, BoxError> {
//!         if dto.celsius < -273.15 { Err("below absolute zero".into()) } else { Ok(dto.celsius) }
//!     }
//! }
//!
//! #[easynet::protocol(json, converter = Plausible, limit = 256)]
//! pub struct TelemetryProtocol;
//!
//! assert_eq!(TelemetryProtocol.decode_datagram(br#"{"celsius":21.5}"#)?, 21.5);
//! assert!(TelemetryProtocol.decode_datagram(br#"{"celsius":-300.0}"#).is_err());
//! # Ok::<(), easynet::protocol::ParseError>(())
//! ```
//!
//! All options are listed in [the protocol module](mod@crate::protocol#the-protocol-attribute).
//!
//! ## Binary formats: CBOR and MessagePack
//!
//! With the `cbor` or `msgpack` feature, `Cbor` and
//! `MsgPack` work like `Json`. Both formats are self-delimiting, so on
//! a stream the items are simply back to back. The decoder finds where each one ends by
//! walking its headers (in linear time however the bytes arrive), so a frame serde
//! rejects is consumed whole and an over-long frame is skipped exactly.
//!
//! ```
//! # #[cfg(feature = "msgpack")] {
//! use easynet::protocol::{DatagramProtocol, MsgPack};
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Data {
//!     data: u32,
//! }
//! let mut out = bytes::BytesMut::new();
//! MsgPack::<Data>::new().encode_datagram(&Data { data: 42 }, &mut out)?;
//! assert_eq!(&out[..], [0x81, 0xa4, b'd', b'a', b't', b'a', 0x2a]); // {"data": 42}
//! # }
//! # Ok::<(), easynet::protocol::SerializeError>(())
//! ```
//!
//! ## Using a stream protocol with tokio-util's `Framed`
//!
//! [`PacketCodec`] adapts any stream protocol to `tokio_util::codec`. Items are
//! `Result<Packet, ParseError>`, so a bad packet does not end the stream:
//!
//! ```
//! use easynet::protocol::{Json, PacketCodec};
//! use futures_util::{SinkExt, StreamExt};
//! use tokio_util::codec::Framed;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let (a, b) = tokio::net::UnixStream::pair()?;
//! let mut a = Framed::new(a, PacketCodec::new(Json::<Vec<u8>>::new()));
//! let mut b = Framed::new(b, PacketCodec::new(Json::<Vec<u8>>::new()));
//!
//! a.send(&vec![1, 2]).await?;
//! let packet = b.next().await.expect("a packet")?; // Err only for I/O errors
//! assert_eq!(packet?, vec![1, 2]); // Err for a packet that does not parse
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Writing your own protocol
//!
//! Implement [`Serializer`] (datagrams) and/or [`StreamProtocol`] + [`StreamDecoder`]
//! (streams). A decoder returns `Ok(None)` and keeps the bytes while a frame is
//! incomplete, consumes the bad frame before returning `Err`, and enforces its limit.
//! Or wrap a serializer in [`LengthPrefixed`] and get the stream side for free:
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use easynet::protocol::{
//!     LengthPrefixed, ParseError, SerializeError, Serializer, StreamDecoder, StreamProtocol,
//! };
//!
//! /// Upper-cases on the way out.
//! struct Shout;
//!
//! impl Serializer for Shout {
//!     type Sent = str;
//!     type Received = Bytes;
//!     fn serialize(&self, packet: &str, out: &mut BytesMut) -> Result<(), SerializeError> {
//!         out.extend_from_slice(packet.to_uppercase().as_bytes());
//!         Ok(())
//!     }
//!     fn deserialize(&self, data: &[u8]) -> Result<Bytes, ParseError> {
//!         Ok(Bytes::copy_from_slice(data))
//!     }
//! }
//!
//! let proto = LengthPrefixed::new(Shout);
//! let mut buf = BytesMut::new();
//! proto.encode_frame("hey", &mut buf)?;
//! assert_eq!(&buf[..], b"\0\0\0\x03HEY");
//! assert_eq!(proto.decoder().decode(&mut buf)?, Some(Bytes::from_static(b"HEY")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`DatagramProtocol`]: crate::protocol::DatagramProtocol
//! [`StreamProtocol`]: crate::protocol::StreamProtocol
//! [`StreamDecoder`]: crate::protocol::StreamDecoder
//! [`Serializer`]: crate::protocol::Serializer
//! [`Json`]: crate::protocol::Json
//! [`Line`]: crate::protocol::Line
//! [`LengthPrefixed`]: crate::protocol::LengthPrefixed
//! [`Raw`]: crate::protocol::Raw
//! [`RawChunks`]: crate::protocol::RawChunks
//! [`Converter`]: crate::protocol::Converter
//! [`PacketCodec`]: crate::protocol::PacketCodec
//! [`ParseError`]: crate::protocol::ParseError
//! [`ParseErrorKind`]: crate::protocol::ParseErrorKind
//! [`ParseErrorKind::Conversion`]: crate::protocol::ParseErrorKind::Conversion
//! [`SerializeError::LimitExceeded`]: crate::protocol::SerializeError::LimitExceeded
//! [`DEFAULT_LIMIT`]: crate::protocol::DEFAULT_LIMIT
