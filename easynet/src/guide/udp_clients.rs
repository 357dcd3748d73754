//! # How-to — UDP clients
//!
//! easynetwork's *How-to — UDP Client Endpoints*, heading by heading. Two clients share
//! one API: [`UdpClient`] (blocking, for plain threads; thread-safe, `&self` methods) and
//! [`AsyncUdpClient`] (tokio; `&self` methods, no external lock needed).
//!
//! In the snippets, a hidden echo peer listens at `address` and sends every datagram
//! back.
//!
//! ## The protocol object
//!
//! The UDP clients expect a [`DatagramProtocol`]: one packet is one datagram. Every
//! serializer is one: [`Json`] (easynetwork's JSON wire format), [`Raw`] (the bytes
//! themselves), CBOR and MessagePack behind features, or your own (see the
//! [protocols guide](crate::guide::protocols)). The protocol fixes the types:
//! `Json<S, R>` sends `S` and receives `R`.
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # std::thread::spawn(move || { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf) { let _ = server.send_to(&buf[..n], from); } });
//! use easynet::protocol::Json;
//! use easynet::udp::client::UdpClient;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Ping {
//!     seq: u32,
//! }
//!
//! let client = UdpClient::connect(address, Json::<Ping>::new())?;
//! client.send_packet(&Ping { seq: 1 })?;
//! assert_eq!(client.recv_packet(None)?, Ping { seq: 1 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Connecting to the remote host
//!
//! UDP has no connections: "connecting" a UDP socket (see `udp(7)` and `connect(2)`) only
//! sets its default remote address. Nothing is sent. From then on the kernel delivers
//! only that address's datagrams to the socket (others are dropped), and reports an
//! ICMP "port unreachable" as a connection-refused error on a later send or receive.
//!
//! You need the host (a name or an IP address) and the port:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let port = server.local_addr()?.port();
//! use easynet::protocol::Json;
//! use easynet::udp::client::UdpClient;
//!
//! let client = UdpClient::connect(("localhost", port), Json::<serde_json::Value>::new())?;
//! println!("{} -> {}", client.local_addr()?, client.peer_addr()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! Everything happens when the client is created: the name is resolved, each address is
//! tried in turn (IPv4 and IPv6), and the socket is connected.
//!
//! The asynchronous client does the same in `connect().await`; there is no separate
//! `wait_connected()` step:
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let port = server.local_addr()?.port();
//! use easynet::protocol::Json;
//! use easynet::udp::client::AsyncUdpClient;
//!
//! let client = AsyncUdpClient::connect(("127.0.0.1", port), Json::<serde_json::Value>::new()).await?;
//! # Ok(())
//! # }
//! ```
//! [`UdpClientConfig`] sets the local address, the address family, `SO_REUSEPORT` and
//! the kernel buffer sizes (each default is in the field's documentation):
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! use easynet::protocol::Raw;
//! use easynet::udp::client::{AddressFamily, UdpClient, UdpClientConfig};
//!
//! let config = UdpClientConfig::new()
//!     .family(AddressFamily::Ipv4)
//!     .local_addr("127.0.0.1:0".parse()?)
//!     .reuse_port(true)
//!     .recv_buffer_size(4 << 20)
//!     .send_buffer_size(1 << 20);
//! let client = UdpClient::connect_with_config(address, Raw, config)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Using an already connected socket
//!
//! If you have your own way to get a connected socket, give it to the client: a
//! [`std::net::UdpSocket`], a [`tokio::net::UdpSocket`], a [`socket2::Socket`] or an
//! [`OwnedFd`](std::os::fd::OwnedFd). It must be a `SOCK_DGRAM` socket of family
//! `AF_INET` or `AF_INET6`, and connected; otherwise
//! [`UdpClientError::InvalidSocket`] says which of these is wrong.
//!
//! The client takes ownership of the socket: it is closed when the client is dropped.
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! use easynet::protocol::Raw;
//! use easynet::udp::client::{InvalidSocketKind, UdpClient, UdpClientError};
//!
//! let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! socket.set_ttl(8)?; // whatever your own setup needs
//! socket.connect(address)?;
//! let client = UdpClient::from_socket(socket, Raw)?;
//!
//! // Not connected: refused.
//! let unconnected = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! assert!(matches!(
//!     UdpClient::from_socket(unconnected, Raw),
//!     Err(UdpClientError::InvalidSocket(InvalidSocketKind::NotConnected))
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The asynchronous client takes a tokio socket too (call it within a tokio runtime):
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! use easynet::protocol::Raw;
//! use easynet::udp::client::AsyncUdpClient;
//!
//! let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! socket.connect(address).await?;
//! let client = AsyncUdpClient::from_socket(socket, Raw)?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Sending packets
//!
//! The protocol turns the value into bytes; one call sends one datagram:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new())?;
//! use serde_json::json;
//!
//! client.send_packet(&json!({"data": [1, 2, 3]}))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::AsyncUdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new()).await?;
//! use serde_json::json;
//!
//! client.send_packet(&json!({"data": [1, 2, 3]})).await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Receiving packets
//!
//! You get the next datagram, already parsed:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # std::thread::spawn(move || { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf) { let _ = server.send_to(&buf[..n], from); } });
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new())?;
//! # client.send_packet(&serde_json::json!({"data": 42}))?;
//! let packet = client.recv_packet(None)?; // waits as long as needed
//! println!("received {packet}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The blocking client takes a timeout; [`UdpClientError::Timeout`] says it expired:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new())?;
//! use easynet::udp::client::UdpClientError;
//! use std::time::Duration;
//!
//! match client.recv_packet(Some(Duration::from_millis(30))) {
//!     Ok(packet) => println!("received {packet}"),
//!     Err(UdpClientError::Timeout) => println!("timed out"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The asynchronous client takes a timeout scope from tokio. `recv_packet()` is cancel
//! safe: when the timeout expires, no datagram is lost.
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::AsyncUdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new()).await?;
//! use std::time::Duration;
//!
//! match tokio::time::timeout(Duration::from_millis(30), client.recv_packet()).await {
//!     Ok(packet) => println!("received {}", packet?),
//!     Err(_elapsed) => println!("timed out"),
//! }
//! # Ok(())
//! # }
//! ```
//! Remember to catch parse errors: a datagram that is not a valid packet gives
//! [`UdpClientError::Parse`], which carries the bytes. The datagram is consumed and the
//! client stays usable:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new())?;
//! # server.send_to(b"{not json", client.local_addr()?)?;
//! use easynet::udp::client::UdpClientError;
//! use std::time::Duration;
//!
//! match client.recv_packet(Some(Duration::from_secs(5))) {
//!     Ok(packet) => println!("received {packet}"),
//!     Err(UdpClientError::Parse(e)) => println!("received something, but not JSON: {:?} ({e})", e.bytes()),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::AsyncUdpClient::connect(address, easynet::protocol::Json::<serde_json::Value>::new()).await?;
//! # server.send_to(b"{not json", client.local_addr()?).await?;
//! use easynet::udp::client::UdpClientError;
//! use std::time::Duration;
//!
//! match tokio::time::timeout(Duration::from_secs(5), client.recv_packet()).await {
//!     Ok(Ok(packet)) => println!("received {packet}"),
//!     Ok(Err(UdpClientError::Parse(e))) => println!("not JSON: {:?}", e.bytes()),
//!     Ok(Err(e)) => return Err(e.into()),
//!     Err(_elapsed) => println!("timed out"),
//! }
//! # Ok(())
//! # }
//! ```
//! When nobody listens on the remote port, the kernel's ICMP "port unreachable"
//! surfaces on a later call as an I/O error of kind `ConnectionRefused`
//! ([`UdpClientError::is_connection_refused`]).
//!
//! ## Receiving multiple packets at once
//!
//! `drain_received_packets()` yields what has already arrived, without waiting
//! (`iter_received_packets(Some(Duration::ZERO))`, easynetwork's default). Collect it
//! into a `Vec`, a set…; a datagram that does not parse is an `Err` item, yielded, not
//! swallowed:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # std::thread::spawn(move || { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf) { let _ = server.send_to(&buf[..n], from); } });
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Json::<u32>::new())?;
//! use std::time::Duration;
//!
//! for i in 0..3 {
//!     client.send_packet(&i)?;
//! }
//! let first = client.recv_packet(Some(Duration::from_secs(5)))?; // wait for one reply...
//! let others: Vec<u32> = client.drain_received_packets().collect::<Result<_, _>>()?; // ...take the rest that is there
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! Or give the whole iteration a time budget: it ends when the budget is spent (waiting
//! inside `next()` spends it; your own work between items does not):
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # std::thread::spawn(move || { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf) { let _ = server.send_to(&buf[..n], from); } });
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Json::<u32>::new())?;
//! use std::collections::BTreeSet;
//! use std::time::Duration;
//!
//! for i in 0..3 {
//!     client.send_packet(&i)?;
//! }
//! let mut packets = BTreeSet::new();
//! for item in client.iter_received_packets(Some(Duration::from_millis(200))) {
//!     match item {
//!         Ok(packet) => {
//!             packets.insert(packet);
//!         }
//!         Err(e) => eprintln!("skipped: {e}"),
//!     }
//! }
//! assert_eq!(packets, BTreeSet::from([0, 1, 2]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The asynchronous client gives a [`Stream`](futures_util::Stream):
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! # tokio::spawn(async move { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf).await { let _ = server.send_to(&buf[..n], from).await; } });
//! # let client = easynet::udp::client::AsyncUdpClient::connect(address, easynet::protocol::Json::<u32>::new()).await?;
//! use futures_util::StreamExt;
//! use std::time::Duration;
//!
//! for i in 0..3 {
//!     client.send_packet(&i).await?;
//! }
//! let mut packets = client.iter_received_packets(Some(Duration::from_millis(200)));
//! while let Some(item) = packets.next().await {
//!     println!("{item:?}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Low-level socket operations
//!
//! For `setsockopt`-style operations, `socket()` gives a [`SocketProxy`], which
//! dereferences to a [`socket2::Socket`]:
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::UdpClient::connect(address, easynet::protocol::Raw)?;
//! let socket = client.socket()?;
//! socket.set_recv_buffer_size(1 << 20)?;
//! println!("receive buffer: {} bytes", socket.recv_buffer_size()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The proxy holds the client's send lock while it lives, so no option changes in the
//! middle of a send. With the asynchronous client, drop it before the next `.await`:
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! # let client = easynet::udp::client::AsyncUdpClient::connect(address, easynet::protocol::Raw).await?;
//! client.socket()?.set_ttl_v4(8)?; // a temporary: dropped at the end of the statement
//! client.send_packet(b"hello").await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Concurrency and multithreading
//!
//! **Blocking client.** All methods are thread-safe and take `&self`; share the client
//! with an [`Arc`](std::sync::Arc) or scoped threads. Synchronization follows these rules:
//!
//! * `send_packet()` and `recv_packet()` do not share a lock: one thread can wait for a
//!   datagram while another sends.
//! * `close()` does not wait for `recv_packet()`: it wakes the waiting threads, which
//!   return [`UdpClientError::Closed`] at once.
//! * The `socket()` proxy holds the send lock: you cannot change socket options during a
//!   send.
//!
//! ```
//! # let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! # let address = server.local_addr()?;
//! # std::thread::spawn(move || { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf) { let _ = server.send_to(&buf[..n], from); } });
//! use easynet::protocol::Json;
//! use easynet::udp::client::UdpClient;
//!
//! let client = UdpClient::connect(address, Json::<u32>::new())?;
//! std::thread::scope(|scope| {
//!     let receiver = scope.spawn(|| {
//!         let mut received = Vec::new();
//!         loop {
//!             match client.recv_packet(None) {
//!                 Ok(packet) => received.push(packet),
//!                 Err(e) if e.is_closed() => return received, // close() woke us up
//!                 Err(e) => panic!("{e}"),
//!             }
//!             if received.len() == 10 {
//!                 client.close();
//!             }
//!         }
//!     });
//!     for i in 0..10 {
//!         client.send_packet(&i).unwrap();
//!     }
//!     assert_eq!(receiver.join().unwrap(), (0..10).collect::<Vec<_>>());
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Asynchronous client.** Methods need no external lock (such as a
//! `tokio::sync::Mutex`). Synchronization follows these rules:
//!
//! * `send_packet()` and `recv_packet()` do not share a lock.
//! * `close()` (synchronous) does not wait for `recv_packet()`: pending receives wake up
//!   and return [`UdpClientError::Closed`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! # let address = server.local_addr()?;
//! # tokio::spawn(async move { let mut buf = [0; 65536]; while let Ok((n, from)) = server.recv_from(&mut buf).await { let _ = server.send_to(&buf[..n], from).await; } });
//! use easynet::protocol::Json;
//! use easynet::udp::client::AsyncUdpClient;
//! use std::sync::Arc;
//!
//! let client = Arc::new(AsyncUdpClient::connect(address, Json::<u32>::new()).await?);
//! let receiver = tokio::spawn({
//!     let client = Arc::clone(&client);
//!     async move {
//!         let mut received = Vec::new();
//!         while let Ok(packet) = client.recv_packet().await {
//!             received.push(packet);
//!             if received.len() == 10 {
//!                 client.close(); // the next recv_packet() returns Closed
//!             }
//!         }
//!         received
//!     }
//! });
//! for i in 0..10 {
//!     client.send_packet(&i).await?;
//! }
//! assert_eq!(receiver.await?, (0..10).collect::<Vec<_>>());
//! # Ok(())
//! # }
//! ```
//!
//! [`UdpClient`]: crate::udp::client::UdpClient
//! [`AsyncUdpClient`]: crate::udp::client::AsyncUdpClient
//! [`UdpClientConfig`]: crate::udp::client::UdpClientConfig
//! [`UdpClientError::InvalidSocket`]: crate::udp::client::UdpClientError::InvalidSocket
//! [`UdpClientError::Timeout`]: crate::udp::client::UdpClientError::Timeout
//! [`UdpClientError::Parse`]: crate::udp::client::UdpClientError::Parse
//! [`UdpClientError::Closed`]: crate::udp::client::UdpClientError::Closed
//! [`UdpClientError::is_connection_refused`]: crate::udp::client::UdpClientError::is_connection_refused
//! [`DatagramProtocol`]: crate::protocol::DatagramProtocol
//! [`Json`]: crate::protocol::Json
//! [`Raw`]: crate::protocol::Raw
//! [`SocketProxy`]: crate::socket::SocketProxy
