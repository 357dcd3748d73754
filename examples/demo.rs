//! The main job in one command: a UDP server with a multi-packet conversation per client,
//! and two clients talking to it.
//!
//! ```sh
//! cargo run --example demo
//! ```
//!
//! The server runs in the background (its own thread and runtime), the clients are the
//! blocking [`UdpClient`]. Each client's conversation spans several datagrams: the first
//! one names the player, the next ones are guesses, until the number is found or the
//! client stays silent for too long.

use easynet::handler::RecvError;
use easynet::protocol::Json;
use easynet::request_handler;
use easynet::udp::client::UdpClient;
use easynet::udp::server::{DatagramClient, SendError, UdpServer};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a player sends.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Request {
    Hello { name: String },
    Guess(u32),
}

/// What the server answers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Welcome { name: String },
    TooLow,
    TooHigh,
    Found { tries: u32 },
    Error { reason: String },
}

/// The guessing game: one handler for the whole service, one conversation per client.
struct Game {
    secret: u32,
}

#[request_handler]
impl Game {
    async fn handle(
        &self,
        client: &mut DatagramClient<Json<Reply, Request>>,
    ) -> Result<(), SendError> {
        // The datagram that woke us: anything but a greeting is refused.
        let name = match recv!() {
            Ok(Request::Hello { name }) => name,
            _ => return Ok(()),
        };
        client
            .send_packet(&Reply::Welcome { name: name.clone() })
            .await?;
        let mut tries = 0;
        loop {
            // The next datagram from *this* client, queued if it arrived meanwhile.
            let reply = match recv!(timeout = Duration::from_secs(10)) {
                Ok(Request::Guess(n)) => {
                    tries += 1;
                    match n.cmp(&self.secret) {
                        std::cmp::Ordering::Less => Reply::TooLow,
                        std::cmp::Ordering::Greater => Reply::TooHigh,
                        std::cmp::Ordering::Equal => Reply::Found { tries },
                    }
                }
                Ok(Request::Hello { .. }) => Reply::Error {
                    reason: "already greeted".to_owned(),
                },
                Err(RecvError::Parse(e)) => Reply::Error {
                    reason: e.to_string(),
                },
                // Timeout, shutdown: the conversation ends.
                Err(_) => return Ok(()),
            };
            let done = matches!(reply, Reply::Found { .. });
            client.send_packet(&reply).await?;
            if done {
                tracing::info!(%name, tries, "found");
                return Ok(());
            }
        }
    }
}

/// One player: binary search over 0..=1000, printing the exchange.
fn play(server: std::net::SocketAddr, name: &str) -> Result<u32, Box<dyn std::error::Error>> {
    let client = UdpClient::connect(server, Json::<Request, Reply>::new())?;
    let wait = Some(Duration::from_secs(5));
    client.send_packet(&Request::Hello {
        name: name.to_owned(),
    })?;
    println!("{name} <- {:?}", client.recv_packet(wait)?);
    let (mut low, mut high) = (0, 1000);
    loop {
        let guess = (low + high) / 2;
        client.send_packet(&Request::Guess(guess))?;
        let reply = client.recv_packet(wait)?;
        println!("{name} -> {guess:4}   <- {reply:?}");
        match reply {
            Reply::TooLow => low = guess + 1,
            Reply::TooHigh => high = guess - 1,
            Reply::Found { tries } => return Ok(tries),
            other => return Err(format!("unexpected reply {other:?}").into()),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let server = UdpServer::spawn_background(
        "127.0.0.1:0".parse()?,
        Json::<Reply, Request>::new(),
        Game { secret: 737 },
    )?;
    println!("server listening on {}", server.local_addr());

    // Two players at once: their conversations are independent.
    let addr = server.local_addr();
    let alice = std::thread::spawn(move || play(addr, "alice").map_err(|e| e.to_string()));
    let bob = play(addr, "bob")?;
    let alice = alice.join().map_err(|_| "alice panicked")??;
    println!("bob found it in {bob} tries, alice in {alice}");

    server.shutdown()?;
    println!("server stopped");
    Ok(())
}
