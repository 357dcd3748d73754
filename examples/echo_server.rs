//! A benchmark echo server.
//!
//! ```sh
//! cargo run --release --example echo_server -- --udp 127.0.0.1:0 --protocol raw --client-ttl 0
//! cargo run --release --example echo_server -- --unix /tmp/echo.sock --protocol line
//! ```
//!
//! * `--udp HOST:PORT`: where to listen (default `127.0.0.1:0`).
//! * `--unix PATH`: serve a Unix stream socket at `PATH` instead (`@NAME`: an abstract
//!   name on Linux). Each connection is one conversation loop: every packet is echoed.
//! * `--protocol raw|json|line`: how datagrams (or stream frames: raw = whatever chunk
//!   arrives, line = `\n`-terminated lines, json = JSON lines) are parsed (default `raw`).
//! * `--client-ttl SECS`: `0` (default) answers one datagram per conversation; more
//!   keeps each client's conversation open, `recv!(timeout = SECS)` in a loop, and ends
//!   it when the client stays silent that long.
//!
//! Prints one line, `listening on ADDR`, when ready, then serves until killed.

use easynet::handler::RecvError;
use easynet::protocol::{DatagramProtocol, Json, Line, Raw, RawChunks, StreamProtocol};
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, SendError, UdpServer};
use easynet::unix::UnixSocketAddress;
use easynet::unix::server::{StreamClient, UnixStreamServer};
use std::borrow::Borrow;
use std::io::Write;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::time::Duration;

/// Echoes whatever its protocol parses, sent back with the same protocol.
struct Echo<P> {
    ttl: Duration,
    _protocol: PhantomData<fn() -> P>,
}

#[request_handler]
impl<P> Echo<P>
where
    P: DatagramProtocol,
    P::Received: Borrow<P::Sent> + Send + 'static,
{
    async fn handle(&self, client: &mut DatagramClient<P>) -> Result<(), SendError> {
        let Ok(first) = recv!() else { return Ok(()) };
        client.send_packet(first.borrow()).await?;
        if self.ttl.is_zero() {
            return Ok(());
        }
        loop {
            match recv!(timeout = self.ttl) {
                Ok(packet) => client.send_packet(packet.borrow()).await?,
                Err(RecvError::Parse(e)) => tracing::debug!(error = %e, "unparsable datagram"),
                Err(_) => return Ok(()),
            }
        }
    }
}

/// Echoes every packet of a Unix stream connection, with the same protocol.
struct UnixEcho<P> {
    _protocol: PhantomData<fn() -> P>,
}

#[request_handler]
impl<P> UnixEcho<P>
where
    P: StreamProtocol,
    P::Sent: Sync,
    P::Received: Borrow<P::Sent> + Send + 'static,
{
    async fn handle(&self, client: &mut StreamClient<P>) -> Result<(), SendError> {
        match recv!() {
            Ok(packet) => client.send_packet(packet.borrow()).await,
            Err(RecvError::Parse(e)) => {
                tracing::debug!(error = %e, "unparsable frame");
                Ok(())
            }
            Err(_) => Ok(()),
        }
    }
}

struct Args {
    unix: Option<UnixSocketAddress>,
    udp: SocketAddr,
    protocol: String,
    ttl: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut parsed = Args {
        unix: None,
        udp: SocketAddr::from(([127, 0, 0, 1], 0)),
        protocol: "raw".to_owned(),
        ttl: Duration::ZERO,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--unix" => {
                let value = value()?;
                parsed.unix = Some(match value.strip_prefix('@') {
                    Some(name) => UnixSocketAddress::abstract_name(name),
                    None => UnixSocketAddress::path(value),
                });
            }
            "--udp" => parsed.udp = value()?.parse().map_err(|e| format!("--udp: {e}"))?,
            "--protocol" => parsed.protocol = value()?,
            "--client-ttl" => {
                let secs: f64 = value()?.parse().map_err(|e| format!("--client-ttl: {e}"))?;
                parsed.ttl =
                    Duration::try_from_secs_f64(secs).map_err(|e| format!("--client-ttl: {e}"))?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other}\nusage: echo_server [--udp HOST:PORT | --unix PATH] [--protocol raw|json|line] [--client-ttl SECS]"
                ));
            }
        }
    }
    Ok(parsed)
}

async fn serve<P>(args: &Args, protocol: P) -> std::io::Result<()>
where
    P: DatagramProtocol,
    P::Received: Borrow<P::Sent> + Send + 'static,
{
    let handler = Echo::<P> {
        ttl: args.ttl,
        _protocol: PhantomData,
    };
    let server = UdpServer::builder(args.udp)
        .recv_buffer_size(4 << 20)
        .send_buffer_size(4 << 20)
        .build(protocol, handler)
        .await?;
    println!("listening on {}", server.local_addr());
    std::io::stdout().flush()?;
    server.serve_forever().await
}

async fn serve_unix<P>(
    address: &UnixSocketAddress,
    protocol: P,
) -> Result<(), Box<dyn std::error::Error>>
where
    P: StreamProtocol,
    P::Sent: Sync,
    P::Received: Borrow<P::Sent> + Send + 'static,
{
    let handler = UnixEcho::<P> {
        _protocol: PhantomData,
    };
    let server = UnixStreamServer::bind(address.clone(), protocol, handler).await?;
    println!("listening on {}", server.local_addr());
    std::io::stdout().flush()?;
    server
        .serve_with_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = parse_args()?;
    if let Some(address) = &args.unix {
        match args.protocol.as_str() {
            "raw" => serve_unix(address, RawChunks::new()).await?,
            "json" => serve_unix(address, Json::<serde_json::Value>::new()).await?,
            "line" => serve_unix(address, Line::new()).await?,
            other => return Err(format!("unknown protocol {other} (raw, json or line)").into()),
        }
        return Ok(());
    }
    match args.protocol.as_str() {
        "raw" => serve(&args, Raw).await?,
        "json" => serve(&args, Json::<serde_json::Value>::new()).await?,
        "line" => serve(&args, Line::new()).await?,
        other => return Err(format!("unknown protocol {other} (raw, json or line)").into()),
    }
    Ok(())
}
