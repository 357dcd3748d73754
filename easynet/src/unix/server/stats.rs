//! Counters of the Unix stream server.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A snapshot of the server's counters (see [`UnixStreamServer::stats`]).
///
/// [`UnixStreamServer::stats`]: super::UnixStreamServer::stats
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Connections accepted and served.
    pub accepted: u64,
    /// Connections being served now.
    pub active: usize,
    /// Connections closed at once because `max_connections` were being served.
    pub rejected: u64,
    /// Connections closed by the idle timeout.
    pub idle_timeouts: u64,
    /// Frames that failed to parse (delivered to `recv!()` as `RecvError::Parse`).
    pub parse_errors: u64,
    /// Frames longer than the protocol's limit (also counted in `parse_errors`).
    pub oversized_frames: u64,
    /// Conversations that ended with an error or a panic (logged).
    pub handler_errors: u64,
    /// Received file descriptors closed unclaimed because a connection already held
    /// [`max_pending_fds`](super::UnixServerConfig::max_pending_fds) of them.
    pub dropped_fds: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) active: AtomicUsize,
    pub(crate) rejected: AtomicU64,
    pub(crate) idle_timeouts: AtomicU64,
    pub(crate) parse_errors: AtomicU64,
    pub(crate) oversized_frames: AtomicU64,
    pub(crate) handler_errors: AtomicU64,
    pub(crate) dropped_fds: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> ServerStats {
        ServerStats {
            accepted: self.accepted.load(Ordering::Relaxed),
            active: self.active.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            idle_timeouts: self.idle_timeouts.load(Ordering::Relaxed),
            parse_errors: self.parse_errors.load(Ordering::Relaxed),
            oversized_frames: self.oversized_frames.load(Ordering::Relaxed),
            handler_errors: self.handler_errors.load(Ordering::Relaxed),
            dropped_fds: self.dropped_fds.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
