//! The echo client of the tutorial, over a Unix stream socket: sends each argument as one
//! JSON line and prints what comes back.
//!
//! ```sh
//! cargo run --example unix_stream_echo_client -- --path /tmp/easynet-echo.sock '{"hello": "world"}' 'not json' 42
//! ```
//!
//! An argument that is not JSON is written as a raw line through the client's socket
//! proxy, to show the server's parse-error answer.

use easynet::protocol::Json;
use easynet::unix::UnixStreamClient;
use easynet::unix::client::UnixClientConfig;
use serde_json::Value;
use serde_json::value::RawValue;
use std::time::Duration;

const DEFAULT_PATH: &str = "/tmp/easynet-echo.sock";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = DEFAULT_PATH.to_owned();
    let mut messages = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--path" => path = args.next().ok_or("--path needs a value")?,
            _ => messages.push(arg),
        }
    }
    if messages.is_empty() {
        return Err("usage: unix_stream_echo_client [--path PATH] ARGS...".into());
    }
    let config = UnixClientConfig::default().connect_timeout(Duration::from_secs(5));
    // Receives each answer as raw JSON text, so it prints exactly what the server sent.
    let protocol = Json::<Value, Box<RawValue>>::new();
    let client = UnixStreamClient::connect_with_config(path.as_str(), protocol, config)?;
    for message in messages {
        match serde_json::from_str::<Value>(&message) {
            Ok(request) => {
                client.send_packet(&request)?;
                println!("Sent: {request}");
            }
            Err(_) => {
                // Not JSON: bypass the protocol and write the raw line.
                let line = format!("{message}\n");
                let socket = client.socket()?;
                let mut written = 0;
                while written < line.len() {
                    written += socket.send(&line.as_bytes()[written..])?;
                }
                println!("Sent: {message}");
            }
        }
        let response = client.recv_packet(Some(Duration::from_secs(10)))?;
        println!("Received: {response}");
    }
    Ok(())
}
