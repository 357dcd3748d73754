//! UDP echo throughput: easynet's echo server against a hand-written tokio loop, in the
//! same run.
//!
//! ```sh
//! cargo run --release --example bench_udp_echo [-- REQUESTS]
//! ```
//!
//! Both servers run in this process, each on its own thread with a current-thread
//! tokio runtime: easynet's `#[request_handler]` echo (raw protocol, one `recv!()` per
//! conversation, as `echo_server --protocol raw`) and a minimal `recv_from`/`send_to`
//! loop. Clients are blocking sockets on their own threads, each doing ping-pong
//! (send, wait for the echo). For each payload size and client count, the two servers
//! are measured alternately, seven rounds each; the best round of each is printed with
//! the ratio easynet / hand-written. Target: ratio ≥ 0.9.
//!
//! Two figures per case: requests per second (wall clock: sensitive to what else runs
//! on the machine), and the server thread's CPU time per request, read from
//! `/proc/self/task/*/schedstat` (much less sensitive to machine load). On a loaded
//! machine, trust the CPU figure and rerun for the throughput one.
//!
//! `BENCH_CASE=64,8` (payload, clients) measures one case only, e.g. under `perf`.

use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, UdpServer};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

struct Echo;

#[request_handler]
impl Echo {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        if let Ok(bytes) = recv!() {
            let _ = client.send_packet(&bytes).await;
        }
    }
}

/// The baseline: the smallest correct tokio echo loop.
fn spawn_hand_written() -> (SocketAddr, std::thread::JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("hand-written".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                socket2::SockRef::from(&socket)
                    .set_recv_buffer_size(4 << 20)
                    .expect("rcvbuf");
                tx.send(socket.local_addr().expect("addr"))
                    .expect("send addr");
                let mut buf = vec![0_u8; 65536];
                loop {
                    let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                        continue;
                    };
                    if n == 1 && buf[0] == 0xFF {
                        return; // stop marker
                    }
                    let _ = socket.send_to(&buf[..n], peer).await;
                }
            });
        })
        .expect("thread");
    (rx.recv().expect("baseline address"), thread)
}

