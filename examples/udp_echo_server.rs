//! The easynetwork UDP echo tutorial, in Rust: a JSON echo server.
//!
//! ```sh
//! cargo run --example udp_echo_server -- [--host 127.0.0.1] [--port 9000]
//! ```
//!
//! Echoes every JSON value it receives; answers a datagram that is not JSON with
//! `{"error":"Invalid JSON","code":"parse_error"}`. Each request is logged through
//! `tracing` (set `RUST_LOG` to change the level). Same wire format as easynetwork's
//! tutorial, so either side can be the Python one.

use easynet::handler::RecvError;
use easynet::protocol::Json;
use easynet::request_handler;
use easynet::udp::server::{DatagramClient, SendError, UdpServer};
use serde::Serialize;
use serde_json::Value;

/// What the server sends: the echoed value, or an error object whose fields keep the
/// tutorial's order.
#[derive(Serialize)]
#[serde(untagged)]
enum Reply {
    Echo(Value),
    Error {
        error: &'static str,
        code: &'static str,
    },
}

struct EchoRequestHandler;

#[request_handler]
impl EchoRequestHandler {
    async fn handle(
        &self,
        client: &mut DatagramClient<Json<Reply, Value>>,
    ) -> Result<(), SendError> {
        let request = match recv!() {
            Ok(request) => request,
            Err(RecvError::Parse(e)) => {
                tracing::warn!(error = %e, "invalid JSON");
                let reply = Reply::Error {
                    error: "Invalid JSON",
                    code: "parse_error",
                };
                return client.send_packet(&reply).await;
            }
            Err(_) => return Ok(()),
        };
        tracing::info!(%request, "received");
        client.send_packet(&Reply::Echo(request)).await
    }
}

fn parse_args() -> Result<(String, u16), String> {
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 9000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--host" => host = value()?,
            "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "-h" | "--help" => {
                return Err("usage: udp_echo_server [--host HOST] [--port PORT]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((host, port))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let (host, port) = parse_args()?;
    let server = UdpServer::bind((host.as_str(), port), Json::new(), EchoRequestHandler).await?;
    tracing::info!(address = %server.local_addr(), "start serving");
    server.serve_forever().await?;
    Ok(())
}
