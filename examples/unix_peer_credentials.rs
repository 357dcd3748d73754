//! Access control with peer credentials: a daemon that only some users may call.
//!
//! ```sh
//! cargo run --example unix_peer_credentials
//! ```
//!
//! `on_connection` reads the caller's pid, uid and gid (`SO_PEERCRED`, known before any
//! byte is read) and refuses callers whose uid is not allowed: it answers `denied` and
//! closes the connection, so `handle` never runs for them. The socket file is also
//! created with mode `0o600` (only its owner may even connect).
//!
//! The demo runs the same daemon twice: once allowing our own uid (we get in), once
//! allowing only another uid (we are turned away).

use easynet::protocol::Line;
use easynet::request_handler;
use easynet::unix::server::{StreamClient, UnixServerConfig, UnixStreamServer};
use easynet::unix::{UnixClientError, UnixStreamClient};
use std::time::Duration;

struct Daemon {
    allowed_uids: Vec<u32>,
}

#[request_handler]
impl Daemon {
    async fn on_connection(
        &self,
        client: &mut StreamClient<Line>,
    ) -> Result<(), easynet::unix::server::SendError> {
        let allowed = client
            .peer_credentials()
            .is_some_and(|c| self.allowed_uids.contains(&c.uid));
        if !allowed {
            tracing::warn!(credentials = ?client.peer_credentials(), "caller refused");
            client.send_packet("denied").await?;
            client.close();
        }
        Ok(())
    }

    async fn handle(
        &self,
        client: &mut StreamClient<Line>,
    ) -> Result<(), easynet::unix::server::SendError> {
        if let Ok(request) = recv!() {
            let who = client.peer_credentials().map(|c| c.pid).unwrap_or_default();
            client
                .send_packet(&format!("hello pid {who}, you asked: {request}"))
                .await?;
        }
        Ok(())
    }
}

fn call(path: &std::path::Path) -> Result<String, UnixClientError> {
    let client = UnixStreamClient::connect(path, Line::new())?;
    client.send_packet("status")?;
    client.recv_packet(Some(Duration::from_secs(10)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let me = easynet::unix::Credentials::current();
    let config = UnixServerConfig::default().socket_mode(0o600);

    let path = dir.path().join("allowed.sock");
    let daemon = Daemon {
        allowed_uids: vec![me.uid],
    };
    let server =
        UnixStreamServer::spawn_background_with_config(&path, Line::new(), daemon, config.clone())?;
    println!("Allowing uid {}: {}", me.uid, call(&path)?);
    server.shutdown()?;

    let other_uid = if me.uid == 65534 { 65533 } else { 65534 };
    let path = dir.path().join("refused.sock");
    let daemon = Daemon {
        allowed_uids: vec![other_uid],
    };
    let server =
        UnixStreamServer::spawn_background_with_config(&path, Line::new(), daemon, config)?;
    println!("Allowing uid {other_uid} only: {}", call(&path)?);
    server.shutdown()?;
    Ok(())
}