/// Nanoseconds the thread named `name` (in this process) has run on a CPU, from
/// `/proc/self/task/*/schedstat`: a measure of server cost that machine load does not
/// distort as much as wall time does.
fn thread_cpu_ns(name: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        // The kernel keeps the first 15 bytes of a thread's name.
        if comm.trim_end() == &name[..name.len().min(15)] {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            return stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    0
}

/// One measurement: requests per second, and server CPU nanoseconds per request.
#[derive(Clone, Copy, Default)]
struct Figures {
    rate: f64,
    cpu_ns: f64,
}

/// `clients` threads doing ping-pong with `payload` bytes, `requests` in total, against
/// the server whose thread is named `thread`.
fn measure(
    server: SocketAddr,
    thread: &str,
    payload: usize,
    clients: usize,
    requests: usize,
) -> Figures {
    let cpu = thread_cpu_ns(thread);
    let rate = drive(server, payload, clients, requests);
    let per_request = (thread_cpu_ns(thread) - cpu) as f64 / requests as f64;
    Figures {
        rate,
        cpu_ns: per_request,
    }
}

/// `clients` threads doing ping-pong with `payload` bytes, `requests` in total.
/// Returns requests per second.
fn drive(server: SocketAddr, payload: usize, clients: usize, requests: usize) -> f64 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let resent = AtomicUsize::new(0);
    let per_client = requests / clients;
    let sockets: Vec<UdpSocket> = (0..clients)
        .map(|_| {
            let s = UdpSocket::bind("127.0.0.1:0").expect("client bind");
            s.connect(server).expect("connect");
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .expect("timeout");
            s
        })
        .collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for socket in &sockets {
            let resent = &resent;
            scope.spawn(move || {
                let out = vec![0x42_u8; payload];
                let mut buf = vec![0_u8; 65536];
                for _ in 0..per_client {
                    socket.send(&out).expect("send");
                    // A lost datagram (rare on loopback) is resent after the timeout.
                    while socket.recv(&mut buf).is_err() {
                        resent.fetch_add(1, Ordering::Relaxed);
                        socket.send(&out).expect("resend");
                    }
                }
            });
        }
    });
    let rate = (per_client * clients) as f64 / start.elapsed().as_secs_f64();
    let resent = resent.into_inner();
    if resent > 0 {
        eprintln!("  ({resent} datagrams lost and resent against {server})");
    }
    rate
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let requests: usize = std::env::args().nth(1).map_or(Ok(40_000), |a| a.parse())?;
    let easynet = UdpServer::builder("127.0.0.1:0".parse()?)
        .recv_buffer_size(4 << 20)
        .send_buffer_size(4 << 20)
        .spawn_background(Raw, Echo)?;
    let (baseline, baseline_thread) = spawn_hand_written();

    const ROUNDS: usize = 7;
    println!("UDP echo, {requests} requests per measurement, best of {ROUNDS} alternating rounds");
    println!(
        "{:>8} {:>8} {:>15} {:>15} {:>6}   {:>13} {:>13} {:>6}",
        "payload",
        "clients",
        "hand-written/s",
        "easynet/s",
        "ratio",
        "hand ns/req",
        "easynet ns/req",
        "ratio"
    );
    let (mut worst_rate, mut worst_cpu) = (f64::INFINITY, f64::INFINITY);
    // `BENCH_CASE=PAYLOAD,CLIENTS` measures one case only (for profiling).
    let only: Option<(usize, usize)> = std::env::var("BENCH_CASE").ok().and_then(|v| {
        let (p, c) = v.split_once(',')?;
        Some((p.parse().ok()?, c.parse().ok()?))
    });
    for payload in [64, 1024] {
        for clients in [1, 8] {
            if only.is_some_and(|case| case != (payload, clients)) {
                continue;
            }
            // Warm-up, then alternate so that machine noise hits both alike.
            drive(baseline, payload, clients, requests / 10);
            drive(easynet.local_addr(), payload, clients, requests / 10);
            let (mut base, mut easy) = (
                Figures {
                    rate: 0.0,
                    cpu_ns: f64::INFINITY,
                },
                Figures {
                    rate: 0.0,
                    cpu_ns: f64::INFINITY,
                },
            );
            for _ in 0..ROUNDS {
                let b = measure(baseline, "hand-written", payload, clients, requests);
                let e = measure(
                    easynet.local_addr(),
                    "easynet-udp-server",
                    payload,
                    clients,
                    requests,
                );
                base = Figures {
                    rate: base.rate.max(b.rate),
                    cpu_ns: base.cpu_ns.min(b.cpu_ns),
                };
                easy = Figures {
                    rate: easy.rate.max(e.rate),
                    cpu_ns: easy.cpu_ns.min(e.cpu_ns),
                };
            }
            let rate_ratio = easy.rate / base.rate;
            // Efficiency ratio: > 1 means easynet spends less CPU per request.
            let cpu_ratio = base.cpu_ns / easy.cpu_ns;
            worst_rate = worst_rate.min(rate_ratio);
            worst_cpu = worst_cpu.min(cpu_ratio);
            println!(
                "{payload:>7}B {clients:>8} {:>15.0} {:>15.0} {rate_ratio:>6.2}   {:>13.0} {:>13.0} {cpu_ratio:>6.2}",
                base.rate, easy.rate, base.cpu_ns, easy.cpu_ns
            );
        }
    }
    let verdict = |r: f64| if r >= 0.9 { "met" } else { "not met" };
    println!(
        "worst throughput ratio: {worst_rate:.2} (target >= 0.90: {})",
        verdict(worst_rate)
    );
    println!(
        "worst CPU-efficiency ratio (hand-written ns / easynet ns): {worst_cpu:.2} (target >= 0.90: {})",
        verdict(worst_cpu)
    );

    let stop = UdpSocket::bind("127.0.0.1:0")?;
    stop.send_to(&[0xFF], baseline)?;
    let _ = baseline_thread.join();
    easynet.shutdown()?;
    Ok(())
}
