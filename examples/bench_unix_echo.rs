//! Unix-stream echo throughput: easynet's `UnixStreamServer` against a hand-written tokio
//! echo loop, measured in the same run, same machine, same clients.
//!
//! ```sh
//! cargo run --release --example bench_unix_echo            # ~70 s
//! cargo run --release --example bench_unix_echo -- --secs 1 # quicker, noisier
//! ```
//!
//! For each framing (raw chunks, lines) and each client count (1, 8), every client does
//! ping-pong round trips of a 64-byte message for a fixed time; the figure is round trips
//! per second over all clients. The server (either one) runs on its own one-worker tokio
//! runtime, the clients on another thread's runtime, so each side gets one core. Each
//! case runs three rounds of tokio, easynet, easynet, tokio (ABBA, so a load drifting
//! during a round cancels out); the figure is the median round ratio. Target: ≥ 0.9.
//!
//! The baseline does what a careful hand-written server does: `read_buf` into a
//! `BytesMut`, and for lines, split at `\n`, check UTF-8, write each line back.
//!
//! ## Deterministic figure: instructions per request
//!
//! ```sh
//! cargo build --release --example bench_unix_echo
//! target/release/examples/bench_unix_echo --callgrind [--requests 8000]
//! ```
//!
//! Counts the instructions the server process executes per round trip with
//! `valgrind --tool=callgrind` (`apt-get install valgrind`), which does not change
//! with the machine's load. Each server runs alone in a child process,
//! `bench_unix_echo --server-only easynet|tokio [--line] --path SOCKET` (prints
//! `ready`, serves until its stdin closes), under callgrind; this process drives it
//! with 4 connections doing ping-pong. Each server is run for `requests / 4`, then
//! `requests` round trips; the difference of the totals over the difference of the
//! round trips is the cost of one (start-up and shutdown cancel out). Ratio: tokio
//! instructions / easynet instructions, user space only (the kernel's share, the
//! same for both, is not counted: the throughput ratio is closer to 1). Ping-pong
//! lets the server go idle between round trips, and whether it does depends on
//! timing: the figure repeats within ~5 %, not exactly.

use bytes::BytesMut;
use easynet::protocol::{Line, RawChunks};
use easynet::request_handler;
use easynet::unix::server::{StreamClient, UnixStreamServer};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

#[path = "bench_support/callgrind.rs"]
mod callgrind;

const MESSAGE_LEN: usize = 64;
/// Rounds per case; each round runs tokio, easynet, easynet, tokio.
const ROUNDS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Framing {
    Raw,
    Line,
}

struct RawEcho;

#[request_handler]
impl RawEcho {
    async fn handle(&self, client: &mut StreamClient<RawChunks>) {
        if let Ok(chunk) = recv!() {
            let _ = client.send_packet(&chunk).await;
        }
    }
}

struct LineEcho;

#[request_handler]
impl LineEcho {
    async fn handle(&self, client: &mut StreamClient<Line>) {
        if let Ok(line) = recv!() {
            let _ = client.send_packet(&line).await;
        }
    }
}

