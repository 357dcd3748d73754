//! The client table: one [`Slot`] per client with a live conversation.
//!
//! Lock order is always table → slot. Every decision that creates or removes an entry is
//! taken under the table lock, so a datagram that arrives while a conversation ends is
//! either queued in the slot *before* the end check (and starts the next conversation)
//! or finds no entry *after* it (and starts a new one): it is never lost.

use super::config::UdpServerConfig;
use super::stats::Counters;
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use tokio::task::AbortHandle;

/// Locks a mutex; a poisoned lock is still used, since no code panics while holding one
/// of ours and the data stays consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Drops the datagrams still queued and releases their bytes.
fn drop_queued(queue: &mut VecDeque<Bytes>, counters: &Counters) {
    // The usual case, checked first: no drain, no atomic operation.
    if queue.is_empty() {
        return;
    }
    let left: usize = queue.drain(..).map(|d| d.len()).sum();
    counters.release_queued_bytes(left);
}

/// Empties `queue`, keeping its buffer. `VecDeque::clear` costs tens of instructions
/// even on an empty queue, the usual case here, paid on every datagram.
fn clear(queue: &mut VecDeque<Bytes>) {
    if !queue.is_empty() {
        queue.clear();
    }
}

/// One client's state: its queued datagrams and how to wake its conversation.
///
/// ```text
///            datagram, no entry                 handle() returns, queue empty
///   (none) ──────────────────────▶ Live ──────────────────────────────────▶ (none)
///             (entered in the table only if its first, inline poll did not finish)
///                                  │  ▲   handle() returns, queue non-empty:
///                                  │  └── next conversation, same slot
///                                  │ shutdown: closed = true, waker woken
///                                  ▼
///                               Closed ── recv!() gives ServerClosing; the entry
///                                         is removed when the conversation ends
/// ```
#[derive(Debug)]
pub(crate) struct Slot {
    state: Mutex<SlotState>,
}

#[derive(Debug)]
pub(crate) struct SlotState {
    /// Raw datagrams in arrival order; parsed only when `recv!()` pops them. An empty
    /// `VecDeque` does not allocate.
    pub(crate) queue: VecDeque<Bytes>,
    /// The waker of a `recv!()` waiting for this client.
    pub(crate) waker: Option<Waker>,
    /// Set at shutdown: `recv!()` returns `ServerClosing`.
    pub(crate) closed: bool,
    /// The conversation's task, if it had to be spawned (forced abort at shutdown).
    pub(crate) task: Option<AbortHandle>,
    /// Whether the slot is in the table. A conversation that completes during its
    /// first, inline poll never enters it: no datagram can be routed to it meanwhile,
    /// since routing and that poll both happen in the receive loop.
    pub(crate) in_table: bool,
}

impl Slot {
    fn new(first: Bytes) -> Self {
        let mut queue = VecDeque::new();
        queue.push_back(first);
        Self {
            state: Mutex::new(SlotState {
                queue,
                waker: None,
                closed: false,
                task: None,
                in_table: false,
            }),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SlotState> {
        lock(&self.state)
    }

    /// A slot for a new conversation whose first datagram is `first`: `recycled` (the
    /// slot of a conversation that completed inline) if nothing else holds it, reset
    /// in place, so that its allocation and its queue's are reused; else a new one.
    fn reuse_or_new(recycled: Option<Arc<Slot>>, first: Bytes) -> Arc<Slot> {
        if let Some(mut slot) = recycled
            && let Some(unique) = Arc::get_mut(&mut slot)
        {
            let state = unique
                .state
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner);
            // Keeps the queue's capacity (the conversation completed inline, so the
            // receive loop holds the only reference: no idle client pays for it).
            clear(&mut state.queue);
            state.queue.push_back(first);
            state.waker = None;
            state.closed = false;
            state.task = None;
            state.in_table = false;
            return slot;
        }
        Arc::new(Slot::new(first))
    }
}

/// The table itself.
#[derive(Debug, Default)]
pub(crate) struct ClientTable {
    inner: Mutex<TableState>,
}

#[derive(Debug, Default)]
struct TableState {
    clients: HashMap<SocketAddr, Arc<Slot>>,
    /// Set at shutdown: no conversation starts any more.
    closing: bool,
}

/// What became of a received datagram.
pub(crate) enum Dispatch {
    /// Queued for the client's live conversation.
    Queued,
    /// The client had no conversation: start one on this slot.
    Start(Arc<Slot>),
    /// Dropped (limit or shutdown); already counted.
    Dropped,
}

impl ClientTable {
    /// Routes one datagram from `addr`, enforcing the limits of `config`. A started
    /// conversation gets `recycled` (see [`Slot::reuse_or_new`]) if it can.
    ///
    /// `datagram` is in the receive buffer: a datagram that is kept (queued, or the
    /// first of a new conversation) is copied to its exact size, once. That copy is
    /// what a `recv!()` hands over (without another copy for `Raw`), and what a
    /// retained packet keeps alive: its own bytes, never a whole receive buffer.
    pub(crate) fn dispatch(
        &self,
        addr: SocketAddr,
        datagram: &[u8],
        config: &UdpServerConfig,
        counters: &Counters,
        recycled: &mut Option<Arc<Slot>>,
    ) -> Dispatch {
        let table = lock(&self.inner);
        if table.closing {
            return Dispatch::Dropped;
        }
        let len = datagram.len();
        if let Some(slot) = table.clients.get(&addr) {
            let waker = {
                let mut state = slot.lock();
                if state.queue.len() >= config.max_queued_datagrams {
                    counters.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
                    return Dispatch::Dropped;
                }
                if !counters.reserve_queued_bytes(len, config.max_queued_bytes) {
                    counters
                        .dropped_memory_limit
                        .fetch_add(1, Ordering::Relaxed);
                    return Dispatch::Dropped;
                }
                state.queue.push_back(Bytes::copy_from_slice(datagram));
                state.waker.take()
            };
            drop(table);
            if let Some(waker) = waker {
                waker.wake();
            }
            return Dispatch::Queued;
        }
        if table.clients.len() >= config.max_clients {
            counters
                .dropped_client_limit
                .fetch_add(1, Ordering::Relaxed);
            return Dispatch::Dropped;
        }
        // The first datagram is accounted only if it is still queued after the
        // conversation's inline poll (see `register`): most are taken by then. The
        // limit is checked now, with a plain load: only the receive loop (this
        // caller) adds queued bytes, so the total cannot grow before `register`.
        if counters
            .queued_bytes
            .load(Ordering::Relaxed)
            .saturating_add(len)
            > config.max_queued_bytes
        {
            counters
                .dropped_memory_limit
                .fetch_add(1, Ordering::Relaxed);
            return Dispatch::Dropped;
        }
        Dispatch::Start(Slot::reuse_or_new(
            recycled.take(),
            Bytes::copy_from_slice(datagram),
        ))
    }

