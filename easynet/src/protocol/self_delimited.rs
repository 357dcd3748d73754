//! Framing of self-delimiting binary formats (CBOR, MessagePack) on streams.
//!
//! Instead of re-running the serde parser on a growing buffer (quadratic when bytes
//! trickle in, and blind to where a bad frame ends), a small structural scanner walks
//! the item headers to find where the frame ends, remembering how far it got between
//! calls. The serde parser then runs once, on exactly one complete frame. So:
//!
//! * feeding a frame byte by byte costs linear time;
//! * a frame the serde parser rejects (wrong type, bad UTF-8…) is consumed whole and
//!   the next frame decodes normally;
//! * an over-long frame is reported as soon as it passes the limit, then skipped to its
//!   exact end without being buffered.
//!
//! A limit of these formats: a frame has no boundary but its own headers, so a peer that
//! announces more items (or bytes) than it sends keeps the decoder discarding until the
//! announced end, possibly until the connection closes. Only that peer's own stream is
//! affected, and memory stays bounded (discarded bytes are dropped as they arrive).
//!
//! ```text
//!            ┌── frame ends at `end` ≤ limit ──▶ parse buf[..end] ──▶ Some(packet) | Err(invalid)
//!            │
//!   Scanning ┼── frame passes the limit ──▶ Err(limit) ──▶ Discarding ── frame end ──▶ Scanning
//!      ▲     │
//!      └─────┴── malformed header at `at` ──▶ Err(invalid), consume buf[..=at]
//! ```
//!
//! A [`Format`] gives the header reader and the serde writer and reader;
//! [`SelfDelimited<F>`](SelfDelimited) makes it the [`SerdeFormat`] of a serde protocol.

use super::framing::{FrameSpan, Framer};
use super::serde_protocol::SerdeFormat;
use super::{BoxError, ParseError, SerializeError};
use bytes::{Buf, BytesMut};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;
use std::marker::PhantomData;

/// Deepest nesting of containers the scanner follows; deeper frames are invalid. The
/// serde parsers have similar recursion limits (ciborium: 256).
pub(crate) const MAX_DEPTH: usize = 256;

/// One item header, as read by a [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    /// Not enough bytes to read the header.
    Incomplete,
    /// Not a valid header.
    Invalid,
    /// A header of `len` bytes, followed by `payload` opaque bytes, then `children`.
    Item {
        len: usize,
        payload: u64,
        children: Children,
    },
}

/// What follows an item's header and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Children {
    /// Nothing: the item is complete.
    None,
    /// `n` nested items.
    Count(u64),
    /// Nested items up to a break marker (CBOR indefinite lengths).
    // Only CBOR has them: unused in a build with `msgpack` alone.
    #[cfg_attr(not(feature = "cbor"), allow(dead_code))]
    UntilBreak,
    /// This "item" is the break marker that ends the innermost `UntilBreak`.
    #[cfg_attr(not(feature = "cbor"), allow(dead_code))]
    Break,
}

/// A self-delimiting format: how to read one item header, and its serde writer and reader.
pub(crate) trait Format: Send + Sync + 'static {
    /// Reads the header at the start of `buf`.
    fn header(buf: &[u8]) -> Header;

    /// Appends `packet` to `out` (on error, `out` may hold part of it).
    fn write<T: Serialize + ?Sized>(packet: &T, out: &mut BytesMut) -> Result<(), BoxError>;

    /// Parses one whole frame.
    fn read<R: DeserializeOwned>(frame: &[u8]) -> Result<R, ParseError>;
}

/// The [`SerdeFormat`] of a self-delimiting format `F`: no framing on streams, frames
/// found by [`FrameFinder`], datagrams checked to be exactly one frame.
pub(crate) struct SelfDelimited<F>(PhantomData<fn() -> F>);

// By hand: derived impls would require `F: Clone` and so on.
impl<F> Clone for SelfDelimited<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for SelfDelimited<F> {}

impl<F: Format> SerdeFormat for SelfDelimited<F> {
    const DEFAULT: Self = Self(PhantomData);
    const FRAME_END: &'static [u8] = b"";

    type Framer = FrameFinder<F>;

    fn framer(limit: usize) -> FrameFinder<F> {
        FrameFinder::new(limit)
    }

    fn write<T: Serialize + ?Sized>(
        self,
        packet: &T,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), SerializeError> {
        let start = out.len();
        if let Err(e) = F::write(packet, out) {
            out.truncate(start);
            return Err(SerializeError::Format(e));
        }
        let size = out.len() - start;
        if size > limit {
            out.truncate(start);
            return Err(SerializeError::LimitExceeded { size, limit });
        }
        Ok(())
    }

    #[inline]
    fn read<R: DeserializeOwned>(data: &[u8]) -> Result<R, ParseError> {
        F::read(data)
    }

