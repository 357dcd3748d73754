//! Options of the Unix stream server.

use crate::unix::ancillary::DEFAULT_ANCILLARY_BUFFER_SIZE;
use std::time::Duration;

/// Options of [`UnixStreamServer`](super::UnixStreamServer).
///
/// ```
/// use easynet::unix::server::UnixServerConfig;
/// use std::time::Duration;
/// let config = UnixServerConfig::default()
///     .socket_mode(0o600)
///     .max_connections(64)
///     .idle_timeout(Duration::from_secs(300));
/// assert_eq!(config.max_connections, 64);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UnixServerConfig {
    /// Permission bits of the socket file (connecting needs write permission on it), set
    /// before the socket starts listening, so no caller can slip in under looser
    /// permissions. Ignored for abstract addresses. Default: `None`, the process umask
    /// decides.
    pub socket_mode: Option<u32>,
    /// Most connections served at once. Policy beyond it: the connection is accepted and
    /// closed at once (the client reads end of stream), and counted in
    /// [`rejected`](super::ServerStats::rejected); accepting keeps the listen backlog
    /// from filling with callers that would wait forever. Default: 1024.
    pub max_connections: usize,
    /// Close a connection when no byte arrives for this long while the server waits for
    /// a request (counted in [`idle_timeouts`](super::ServerStats::idle_timeouts)).
    /// Default: `None`, never.
    pub idle_timeout: Option<Duration>,
    /// Largest number of bytes read from a connection in one system call. A connection
    /// buffers at most the protocol's [`limit`](crate::protocol::StreamProtocol::limit)
    /// plus this many bytes: longer frames are rejected by the protocol's decoder.
    /// Each connection also holds a read buffer of this size (and one of
    /// `ancillary_buffer_size`), so lower it for servers with many mostly idle
    /// connections. Default: 64 KiB.
    pub max_recv_size: usize,
    /// Size of the per-connection buffer receiving ancillary data (descriptors,
    /// credentials). Default: 8 KiB.
    pub ancillary_buffer_size: usize,
    /// Most received file descriptors a connection holds for its handler (until it takes
    /// them with [`StreamClient::take_received_fds`]); the same bound applies to received
    /// credentials. Policy beyond it: the extra descriptors are closed at once, the
    /// handler sees [`ReceivedAncillary::truncated`], a warning is logged, and they are
    /// counted in [`dropped_fds`](super::ServerStats::dropped_fds). This keeps a peer
    /// that sends descriptors nobody claims from exhausting the process's descriptor
    /// table (which would make `accept` fail for every other client). Default: 253
    /// (`SCM_MAX_FD`, the most one message can carry).
    ///
    /// [`StreamClient::take_received_fds`]: super::StreamClient::take_received_fds
    /// [`ReceivedAncillary::truncated`]: crate::unix::ReceivedAncillary::truncated
    pub max_pending_fds: usize,
    /// Ask the kernel to attach the sender's credentials to received data
    /// (`SO_PASSCRED`; see [`StreamClient::take_received_ancillary`]). Default: `false`
    /// ([`StreamClient::peer_credentials`] works regardless).
    ///
    /// [`StreamClient::take_received_ancillary`]: super::StreamClient::take_received_ancillary
    /// [`StreamClient::peer_credentials`]: super::StreamClient::peer_credentials
    pub receive_credentials: bool,
    /// Listen backlog. Default: 1024.
    pub backlog: i32,
    /// At shutdown, how long conversations get to finish after their `recv!()` returned
    /// [`ServerClosing`](crate::RecvError::ServerClosing); the ones still running are then
    /// aborted. Default: 10 s.
    pub shutdown_grace: Duration,
}

impl Default for UnixServerConfig {
    fn default() -> Self {
        Self {
            socket_mode: None,
            max_connections: 1024,
            idle_timeout: None,
            max_recv_size: 65536,
            ancillary_buffer_size: DEFAULT_ANCILLARY_BUFFER_SIZE,
            max_pending_fds: 253,
            receive_credentials: false,
            backlog: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl UnixServerConfig {
    /// Sets [`socket_mode`](Self::socket_mode).
    pub fn socket_mode(mut self, mode: u32) -> Self {
        self.socket_mode = Some(mode);
        self
    }

    /// Sets [`max_connections`](Self::max_connections).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Sets [`max_recv_size`](Self::max_recv_size).
    pub fn max_recv_size(mut self, size: usize) -> Self {
        self.max_recv_size = size;
        self
    }

    /// Sets [`ancillary_buffer_size`](Self::ancillary_buffer_size).
    pub fn ancillary_buffer_size(mut self, size: usize) -> Self {
        self.ancillary_buffer_size = size;
        self
    }

    /// Sets [`max_pending_fds`](Self::max_pending_fds).
    pub fn max_pending_fds(mut self, max: usize) -> Self {
        self.max_pending_fds = max;
        self
    }

    /// Sets [`receive_credentials`](Self::receive_credentials).
    pub fn receive_credentials(mut self, enabled: bool) -> Self {
        self.receive_credentials = enabled;
        self
    }

    /// Sets [`backlog`](Self::backlog).
    pub fn backlog(mut self, backlog: i32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Sets [`shutdown_grace`](Self::shutdown_grace).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }
}
