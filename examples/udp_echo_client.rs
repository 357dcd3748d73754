//! The easynetwork UDP echo tutorial's client, in Rust, with the blocking [`UdpClient`].
//!
//! ```sh
//! cargo run --example udp_echo_server &               # or easynetwork's Python server
//! cargo run --example udp_echo_client -- hello world
//! Sent:     {'command-line arguments': ['hello', 'world']}
//! Received: {'command-line arguments': ['hello', 'world']}
//! ```
//!
//! Options: `[--host HOST] [--port PORT] [--timeout SECONDS] [--] ARGS...` (defaults:
//! 127.0.0.1, 9000, wait forever). It sends its arguments as the JSON object
//! `{"command-line arguments": [...]}` (easynetwork's JSON wire format) and prints the
//! two lines of the Python tutorial client, values written as Python prints them.

#[path = "udp_echo_client_common/mod.rs"]
mod common;

use easynet::protocol::Json;
use easynet::udp::client::UdpClient;
use serde_json::Value;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match common::parse_args() {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp_echo_client: {}", common::report(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &common::Args) -> Result<(), Box<dyn std::error::Error>> {
    // Connect to the server.
    let client = UdpClient::connect((args.host.as_str(), args.port), Json::<Value>::new())?;
    // Send data.
    let request = common::request(&args.words);
    client.send_packet(&request)?;
    // Receive data from the server and shut down.
    let response = client.recv_packet(args.timeout)?;
    client.close();

    common::print_exchange(&request, &response);
    Ok(())
}