/// The hand-written baseline: one task per connection.
async fn baseline_connection(mut stream: UnixStream, framing: Framing) {
    let mut buf = BytesMut::with_capacity(65536);
    loop {
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        match framing {
            Framing::Raw => {
                let chunk = buf.split();
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            Framing::Line => {
                while let Some(i) = buf.iter().position(|&b| b == b'\n') {
                    let line = buf.split_to(i + 1);
                    if std::str::from_utf8(&line[..i]).is_err() {
                        continue;
                    }
                    if stream.write_all(&line).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Runs a server on its own one-worker runtime until `stop` is dropped.
fn start_server(
    easynet: bool,
    framing: Framing,
    path: PathBuf,
) -> (
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let stop = async {
                let _ = stop_rx.await;
            };
            if easynet {
                match framing {
                    Framing::Raw => {
                        let server = UnixStreamServer::bind(&path, RawChunks::new(), RawEcho)
                            .await
                            .expect("bind");
                        ready_tx.send(()).expect("ready");
                        server.serve_with_shutdown(stop).await.expect("serve");
                    }
                    Framing::Line => {
                        let server = UnixStreamServer::bind(&path, Line::new(), LineEcho)
                            .await
                            .expect("bind");
                        ready_tx.send(()).expect("ready");
                        server.serve_with_shutdown(stop).await.expect("serve");
                    }
                }
            } else {
                let listener = UnixListener::bind(&path).expect("bind");
                ready_tx.send(()).expect("ready");
                let accept = async {
                    loop {
                        if let Ok((stream, _)) = listener.accept().await {
                            tokio::spawn(baseline_connection(stream, framing));
                        }
                    }
                };
                tokio::select! {
                    () = stop => {}
                    () = accept => {}
                }
                let _ = std::fs::remove_file(&path);
            }
        });
    });
    ready_rx.recv().expect("server ready");
    (stop_tx, thread)
}

/// Round trips per second over `clients` connections for `duration`.
fn run_clients(path: &Path, framing: Framing, clients: usize, duration: Duration) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut message = vec![b'x'; MESSAGE_LEN];
        if framing == Framing::Line {
            message[MESSAGE_LEN - 1] = b'\n';
        }
        let mut streams = Vec::new();
        for _ in 0..clients {
            streams.push(UnixStream::connect(path).await.expect("connect"));
        }
        // Warm up, then measure.
        let warmup = Instant::now() + Duration::from_millis(200);
        let deadline = warmup + duration;
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|mut stream| {
                let message = message.clone();
                tokio::spawn(async move {
                    let mut reply = vec![0u8; MESSAGE_LEN];
                    let mut count = 0u64;
                    loop {
                        stream.write_all(&message).await.expect("write");
                        stream.read_exact(&mut reply).await.expect("read");
                        let now = Instant::now();
                        if now >= deadline {
                            return count;
                        }
                        if now >= warmup {
                            count += 1;
                        }
                    }
                })
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await.expect("client");
        }
        total as f64 / duration.as_secs_f64()
    })
}

fn measure(easynet: bool, framing: Framing, clients: usize, duration: Duration) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.sock");
    let (stop, thread) = start_server(easynet, framing, path.clone());
    let ops = run_clients(&path, framing, clients, duration);
    drop(stop);
    thread.join().expect("server thread");
    ops
}

/// `--server-only`: one server alone at `path`; prints `ready`, serves until stdin
/// closes.
fn server_only(easynet: bool, framing: Framing, path: PathBuf) {
    use std::io::Write;
    let (stop, thread) = start_server(easynet, framing, path);
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    callgrind::wait_for_stdin_eof();
    drop(stop);
    thread.join().expect("server thread");
}

/// `requests` round trips (a multiple of 4) over 4 connections doing ping-pong.
fn ping_pong(path: &Path, framing: Framing, requests: u64) {
    const CONNECTIONS: u64 = 4;
    let per_connection = requests / CONNECTIONS;
    assert_eq!(per_connection * CONNECTIONS, requests);
    let mut message = vec![b'x'; MESSAGE_LEN];
    if framing == Framing::Line {
        message[MESSAGE_LEN - 1] = b'\n';
    }
    std::thread::scope(|scope| {
        for _ in 0..CONNECTIONS {
            let message = &message;
            scope.spawn(move || {
                use std::io::{Read, Write};
                let mut stream = std::os::unix::net::UnixStream::connect(path).expect("connect");
                let mut reply = vec![0u8; MESSAGE_LEN];
                for _ in 0..per_connection {
                    stream.write_all(message).expect("write");
                    stream.read_exact(&mut reply).expect("read");
                }
            });
        }
    });
}

