//! The same comparison as the `protocol` criterion bench, measured *interleaved*: each
//! round times the baseline and easynet back to back, and the best round of each is
//! kept. On a shared, noisy machine this is less biased by load drifting between
//! criterion's sequential measurements. Prints the ratios.
//!
//! Run: `cargo bench -p easynet --bench protocol_interleaved`

#[path = "support/documents.rs"]
mod documents;
use bytes::BytesMut;
use documents::{Doc, document};
use easynet::protocol::{Json, PacketCodec, StreamDecoder, StreamProtocol};
use std::hint::black_box;
use std::time::Instant;
use tokio_util::codec::{Decoder, Encoder, LinesCodec};

/// Mean time of one call, in nanoseconds, over `iters` calls.
fn time(iters: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

const ROUNDS: usize = 40;

fn main() {
    println!("best of {ROUNDS} interleaved rounds; overhead = easynet / baseline - 1");
    for (label, size) in [("1KiB", 1024usize), ("10KiB", 10 * 1024)] {
        let doc = document(size);
        let mut wire = serde_json::to_vec(&doc).expect("serializes");
        wire.push(b'\n');
        let iters = u32::try_from(2_000_000 / size).unwrap_or(1000);
        let proto = Json::<Doc>::new();
        let mut lines = LinesCodec::new_with_max_length(64 * 1024);
        let mut codec = PacketCodec::new(Json::<Doc>::new());
        let mut decoder = proto.decoder();
        let mut buf = BytesMut::with_capacity(size * 3);
        let utf8 = Json::<Doc>::new().with_ensure_ascii(false);
        let mut best = [f64::MAX; 7];
        for _ in 0..ROUNDS {
            let times = [
                time(iters, || {
                    buf.clear();
                    let line = serde_json::to_string(black_box(&doc)).expect("serializes");
                    lines.encode(line, &mut buf).expect("encodes");
                    black_box(&buf);
                }),
                time(iters, || {
                    buf.clear();
                    proto
                        .encode_frame(black_box(&doc), &mut buf)
                        .expect("encodes");
                    black_box(&buf);
                }),
                time(iters, || {
                    buf.clear();
                    codec.encode(black_box(&doc), &mut buf).expect("encodes");
                    black_box(&buf);
                }),
                time(iters, || {
                    buf.clear();
                    utf8.encode_frame(black_box(&doc), &mut buf)
                        .expect("encodes");
                    black_box(&buf);
                }),
                time(iters, || {
                    buf.clear();
                    buf.extend_from_slice(&wire);
                    let line = lines.decode(&mut buf).expect("decodes").expect("a line");
                    let doc: Doc = serde_json::from_str(&line).expect("parses");
                    black_box(doc);
                }),
                time(iters, || {
                    buf.clear();
                    buf.extend_from_slice(&wire);
                    let doc = decoder
                        .decode(&mut buf)
                        .expect("parses")
                        .expect("a document");
                    black_box(doc);
                }),
                time(iters, || {
                    buf.clear();
                    buf.extend_from_slice(&wire);
                    let doc = codec
                        .decode(&mut buf)
                        .expect("no i/o error")
                        .expect("a document");
                    black_box(doc.expect("parses"));
                }),
            ];
            for (b, t) in best.iter_mut().zip(times) {
                *b = b.min(t);
            }
        }
        let pct = |x: f64, base: f64| (x / base - 1.0) * 100.0;
        println!(
            "{label:>5} encode: baseline {:>8.0} ns | Json::encode_frame {:>8.0} ns ({:+5.1} %) | PacketCodec {:>8.0} ns ({:+5.1} %) | ensure_ascii(false) {:>8.0} ns ({:+5.1} %)",
            best[0],
            best[1],
            pct(best[1], best[0]),
            best[2],
            pct(best[2], best[0]),
            best[3],
            pct(best[3], best[0])
        );
        println!(
            "{label:>5} decode: baseline {:>8.0} ns | JsonDecoder        {:>8.0} ns ({:+5.1} %) | PacketCodec {:>8.0} ns ({:+5.1} %)",
            best[4],
            best[5],
            pct(best[5], best[4]),
            best[6],
            pct(best[6], best[4])
        );
    }
}
