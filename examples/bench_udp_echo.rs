//! UDP echo throughput: easynet's echo server against a hand-written tokio loop, in the
//! same run.
//!
//! ```sh
//! cargo run --release --example bench_udp_echo [-- REQUESTS_PER_MEASUREMENT]
//! ```
//!
//! Both servers run in this process, each on its own thread with a current-thread
//! tokio runtime: easynet's `#[request_handler]` echo (raw protocol, one `recv!()` per
//! conversation, as `echo_server --protocol raw`) and a minimal `recv_from`/`send_to`
//! loop. Clients are blocking sockets on their own threads, each doing ping-pong
//! (send, wait for the echo). Each payload size and client count is measured in 31
//! paired rounds: a round measures both servers back to back (in alternating order),
//! and its ratio easynet / hand-written compares two measurements taken a fraction of a
//! second apart. The median of the rounds' ratios is printed with their range. On this
//! shared 2-core virtual machine a single measurement swings by ±30 % (the clients, the
//! server and the kernel's loopback work share two cores); the median of paired ratios
//! does not follow a slow stretch of the machine the way a best-of does (the median
//! itself still moves by a few hundredths from run to run). A measurement is 20 000
//! requests with one client, 80 000 with eight (about half a second either way). The
//! client threads run at the lowest priority, so that the server is not the thread the
//! scheduler happens to set aside. About 2.5 minutes in all. Target: median throughput
//! ratio ≥ 0.9.
//!
//! Two figures per case: requests per second (wall clock), and the server thread's CPU
//! time per request, read from `/proc/self/task/*/schedstat`. The CPU figure includes
//! the kernel's loopback work that happens to run on the server's thread (the
//! delivery of its replies, the wake-up of the clients), so it is no less noisy.
//!
//! `BENCH_CASE=64,8` (payload, clients) measures one case only.
//!
//! ## Deterministic figure: instructions per request
//!
//! ```sh
//! cargo build --release --example bench_udp_echo
//! target/release/examples/bench_udp_echo --callgrind [--requests 20000]
//! ```
//!
//! Counts the instructions the server process executes per request, with
//! `valgrind --tool=callgrind` (installed on the dev machines; `apt-get install
//! valgrind`): unlike time, the count does not change with the machine's load. Each
//! server runs alone in a child process, `bench_udp_echo --server-only
//! easynet|baseline` (it prints its address, serves until its stdin closes), under
//! callgrind; this process is its client, in two regimes, with 64-byte then 1 KiB
//! payloads:
//! - *busy*: 4 sockets, each keeping 4 datagrams in flight, so that the slowed-down
//!   server always has datagrams waiting (the regime where its capacity is decided);
//! - *idle*: one socket, one datagram at a time, with a 2 ms pause after each echo, so
//!   that every request costs the server a wake-up and a return to its idle wait (the
//!   regime of one client in ping-pong), `requests / 10` requests.
//!
//! Neither count depends on timing. Each server is run for a quarter of the requests
//! then for all of them, and the difference of the two totals, divided by the
//! difference of the request counts, is the cost of one request (start-up and shutdown
//! cancel out). Ratio: hand-written instructions / easynet instructions. valgrind
//! counts user space only: the kernel's work per request (the `recvfrom`/`sendto` and
//! `epoll_wait` calls, the same for both servers) is not in the figure, so this ratio
//! is much lower than the CPU-time or throughput ratio; it is the figure to compare
//! before and after a change. About 40 s for the default 20 000 requests.
//!
//! To see where easynet's instructions go (the server prints its address and runs
//! until its stdin closes; any UDP echo client can drive it):
//!
//! ```sh
//! sleep 30 | valgrind --tool=callgrind --callgrind-out-file=/tmp/udp.cg \
//!     target/release/examples/bench_udp_echo --server-only easynet &
//! # send datagrams to the printed address, wait for the 30 s to pass, then:
//! callgrind_annotate /tmp/udp.cg | head -60
//! callgrind_annotate --inclusive=yes /tmp/udp.cg | grep easynet
//! ```

use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, UdpServer};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

#[path = "bench_support/callgrind.rs"]
mod callgrind;

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

