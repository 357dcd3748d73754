//! Memory per idle client: 100 000 clients, each with a conversation suspended at
//! `recv!(timeout = 60s)`.
//!
//! ```sh
//! cargo run --release --example bench_udp_memory [-- CLIENTS]
//! ```
//!
//! The server runs in this process (its own thread and runtime). Each client is a
//! distinct source address (`127.0.0.{1..}:{port}`), bound, used for one datagram and
//! closed, in batches, so that 100 000 clients need no more than a batch of file
//! descriptors. The figure is the growth of this process's resident memory (`VmRSS`)
//! once every conversation is live, divided by the number of clients.
//! Target: ≤ 1 KiB per idle client.

use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, UdpServer};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

struct Idle;

#[request_handler]
impl Idle {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = recv!();
        // Idle: suspended here, no thread, until the next datagram or 60 s.
        if let Ok(bytes) = recv!(timeout = Duration::from_secs(60)) {
            let _ = client.send_packet(&bytes).await;
        }
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clients: usize = std::env::args().nth(1).map_or(Ok(100_000), |a| a.parse())?;
    const BATCH: usize = 2_000;
    let server = UdpServer::builder("127.0.0.1:0".parse()?)
        .recv_buffer_size(4 << 20)
        .max_clients(clients + 1)
        .spawn_background(Raw, Idle)?;
    let addr = server.local_addr();

    // Warm the server up (runtime, timer wheel, first allocations) before measuring.
    // (The socket stays open, so that no client below reuses its address.)
    let warm_up = UdpSocket::bind("127.0.0.1:0")?;
    {
        warm_up.send_to(b"warm-up", addr)?;
        wait_for(|| server.stats().live_clients == 1)
            .map_err(|e| format!("warm-up {e}: {:?}", server.stats()))?;
    }
    let before = rss_bytes();
    let start = Instant::now();

    let mut sent = 0;
    let mut ip = 1_u8;
    let mut port = 20_000_u16;
    while sent < clients {
        let mut batch = Vec::with_capacity(BATCH);
        while batch.len() < BATCH.min(clients - sent) {
            if port == 60_000 {
                port = 20_000;
                ip += 1;
            }
            port += 1;
            let source = SocketAddr::from((Ipv4Addr::new(127, 0, 0, ip), port));
            // A port in use by someone else is skipped.
            if let Ok(socket) = UdpSocket::bind(source) {
                batch.push(socket);
            }
        }
        for socket in &batch {
            socket.send_to(b"hello", addr)?;
        }
        sent += batch.len();
        wait_for(|| server.stats().datagrams_received as usize > sent)
            .map_err(|e| format!("{e}: sent {sent}, {:?}", server.stats()))?;
    }
    wait_for(|| server.stats().live_clients == clients + 1)
        .map_err(|e| format!("{e}: {:?}", server.stats()))?;
    let after = rss_bytes();
    let stats = server.stats();
    let per_client = (after.saturating_sub(before)) as f64 / clients as f64;
    println!("idle clients:       {}", stats.live_clients - 1);
    println!("setup time:         {:.1} s", start.elapsed().as_secs_f64());
    println!("RSS before:         {:.1} MiB", before as f64 / 1048576.0);
    println!("RSS after:          {:.1} MiB", after as f64 / 1048576.0);
    println!(
        "bytes per client:   {per_client:.0} (target <= 1024: {})",
        if per_client <= 1024.0 {
            "met"
        } else {
            "not met"
        }
    );

    let stop = Instant::now();
    server.shutdown()?;
    println!(
        "shutdown of {clients} waiting conversations: {:.2} s",
        stop.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Waits until `cond` holds, for at most a minute.
fn wait_for(mut cond: impl FnMut() -> bool) -> Result<(), Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        if Instant::now() > deadline {
            return Err("timed out: datagrams were lost (raise net.core.rmem_max?)".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}
