//! The seeds' "Run Server In Background": a UDP server on its own thread, driven by
//! synchronous code.
//!
//! ```sh
//! cargo run --example udp_background_server
//! ```
//!
//! Prints something like:
//!
//! ```text
//! Server loop running in thread: easynet-udp-server
//! From server: {"client":"127.0.0.1:40321","conversation":1,"request":{"message":"Hello world 1"}}
//! From server: {"client":"127.0.0.1:51864","conversation":2,"request":{"message":"Hello world 2"}}
//! From server: {"client":"127.0.0.1:39012","conversation":3,"request":{"message":"Hello world 3"}}
//! ```

use easynet::protocol::Json;
use easynet::request_handler;
use easynet::udp::client::UdpClient;
use easynet::udp::server::{DatagramClient, SendError, UdpServer};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
struct MyRequestHandler {
    conversations: AtomicU64,
}

#[request_handler]
impl MyRequestHandler {
    async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
        let Ok(request) = recv!() else { return Ok(()) };
        let conversation = self.conversations.fetch_add(1, Ordering::Relaxed) + 1;
        let response = json!({
            "client": client.remote_addr().to_string(),
            "conversation": conversation,
            "request": request,
        });
        client.send_packet(&response).await
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = UdpServer::spawn_background(
        "127.0.0.1:0".parse()?,
        Json::<Value>::new(),
        MyRequestHandler::default(),
    )?;
    println!("Server loop running in thread: easynet-udp-server");

    for i in 1..=3 {
        let client = UdpClient::connect(server.local_addr(), Json::<Value>::new())?;
        client.send_packet(&json!({"message": format!("Hello world {i}")}))?;
        let response = client.recv_packet(Some(Duration::from_secs(5)))?;
        println!("From server: {response}");
    }

    server.shutdown()?;
    Ok(())
}
