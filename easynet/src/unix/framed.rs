//! The read half of a framed Unix stream, shared by the clients and the server: bytes come
//! in through `recvmsg` (so ancillary data is never lost), the protocol's decoder cuts them
//! into packets.
//!
//! ```text
//!   poll_buffered():
//!     buf holds a whole frame ───────────▶ Packet | Error (the decoder consumed it)
//!     buf holds a partial frame, !eof ───▶ NeedMore  ──▶ caller waits, then fill()
//!     peer closed (eof) ─────────────────▶ decode_eof: Packet | Error | Eof
//!   fill(): one non-blocking recvmsg ───▶ bytes appended to buf, fds/credentials kept
//!                                          in `ancillary` until someone takes them
//! ```

use super::ancillary::{ReceivedAncillary, ancillary_space, recv_with_ancillary};
use crate::protocol::{ParseError, StreamDecoder};
use bytes::BytesMut;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::BorrowedFd;

/// Default largest read in one system call, for the clients and the server: 64 KiB.
pub(crate) const DEFAULT_MAX_RECV_SIZE: usize = 64 * 1024;

/// What the bytes already read give.
pub(crate) enum Buffered<T> {
    /// A whole packet.
    Packet(T),
    /// A frame that failed to parse (consumed; the decoder has resynchronised).
    Error(ParseError),
    /// A partial frame: read more.
    NeedMore,
    /// The peer closed its write side and nothing is left.
    Eof,
}

/// Decoder, buffered bytes and pending ancillary data of one connection.
pub(crate) struct FramedReader<D> {
    decoder: D,
    buf: BytesMut,
    /// Zero-initialised once: `recvmsg` needs an initialised `&mut [u8]` (no unsafe), and
    /// re-zeroing spare `BytesMut` capacity on every read would cost a memset per read.
    chunk: Vec<u8>,
    space: Vec<MaybeUninit<u8>>,
    /// Ancillary data received with the bytes read so far, not yet taken.
    pub(crate) ancillary: ReceivedAncillary,
    eof: bool,
}

impl<D: StreamDecoder> FramedReader<D> {
    pub(crate) fn new(decoder: D, max_recv_size: usize, ancillary_buffer_size: usize) -> Self {
        Self {
            decoder,
            buf: BytesMut::new(),
            chunk: vec![0; max_recv_size.max(1)],
            space: ancillary_space(ancillary_buffer_size),
            ancillary: ReceivedAncillary::default(),
            eof: false,
        }
    }

    /// Decodes from what was already read, without any I/O.
    pub(crate) fn poll_buffered(&mut self) -> Buffered<D::Packet> {
        let result = if self.eof {
            self.decoder.decode_eof(&mut self.buf)
        } else {
            self.decoder.decode(&mut self.buf)
        };
        match result {
            Ok(Some(packet)) => Buffered::Packet(packet),
            Err(e) => Buffered::Error(e),
            Ok(None) if self.eof => Buffered::Eof,
            Ok(None) => Buffered::NeedMore,
        }
    }

    /// One non-blocking read. `Ok(0)` means end of stream (then remembered).
    pub(crate) fn fill(&mut self, socket: BorrowedFd<'_>) -> io::Result<usize> {
        let n = recv_with_ancillary(
            socket,
            &mut self.chunk,
            &mut self.space,
            &mut self.ancillary,
        )?;
        if n == 0 {
            self.eof = true;
        } else {
            self.buf.extend_from_slice(&self.chunk[..n]);
        }
        Ok(n)
    }

    /// Marks the stream ended (our side closed it).
    pub(crate) fn set_eof(&mut self) {
        self.eof = true;
    }

    /// Takes the pending ancillary data.
    pub(crate) fn take_ancillary(&mut self) -> ReceivedAncillary {
        std::mem::take(&mut self.ancillary)
    }
}
