//! A tour of easynet's protocols: round-trips values through each one and prints the bytes.
//!
//! `cargo run --example protocol_tour --all-features` (CBOR and MessagePack need their
//! features; without them, those two are skipped).

use bytes::BytesMut;
use easynet::protocol::{
    DatagramProtocol, Json, LengthPrefixed, Line, Packet, Raw, RawChunks, StreamDecoder,
    StreamProtocol,
};
use serde::{Deserialize, Serialize};
use std::error::Error;
use std::fmt::Debug;

#[easynet::protocol(json)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Greeting {
    key: Vec<u32>,
    text: String,
}

/// Bytes as text where printable ASCII, `\n` for newlines, `\xNN` elsewhere.
fn show(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'\n' => "\\n".to_owned(),
            b' '..=b'~' => char::from(b).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

fn datagram<P>(name: &str, proto: &P, value: &P::Sent) -> Result<(), Box<dyn Error>>
where
    P: DatagramProtocol,
    P::Received: Debug,
{
    let mut out = BytesMut::new();
    proto.encode_datagram(value, &mut out)?;
    let back = proto.decode_datagram(&out)?;
    println!("{name:<22} datagram  {:<48} -> {back:?}", show(&out));
    Ok(())
}

fn stream<P>(name: &str, proto: &P, values: &[&P::Sent]) -> Result<(), Box<dyn Error>>
where
    P: StreamProtocol,
    P::Received: Debug,
{
    let mut wire = BytesMut::new();
    for value in values {
        proto.encode_frame(value, &mut wire)?;
    }
    let shown = show(&wire);
    // Decode 5 bytes at a time, as a slow network would deliver them.
    let mut decoder = proto.decoder();
    let mut buf = BytesMut::new();
    let mut packets = Vec::new();
    for chunk in wire.chunks(5) {
        buf.extend_from_slice(chunk);
        while let Some(packet) = decoder.decode(&mut buf)? {
            packets.push(packet);
        }
    }
    println!("{name:<22} stream    {shown:<48} -> {packets:?}");
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let hello = Greeting {
        key: vec![1, 2, 3],
        text: "héllo".into(),
    };

    datagram("Json", &Greeting::protocol(), &hello)?;
    stream("Json", &Greeting::protocol(), &[&hello, &hello])?;
    datagram("Line", &Line::new(), "a line")?;
    stream("Line", &Line::new(), &["a", "b"])?;
    stream(
        "LengthPrefixed<Json>",
        &LengthPrefixed::new(Json::<Greeting>::new()),
        &[&hello],
    )?;
    stream(
        "LengthPrefixed<Raw>",
        &LengthPrefixed::new(Raw),
        &[b"\x00\x01".as_slice(), b"ok"],
    )?;
    datagram("Raw", &Raw, b"raw \xffbytes".as_slice())?;
    stream(
        "RawChunks",
        &RawChunks::new().with_limit(4),
        &[b"chunked bytes".as_slice()],
    )?;

    #[cfg(feature = "cbor")]
    {
        use easynet::protocol::Cbor;
        datagram("Cbor", &Cbor::<Greeting>::new(), &hello)?;
        stream("Cbor", &Cbor::<Greeting>::new(), &[&hello, &hello])?;
    }
    #[cfg(feature = "msgpack")]
    {
        use easynet::protocol::MsgPack;
        datagram("MsgPack", &MsgPack::<Greeting>::new(), &hello)?;
        stream("MsgPack", &MsgPack::<Greeting>::new(), &[&hello, &hello])?;
    }
    #[cfg(not(all(feature = "cbor", feature = "msgpack")))]
    println!("(run with --all-features to see CBOR and MessagePack too)");
    Ok(())
}