    #[inline]
    fn check_datagram(data: &[u8]) -> Result<(), ParseError> {
        check_single_frame::<F>(data)
    }
}

/// Outcome of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// The frame is the first `end` bytes.
    Complete(usize),
    /// The frame goes on past the buffer.
    Incomplete,
    /// Malformed header at this offset.
    Invalid(usize),
}

/// Incremental scanner of one frame, resumable between calls.
#[derive(Debug, Clone)]
struct Scanner {
    /// Offset, from the frame start, of the next header to read (may be past the buffer
    /// while skipping a payload).
    offset: u64,
    /// Items still expected in each open container (`None`: up to a break).
    stack: Vec<Option<u64>>,
    /// Every item of the frame was read: only the last payload may still be missing.
    done: bool,
}

impl Scanner {
    const fn new() -> Self {
        Self {
            offset: 0,
            stack: Vec::new(),
            done: false,
        }
    }

    fn reset(&mut self) {
        self.offset = 0;
        self.stack.clear();
        self.done = false;
    }

    /// The frame's end if it is inside `buf`.
    fn end_within(&self, buf: &[u8]) -> Scan {
        match usize::try_from(self.offset) {
            Ok(end) if end <= buf.len() => Scan::Complete(end),
            _ => Scan::Incomplete,
        }
    }

    fn scan<F: Format>(&mut self, buf: &[u8]) -> Scan {
        if self.done {
            return self.end_within(buf);
        }
        loop {
            let Some(rest) = usize::try_from(self.offset)
                .ok()
                .and_then(|pos| buf.get(pos..))
            else {
                return Scan::Incomplete;
            };
            let pos = buf.len() - rest.len();
            let (len, payload, children) = match F::header(rest) {
                Header::Incomplete => return Scan::Incomplete,
                Header::Invalid => return Scan::Invalid(pos),
                Header::Item {
                    len,
                    payload,
                    children,
                } => (len, payload, children),
            };
            self.offset = self
                .offset
                .saturating_add(len as u64)
                .saturating_add(payload);
            match children {
                Children::None | Children::Count(0) => {}
                Children::Count(n) => {
                    if self.stack.len() >= MAX_DEPTH {
                        return Scan::Invalid(pos);
                    }
                    self.stack.push(Some(n));
                    continue;
                }
                Children::UntilBreak => {
                    if self.stack.len() >= MAX_DEPTH {
                        return Scan::Invalid(pos);
                    }
                    self.stack.push(None);
                    continue;
                }
                Children::Break => {
                    if self.stack.pop() != Some(None) {
                        return Scan::Invalid(pos);
                    }
                }
            }
            // One item is complete: count it in its container, closing the containers
            // it completes.
            loop {
                match self.stack.last_mut() {
                    None => {
                        // The frame is complete, but the last item's payload may still
                        // run past the buffer.
                        self.done = true;
                        return self.end_within(buf);
                    }
                    Some(Some(n)) => {
                        *n -= 1;
                        if *n == 0 {
                            self.stack.pop();
                            continue;
                        }
                        break;
                    }
                    Some(None) => break,
                }
            }
        }
    }
}

/// Finds frames of format `F` at the front of a buffer, with a limit.
pub(crate) struct FrameFinder<F> {
    limit: usize,
    scanner: Scanner,
    /// Skipping the rest of an over-long frame.
    discarding: bool,
    _format: PhantomData<fn() -> F>,
}

impl<F> fmt::Debug for FrameFinder<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameFinder")
            .field("limit", &self.limit)
            .field("scanner", &self.scanner)
            .field("discarding", &self.discarding)
            .finish()
    }
}

impl<F: Format> FrameFinder<F> {
    pub(crate) const fn new(limit: usize) -> Self {
        Self {
            limit,
            scanner: Scanner::new(),
            discarding: false,
            _format: PhantomData,
        }
    }

    /// The length of the complete frame at the front of `buf`, or `None` to wait for more
    /// bytes. After `Ok(Some(end))`, the caller must consume `end` bytes.
    fn next_end(&mut self, buf: &mut BytesMut) -> Result<Option<usize>, ParseError> {
        loop {
            if self.discarding {
                match self.scanner.scan::<F>(buf) {
                    Scan::Complete(end) => {
                        buf.advance(end);
                        self.scanner.reset();
                        self.discarding = false;
                    }
                    Scan::Incomplete => {
                        self.drop_scanned(buf);
                        return Ok(None);
                    }
                    Scan::Invalid(at) => {
                        buf.advance(at + 1);
                        self.scanner.reset();
                        self.discarding = false;
                    }
                }
                continue;
            }
            if buf.is_empty() {
                return Ok(None);
            }
            return match self.scanner.scan::<F>(buf) {
                Scan::Complete(end) if end <= self.limit => {
                    self.scanner.reset();
                    Ok(Some(end))
                }
                Scan::Complete(end) => {
                    let err = ParseError::limit_exceeded(self.limit, &buf[..end]);
                    buf.advance(end);
                    self.scanner.reset();
                    Err(err)
                }
                Scan::Incomplete
                    if buf.len() > self.limit || self.scanner.offset > self.limit as u64 =>
                {
                    let err = ParseError::limit_exceeded(self.limit, buf);
                    self.discarding = true;
                    self.drop_scanned(buf);
                    Err(err)
                }
                Scan::Incomplete => Ok(None),
                Scan::Invalid(at) => {
                    let err = ParseError::invalid_data("malformed frame", &buf[..=at]);
                    buf.advance(at + 1);
                    self.scanner.reset();
                    Err(err)
                }
            };
        }
    }

