//! Options of the Unix stream server.

use crate::unix::ancillary::{DEFAULT_ANCILLARY_BUFFER_SIZE, DEFAULT_MAX_PENDING_FDS};
use crate::unix::framed::DEFAULT_MAX_RECV_SIZE;
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
            max_recv_size: DEFAULT_MAX_RECV_SIZE,
            ancillary_buffer_size: DEFAULT_ANCILLARY_BUFFER_SIZE,
            max_pending_fds: DEFAULT_MAX_PENDING_FDS,
            receive_credentials: false,
            backlog: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl UnixServerConfig {
    crate::builder::setters! {
        socket_mode(mode: u32) = Some(mode);
        max_connections(max: usize);
        idle_timeout(timeout: Duration) = Some(timeout);
        max_recv_size(size: usize);
        ancillary_buffer_size(size: usize);
        max_pending_fds(max: usize);
        receive_credentials(enabled: bool);
        backlog(backlog: i32);
        shutdown_grace(grace: Duration);
    }
}
