//! Configuration shared by the blocking and the async Unix stream client.

use crate::unix::ancillary::DEFAULT_ANCILLARY_BUFFER_SIZE;
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
    /// Ask the kernel to attach the sender's credentials to received data
    /// (`SO_PASSCRED`), so that `recv_packet_with_ancillary` reports them. Default: `false`.
    pub receive_credentials: bool,
}

impl Default for UnixClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: None,
            max_recv_size: 65536,
            ancillary_buffer_size: DEFAULT_ANCILLARY_BUFFER_SIZE,
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

    /// Sets [`connect_timeout`](Self::connect_timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
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

    /// Sets [`receive_credentials`](Self::receive_credentials).
    pub fn receive_credentials(mut self, enabled: bool) -> Self {
        self.receive_credentials = enabled;
        self
    }
}