    /// Enters a started conversation's slot in the table: called by the receive loop
    /// when the conversation did not complete during its inline poll, before it is
    /// spawned (so before it can end).
    ///
    /// The first datagram, if the conversation has not taken it yet, is only now
    /// accounted in the queued bytes; from here on every datagram in the queue is.
    pub(crate) fn register(&self, addr: SocketAddr, slot: &Arc<Slot>, counters: &Counters) {
        let mut table = lock(&self.inner);
        let mut state = slot.lock();
        state.in_table = true;
        // Only possible if `serve_forever` was dropped meanwhile: close it at once.
        state.closed |= table.closing;
        match state.queue.front() {
            Some(first) => {
                counters
                    .queued_bytes
                    .fetch_add(first.len(), Ordering::Relaxed);
            }
            // Taken: free the buffer kept for reuse (see `poll_datagram`), so that an
            // idle client holds no queue allocation.
            None => state.queue = VecDeque::new(),
        }
        drop(state);
        table.clients.insert(addr, Arc::clone(slot));
    }

    /// Called when a conversation of `addr` ends. If it never received, its first
    /// datagram is refused (dropped unparsed). Returns `true` if datagrams are still
    /// queued and the next conversation must start on the same slot; otherwise the
    /// entry is removed, under the table lock (see the module docs).
    pub(crate) fn end_conversation(
        &self,
        addr: SocketAddr,
        slot: &Arc<Slot>,
        received: bool,
        counters: &Counters,
    ) -> bool {
        {
            let mut state = slot.lock();
            if !state.in_table {
                // Never registered (it completed inline): nobody else can have queued
                // a datagram in it, there is no entry to remove, and its only
                // datagram, the first, was never accounted (see `register`). `clear`
                // keeps the queue's buffer for the slot's reuse.
                if !received && !state.queue.is_empty() {
                    counters.refused.fetch_add(1, Ordering::Relaxed);
                }
                clear(&mut state.queue);
                return false;
            }
        }
        let mut table = lock(&self.inner);
        let mut state = slot.lock();
        if !received && let Some(refused) = state.queue.pop_front() {
            counters.release_queued_bytes(refused.len());
            counters.refused.fetch_add(1, Ordering::Relaxed);
        }
        if !state.queue.is_empty() && !state.closed && !table.closing {
            counters
                .conversations_continued
                .fetch_add(1, Ordering::Relaxed);
            return true;
        }
        drop_queued(&mut state.queue, counters);
        state.task = None;
        drop(state);
        if table
            .clients
            .get(&addr)
            .is_some_and(|current| Arc::ptr_eq(current, slot))
        {
            table.clients.remove(&addr);
        }
        false
    }

    /// Shutdown, step 1: no new conversation; every `recv!()` gets `ServerClosing`.
    pub(crate) fn close(&self) {
        let mut wakers = Vec::new();
        {
            let mut table = lock(&self.inner);
            table.closing = true;
            for slot in table.clients.values() {
                let mut state = slot.lock();
                state.closed = true;
                wakers.extend(state.waker.take());
            }
        }
        for waker in wakers {
            waker.wake();
        }
    }

    /// Shutdown, step 2 (after the grace period): aborts the conversations still running.
    pub(crate) fn abort_all(&self) {
        let table = lock(&self.inner);
        for slot in table.clients.values() {
            if let Some(task) = &slot.lock().task {
                task.abort();
            }
        }
    }

    /// Forgets every entry (after all conversations are gone).
    pub(crate) fn clear(&self) {
        let mut table = lock(&self.inner);
        table.clients.clear();
    }

    /// Number of clients with a live conversation.
    pub(crate) fn len(&self) -> usize {
        lock(&self.inner).clients.len()
    }
}
