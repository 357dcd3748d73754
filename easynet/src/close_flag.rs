//! The "closed" mark of a client, behind one interface whatever carries it: an atomic
//! flag, a [`CancellationToken`] (async clients: a pending receive awaits it), or the UDP
//! blocking client's close signal (a blocked `poll(2)` waits on it).
//!
//! ```text
//!   open ──close() (true the first time, false after)──▶ closed, for good
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// A mark set once, by `close()`, and read by every operation of a client.
pub(crate) trait CloseFlag {
    /// Whether [`close`](Self::close) has been called.
    fn is_closed(&self) -> bool;
    /// Sets the mark (and wakes what waits on it); `true` the first time only.
    fn close(&self) -> bool;
}

impl CloseFlag for AtomicBool {
    fn is_closed(&self) -> bool {
        self.load(Ordering::Acquire)
    }

    fn close(&self) -> bool {
        !self.swap(true, Ordering::AcqRel)
    }
}

impl CloseFlag for CancellationToken {
    fn is_closed(&self) -> bool {
        self.is_cancelled()
    }

    fn close(&self) -> bool {
        if self.is_cancelled() {
            return false;
        }
        self.cancel();
        true
    }
}
