//! Framing: finding where each frame ends in a byte stream ([`Framer`]), and the line
//! framing shared by the line-based protocols ([`Json`](super::Json) and
//! [`Line`](super::Line)). The self-delimiting formats have theirs in `self_delimited`.
//!
//! A line frame is the bytes up to a `\n`; a `\r` just before it is part of the line ending, so
//! `\n` and `\r\n` are both accepted. Empty lines are skipped, like easynetwork's
//! `AutoSeparatedPacketSerializer` does with successive separators.
//!
//! ```text
//!            ┌──────── line found, content ≤ limit ──▶ Some(span)   (caller consumes it)
//!            │
//!   Scanning ┼──────── line found, content > limit ──▶ Err(limit)   (line consumed)
//!      ▲     │
//!      │     └──────── no `\n` in limit + 2 bytes ──▶ Err(limit) ──▶ Discarding
//!      │                                                                 │
//!      └──────────────── `\n` found: drop everything up to it ◀─────────┘
//! ```
//!
//! The scanner remembers how far it already looked for a `\n` (`next_index`), so feeding
//! a long line byte by byte costs linear, not quadratic, time.

use super::ParseError;
use bytes::{Buf, BytesMut};

/// Where the next frame is in the buffer: `content` bytes of payload (a line ending
/// excluded), `total` bytes to consume (a line ending included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameSpan {
    pub(crate) content: usize,
    pub(crate) total: usize,
}

/// Finds the frames of a stream, one at a time, at the front of a buffer, under a limit.
///
/// Both methods leave the frame in the buffer: after `Ok(Some(span))` the caller reads
/// `buf[..span.content]`, then consumes `span.total` bytes. Bytes that belong to no
/// frame (separators, the tail of an over-long frame) are consumed by the framer.
pub(crate) trait Framer: std::fmt::Debug + Send + 'static {
    /// The next complete frame, or `None` to wait for more bytes.
    fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<FrameSpan>, ParseError>;

    /// At end of stream: the next frame, from what is left in `buf`.
    fn last_frame(&mut self, buf: &mut BytesMut) -> Result<Option<FrameSpan>, ParseError>;
}

/// Incremental `\n` / `\r\n` line finder with a hard limit on the line length.
#[derive(Debug, Clone)]
pub(crate) struct LineFramer {
    /// Largest accepted line, line ending excluded.
    limit: usize,
    /// Bytes of the buffer already scanned for `\n` without success.
    next_index: usize,
    /// Discarding the tail of an over-long line, up to and including its `\n`.
    discarding: bool,
}

impl LineFramer {
    pub(crate) const fn new(limit: usize) -> Self {
        Self {
            limit,
            next_index: 0,
            discarding: false,
        }
    }
}

impl Framer for LineFramer {
    /// Finds the next non-empty line at the front of `buf`. The caller must consume
    /// `span.total` bytes after reading the line.
    fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<FrameSpan>, ParseError> {
        loop {
            if self.discarding {
                match memchr::memchr(b'\n', buf) {
                    Some(newline) => {
                        buf.advance(newline + 1);
                        self.discarding = false;
                    }
                    None => {
                        buf.clear();
                        return Ok(None);
                    }
                }
            }
            // A valid line is at most `limit` content bytes, an optional `\r` and the `\n`:
            // past that window, the line is over-long whatever comes next.
            let window = buf.len().min(self.limit.saturating_add(2));
            let start = self.next_index.min(window);
            match memchr::memchr(b'\n', &buf[start..window]) {
                Some(offset) => {
                    let newline = start + offset;
                    self.next_index = 0;
                    let content = if newline > 0 && buf[newline - 1] == b'\r' {
                        newline - 1
                    } else {
                        newline
                    };
                    if content == 0 {
                        buf.advance(newline + 1);
                        continue;
                    }
                    if content > self.limit {
                        let err = ParseError::limit_exceeded(self.limit, &buf[..content]);
                        buf.advance(newline + 1);
                        return Err(err);
                    }
                    return Ok(Some(FrameSpan {
                        content,
                        total: newline + 1,
                    }));
                }
                None if window == self.limit.saturating_add(2) => {
                    // No `\n` in the window: drop it, the rest of the line goes in discarding.
                    let err = ParseError::limit_exceeded(self.limit, &buf[..window]);
                    buf.advance(window);
                    self.next_index = 0;
                    self.discarding = true;
                    return Err(err);
                }
                None => {
                    self.next_index = window;
                    return Ok(None);
                }
            }
        }
    }

    /// At end of stream: the unterminated rest of the buffer is a last line (like
    /// `tokio_util::codec::LinesCodec`), unless it is the tail of an over-long line.
    fn last_frame(&mut self, buf: &mut BytesMut) -> Result<Option<FrameSpan>, ParseError> {
        if let Some(span) = self.next_frame(buf)? {
            return Ok(Some(span));
        }
        self.next_index = 0;
        if self.discarding {
            self.discarding = false;
            buf.clear();
            return Ok(None);
        }
        let content = if buf.last() == Some(&b'\r') {
            buf.len() - 1
        } else {
            buf.len()
        };
        if content == 0 {
            buf.clear();
            return Ok(None);
        }
        if content > self.limit {
            let err = ParseError::limit_exceeded(self.limit, buf);
            buf.clear();
            return Err(err);
        }
        Ok(Some(FrameSpan {
            content,
            total: buf.len(),
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lines(framer: &mut LineFramer, buf: &mut BytesMut) -> Vec<Result<Vec<u8>, bool>> {
        let mut out = Vec::new();
        loop {
            match framer.next_frame(buf) {
                Ok(Some(span)) => {
                    out.push(Ok(buf[..span.content].to_vec()));
                    buf.advance(span.total);
                }
                Ok(None) => return out,
                Err(e) => out.push(Err(e.is_limit_exceeded())),
            }
        }
    }

    #[test]
    fn lf_crlf_and_empty_lines() {
        let mut framer = LineFramer::new(10);
        let mut buf = BytesMut::from(&b"a\r\n\n\r\nbc\nd"[..]);
        assert_eq!(
            lines(&mut framer, &mut buf),
            vec![Ok(b"a".to_vec()), Ok(b"bc".to_vec())]
        );
        assert_eq!(&buf[..], b"d");
    }

    #[test]
    fn limit_edges() {
        let mut framer = LineFramer::new(3);
        let mut buf = BytesMut::from(&b"abc\nabc\r\nabcd\nxy\n"[..]);
        assert_eq!(
            lines(&mut framer, &mut buf),
            vec![
                Ok(b"abc".to_vec()),
                Ok(b"abc".to_vec()),
                Err(true),
                Ok(b"xy".to_vec())
            ]
        );
    }

    #[test]
    fn over_long_tail_is_discarded() {
        let mut framer = LineFramer::new(3);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &b in b"abcdefgh\nok\n" {
            buf.extend_from_slice(&[b]);
            got.extend(lines(&mut framer, &mut buf));
        }
        assert_eq!(got, vec![Err(true), Ok(b"ok".to_vec())]);
    }

    #[test]
    fn byte_by_byte_scans_linearly() {
        let mut framer = LineFramer::new(1 << 20);
        let mut buf = BytesMut::new();
        for _ in 0..1000 {
            buf.extend_from_slice(b"x");
            assert_eq!(framer.next_frame(&mut buf).unwrap(), None);
            assert_eq!(framer.next_index, buf.len());
        }
    }
}
