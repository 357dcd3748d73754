//! Limits and socket options of a UDP server.

use std::time::Duration;

/// Limits of a UDP server. Each has a documented policy and a counter in
/// [`ServerStats`](super::ServerStats).
///
/// ```
/// use easynet::udp::server::UdpServerConfig;
/// let config = UdpServerConfig::default();
/// assert_eq!(config.max_clients, 100_000);
/// assert_eq!(config.max_queued_datagrams, 64);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UdpServerConfig {
    /// Most clients with a live conversation at once. A datagram from a *new* client
    /// beyond it is dropped unread and counted in `dropped_client_limit`; live clients
    /// are unaffected. Bounds the memory a flood of spoofed addresses can take.
    /// Default: `100_000`.
    pub max_clients: usize,
    /// Most datagrams queued for one client (waiting for its `recv!()`). Beyond it, the
    /// newest datagram is dropped and counted in `dropped_queue_full`. Default: `64`.
    pub max_queued_datagrams: usize,
    /// Most bytes queued for all clients together. Beyond it, the newest datagram is
    /// dropped and counted in `dropped_memory_limit`. Default: 64 MiB.
    pub max_queued_bytes: usize,
    /// If set, a `recv!()` that waits longer than this gives `Err(RecvError::Timeout)`
    /// (counted in `idle_timeouts`), even without `timeout = ...`: an idle conversation
    /// cannot hold its slot forever. Default: `None`.
    pub client_idle_timeout: Option<Duration>,
    /// Largest datagram received, in bytes; longer ones are truncated by the OS.
    /// Default: `65_535`.
    pub max_datagram_size: usize,
    /// How long shutdown waits for conversations to end after their `recv!()` gave
    /// `ServerClosing`, before aborting them; then, once they are gone, how long it
    /// waits for the background tasks of `service_init` after cancelling their shutdown
    /// token, before aborting them too. So `serve_forever` returns at most about twice
    /// this after a shutdown, whatever the handler does (short of blocking a thread).
    /// Default: 5 seconds.
    pub shutdown_grace: Duration,
}

impl Default for UdpServerConfig {
    fn default() -> Self {
        Self {
            max_clients: 100_000,
            max_queued_datagrams: 64,
            max_queued_bytes: 64 * 1024 * 1024,
            client_idle_timeout: None,
            max_datagram_size: 65_535,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Socket options applied before binding.
#[derive(Debug, Clone, Default)]
pub(crate) struct SocketOptions {
    pub(crate) reuse_port: bool,
    pub(crate) recv_buffer_size: Option<usize>,
    pub(crate) send_buffer_size: Option<usize>,
    pub(crate) only_v6: Option<bool>,
}
