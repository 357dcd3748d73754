//! # How-to — Unix stream clients (and the server)
//!
//! The Unix-stream counterpart of easynetwork's *Alternative — Unix Stream Client Endpoints*,
//! heading by heading, with a last section on the server. Two clients share one API:
//! [`UnixStreamClient`] (blocking, thread-safe, `&self` methods) and
//! [`AsyncUnixStreamClient`] (tokio, `&self` methods, no external lock needed).
//!
//! In every snippet below, a hidden echo server listens on `path` (a socket file in a
//! temporary directory).
//!
//! ## The protocol object
//!
//! The Unix stream clients expect a [`StreamProtocol`]: it frames packets on the way out
//! and cuts the byte stream back into packets on the way in. [`Line`] (text lines) and
//! [`Json`] (one JSON document per line) are the usual ones; see the
//! [protocols guide](crate::guide::protocols).
//!
//! ## Connecting to peer
//!
//! You need the listening socket's path:
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! client.send_packet("hello")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! Or a name in Linux's abstract namespace, with
//! [`UnixSocketAddress::abstract_name`](crate::unix::UnixSocketAddress::abstract_name).
//!
//! You can control the connection timeout with
//! [`UnixClientConfig::connect_timeout`]. A Unix `connect()` only waits while the listener's
//! backlog is full; the timeout bounds that wait and gives
//! [`UnixClientError::ConnectTimeout`]:
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{UnixClientConfig, UnixClientError, UnixStreamClient};
//! use std::time::Duration;
//!
//! let config = UnixClientConfig::default().connect_timeout(Duration::from_secs(5));
//! match UnixStreamClient::connect_with_config(&path, Line::new(), config) {
//!     Ok(client) => client.send_packet("hello")?,
//!     Err(UnixClientError::ConnectTimeout) => eprintln!("the server is too busy"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The asynchronous client connects in `connect().await`; there is no separate
//! `wait_connected()` step. Apply the timeout with the same option, or with tokio:
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::AsyncUnixStreamClient;
//! use std::time::Duration;
//!
//! let client = tokio::time::timeout(
//!     Duration::from_secs(5),
//!     AsyncUnixStreamClient::connect(&path, Line::new()),
//! )
//! .await??;
//! client.send_packet("hello").await?;
//! # Ok(()) }
//! ```
//! ## Using an already connected socket
//!
//! If you have your own way to obtain a connected socket (a `socketpair`, a socket
//! inherited from a supervisor), pass it to the client. It *must* be an `AF_UNIX`,
//! `SOCK_STREAM`, connected socket; otherwise you get
//! [`UnixClientError::InvalidSocket`] saying why (an [`InvalidSocketKind`], the same as
//! the UDP clients'). Ownership passes to the client: closing the client closes the
//! socket. `from_socket_with_config` takes a [`UnixClientConfig`] too.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//!
//! let socket = std::os::unix::net::UnixStream::connect(&path)?;
//! let client = UnixStreamClient::from_socket(socket, Line::new())?;
//! client.send_packet("hello")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The asynchronous client takes the same, and tokio streams too, with
//! [`AsyncUnixStreamClient::from_socket`] (any [`IntoSocket`]).
//!
//! ## Sending packets
//!
//! Objects are converted to bytes by the protocol object and written in full:
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! client.send_packet("a line of text")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::AsyncUnixStreamClient;
//!
//! let client = AsyncUnixStreamClient::connect(&path, Line::new()).await?;
//! client.send_packet("a line of text").await?;
//! # Ok(()) }
//! ```
//! ### Sending packets with socket control messages
//!
//! A [`SocketAncillary`] attaches file descriptors (`SCM_RIGHTS`) and/or credentials
//! (`SCM_CREDENTIALS`) to the packet's first byte (see `sendmsg(2)`, `unix(7)`). The
//! descriptors are borrowed: the peer receives its own copies.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{Credentials, SocketAncillary, UnixStreamClient};
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! let file = std::fs::File::open("/dev/null")?;
//! let ancillary = SocketAncillary::new()
//!     .with_fd(&file)
//!     .with_credentials(Credentials::current());
//! client.send_packet_with_ancillary("here is a file", &ancillary)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ## Receiving packets
//!
//! You get the next available packet, already parsed. Extraneous data is kept for the next
//! call.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! client.send_packet("ping")?;
//! let packet = client.recv_packet(None)?; // waits as long as needed
//! assert_eq!(packet, "ping");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! You can control the receive timeout with the `timeout` parameter
//! (`Some(Duration::ZERO)`: only what has already arrived):
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{UnixClientError, UnixStreamClient};
//! use std::time::Duration;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! match client.recv_packet(Some(Duration::from_millis(10))) {
//!     Ok(packet) => println!("received {packet}"),
//!     Err(UnixClientError::Timeout) => println!("nothing within 10 ms"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! With the asynchronous client, add a timeout scope with tokio. `recv_packet` is cancel
//! safe: a receive abandoned by the timeout loses no byte.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::AsyncUnixStreamClient;
//! use std::time::Duration;
//!
//! let client = AsyncUnixStreamClient::connect(&path, Line::new()).await?;
//! client.send_packet("ping").await?;
//! let packet = tokio::time::timeout(Duration::from_secs(5), client.recv_packet()).await??;
//! assert_eq!(packet, "ping");
//! match tokio::time::timeout(Duration::from_millis(10), client.recv_packet()).await {
//!     Ok(packet) => println!("received {:?}", packet?),
//!     Err(_elapsed) => println!("nothing within 10 ms"),
//! }
//! # Ok(()) }
//! ```
//! Remember to handle invalid data: a frame that does not parse gives
//! [`UnixClientError::Parse`]; it has been consumed and the next call reads the next packet.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Json;
//! use easynet::unix::{UnixClientError, UnixStreamClient};
//! use std::time::Duration;
//!
//! // The echo server sends our line back; as JSON it is invalid.
//! let lines = UnixStreamClient::connect(&path, easynet::protocol::Line::new())?;
//! lines.send_packet("{not json")?;
//! let raw = lines.recv_packet(Some(Duration::from_secs(5)))?;
//! let json = Json::<serde_json::Value>::new();
//! let client = UnixStreamClient::connect(&path, json)?;
//! client.socket()?.send(format!("{raw}\n").as_bytes())?;
//! match client.recv_packet(Some(Duration::from_secs(5))) {
//!     Err(UnixClientError::Parse(error)) => println!("invalid packet: {error}"),
//!     other => panic!("expected a parse error, got {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ### Receiving packets with socket control messages
//!
//! [`recv_packet_with_ancillary`](crate::unix::UnixStreamClient::recv_packet_with_ancillary) also returns
//! the [`ReceivedAncillary`] data that came with the bytes read: received descriptors are
//! [`OwnedFd`](std::os::fd::OwnedFd)s (closed when dropped: nothing leaks), credentials
//! are reported when [`UnixClientConfig::receive_credentials`] is on. Plain `recv_packet`
//! discards (closes) them.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//! use std::time::Duration;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! client.send_packet("ping")?;
//! let (packet, ancillary) = client.recv_packet_with_ancillary(Some(Duration::from_secs(5)))?;
//! assert_eq!(packet, "ping");
//! for fd in ancillary.fds {
//!     let _file = std::fs::File::from(fd);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The default buffer for ancillary data is 8 KiB
//! ([`DEFAULT_ANCILLARY_BUFFER_SIZE`](crate::unix::DEFAULT_ANCILLARY_BUFFER_SIZE)); you can
//! change it. Data that does not fit is dropped by the kernel (its descriptors closed) and
//! reported as [`ReceivedAncillary::truncated`]. The client also holds at most
//! [`UnixClientConfig::max_pending_fds`] (default 253) received descriptors until a
//! receive returns them: beyond, new ones are closed at once and reported as
//! `truncated`, so a server cannot exhaust your descriptor table with one long frame.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{UnixClientConfig, UnixStreamClient};
//!
//! let config = UnixClientConfig::default()
//!     .ancillary_buffer_size(64 * 1024)
//!     .max_pending_fds(16);
//! let client = UnixStreamClient::connect_with_config(&path, Line::new(), config)?;
//! # client.send_packet("x")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ## Receiving multiple packets at once
//!
//! [`iter_received_packets(budget)`](crate::unix::UnixStreamClient::iter_received_packets)
//! yields the received packets, exactly as the UDP clients' does. The budget is one time
//! limit for the whole iteration (`None`: no limit); `Some(Duration::ZERO)`, also
//! [`drain_received_packets()`](crate::unix::UnixStreamClient::drain_received_packets),
//! yields only what has already arrived. Parse errors are yielded and iteration goes on.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//! use std::time::Duration;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! for word in ["a", "b", "c"] {
//!     client.send_packet(word)?;
//! }
//! let first = client.recv_packet(Some(Duration::from_secs(5)))?;
//! let mut packets = vec![first];
//! // Whatever else has arrived, within one second in total.
//! packets.extend(client.iter_received_packets(Some(Duration::from_secs(1))).take(2).map(Result::unwrap));
//! assert_eq!(packets, ["a", "b", "c"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The asynchronous client returns a [`Stream`](futures_util::Stream):
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::AsyncUnixStreamClient;
//! use futures_util::StreamExt;
//! use std::time::Duration;
//!
//! let client = AsyncUnixStreamClient::connect(&path, Line::new()).await?;
//! client.send_packet("a").await?;
//! client.send_packet("b").await?;
//! let packets: Vec<_> = client
//!     .iter_received_packets(Some(Duration::from_secs(5)))
//!     .take(2)
//!     .collect()
//!     .await;
//! assert_eq!(packets.len(), 2);
//! # Ok(()) }
//! ```
//! ## Close the write-end stream
//!
//! If you will never send again, [`send_eof`](crate::unix::UnixStreamClient::send_eof) shuts down the
//! write side: the peer reads end of stream, you can still receive. It waits until pending
//! data is written; later sends fail with [`UnixClientError::WriteClosed`].
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{UnixClientError, UnixStreamClient};
//! use std::time::Duration;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! client.send_packet("last words")?;
//! client.send_eof()?;
//! assert_eq!(client.recv_packet(Some(Duration::from_secs(5)))?, "last words");
//! assert!(matches!(client.send_packet("more"), Err(UnixClientError::WriteClosed)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ## Peer credentials
//!
//! The peer process's pid, uid and gid (`SO_PEERCRED`, as of `connect()`):
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! let peer = client.peer_credentials()?;
//! println!("server is pid {} (uid {}, gid {})", peer.pid, peer.uid, peer.gid);
//! # assert_eq!(peer.pid as u32, std::process::id());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ## Low-level socket operations
//!
//! For `setsockopt`-style calls, [`socket()`](crate::unix::UnixStreamClient::socket) gives a
//! [`SocketProxy`](crate::socket::SocketProxy) (a [`socket2::Socket`] view). The blocking
//! client's proxy holds the send lock while it lives, so options never change in the middle
//! of a write.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::UnixStreamClient;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! let socket = client.socket()?;
//! socket.set_send_buffer_size(256 * 1024)?;
//! println!("send buffer: {} bytes", socket.send_buffer_size()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ## `recv()` buffer size
//!
//! By default a receive reads at most 64 KiB per system call; set
//! [`UnixClientConfig::max_recv_size`] to change it.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{UnixClientConfig, UnixStreamClient};
//!
//! let config = UnixClientConfig::default().max_recv_size(4096);
//! let client = UnixStreamClient::connect_with_config(&path, Line::new(), config)?;
//! # client.send_packet("x")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ## Concurrency and multithreading
//!
//! **Blocking client.** All methods are thread-safe (share it in an `Arc`):
//!
//! * [`send_packet`](crate::unix::UnixStreamClient::send_packet) and
//!   [`recv_packet`](crate::unix::UnixStreamClient::recv_packet) do not share a lock: a thread can send
//!   while another is blocked receiving;
//! * [`close`](crate::unix::UnixStreamClient::close) does not wait for `recv_packet`: a blocked receive
//!   returns [`UnixClientError::Closed`] promptly (`close` shuts the socket down, which wakes
//!   the receiver's `poll(2)`; the descriptor is released only when the client is dropped,
//!   so it can never be reused under a thread still using it);
//! * the [`socket`](crate::unix::UnixStreamClient::socket) proxy takes the send lock, so you cannot touch
//!   the socket during a write.
//! ```
//! # struct Echo;
//! # #[easynet::request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut easynet::unix::server::StreamClient<easynet::protocol::Line>) {
//! #         if let Ok(line) = recv!() { let _ = client.send_packet(&line).await; }
//! #     }
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("daemon.sock");
//! # let _server = easynet::unix::server::UnixStreamServer::spawn_background(&path, easynet::protocol::Line::new(), Echo)?;
//! use easynet::protocol::Line;
//! use easynet::unix::{UnixClientError, UnixStreamClient};
//! use std::sync::Arc;
//!
//! let client = Arc::new(UnixStreamClient::connect(&path, Line::new())?);
//! let receiver = std::thread::spawn({
//!     let client = client.clone();
//!     move || client.recv_packet(None)
//! });
//! client.send_packet("from another thread")?;
//! assert_eq!(receiver.join().unwrap()?, "from another thread");
//!
//! let blocked = std::thread::spawn({
//!     let client = client.clone();
//!     move || client.recv_packet(None)
//! });
//! client.close();
//! assert!(matches!(blocked.join().unwrap(), Err(UnixClientError::Closed)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! **Asynchronous client.** Methods need no external lock (no `Mutex` around the client):
//! `send_packet` and `recv_packet` use different internal locks, and
//! [`close`](crate::unix::AsyncUnixStreamClient::close) does not wait for a pending `recv_packet`, which
//! returns `Closed`.
//!
//! ## The server
//!
//! [`UnixStreamServer`] runs the same `#[request_handler]` model as the UDP server, over
//! connections: one conversation loop per connection, `recv!()` reads the next framed
//! packet (partial frames wait, pipelined packets come in order), optional
//! `on_connection` (which may `recv!()` a handshake) and `on_disconnection` hooks. The
//! per-connection [`StreamClient`] sends packets (with descriptors if you like), gives the
//! descriptors received, the peer's credentials (known before the first `recv!()`), and
//! can [`close`](crate::unix::server::StreamClient::close) the connection.
//! ```
//! use easynet::handler::RecvError;
//! use easynet::protocol::Line;
//! use easynet::request_handler;
//! use easynet::unix::UnixStreamClient;
//! use easynet::unix::server::{StreamClient, UnixServerConfig, UnixStreamServer};
//! use std::time::Duration;
//!
//! struct Greeter;
//!
//! #[request_handler]
//! impl Greeter {
//!     /// Runs once per connection, before the first `handle`.
//!     async fn on_connection(&self, client: &mut StreamClient<Line>) {
//!         // Only our own user may talk to us.
//!         let me = easynet::unix::Credentials::current();
//!         if client.peer_credentials().map(|c| c.uid) != Some(me.uid) {
//!             client.close();
//!             return;
//!         }
//!         // A handshake: the first line is the caller's name.
//!         let name = recv!(timeout = Duration::from_secs(5)).unwrap_or_default();
//!         let _ = client.send_packet(&format!("hello {name}")).await;
//!     }
//!
//!     /// Runs again and again while the connection is open.
//!     async fn handle(&self, client: &mut StreamClient<Line>) {
//!         match recv!() {
//!             Ok(line) if line == "bye" => client.close(),
//!             Ok(line) => { let _ = client.send_packet(&line.to_uppercase()).await; }
//!             Err(RecvError::Parse(e)) => { let _ = client.send_packet(&format!("error: {e}")).await; }
//!             Err(_) => {} // peer left, or shutdown: the loop ends
//!         }
//!     }
//!
//!     /// Runs once when the connection ends, whatever the reason.
//!     async fn on_disconnection(&self, client: &mut StreamClient<Line>) {
//!         tracing::info!(id = client.id(), "gone");
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("greeter.sock");
//! let config = UnixServerConfig::default()
//!     .socket_mode(0o600)                       // only our user may connect
//!     .max_connections(100)                     // beyond: accepted and closed, counted
//!     .idle_timeout(Duration::from_secs(60))    // silent connections are closed
//!     .max_pending_fds(16);                     // unclaimed fds held per connection
//! let server = UnixStreamServer::spawn_background_with_config(&path, Line::new(), Greeter, config)?;
//!
//! let client = UnixStreamClient::connect(&path, Line::new())?;
//! client.send_packet("ada")?;
//! client.send_packet("shout")?;
//! let timeout = Some(Duration::from_secs(5));
//! assert_eq!(client.recv_packet(timeout)?, "hello ada");
//! assert_eq!(client.recv_packet(timeout)?, "SHOUT");
//!
//! assert_eq!(server.stats().accepted, 1);
//! assert_eq!(server.stats().dropped_fds, 0); // fds closed beyond max_pending_fds
//! server.shutdown()?; // graceful; removes the socket file
//! assert!(!path.exists());
//! # Ok(()) }
//! ```
//! In async code, `UnixStreamServer::bind(path, protocol, handler).await?` then
//! `server.serve_forever().await` (or `serve_with_shutdown(signal)`), with
//! [`shutdown_handle()`](crate::unix::server::UnixStreamServer::shutdown_handle) to stop it from elsewhere.
//!
//! What the server guarantees:
//!
//! * a frame that fails to parse, or is longer than the protocol's limit, reaches `recv!()`
//!   as `RecvError::Parse`; the connection stays open and the stream resynchronises at the
//!   next frame boundary;
//! * peer EOF or reset ends the conversation quietly (`on_disconnection` runs, no error is
//!   logged); a handler error or panic is logged in the connection's span, that connection
//!   is closed, the others go on; after [`StreamClient::close`], packets the peer had
//!   already sent are not processed;
//! * descriptors received with a packet are available after that packet's `recv!()`
//!   ([`StreamClient::take_received_fds`]); the ones nobody takes are closed. A
//!   connection holds at most [`UnixServerConfig::max_pending_fds`] (default 253)
//!   unclaimed descriptors: beyond, new ones are closed at once, the handler sees
//!   [`ReceivedAncillary::truncated`], a warning is logged and they are counted in
//!   [`ServerStats::dropped_fds`];
//! * a stale socket file left by a dead server is replaced; binding where a live server
//!   listens fails with [`ServerError::AddressInUse`]; at shutdown the file is removed
//!   only if it is still ours (same device and inode);
//! * limits, each counted in [`ServerStats`]: `max_connections` (extra connections are
//!   accepted and closed at once, counted in `rejected`), the protocol's frame limit (a
//!   connection buffers at most that plus `max_recv_size` bytes), an optional idle timeout;
//! * graceful shutdown: `recv!()` points get `ServerClosing`, conversations get
//!   `shutdown_grace` to finish, background tasks started in `service_init` are cancelled
//!   and awaited.
//!
//! [`UnixStreamClient`]: crate::unix::UnixStreamClient
//! [`AsyncUnixStreamClient`]: crate::unix::AsyncUnixStreamClient
//! [`AsyncUnixStreamClient::from_socket`]: crate::unix::AsyncUnixStreamClient::from_socket
//! [`IntoSocket`]: crate::unix::client::IntoSocket
//! [`InvalidSocketKind`]: crate::unix::client::InvalidSocketKind
//! [`UnixClientConfig`]: crate::unix::UnixClientConfig
//! [`StreamProtocol`]: crate::protocol::StreamProtocol
//! [`Line`]: crate::protocol::Line
//! [`Json`]: crate::protocol::Json
//! [`UnixClientConfig::connect_timeout`]: crate::unix::UnixClientConfig::connect_timeout
//! [`UnixClientConfig::receive_credentials`]: crate::unix::UnixClientConfig::receive_credentials
//! [`UnixClientConfig::max_recv_size`]: crate::unix::UnixClientConfig::max_recv_size
//! [`UnixClientConfig::max_pending_fds`]: crate::unix::UnixClientConfig::max_pending_fds
//! [`UnixServerConfig::max_pending_fds`]: crate::unix::server::UnixServerConfig::max_pending_fds
//! [`ServerStats::dropped_fds`]: crate::unix::server::ServerStats::dropped_fds
//! [`UnixClientError::ConnectTimeout`]: crate::unix::UnixClientError::ConnectTimeout
//! [`UnixClientError::InvalidSocket`]: crate::unix::UnixClientError::InvalidSocket
//! [`UnixClientError::Parse`]: crate::unix::UnixClientError::Parse
//! [`UnixClientError::WriteClosed`]: crate::unix::UnixClientError::WriteClosed
//! [`UnixClientError::Closed`]: crate::unix::UnixClientError::Closed
//! [`SocketAncillary`]: crate::unix::SocketAncillary
//! [`ReceivedAncillary`]: crate::unix::ReceivedAncillary
//! [`ReceivedAncillary::truncated`]: crate::unix::ReceivedAncillary::truncated
//! [`UnixStreamServer`]: crate::unix::server::UnixStreamServer
//! [`StreamClient`]: crate::unix::server::StreamClient
//! [`StreamClient::close`]: crate::unix::server::StreamClient::close
//! [`StreamClient::take_received_fds`]: crate::unix::server::StreamClient::take_received_fds
//! [`ServerError::AddressInUse`]: crate::unix::server::ServerError::AddressInUse
//! [`ServerStats`]: crate::unix::server::ServerStats