    /// While discarding: drops what is known to belong to the frame, keeping a partial
    /// header, so an over-long frame is never buffered whole.
    fn drop_scanned(&mut self, buf: &mut BytesMut) {
        let n = usize::try_from(self.scanner.offset)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        buf.advance(n);
        self.scanner.offset -= n as u64;
    }

    /// At end of stream: a frame still incomplete is truncated.
    fn last_end(&mut self, buf: &mut BytesMut) -> Result<Option<usize>, ParseError> {
        if let Some(end) = self.next_end(buf)? {
            return Ok(Some(end));
        }
        let truncated = !buf.is_empty() && !self.discarding;
        let err = truncated.then(|| ParseError::invalid_data("stream ended inside a frame", buf));
        buf.clear();
        self.scanner.reset();
        self.discarding = false;
        err.map_or(Ok(None), Err)
    }
}

/// A frame of these formats has no delimiter: its content is all of it.
fn whole_frame(end: usize) -> FrameSpan {
    FrameSpan {
        content: end,
        total: end,
    }
}

impl<F: Format> Framer for FrameFinder<F> {
    fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<FrameSpan>, ParseError> {
        Ok(self.next_end(buf)?.map(whole_frame))
    }

    fn last_frame(&mut self, buf: &mut BytesMut) -> Result<Option<FrameSpan>, ParseError> {
        Ok(self.last_end(buf)?.map(whole_frame))
    }
}

/// Checks that `data` is exactly one frame of format `F` (datagrams).
pub(crate) fn check_single_frame<F: Format>(data: &[u8]) -> Result<(), ParseError> {
    match Scanner::new().scan::<F>(data) {
        Scan::Complete(end) if end == data.len() => Ok(()),
        Scan::Complete(_) => Err(ParseError::invalid_data(
            "extra data after the packet",
            data,
        )),
        Scan::Incomplete => Err(ParseError::invalid_data("truncated packet", data)),
        Scan::Invalid(_) => Err(ParseError::invalid_data("malformed packet", data)),
    }
}

/// Reads a big-endian unsigned integer of `N` bytes after a 1-byte marker.
pub(crate) fn be_uint<const N: usize>(buf: &[u8]) -> Option<u64> {
    let bytes = buf.get(1..1 + N)?;
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

#[cfg(all(test, feature = "cbor"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::protocol::cbor::CborFormat;

    #[test]
    fn byte_by_byte_scans_linearly() {
        // An array of 1000 small integers, then a second item.
        let mut frame = vec![0x99, 0x03, 0xe8];
        frame.extend(std::iter::repeat_n(0x01, 1000));
        let mut finder = FrameFinder::<CborFormat>::new(1 << 20);
        let mut buf = BytesMut::new();
        for (i, byte) in frame.iter().enumerate() {
            buf.extend_from_slice(&[*byte]);
            let found = finder.next_end(&mut buf).unwrap();
            if i + 1 < frame.len() {
                assert_eq!(found, None);
                // Every complete header was scanned once: the next call starts at the end
                // (the array header itself is 3 bytes).
                let expected = if i < 2 { 0 } else { buf.len() as u64 };
                assert_eq!(finder.scanner.offset, expected);
            } else {
                assert_eq!(found, Some(frame.len()));
            }
        }
    }

    #[test]
    fn payload_past_the_buffer_is_skipped_without_rescanning() {
        let mut finder = FrameFinder::<CborFormat>::new(10);
        // A 100-byte byte string: over the limit, reported at once, then skipped exactly.
        let mut buf = BytesMut::from(&[0x58, 100, 0, 0][..]);
        assert!(finder.next_end(&mut buf).unwrap_err().is_limit_exceeded());
        assert!(buf.is_empty(), "the known part of the frame is dropped");
        buf.extend_from_slice(&[0; 98]);
        buf.extend_from_slice(&[0x05]); // the next item: unsigned 5
        assert_eq!(finder.next_end(&mut buf).unwrap(), Some(1));
        assert_eq!(&buf[..], [0x05]);
    }
}
