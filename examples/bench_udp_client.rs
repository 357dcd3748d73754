//! Request/response round trips per second: easynet's UDP clients against hand-written
//! loops on the same sockets API, in the same run, against the same echo peer.
//!
//! ```sh
//! cargo run --release --example bench_udp_client -- [--round-trips N] [--rounds R]
//! ```
//!
//! The echo peer is a thread with a `std::net::UdpSocket` that sends each datagram back.
//! Each round measures every pair back to back (baseline, then client); the figures are
//! the medians over the rounds, and the ratio is the median of the per-round ratios
//! (client ÷ baseline; 1.00 = as fast as the hand-written loop). Pairs:
//!
//! * blocking, raw bytes: `std::net::UdpSocket::{send, recv}` vs `UdpClient<Raw>`;
//! * blocking, JSON: the same plus `serde_json` by hand vs `UdpClient<Json<Value>>`;
//! * async, raw bytes: `tokio::net::UdpSocket::{send, recv}` vs `AsyncUdpClient<Raw>`;
//! * async, JSON: the same plus `serde_json` by hand vs `AsyncUdpClient<Json<Value>>`.

use easynet::protocol::{Json, Raw};
use easynet::udp::client::{AsyncUdpClient, UdpClient};
use serde_json::{Value, json};
use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

const RAW_PAYLOAD: &[u8] = b"0123456789abcdef0123456789abcdef";

fn json_payload() -> Value {
    json!({"command-line arguments": ["hello", "world"]})
}

/// The echo peer: a thread that sends every datagram back to its sender.
fn spawn_echo_peer() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind echo peer");
    let address = socket.local_addr().expect("echo peer address");
    std::thread::spawn(move || {
        let mut buf = vec![0; 65536];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let _ = socket.send_to(&buf[..n], from);
        }
    });
    address
}

fn connected_std(peer: SocketAddr) -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.connect(peer).expect("connect");
    socket
}

async fn connected_tokio(peer: SocketAddr) -> tokio::net::UdpSocket {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    socket.connect(peer).await.expect("connect");
    socket
}

/// Round trips per second of `n` calls of `round_trip`.
fn measure(n: usize, mut round_trip: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        round_trip();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn per_second(n: usize, started: Instant) -> f64 {
    n as f64 / started.elapsed().as_secs_f64()
}

async fn tokio_raw(socket: &tokio::net::UdpSocket, n: usize) -> f64 {
    let mut buf = vec![0u8; 65536];
    let started = Instant::now();
    for _ in 0..n {
        socket.send(RAW_PAYLOAD).await.expect("send");
        let len = socket.recv(&mut buf).await.expect("recv");
        assert_eq!(len, RAW_PAYLOAD.len());
    }
    per_second(n, started)
}

async fn tokio_json(socket: &tokio::net::UdpSocket, request: &Value, n: usize) -> f64 {
    let mut buf = vec![0u8; 65536];
    let started = Instant::now();
    for _ in 0..n {
        let bytes = serde_json::to_vec(request).expect("serialize");
        socket.send(&bytes).await.expect("send");
        let len = socket.recv(&mut buf).await.expect("recv");
        let reply: Value = serde_json::from_slice(&buf[..len]).expect("parse");
        assert!(reply.is_object());
    }
    per_second(n, started)
}

async fn client_raw(client: &AsyncUdpClient<Raw>, n: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        client.send_packet(RAW_PAYLOAD).await.expect("send");
        let reply = client.recv_packet().await.expect("recv");
        assert_eq!(reply.len(), RAW_PAYLOAD.len());
    }
    per_second(n, started)
}

async fn client_json(client: &AsyncUdpClient<Json<Value>>, request: &Value, n: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        client.send_packet(request).await.expect("send");
        let reply = client.recv_packet().await.expect("recv");
        assert!(reply.is_object());
    }
    per_second(n, started)
}

struct Pair {
    name: &'static str,
    baseline: Vec<f64>,
    client: Vec<f64>,
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn parse_args() -> (usize, usize) {
    let (mut round_trips, mut rounds) = (5_000, 15);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value: Option<usize> = args.next().and_then(|v| v.parse().ok());
        match (arg.as_str(), value) {
            ("--round-trips", Some(v)) => round_trips = v.max(1),
            ("--rounds", Some(v)) => rounds = v.max(1),
            _ => {
                eprintln!("usage: bench_udp_client [--round-trips N] [--rounds R]");
                std::process::exit(2);
            }
        }
    }
    (round_trips, rounds)
}

