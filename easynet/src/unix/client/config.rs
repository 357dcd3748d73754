//! Configuration shared by the blocking and the async Unix stream client.

use crate::unix::ancillary::{DEFAULT_ANCILLARY_BUFFER_SIZE, DEFAULT_MAX_PENDING_FDS};
use crate::unix::framed::DEFAULT_MAX_RECV_SIZE;
use std::time::Duration;

/// How a Unix stream client connects and receives.
///
/// Used by the `connect_with_config` and `from_socket_with_config` constructors of
/// [`UnixStreamClient`](super::UnixStreamClient) and
/// [`AsyncUnixStreamClient`](super::AsyncUnixStreamClient). Every field has a default
/// (written in its doc); set the ones you need with the builder methods:
///
/// ```
/// use easynet::unix::client::UnixClientConfig;
/// use std::time::Duration;
/// let config = UnixClientConfig::new()
///     .connect_timeout(Duration::from_secs(5))
///     .max_recv_size(4096);
/// assert_eq!(config.max_recv_size, 4096);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnixClientConfig {
    /// How long `connect` may wait (a Unix connect waits only while the listener's
    /// backlog is full). Default: `None`, wait as long as the kernel does.
    pub connect_timeout: Option<Duration>,
    /// Largest number of bytes read from the socket in one system call. Default: 64 KiB.
    pub max_recv_size: usize,
    /// Size of the buffer receiving ancillary data (descriptors, credentials); data that
    /// does not fit is dropped by the kernel (its descriptors closed) and reported as
    /// `truncated`. Default: 8 KiB ([`DEFAULT_ANCILLARY_BUFFER_SIZE`]).
    ///
    /// [`DEFAULT_ANCILLARY_BUFFER_SIZE`]: crate::unix::DEFAULT_ANCILLARY_BUFFER_SIZE
    pub ancillary_buffer_size: usize,
    /// Most received file descriptors the client holds until a receive returns them
    /// (with [`recv_packet_with_ancillary`]) or discards them (the other receives); the
    /// same bound applies to received credentials. Policy beyond it, as for the server's
    /// [`max_pending_fds`](crate::unix::server::UnixServerConfig::max_pending_fds): the
    /// extra descriptors are closed at once (even while the frame they came with is
    /// still incomplete), the receive that returns the packet reports
    /// [`ReceivedAncillary::truncated`], and a warning is logged. This keeps a hostile
    /// server that sends descriptors along with one long partial frame from exhausting
    /// the process's descriptor table. Default: 253 (`SCM_MAX_FD`, the most one message
    /// can carry).
    ///
    /// [`recv_packet_with_ancillary`]: super::UnixStreamClient::recv_packet_with_ancillary
    /// [`ReceivedAncillary::truncated`]: crate::unix::ReceivedAncillary::truncated
    pub max_pending_fds: usize,
    /// Ask the kernel to attach the sender's credentials to received data
    /// (`SO_PASSCRED`), so that `recv_packet_with_ancillary` reports them. Default: `false`.
    pub receive_credentials: bool,
}

impl Default for UnixClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: None,
            max_recv_size: DEFAULT_MAX_RECV_SIZE,
            ancillary_buffer_size: DEFAULT_ANCILLARY_BUFFER_SIZE,
            max_pending_fds: DEFAULT_MAX_PENDING_FDS,
            receive_credentials: false,
        }
    }
}

impl UnixClientConfig {
    /// The defaults (same as [`Default::default`]).
    ///
    /// ```
    /// let config = easynet::unix::client::UnixClientConfig::new();
    /// assert_eq!(config.connect_timeout, None);
    /// assert_eq!(config.max_recv_size, 64 * 1024);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    crate::builder::setters! {
        connect_timeout(timeout: Duration) = Some(timeout);
        max_recv_size(size: usize);
        ancillary_buffer_size(size: usize);
        max_pending_fds(max: usize);
        receive_credentials(enabled: bool);
    }
}