/// `--callgrind`: instructions per round trip of each server (see the module docs).
fn callgrind_figures(requests: u64) {
    assert!(
        callgrind::available(),
        "valgrind not found (apt-get install valgrind)"
    );
    println!(
        "unix stream echo, server instructions per {MESSAGE_LEN}-byte round trip (callgrind), 4 connections ping-pong, {requests} round trips"
    );
    println!(
        "{:<6} {:>14} {:>14} {:>6}",
        "frame", "tokio", "easynet", "ratio"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut worst = f64::INFINITY;
    for framing in [Framing::Raw, Framing::Line] {
        let cost = |which: &str| {
            callgrind::per_request(requests, |n| {
                let path = dir.path().join(format!("{which}-{n}.sock"));
                let mut args = vec![
                    "--server-only".to_owned(),
                    which.to_owned(),
                    "--path".to_owned(),
                    path.display().to_string(),
                ];
                if framing == Framing::Line {
                    args.push("--line".to_owned());
                }
                let server = callgrind::Server::start(&args);
                assert_eq!(server.ready, "ready");
                ping_pong(&path, framing, n);
                server.finish()
            })
        };
        let base = cost("tokio");
        let ours = cost("easynet");
        let ratio = base / ours;
        worst = worst.min(ratio);
        let name = match framing {
            Framing::Raw => "raw",
            Framing::Line => "line",
        };
        println!("{name:<6} {base:>14.0} {ours:>14.0} {ratio:>6.2}");
    }
    println!(
        "worst ratio (tokio instructions / easynet instructions): {worst:.2}\n\
         (user-space instructions only: the kernel's work per request, which valgrind does\n\
         not see and which is the same for both servers, brings the CPU and throughput\n\
         ratios closer to 1; compare runs of this figure, before/after a change)"
    );
}

fn main() {
    let mut secs = 2.0;
    let mut server: Option<bool> = None;
    let mut path: Option<PathBuf> = None;
    let mut callgrind_requests: Option<u64> = None;
    let mut only: Option<bool> = None;
    let mut only_framing = Framing::Raw;
    let mut only_clients = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--secs" => {
                secs = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--secs SECONDS")
            }
            // Profiling aid: one server only (`--line`, `--clients N` to choose the case).
            "--only-easynet" => only = Some(true),
            "--only-tokio" => only = Some(false),
            "--line" => only_framing = Framing::Line,
            "--server-only" => {
                server = match args.next().as_deref() {
                    Some("easynet") => Some(true),
                    Some("tokio") => Some(false),
                    other => panic!("--server-only easynet|tokio, not {other:?}"),
                }
            }
            "--path" => path = Some(args.next().expect("--path SOCKET").into()),
            "--callgrind" => callgrind_requests = Some(callgrind_requests.unwrap_or(8000)),
            "--requests" => {
                callgrind_requests = Some(
                    args.next()
                        .and_then(|s| s.parse().ok())
                        .expect("--requests N"),
                )
            }
            "--clients" => {
                only_clients = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--clients N")
            }
            other => panic!("unknown argument {other:?}"),
        }
    }
    if let Some(easynet) = server {
        server_only(easynet, only_framing, path.expect("--path SOCKET"));
        return;
    }
    if let Some(requests) = callgrind_requests {
        callgrind_figures(requests);
        return;
    }
    if let Some(easynet) = only {
        let ops = measure(
            easynet,
            only_framing,
            only_clients,
            Duration::from_secs_f64(secs),
        );
        let who = if easynet { "easynet" } else { "tokio" };
        println!("{who} {only_framing:?} {only_clients} clients: {ops:.0} ops/s");
        return;
    }
    let duration = Duration::from_secs_f64(secs);
    println!(
        "unix stream echo, {MESSAGE_LEN}-byte ping-pong, {secs} s per run, median ratio of {ROUNDS} ABBA rounds (ops/s: means)"
    );
    println!(
        "{:<6} {:>7} {:>14} {:>14} {:>7}",
        "frame", "clients", "tokio ops/s", "easynet ops/s", "ratio"
    );
    let mut worst: f64 = f64::INFINITY;
    for framing in [Framing::Raw, Framing::Line] {
        for clients in [1, 8] {
            // ABBA within each round cancels a load that drifts during the round; the
            // median round ratio ignores a round hit by a burst of outside load.
            let mut ratios = Vec::new();
            let (mut base, mut ours) = (0.0f64, 0.0f64);
            for _ in 0..ROUNDS {
                let a1 = measure(false, framing, clients, duration);
                let b1 = measure(true, framing, clients, duration);
                let b2 = measure(true, framing, clients, duration);
                let a2 = measure(false, framing, clients, duration);
                ratios.push((b1 + b2) / (a1 + a2));
                base += (a1 + a2) / (2.0 * ROUNDS as f64);
                ours += (b1 + b2) / (2.0 * ROUNDS as f64);
            }
            ratios.sort_by(f64::total_cmp);
            let ratio = ratios[ratios.len() / 2];
            worst = worst.min(ratio);
            let name = match framing {
                Framing::Raw => "raw",
                Framing::Line => "line",
            };
            println!("{name:<6} {clients:>7} {base:>14.0} {ours:>14.0} {ratio:>7.2}");
        }
    }
    println!(
        "worst ratio {worst:.2} (target >= 0.90): {}",
        if worst >= 0.9 { "met" } else { "NOT met" }
    );
}
