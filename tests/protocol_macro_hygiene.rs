//! `#[protocol]` expands without the prelude and with hostile names in scope.
#![no_implicit_prelude]
#![allow(dead_code, clippy::unwrap_used)]

// Names that generated code must not pick up by accident.
struct Result;
struct Option;
struct Send;
struct Default;
struct LazyLock;
struct BytesMut;
mod core {}
mod std {}
mod serde {}

#[::easynet::protocol(json, limit = 100)]
#[derive(::serde::Serialize, ::serde::Deserialize, ::core::fmt::Debug, ::core::cmp::PartialEq)]
struct Packet {
    id: u32,
}

#[derive(::serde::Serialize, ::serde::Deserialize)]
struct Wire(u32);

#[::easynet::protocol(json, send = Wire, recv = Packet)]
struct Named;

#[derive(::core::default::Default)]
struct Conv;

impl ::easynet::protocol::Converter for Conv {
    type Sent = u32;
    type Received = u32;
    type SentDto = Wire;
    type ReceivedDto = Wire;
    fn to_dto(&self, p: &u32) -> ::core::result::Result<Wire, ::easynet::protocol::BoxError> {
        ::core::result::Result::Ok(Wire(*p))
    }
    fn from_dto(&self, w: Wire) -> ::core::result::Result<u32, ::easynet::protocol::BoxError> {
        ::core::result::Result::Ok(w.0)
    }
}

#[::easynet::protocol(json, converter = Conv)]
struct Converted;

#[::easynet::protocol(line, keep_end = false)]
struct Lines;

#[test]
fn expands_without_prelude() {
    use ::easynet::protocol::{DatagramProtocol, Packet as _, StreamProtocol};
    let proto = Packet::protocol();
    ::core::assert_eq!(StreamProtocol::limit(&proto), 100);
    ::core::assert_eq!(
        proto.decode_datagram(b"{\"id\":1}").unwrap(),
        Packet { id: 1 }
    );
    ::core::assert_eq!(
        Named.decode_datagram(b"{\"id\":2}").unwrap(),
        Packet { id: 2 }
    );
    ::core::assert_eq!(Converted.decode_datagram(b"3").unwrap(), 3);
    ::core::assert_eq!(Lines.decode_datagram(b"x\n").unwrap(), "x");
}
