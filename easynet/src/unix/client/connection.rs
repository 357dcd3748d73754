//! What the blocking and the async Unix stream client both hold and do alike: the
//! protocol, the connected socket, the close and write-closed marks. Each client wraps
//! one, with its own socket type (`std` or tokio) and close mark (an `AtomicBool`, or a
//! `CancellationToken` that wakes an `.await`), and keeps its own locks (`std` or tokio)
//! and its own waiting.

use super::{UnixClientError, fill};
use crate::close_flag::CloseFlag;
use crate::protocol::StreamProtocol;
use crate::unix::ancillary::{Credentials, peer_credentials};
use crate::unix::framed::FramedReader;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};

pub(super) struct Connection<P, S, C> {
    protocol: P,
    pub(super) socket: S,
    pub(super) closed: C,
    write_closed: AtomicBool,
    /// See [`UnixClientConfig::max_pending_fds`](super::UnixClientConfig::max_pending_fds).
    max_pending_fds: usize,
}

impl<P: StreamProtocol, S: AsFd, C: CloseFlag> Connection<P, S, C> {
    pub(super) fn new(protocol: P, socket: S, closed: C, max_pending_fds: usize) -> Self {
        Self {
            protocol,
            socket,
            closed,
            write_closed: AtomicBool::new(false),
            max_pending_fds,
        }
    }

    pub(super) fn protocol(&self) -> &P {
        &self.protocol
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.is_closed()
    }

    pub(super) fn check_open(&self) -> Result<(), UnixClientError> {
        if self.is_closed() {
            Err(UnixClientError::Closed)
        } else {
            Ok(())
        }
    }

    /// Whether a send may start: not closed, write side not shut down.
    pub(super) fn check_can_send(&self) -> Result<(), UnixClientError> {
        self.check_open()?;
        if self.write_closed.load(Ordering::Acquire) {
            Err(UnixClientError::WriteClosed)
        } else {
            Ok(())
        }
    }

    /// Shuts down the write side, once. The caller holds the send lock, so no send is in
    /// progress (sends write everything before they release it).
    pub(super) fn shutdown_write(&self) -> Result<(), UnixClientError> {
        self.check_open()?;
        if !self.write_closed.swap(true, Ordering::AcqRel) {
            socket2::SockRef::from(&self.socket)
                .shutdown(Shutdown::Write)
                .map_err(UnixClientError::Io)?;
        }
        Ok(())
    }

    /// Sets the close mark, then shuts the socket down, which makes it readable (end of
    /// stream) and so wakes every receiver waiting on it, blocked in `poll(2)` or awaiting
    /// readiness; they see the mark and return `Closed`.
    pub(super) fn close(&self) {
        if self.closed.close() {
            let _ = socket2::SockRef::from(&self.socket).shutdown(Shutdown::Both);
        }
    }

    pub(super) fn peer_credentials(&self) -> Result<Credentials, UnixClientError> {
        peer_credentials(&self.socket).map_err(UnixClientError::Io)
    }

    /// One non-blocking read into `reader` (see [`fill`]).
    pub(super) fn fill(&self, reader: &mut FramedReader<P::Decoder>) -> io::Result<usize> {
        fill(reader, self.socket.as_fd(), self.max_pending_fds)
    }
}

impl<P, S: fmt::Debug, C: CloseFlag> Connection<P, S, C> {
    /// The client's `Debug`, named `name`.
    pub(super) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("socket", &self.socket)
            .field("closed", &self.closed.is_closed())
            .finish_non_exhaustive()
    }
}
