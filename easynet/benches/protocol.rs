//! Protocol overhead: encode and decode of 1 KiB and 10 KiB JSON documents through
//! easynet's stream protocol (`Json` + `StreamDecoder`) and its tokio-util adapter
//! (`PacketCodec`), against the bare baseline measured in the same run: `serde_json` +
//! `tokio_util::codec::LinesCodec`.
//!
//! Run: `cargo bench -p easynet --bench protocol -- --warm-up-time 1 --measurement-time 3`

#[path = "support/documents.rs"]
mod documents;
use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use documents::{Doc, document};
use easynet::protocol::{Json, PacketCodec, StreamDecoder, StreamProtocol};
use std::hint::black_box;
use tokio_util::codec::{Decoder, Encoder, LinesCodec};

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    for (label, size) in [("1KiB", 1024), ("10KiB", 10 * 1024)] {
        let doc = document(size);
        let len = serde_json::to_vec(&doc).map_or(0, |v| v.len()) + 1;
        group.throughput(Throughput::Bytes(len as u64));

        group.bench_with_input(
            BenchmarkId::new("baseline_serde_json+LinesCodec", label),
            &doc,
            |b, doc| {
                let mut codec = LinesCodec::new();
                let mut buf = BytesMut::with_capacity(len * 2);
                b.iter(|| {
                    buf.clear();
                    let line = serde_json::to_string(black_box(doc)).expect("serializes");
                    codec.encode(line, &mut buf).expect("encodes");
                    black_box(&buf);
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("easynet_Json_encode_frame", label),
            &doc,
            |b, doc| {
                let proto = Json::<Doc>::new();
                let mut buf = BytesMut::with_capacity(len * 2);
                b.iter(|| {
                    buf.clear();
                    proto
                        .encode_frame(black_box(doc), &mut buf)
                        .expect("encodes");
                    black_box(&buf);
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("easynet_PacketCodec", label),
            &doc,
            |b, doc| {
                let mut codec = PacketCodec::new(Json::<Doc>::new());
                let mut buf = BytesMut::with_capacity(len * 2);
                b.iter(|| {
                    buf.clear();
                    codec.encode(black_box(doc), &mut buf).expect("encodes");
                    black_box(&buf);
                });
            },
        );
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for (label, size) in [("1KiB", 1024), ("10KiB", 10 * 1024)] {
        let doc = document(size);
        let mut wire = serde_json::to_vec(&doc).expect("serializes");
        wire.push(b'\n');
        group.throughput(Throughput::Bytes(wire.len() as u64));

        group.bench_with_input(
            BenchmarkId::new("baseline_serde_json+LinesCodec", label),
            &wire,
            |b, wire| {
                let mut codec = LinesCodec::new_with_max_length(64 * 1024);
                let mut buf = BytesMut::with_capacity(wire.len() * 2);
                b.iter(|| {
                    buf.extend_from_slice(wire);
                    let line = codec.decode(&mut buf).expect("decodes").expect("a line");
                    let doc: Doc = serde_json::from_str(&line).expect("parses");
                    black_box(doc);
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("easynet_Json_decoder", label),
            &wire,
            |b, wire| {
                let mut decoder = Json::<Doc>::new().decoder();
                let mut buf = BytesMut::with_capacity(wire.len() * 2);
                b.iter(|| {
                    buf.extend_from_slice(wire);
                    let doc = decoder
                        .decode(&mut buf)
                        .expect("parses")
                        .expect("a document");
                    black_box(doc);
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("easynet_PacketCodec", label),
            &wire,
            |b, wire| {
                let mut codec = PacketCodec::new(Json::<Doc>::new());
                let mut buf = BytesMut::with_capacity(wire.len() * 2);
                b.iter(|| {
                    buf.extend_from_slice(wire);
                    let doc = codec
                        .decode(&mut buf)
                        .expect("no i/o error")
                        .expect("a document")
                        .expect("parses");
                    black_box(doc);
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, encode, decode);
criterion_main!(benches);
