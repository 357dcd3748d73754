//! The easynetwork UDP echo tutorial's client, in Rust, with the [`AsyncUdpClient`].
//!
//! ```sh
//! cargo run --example udp_echo_server &               # or easynetwork's Python server
//! cargo run --example udp_echo_client_async -- hello world
//! Sent:     {'command-line arguments': ['hello', 'world']}
//! Received: {'command-line arguments': ['hello', 'world']}
//! ```
//!
//! Same options and output as `udp_echo_client`: `[--host HOST] [--port PORT]
//! [--timeout SECONDS] [--] ARGS...` (defaults: 127.0.0.1, 9000, wait forever).

#[path = "udp_echo_client_common/mod.rs"]
mod common;

use easynet::protocol::Json;
use easynet::udp::client::AsyncUdpClient;
use serde_json::Value;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match common::parse_args() {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp_echo_client_async: {}", common::report(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &common::Args) -> Result<(), Box<dyn std::error::Error>> {
    // Connect to the server.
    let client =
        AsyncUdpClient::connect((args.host.as_str(), args.port), Json::<Value>::new()).await?;
    // Send data.
    let request = common::request(&args.words);
    client.send_packet(&request).await?;
    // Receive data from the server and shut down: a timeout is a scope around the call.
    let response = match args.timeout {
        None => client.recv_packet().await?,
        Some(timeout) => tokio::time::timeout(timeout, client.recv_packet()).await??,
    };
    client.close();

    common::print_exchange(&request, &response);
    Ok(())
}
