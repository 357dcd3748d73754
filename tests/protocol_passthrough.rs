//! Formats whose packet is the bytes themselves (`Raw`) pass them through without a
//! copy, on both sides; every other format says so and serializes.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use easynet::protocol::{DatagramProtocol, Json, Line, Raw, Serializer};
use std::sync::Arc;

#[test]
fn raw_sends_a_packet_as_it_is() {
    let packet = b"ping".as_slice();
    assert_eq!(Raw.as_wire_bytes(packet).unwrap().as_ptr(), packet.as_ptr());
    assert_eq!(
        Raw.datagram_bytes(packet).unwrap().as_ptr(),
        packet.as_ptr()
    );
    // Through a shared protocol object too.
    let shared = Arc::new(Raw);
    assert_eq!(
        shared.datagram_bytes(packet).unwrap().as_ptr(),
        packet.as_ptr()
    );
}

#[test]
fn raw_keeps_the_bytes_it_is_handed() {
    let datagram = Bytes::from(vec![1_u8, 2, 3]);
    let address = datagram.as_ptr();
    let packet = Raw.decode_owned_datagram(datagram).unwrap();
    assert_eq!(packet.as_ptr(), address);
    assert_eq!(&packet[..], [1, 2, 3]);
    let packet = Arc::new(Raw).decode_owned_datagram(packet).unwrap();
    assert_eq!(packet.as_ptr(), address);
}

#[test]
fn encoding_formats_serialize() {
    let json = Json::<serde_json::Value>::new();
    assert_eq!(json.datagram_bytes(&serde_json::json!("x")), None);
    assert_eq!(Line::new().datagram_bytes("x"), None);
    // Handed bytes are parsed as if borrowed.
    let value = json
        .decode_owned_datagram(Bytes::from_static(b"{\"a\":1}"))
        .unwrap();
    assert_eq!(value, serde_json::json!({"a": 1}));
    let line = Line::new()
        .decode_owned_datagram(Bytes::from_static(b"hello\n"))
        .unwrap();
    assert_eq!(line, "hello");
}
