//! How `close()` wakes the threads blocked in a blocking client's `recv_packet()`.
//!
//! The blocking client's socket is non-blocking; a receive waits in `poll(2)` on two
//! descriptors: the socket and this signal. `close()` sets a flag and makes the signal
//! readable, for good, so every thread that waits (or will wait) wakes at once, sees
//! the flag and returns `Closed`.
//!
//! Why not the alternatives: a blocking `recv(2)` cannot be interrupted without closing
//! the descriptor under the other thread (racy: the number can be reused by an unrelated
//! file meanwhile) or signals; `shutdown(2)` wakes it on Linux only, and its "end of
//! file" cannot be told apart from an empty datagram; `SO_RCVTIMEO` polling would make
//! `close()` wait up to a period. The signal costs one descriptor per client and no
//! thread, and it is released with the client.
//!
//! ```text
//!   open ──close()──▶ closed (flag set, descriptor readable forever)
//! ```

use crate::close_flag::CloseFlag;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug)]
pub(super) struct CloseSignal {
    closed: AtomicBool,
    /// Readable once closed. Linux: an eventfd (one descriptor).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    readable: OwnedFd,
    /// Readable once closed. Elsewhere: the read end of a socket pair, whose write end
    /// is dropped by `close()`, which makes the read end report end-of-file.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    readable: OwnedFd,
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    writer: std::sync::Mutex<Option<OwnedFd>>,
}

impl CloseSignal {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) fn new() -> io::Result<Self> {
        use rustix::event::{EventfdFlags, eventfd};
        let readable = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Self {
            closed: AtomicBool::new(false),
            readable,
        })
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(super) fn new() -> io::Result<Self> {
        let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
        Ok(Self {
            closed: AtomicBool::new(false),
            readable: reader.into(),
            writer: std::sync::Mutex::new(Some(writer.into())),
        })
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn make_readable(&self) {
        // Called once (guarded by the flag), so the counter goes from 0 to 1 and the
        // write cannot fail with EAGAIN; the value is never read.
        if let Err(e) = rustix::io::write(&self.readable, &1u64.to_ne_bytes()) {
            tracing::error!(error = %e, "cannot signal close to blocked receivers");
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn make_readable(&self) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        writer.take();
    }
}

impl CloseFlag for CloseSignal {
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn close(&self) -> bool {
        if self.closed.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.make_readable();
        true
    }
}

impl AsFd for CloseSignal {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.readable.as_fd()
    }
}
