//! The echo server of the tutorial, over a Unix stream socket: JSON lines in, the same
//! documents out, in order. A line that is not JSON gets
//! `{"error":"Invalid JSON","code":"parse_error"}` and the connection stays open.
//!
//! ```sh
//! cargo run --example unix_stream_echo_server -- --path /tmp/easynet-echo.sock
//! cargo run --example unix_stream_echo_client -- --path /tmp/easynet-echo.sock '{"hello": "world"}' 'not json' 42
//! ```
//!
//! Ctrl-C stops the server gracefully (and removes the socket file).

use easynet::handler::RecvError;
use easynet::protocol::Json;
use easynet::request_handler;
use easynet::unix::server::{StreamClient, UnixStreamServer};
use serde::Serialize;
use serde_json::Value;

/// The default socket path of the echo pair.
const DEFAULT_PATH: &str = "/tmp/easynet-echo.sock";

/// What the server sends: the request itself, or an error object whose fields keep
/// this order on the wire (a `serde_json::Value` would sort them).
#[derive(Serialize)]
#[serde(untagged)]
enum Reply {
    Echo(Value),
    Error {
        error: &'static str,
        code: &'static str,
    },
}

/// Sends `Reply`, receives any JSON document.
type EchoProtocol = Json<Reply, Value>;

struct EchoRequestHandler;

#[request_handler]
impl EchoRequestHandler {
    async fn handle(&self, client: &mut StreamClient<EchoProtocol>) {
        let reply = match recv!() {
            Ok(request) => Reply::Echo(request),
            Err(RecvError::Parse(error)) => {
                tracing::info!(%error, "invalid request");
                Reply::Error {
                    error: "Invalid JSON",
                    code: "parse_error",
                }
            }
            // The peer left, or the server is shutting down: the conversation ends.
            Err(_) => return,
        };
        if let Err(error) = client.send_packet(&reply).await {
            tracing::info!(%error, "cannot answer");
        }
    }
}

fn socket_path() -> String {
    let mut args = std::env::args().skip(1);
    let mut path = DEFAULT_PATH.to_owned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--path" => path = args.next().expect("--path needs a value"),
            other => {
                panic!("unknown argument {other:?}; usage: unix_stream_echo_server [--path PATH]")
            }
        }
    }
    path
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let path = socket_path();
    let server =
        UnixStreamServer::bind(path.as_str(), EchoProtocol::new(), EchoRequestHandler).await?;
    println!("Listening on {path}");
    server
        .serve_with_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