/// Gives the calling client thread the lowest scheduling priority (nice 19; on Linux
/// the nice value is per thread): when a server and its clients compete for a core,
/// the server runs, so that a measurement follows the server's cost and not how the
/// scheduler happened to interleave ten threads on two cores. Both servers are
/// measured with the same clients.
fn lower_priority() {
    let _ = rustix::process::nice(19);
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
                lower_priority();
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

/// `--server-only easynet|baseline`: runs that server alone, prints its address, serves
/// until stdin closes.
fn server_only(which: &str) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    match which {
        "easynet" => {
            let server = UdpServer::builder("127.0.0.1:0".parse()?)
                .recv_buffer_size(4 << 20)
                .send_buffer_size(4 << 20)
                .spawn_background(Raw, Echo)?;
            println!("{}", server.local_addr());
            std::io::stdout().flush()?;
            callgrind::wait_for_stdin_eof();
            server.shutdown()?;
        }
        "baseline" => {
            let (addr, thread) = spawn_hand_written();
            println!("{addr}");
            std::io::stdout().flush()?;
            callgrind::wait_for_stdin_eof();
            UdpSocket::bind("127.0.0.1:0")?.send_to(&[0xFF], addr)?;
            let _ = thread.join();
        }
        other => return Err(format!("--server-only easynet|baseline, not {other:?}").into()),
    }
    Ok(())
}

/// A client socket connected to `server`, with a receive timeout generous enough for
/// a server slowed down by callgrind.
fn callgrind_client(server: SocketAddr) -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("client bind");
    socket.connect(server).expect("connect");
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    socket
}

/// `requests` echoes of `payload` bytes from `clients` sockets, each keeping `window`
/// datagrams in flight. The server (slowed down by callgrind) then always has
/// datagrams waiting: it is measured busy, the regime where throughput is decided, and
/// its count does not depend on when a datagram arrives relative to an idle wait.
/// Nothing is resent: nothing is lost on loopback with this few datagrams in flight.
fn windowed(server: SocketAddr, payload: usize, requests: u64, clients: u64, window: u64) {
    let per_client = requests / clients;
    assert_eq!(
        per_client * clients,
        requests,
        "requests must be a multiple of the number of clients"
    );
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(move || {
                let socket = callgrind_client(server);
                let out = vec![0x42_u8; payload];
                let mut buf = vec![0_u8; 65536];
                let mut sent = 0;
                while sent < per_client.min(window) {
                    socket.send(&out).expect("send");
                    sent += 1;
                }
                for _ in 0..per_client {
                    let n = socket.recv(&mut buf).expect("echo (60 s timeout)");
                    assert_eq!(n, payload, "echo of the wrong size");
                    if sent < per_client {
                        socket.send(&out).expect("send");
                        sent += 1;
                    }
                }
            });
        }
    });
}

/// `--callgrind`: instructions per request of each server (see the module docs).
fn callgrind_figures(requests: u64) {
    assert!(
        callgrind::available(),
        "valgrind not found (apt-get install valgrind)"
    );
    println!(
        "UDP echo, server instructions per request (callgrind), {requests} requests busy, \
         {} idle",
        requests / IDLE_FRACTION
    );
    println!(
        "{:>8} {:>34} {:>14} {:>14} {:>6}",
        "payload", "regime", "hand-written", "easynet", "ratio"
    );
    let mut worst = f64::INFINITY;
    let regimes: [(&str, u64, Driver); 2] = [
        (
            "busy: 4 clients x 4 in flight",
            requests,
            |addr, payload, n| windowed(addr, payload, n, 4, 4),
        ),
        (
            "idle: 1 client, a pause after each",
            requests / IDLE_FRACTION,
            one_at_a_time,
        ),
    ];
    for (regime, requests, drive) in regimes {
        for payload in [64, 1024] {
            let cost = |which: &str| {
                callgrind::per_request(requests, |n| {
                    let server =
                        callgrind::Server::start(&["--server-only".to_owned(), which.to_owned()]);
                    let addr: SocketAddr = server.ready.parse().expect("server address");
                    drive(addr, payload, n);
                    server.finish()
                })
            };
            let base = cost("baseline");
            let easy = cost("easynet");
            let ratio = base / easy;
            worst = worst.min(ratio);
            println!("{payload:>7}B {regime:>34} {base:>14.0} {easy:>14.0} {ratio:>6.2}");
        }
    }
    println!(
        "worst ratio (hand-written instructions / easynet instructions): {worst:.2}\n\
         (user-space instructions only: the kernel's work per request, which valgrind does\n\
         not see and which is the same for both servers, brings the CPU and throughput\n\
         ratios closer to 1; compare runs of this figure, before/after a change)"
    );
}

/// Sends `requests` echoes of `payload` bytes to a server in one of the regimes.
type Driver = fn(SocketAddr, usize, u64);

/// The idle regime serves this fraction of the busy regime's requests (each takes a
/// pause).
const IDLE_FRACTION: u64 = 10;

