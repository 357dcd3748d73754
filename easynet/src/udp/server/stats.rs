//! Counters of a UDP server, readable at any time with `UdpServer::stats`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A snapshot of a UDP server's counters. Every limit of
/// [`UdpServerConfig`](super::UdpServerConfig) has its counter here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Clients with a live conversation now.
    pub live_clients: usize,
    /// Bytes of datagrams queued now, waiting for a `recv!()`.
    pub queued_bytes: usize,
    /// Datagrams received from the socket.
    pub datagrams_received: u64,
    /// Conversations started (calls of `handle`).
    pub conversations_started: u64,
    /// Datagrams dropped because they came from a new client while
    /// [`max_clients`](super::UdpServerConfig::max_clients) clients were live.
    pub dropped_client_limit: u64,
    /// Datagrams dropped because their client already had
    /// [`max_queued_datagrams`](super::UdpServerConfig::max_queued_datagrams) queued.
    pub dropped_queue_full: u64,
    /// Datagrams dropped because all queues together held
    /// [`max_queued_bytes`](super::UdpServerConfig::max_queued_bytes).
    pub dropped_memory_limit: u64,
    /// Datagrams refused: their conversation returned before its first `recv!()`.
    pub refused: u64,
    /// Conversations that ended with an error.
    pub handler_errors: u64,
    /// Conversations that panicked.
    pub handler_panics: u64,
    /// `recv!()`s that gave `Timeout` because of
    /// [`client_idle_timeout`](super::UdpServerConfig::client_idle_timeout).
    pub idle_timeouts: u64,
}

/// The live counters behind [`ServerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) queued_bytes: AtomicUsize,
    /// Written by the receive loop only (a plain store of its own count).
    pub(crate) datagrams_received: AtomicU64,
    /// Conversations the receive loop started: written by it only, like
    /// `datagrams_received`.
    pub(crate) conversations_started: AtomicU64,
    /// Conversations started on the same slot when the previous one ended with
    /// datagrams queued: incremented by the conversations' tasks.
    pub(crate) conversations_continued: AtomicU64,
    pub(crate) dropped_client_limit: AtomicU64,
    pub(crate) dropped_queue_full: AtomicU64,
    pub(crate) dropped_memory_limit: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) handler_errors: AtomicU64,
    pub(crate) handler_panics: AtomicU64,
    pub(crate) idle_timeouts: AtomicU64,
}

impl Counters {
    /// Accounts `len` more queued bytes unless that would exceed `max`.
    pub(crate) fn reserve_queued_bytes(&self, len: usize, max: usize) -> bool {
        self.queued_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |queued| {
                queued.checked_add(len).filter(|&total| total <= max)
            })
            .is_ok()
    }

    pub(crate) fn release_queued_bytes(&self, len: usize) {
        self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, live_clients: usize) -> ServerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ServerStats {
            live_clients,
            queued_bytes: self.queued_bytes.load(Ordering::Relaxed),
            datagrams_received: get(&self.datagrams_received),
            conversations_started: get(&self.conversations_started)
                + get(&self.conversations_continued),
            dropped_client_limit: get(&self.dropped_client_limit),
            dropped_queue_full: get(&self.dropped_queue_full),
            dropped_memory_limit: get(&self.dropped_memory_limit),
            refused: get(&self.refused),
            handler_errors: get(&self.handler_errors),
            handler_panics: get(&self.handler_panics),
            idle_timeouts: get(&self.idle_timeouts),
        }
    }
}
