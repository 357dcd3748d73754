//! Helpers for the protocol tests: feed a stream decoder in many chunkings.

use bytes::BytesMut;
use easynet::protocol::{ParseErrorKind, StreamDecoder, StreamProtocol};

/// Outcome of one decode step, comparable in assertions.
#[derive(Debug, PartialEq)]
pub enum Item<T> {
    /// A packet.
    Packet(T),
    /// A parse error of this kind.
    Error(ParseErrorKind),
}

/// A tiny deterministic xorshift PRNG, so chunkings are random but reproducible.
pub struct XorShift(pub u64);

impl XorShift {
    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Feeds `input` to a fresh decoder of `proto` in chunks of the given sizes (cycled),
/// draining every packet after each chunk, then signals end of stream.
pub fn feed<P: StreamProtocol>(
    proto: &P,
    input: &[u8],
    chunks: &mut dyn FnMut() -> usize,
) -> Vec<Item<P::Received>> {
    let mut decoder = proto.decoder();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = chunks().clamp(1, rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(p)) => out.push(Item::Packet(p)),
                Ok(None) => break,
                Err(e) => out.push(Item::Error(e.kind())),
            }
        }
    }
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(p)) => out.push(Item::Packet(p)),
            Ok(None) => break,
            Err(e) => out.push(Item::Error(e.kind())),
        }
    }
    assert!(buf.is_empty(), "decode_eof left {} bytes", buf.len());
    out
}

/// Decodes `input` in one chunk, byte by byte and in 50 random chunkings, and checks
/// that every way gives `expected`.
pub fn assert_decodes<P>(proto: &P, input: &[u8], expected: &[Item<P::Received>])
where
    P: StreamProtocol,
    P::Received: PartialEq + std::fmt::Debug,
{
    assert_eq!(
        feed(proto, input, &mut || usize::MAX),
        expected,
        "one chunk"
    );
    assert_eq!(feed(proto, input, &mut || 1), expected, "byte by byte");
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..50 {
        let max = 1 + (round % 7) * 3;
        let got = feed(proto, input, &mut || {
            (rng.next_u64() % max as u64) as usize + 1
        });
        assert_eq!(got, expected, "random chunking, round {round}");
    }
}

/// Encodes every packet as frames, back to back.
pub fn encode_all<P: StreamProtocol>(proto: &P, packets: &[&P::Sent]) -> BytesMut {
    let mut out = BytesMut::new();
    for p in packets {
        proto.encode_frame(p, &mut out).expect("encodes");
    }
    out
}
