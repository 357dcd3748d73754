//! # How-to — UDP servers
//!
//! [`udp::server`](crate::udp::server) makes writing a UDP server a matter of one
//! annotated `impl` block. Creating a server takes three steps:
//!
//! 1. Write a request handler: an `impl` block with an `async fn handle`, annotated
//!    with [`#[request_handler]`](crate::request_handler). `handle` processes the
//!    requests of one client.
//! 2. Make a [`UdpServer`](crate::udp::server::UdpServer) from the server's address, a
//!    protocol object and the handler.
//! 3. Call [`serve_forever`](crate::udp::server::UdpServer::serve_forever).
//!
//! Handlers are `async`: the server runs on tokio, on a multi-thread or a
//! current-thread runtime.
//!
//! ## Request handler objects
//!
//! There is **only one** handler instance for the whole service: state shared by all
//! clients lives in its fields (behind `&self`), state of one client lives in the local
//! variables of `handle`.
//!
//! ```
//! use easynet::protocol::Json;
//! use easynet::request_handler;
//! use easynet::udp::server::{DatagramClient, SendError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Request {
//!     name: String,
//! }
//!
//! #[derive(Serialize)]
//! struct Response {
//!     greeting: String,
//! }
//!
//! struct MyRequestHandler;
//!
//! #[request_handler]
//! impl MyRequestHandler {
//!     async fn handle(
//!         &self,
//!         client: &mut DatagramClient<Json<Response, Request>>,
//!     ) -> Result<(), SendError> {
//!         let Ok(request) = recv!() else { return Ok(()) };
//!         let greeting = format!("Hello, {}!", request.name);
//!         client.send_packet(&Response { greeting }).await
//!     }
//! }
//! ```
//!
//! `recv!()` needs no import: the macro rewrites it. The protocol is named by the
//! client's type, `DatagramClient<Json<Response, Request>>`: the server sends
//! `Response`s and receives `Request`s.
//!
//! ### The `handle()` conversation
//!
//! Each call of `handle` is a *conversation* with one client (a remote address). There
//! is always **at most one live conversation per client**; datagrams from that client
//! that arrive meanwhile are queued, and later `recv!()`s of the same conversation take
//! them in arrival order. When `handle` returns and datagrams are still queued, a new
//! conversation starts for the next one. This makes a UDP handler behave like a stream
//! handler.
//!
//! ### Minimum requirements
//!
//! `handle` must be an `async fn` taking `&self` and `&mut DatagramClient<P>`; it returns
//! `()` or `Result<(), E>` for any error type `E`. Its first `recv!()` yields the
//! datagram that started the conversation:
//!
//! ```
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use easynet::udp::server::DatagramClient;
//! # type Request = serde_json::Value;
//! struct MinimumRequestHandler;
//!
//! #[request_handler]
//! impl MinimumRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Json<Request>>) {
//!         // Do not send anything: just take the datagram.
//!         let _request: Result<Request, _> = recv!();
//!     }
//! }
//! ```
//!
//! ### Refusing datagrams
//!
//! A UDP socket receives datagrams from anywhere. A conversation that returns before
//! its first `recv!()` *refuses* its datagram: it is dropped without being parsed (and
//! counted in [`ServerStats::refused`](crate::udp::server::ServerStats::refused)).
//!
//! ```
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use easynet::udp::server::DatagramClient;
//! # use std::net::IpAddr;
//! # type Request = serde_json::Value;
//! struct SkipDatagramRequestHandler {
//!     allowed: IpAddr,
//! }
//!
//! #[request_handler]
//! impl SkipDatagramRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Json<Request>>) {
//!         if client.remote_addr().ip() != self.allowed {
//!             return; // refused, never parsed
//!         }
//!         let _request = recv!();
//!     }
//! }
//! ```
//!
//! ### Error handling
//!
//! `recv!()` returns `Result<Request, RecvError>`. A datagram that cannot be parsed
//! comes out as [`RecvError::Parse`](crate::RecvError::Parse), with a copy of its bytes:
//! the handler decides what to answer. An error returned by `handle` (or a panic) is
//! logged through `tracing` with the client's address and ends only that conversation;
//! the server goes on. You should always log or return the errors you do not handle.
//!
//! ```
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use easynet::udp::server::{DatagramClient, SendError};
//! use easynet::RecvError;
//! use serde_json::{Value, json};
//!
//! struct ErrorHandlingInRequestHandler;
//!
//! #[request_handler]
//! impl ErrorHandlingInRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
//!         match recv!() {
//!             Ok(request) => client.send_packet(&json!({"echo": request})).await,
//!             Err(RecvError::Parse(e)) => {
//!                 tracing::warn!(error = %e, bytes = e.bytes().len(), "bad request");
//!                 client.send_packet(&json!({"error": "Invalid JSON", "code": "parse_error"})).await
//!             }
//!             // Shutdown, ...: end the conversation.
//!             Err(_) => Ok(()),
//!         }
//!     }
//! }
//! ```
//!
//! ### Having several `recv!()`s
//!
//! A conversation may span several datagrams: each `recv!()` takes the next datagram
//! of *this* client.
//!
//! ```
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use easynet::udp::server::{DatagramClient, SendError};
//! # use std::time::Duration;
//! # use serde_json::{Value, json};
//! struct MultipleRecvInRequestHandler;
//!
//! #[request_handler]
//! impl MultipleRecvInRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
//!         let Ok(first) = recv!() else { return Ok(()) };
//!         client.send_packet(&json!({"got": first, "send": "the second part"})).await?;
//!         match recv!(timeout = Duration::from_secs(30)) {
//!             Ok(second) => client.send_packet(&json!({"both": [first, second]})).await,
//!             Err(_) => Ok(()),
//!         }
//!     }
//! }
//! ```
//!
//! It is supported, but think twice before relying on it:
//!
//! * UDP does not guarantee ordered delivery, or delivery at all: the second datagram
//!   may come first, or never.
//! * The server has no way of knowing that a client has stopped sending for good.
//!
//! If you write several `recv!()`s, **always** give the later ones a timeout (next
//! section), or set [`client_idle_timeout`](crate::udp::server::UdpServerConfig::client_idle_timeout).
//!
//! ### Cancellation and timeouts
//!
//! `recv!(timeout = DURATION)` gives up with
//! [`RecvError::Timeout`](crate::RecvError::Timeout). A timeout on the first `recv!()`
//! never fires: the datagram that started the conversation is already there.
//!
//! ```
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use easynet::udp::server::{DatagramClient, SendError};
//! # use serde_json::{Value, json};
//! use easynet::RecvError;
//! use std::time::Duration;
//!
//! struct TimeoutRequestHandler;
//!
//! #[request_handler]
//! impl TimeoutRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
//!         let Ok(_first) = recv!() else { return Ok(()) };
//!         match recv!(timeout = Duration::from_secs(5)) {
//!             Ok(request) => client.send_packet(&request).await,
//!             Err(RecvError::Timeout) => client.send_packet(&json!("timed out")).await,
//!             Err(_) => Ok(()),
//!         }
//!     }
//! }
//! ```
//!
//! To race the next datagram against something else, name the receiver with a second
//! parameter of `handle` and use its [`PacketReceiver`](crate::handler::PacketReceiver)
//! methods, which return cancel-safe futures (a datagram is never lost when the other
//! branch wins). `recv!()` and the named receiver take from the same queue.
//!
//! ```
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use serde_json::{Value, json};
//! use easynet::handler::PacketReceiver;
//! use easynet::udp::server::{DatagramClient, DatagramRequests, SendError};
//! use std::time::Duration;
//!
//! struct SelectRequestHandler;
//!
//! #[request_handler]
//! impl SelectRequestHandler {
//!     async fn handle(
//!         &self,
//!         client: &mut DatagramClient<Json<Value>>,
//!         requests: &mut DatagramRequests<Json<Value>>,
//!     ) -> Result<(), SendError> {
//!         let Ok(_first) = recv!() else { return Ok(()) };
//!         tokio::select! {
//!             next = requests.recv() => match next {
//!                 Ok(request) => client.send_packet(&request).await,
//!                 Err(_) => Ok(()),
//!             },
//!             () = tokio::time::sleep(Duration::from_secs(1)) => {
//!                 client.send_packet(&json!("still waiting")).await
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! When the server shuts down, every waiting `recv!()` returns
//! [`RecvError::ServerClosing`](crate::RecvError::ServerClosing): the conversation can
//! say goodbye and return. `recv!()` is only allowed directly in the body of `handle`
//! (and `on_connection`); in a closure, an `async` block or a nested function the
//! macro reports an error, use the named receiver there.
//!
//! ## Client metadata
//!
//! The client object knows the client's address, the server's address, and gives the
//! (shared) socket for `setsockopt`-style calls:
//!
//! ```
//! # use easynet::protocol::Raw;
//! # use easynet::request_handler;
//! # use easynet::udp::server::DatagramClient;
//! struct ClientExtraAttributesRequestHandler;
//!
//! #[request_handler]
//! impl ClientExtraAttributesRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Raw>) {
//!         let _ = recv!();
//!         let remote = client.remote_addr();
//!         let local = client.local_addr();
//!         let ttl = client.socket().ttl_v4();
//!         tracing::info!(%remote, %local, ?ttl, "client");
//!     }
//! }
//! ```
//!
//! Each conversation also runs inside a `udp_conversation` tracing span whose `client`
//! field is the client's address, at DEBUG level: with `RUST_LOG=easynet=debug` (or
//! any filter that enables it) every event of the conversation carries the address. It
//! is not an INFO span because a span is made per conversation, that is per datagram
//! for a service that answers at once, and an enabled span costs a few allocations.
//!
//! ## Service initialization
//!
//! An optional `async fn service_init(&self, service: &mut ServiceContext)` runs once
//! when `serve_forever` starts, before any datagram is served. Tasks it spawns with
//! [`ServiceContext::spawn`](crate::handler::ServiceContext::spawn) live as long as the
//! server: at shutdown their [`shutdown_token`](crate::handler::ServiceContext::shutdown_token)
//! is cancelled and `serve_forever` waits for them, up to the server's
//! [`shutdown_grace`](crate::udp::server::UdpServerConfig::shutdown_grace), then aborts
//! those still running. An error from `service_init` makes `serve_forever` fail.
//!
//! ```
//! use easynet::handler::ServiceContext;
//! # use easynet::protocol::Raw;
//! # use easynet::request_handler;
//! # use easynet::udp::server::DatagramClient;
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::time::Duration;
//!
//! #[derive(Default)]
//! struct ServiceInitializationHookRequestHandler {
//!     requests: Arc<AtomicU64>,
//! }
//!
//! #[request_handler]
//! impl ServiceInitializationHookRequestHandler {
//!     async fn service_init(&self, service: &mut ServiceContext) {
//!         let (requests, stop) = (Arc::clone(&self.requests), service.shutdown_token());
//!         service.spawn(async move {
//!             let mut every_minute = tokio::time::interval(Duration::from_secs(60));
//!             loop {
//!                 tokio::select! {
//!                     _ = every_minute.tick() => {
//!                         tracing::info!(requests = requests.load(Ordering::Relaxed), "stats");
//!                     }
//!                     () = stop.cancelled() => return,
//!                 }
//!             }
//!         });
//!     }
//!
//!     async fn handle(&self, client: &mut DatagramClient<Raw>) {
//!         if recv!().is_ok() {
//!             self.requests.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//! ```
//!
//! ## Per-client variables
//!
//! Like Python's `contextvars`, [`ClientContext`](crate::udp::server::ClientContext) is
//! reachable from any function called during a conversation, without passing it around
//! (a tokio task-local). It carries the client's address and typed values, which live
//! as long as the client has a conversation (or queued datagrams).
//!
//! ```
//! # use easynet::protocol::Raw;
//! # use easynet::request_handler;
//! use easynet::udp::server::{ClientContext, DatagramClient};
//!
//! /// Deep in the application: no client parameter needed.
//! fn log_event(event: &str) {
//!     let client = ClientContext::remote_addr();
//!     let seq = ClientContext::try_with(|ctx| ctx.get::<u32>()).flatten();
//!     tracing::info!(?client, ?seq, event);
//! }
//!
//! struct ClientContextRequestHandler;
//!
//! #[request_handler]
//! impl ClientContextRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Raw>) {
//!         let Ok(_) = recv!() else { return };
//!         ClientContext::try_with(|ctx| ctx.insert(1_u32));
//!         log_event("request");
//!     }
//! }
//! ```
//!
//! As Python's `service_init()` can set context variables that every client task then
//! starts with, [`ServiceContext::insert_client_default`](crate::handler::ServiceContext::insert_client_default)
//! sets a typed value that each new client's context starts with: a copy per client, so
//! a client that changes it changes neither the default nor the other clients'.
//!
//! ```
//! # use easynet::protocol::Raw;
//! # use easynet::request_handler;
//! use easynet::handler::ServiceContext;
//! use easynet::udp::server::{ClientContext, DatagramClient};
//!
//! #[derive(Clone)]
//! struct Quota(u32);
//!
//! struct QuotaRequestHandler;
//!
//! #[request_handler]
//! impl QuotaRequestHandler {
//!     async fn service_init(&self, service: &mut ServiceContext) {
//!         service.insert_client_default(Quota(100));
//!     }
//!
//!     async fn handle(&self, client: &mut DatagramClient<Raw>) {
//!         let Ok(request) = recv!() else { return };
//!         // This client's own copy: starts at 100 for every client.
//!         let left = ClientContext::try_with(|ctx| {
//!             ctx.with_value(|q: &mut Quota| {
//!                 q.0 = q.0.saturating_sub(1);
//!                 q.0
//!             })
//!         });
//!         if left.flatten().is_some_and(|left| left > 0) {
//!             let _ = client.send_packet(&request).await;
//!         }
//!     }
//! }
//! ```
//!
//! ## Server object
//!
//! From an annotated handler to a running server is one line, plus `serve_forever`:
//!
//! ```no_run
//! # use easynet::protocol::Json;
//! # use easynet::request_handler;
//! # use easynet::udp::server::DatagramClient;
//! use easynet::udp::server::UdpServer;
//! # struct MyRequestHandler;
//! # #[request_handler]
//! # impl MyRequestHandler {
//! #     async fn handle(&self, client: &mut DatagramClient<Json<serde_json::Value>>) {
//! #         let _ = recv!();
//! #     }
//! # }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let server = UdpServer::bind("127.0.0.1:9000", Json::new(), MyRequestHandler).await?;
//!     server.serve_forever().await
//! }
//! ```
//!
//! The [builder](crate::udp::server::UdpServer::builder) sets socket options
//! (`SO_REUSEPORT`, buffer sizes, IPv6-only) and the limits of
//! [`UdpServerConfig`](crate::udp::server::UdpServerConfig), each with its counter in
//! [`stats()`](crate::udp::server::UdpServer::stats): live clients, datagrams queued per
//! client, bytes queued in total, idle timeout. A
//! [`ShutdownHandle`](crate::udp::server::ShutdownHandle) stops the server gracefully:
//!
//! ```
//! # use easynet::protocol::Raw;
//! # use easynet::request_handler;
//! # use easynet::udp::server::DatagramClient;
//! use easynet::udp::server::UdpServer;
//! use std::sync::Arc;
//! use std::time::Duration;
//! # struct Echo;
//! # #[request_handler]
//! # impl Echo {
//! #     async fn handle(&self, client: &mut DatagramClient<Raw>) {
//! #         if let Ok(b) = recv!() { let _ = client.send_packet(&b).await; }
//! #     }
//! # }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = UdpServer::builder("[::1]:0".parse().unwrap())
//!     .reuse_port(true)
//!     .max_clients(10_000)
//!     .max_queued_datagrams(16)
//!     .client_idle_timeout(Some(Duration::from_secs(60)))
//!     .build(Raw, Echo)
//!     .await?;
//! let server = Arc::new(server);
//! let shutdown = server.shutdown_handle();
//! let running = tokio::spawn({
//!     let server = Arc::clone(&server);
//!     async move { server.serve_forever().await }
//! });
//! // ... later, from anywhere:
//! shutdown.shutdown();
//! running.await.unwrap()?;
//! assert!(!server.is_serving());
//! # Ok(())
//! # }
//! ```
//!
//! The `udp_echo_server` example is a complete server (the easynetwork UDP echo
//! tutorial, same wire format).
//!
//! ### Running in the background
//!
//! Synchronous programs run the server on its own thread and runtime with
//! [`spawn_background`](crate::udp::server::UdpServer::spawn_background); the returned
//! [`BackgroundServer`](crate::udp::server::BackgroundServer) gives the bound address and
//! shuts the server down (also when dropped).
//!
//! ```
//! use easynet::protocol::Json;
//! use easynet::request_handler;
//! use easynet::udp::server::{DatagramClient, SendError, UdpServer};
//! use serde_json::{Value, json};
//!
//! struct MyRequestHandler;
//!
//! #[request_handler]
//! impl MyRequestHandler {
//!     async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
//!         let Ok(request) = recv!() else { return Ok(()) };
//!         let response = json!({"client": client.remote_addr().to_string(), "request": request});
//!         client.send_packet(&response).await
//!     }
//! }
//!
//! let server = UdpServer::spawn_background(
//!     "127.0.0.1:0".parse().unwrap(),
//!     Json::<Value>::new(),
//!     MyRequestHandler,
//! )
//! .unwrap();
//!
//! let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
//! socket.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
//! for i in 1..=3 {
//!     let request = json!({"message": format!("Hello world {i}")});
//!     socket.send_to(&serde_json::to_vec(&request).unwrap(), server.local_addr()).unwrap();
//!     let mut buf = [0; 1024];
//!     let (n, _) = socket.recv_from(&mut buf).unwrap();
//!     let response: Value = serde_json::from_slice(&buf[..n]).unwrap();
//!     assert_eq!(response["request"], request);
//!     println!("From server: {response}");
//! }
//! server.shutdown().unwrap();
//! ```
//!
//! The `udp_background_server` example prints this exchange.