/// `requests` echoes of `payload` bytes, one at a time from one socket, with a pause
/// after each echo long enough for the server (slowed down by callgrind) to go idle:
/// every request then costs the server a wake-up and a return to its idle wait, as
/// with one client in ping-pong, and the count does not depend on timing.
fn one_at_a_time(server: SocketAddr, payload: usize, requests: u64) {
    let socket = callgrind_client(server);
    let out = vec![0x42_u8; payload];
    let mut buf = vec![0_u8; 65536];
    for _ in 0..requests {
        socket.send(&out).expect("send");
        let n = socket.recv(&mut buf).expect("echo (60 s timeout)");
        assert_eq!(n, payload, "echo of the wrong size");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Paired rounds per case: enough for a stable median on a noisy machine.
const ROUNDS: usize = 31;

/// The median and range of one figure over a case's rounds.
#[derive(Clone, Copy)]
struct Summary {
    median: f64,
    lowest: f64,
    highest: f64,
}

impl Summary {
    fn of<T>(rounds: &[T], figure: impl Fn(&T) -> f64) -> Summary {
        let mut values: Vec<f64> = rounds.iter().map(figure).collect();
        values.sort_by(f64::total_cmp);
        Summary {
            median: values[values.len() / 2],
            lowest: values[0],
            highest: values[values.len() - 1],
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = format!(
            "{:.2} [{:.2}, {:.2}]",
            self.median, self.lowest, self.highest
        );
        f.pad(&text)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag_value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    if let Some(which) = flag_value("--server-only") {
        return server_only(which);
    }
    if args.iter().any(|a| a == "--callgrind") {
        let requests = flag_value("--requests").map_or(Ok(20_000), |n| n.parse())?;
        callgrind_figures(requests);
        return Ok(());
    }
    let requests: usize = args.first().map_or(Ok(20_000), |a| a.parse())?;
    let easynet = UdpServer::builder("127.0.0.1:0".parse()?)
        .recv_buffer_size(4 << 20)
        .send_buffer_size(4 << 20)
        .spawn_background(Raw, Echo)?;
    let (baseline, baseline_thread) = spawn_hand_written();

    println!(
        "UDP echo, {requests} requests per measurement (x4 with 8 clients), {ROUNDS} paired rounds per case \
         (ratios easynet / hand-written: median of the rounds, [lowest, highest])"
    );
    println!(
        "{:>8} {:>8} {:>15} {:>15} {:>19}   {:>11} {:>11} {:>19}",
        "payload",
        "clients",
        "hand-written/s",
        "easynet/s",
        "throughput ratio",
        "hand ns/req",
        "easy ns/req",
        "CPU ratio"
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
            // With 8 clients, requests go about 3 times faster: 4 times as many keep
            // each measurement long enough (about half a second) to average over the
            // scheduler's interleaving of the ten threads.
            let requests = if clients > 1 { 4 * requests } else { requests };
            // Warm-up.
            drive(baseline, payload, clients, requests / 10);
            drive(easynet.local_addr(), payload, clients, requests / 10);
            let mut rounds = Vec::with_capacity(ROUNDS);
            for round in 0..ROUNDS {
                let base = || measure(baseline, "hand-written", payload, clients, requests);
                let easy = || {
                    measure(
                        easynet.local_addr(),
                        "easynet-udp-server",
                        payload,
                        clients,
                        requests,
                    )
                };
                // Each round measures both servers back to back, in alternating order,
                // so that a slow stretch of the machine hits both alike.
                rounds.push(if round % 2 == 0 {
                    let b = base();
                    (b, easy())
                } else {
                    let e = easy();
                    (base(), e)
                });
            }
            let rate = Summary::of(&rounds, |(b, e)| e.rate / b.rate);
            // Efficiency ratio: > 1 means easynet spends less CPU per request.
            let cpu = Summary::of(&rounds, |(b, e)| b.cpu_ns / e.cpu_ns);
            let base = Summary::of(&rounds, |(b, _)| b.rate).median;
            let easy = Summary::of(&rounds, |(_, e)| e.rate).median;
            let base_ns = Summary::of(&rounds, |(b, _)| b.cpu_ns).median;
            let easy_ns = Summary::of(&rounds, |(_, e)| e.cpu_ns).median;
            worst_rate = worst_rate.min(rate.median);
            worst_cpu = worst_cpu.min(cpu.median);
            println!(
                "{payload:>7}B {clients:>8} {base:>15.0} {easy:>15.0} {rate:>19}   {base_ns:>11.0} {easy_ns:>11.0} {cpu:>19}"
            );
        }
    }
    let verdict = |r: f64| if r >= 0.9 { "met" } else { "not met" };
    println!(
        "worst median throughput ratio: {worst_rate:.2} (target >= 0.90: {})",
        verdict(worst_rate)
    );
    println!("worst median CPU-efficiency ratio (hand-written ns / easynet ns): {worst_cpu:.2}");

    let stop = UdpSocket::bind("127.0.0.1:0")?;
    stop.send_to(&[0xFF], baseline)?;
    let _ = baseline_thread.join();
    easynet.shutdown()?;
    Ok(())
}
