//! File-descriptor passing: the server hands its client an open file (`SCM_RIGHTS`).
//!
//! ```sh
//! cargo run --example unix_fd_passing
//! ```
//!
//! The server owns a file the client could not open itself (here, an unlinked temporary
//! file: it has no name at all). On `open`, it sends `here` with the file's descriptor
//! attached; the client receives its own copy as an `OwnedFd` and reads the file through
//! it. The client also passes a descriptor the other way (one end of a pipe-like socket
//! pair), which the handler claims with `take_received_fds`.

use easynet::protocol::Line;
use easynet::request_handler;
use easynet::unix::server::{StreamClient, UnixStreamServer};
use easynet::unix::{SocketAncillary, UnixStreamClient};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::time::Duration;

struct FileServer {
    file: std::fs::File,
}

#[request_handler]
impl FileServer {
    async fn handle(
        &self,
        client: &mut StreamClient<Line>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = recv!()?;
        match request.as_str() {
            "open" => {
                client
                    .send_packet_with_fds("here", &[self.file.as_fd()])
                    .await?;
            }
            "take this" => {
                // Descriptors arrive with the packet they were sent with.
                let fds = client.take_received_fds();
                let mut socket = std::os::unix::net::UnixStream::from(
                    fds.into_iter().next().ok_or("no descriptor attached")?,
                );
                socket.write_all(b"written by the server through your descriptor\n")?;
                client.send_packet("done").await?;
            }
            _ => client.send_packet("unknown request").await?,
        }
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("files.sock");

    let mut file = tempfile::tempfile()?;
    file.write_all(b"contents of a file only the server could open\n")?;
    let server = UnixStreamServer::spawn_background(&path, Line::new(), FileServer { file })?;

    let client = UnixStreamClient::connect(&path, Line::new())?;
    let timeout = Some(Duration::from_secs(10));

    // Server → client.
    client.send_packet("open")?;
    let (answer, ancillary) = client.recv_packet_with_ancillary(timeout)?;
    let fd = ancillary
        .fds
        .into_iter()
        .next()
        .ok_or("the server sent no descriptor")?;
    let mut received = std::fs::File::from(fd);
    received.seek(SeekFrom::Start(0))?;
    let mut contents = String::new();
    received.read_to_string(&mut contents)?;
    println!("Received: {answer} + a file descriptor");
    print!("File says: {contents}");

    // Client → server.
    let (mut ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    client.send_packet_with_ancillary("take this", &SocketAncillary::new().with_fd(&theirs))?;
    drop(theirs);
    println!("Received: {}", client.recv_packet(timeout)?);
    let mut line = String::new();
    ours.read_to_string(&mut line)?;
    print!("Our socket got: {line}");

    server.shutdown()?;
    Ok(())
}