fn main() {
    let (n, rounds) = parse_args();
    let peer = spawn_echo_peer();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let std_socket = connected_std(peer);
    let raw_client = UdpClient::connect(peer, Raw).expect("client");
    let json_client = UdpClient::connect(peer, Json::<Value>::new()).expect("client");
    let (tokio_socket, async_raw, async_json) = runtime.block_on(async {
        (
            connected_tokio(peer).await,
            AsyncUdpClient::connect(peer, Raw).await.expect("client"),
            AsyncUdpClient::connect(peer, Json::<Value>::new())
                .await
                .expect("client"),
        )
    });
    let request = json_payload();
    let mut buf = vec![0u8; 65536];

    let mut pairs = [
        "blocking, raw bytes",
        "blocking, JSON",
        "async (tokio), raw bytes",
        "async (tokio), JSON",
    ]
    .map(|name| Pair {
        name,
        baseline: Vec::new(),
        client: Vec::new(),
    });

    // Blocking, hand-written.
    let std_raw = |buf: &mut [u8]| {
        std_socket.send(RAW_PAYLOAD).expect("send");
        let n = std_socket.recv(buf).expect("recv");
        assert_eq!(n, RAW_PAYLOAD.len());
    };
    let std_json = |buf: &mut [u8]| {
        let bytes = serde_json::to_vec(&request).expect("serialize");
        std_socket.send(&bytes).expect("send");
        let n = std_socket.recv(buf).expect("recv");
        let reply: Value = serde_json::from_slice(&buf[..n]).expect("parse");
        assert!(reply.is_object());
    };

    // Warm-up (caches, page faults, the echo thread).
    for _ in 0..n / 10 {
        std_raw(&mut buf);
        raw_client.send_packet(RAW_PAYLOAD).expect("send");
        raw_client.recv_packet(None).expect("recv");
    }

    for round in 0..rounds {
        // Alternate which side of a pair runs first, so that a drift in the machine's
        // load does not favour one side.
        let client_first = round % 2 == 1;
        let run = |pair: &mut Pair,
                   baseline: &mut dyn FnMut() -> f64,
                   client: &mut dyn FnMut() -> f64| {
            if client_first {
                pair.client.push(client());
                pair.baseline.push(baseline());
            } else {
                pair.baseline.push(baseline());
                pair.client.push(client());
            }
        };
        let [blocking_raw, blocking_json, async_raw_pair, async_json_pair] = &mut pairs;
        run(
            blocking_raw,
            &mut || measure(n, || std_raw(&mut buf)),
            &mut || {
                measure(n, || {
                    raw_client.send_packet(RAW_PAYLOAD).expect("send");
                    let reply = raw_client.recv_packet(None).expect("recv");
                    assert_eq!(reply.len(), RAW_PAYLOAD.len());
                })
            },
        );
        let mut json_buf = vec![0u8; 65536];
        run(
            blocking_json,
            &mut || measure(n, || std_json(&mut json_buf)),
            &mut || {
                measure(n, || {
                    json_client.send_packet(&request).expect("send");
                    let reply = json_client.recv_packet(None).expect("recv");
                    assert!(reply.is_object());
                })
            },
        );
        run(
            async_raw_pair,
            &mut || runtime.block_on(tokio_raw(&tokio_socket, n)),
            &mut || runtime.block_on(client_raw(&async_raw, n)),
        );
        run(
            async_json_pair,
            &mut || runtime.block_on(tokio_json(&tokio_socket, &request, n)),
            &mut || runtime.block_on(client_json(&async_json, &request, n)),
        );
        eprintln!("round {}/{rounds} done", round + 1);
    }

    println!(
        "UDP client round trips ({n} per measurement, {rounds} rounds, medians; echo peer: a std thread)"
    );
    println!(
        "{:<26} {:>16} {:>16} {:>8}",
        "pair", "hand-written/s", "easynet/s", "ratio"
    );
    for pair in &pairs {
        let ratios: Vec<f64> = pair
            .client
            .iter()
            .zip(&pair.baseline)
            .map(|(client, baseline)| client / baseline)
            .collect();
        println!(
            "{:<26} {:>16.0} {:>16.0} {:>7.2}x",
            pair.name,
            median(&pair.baseline),
            median(&pair.client),
            median(&ratios)
        );
    }
}
