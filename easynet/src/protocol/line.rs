//! Text lines, like easynetwork's `StringLineSerializer`.

use super::framing::{FrameSpan, Framer, LineFramer};
use super::{ParseError, SerializeError, Serializer, StreamDecoder, StreamProtocol};
use bytes::{Buf, BytesMut};

/// The line ending [`Line`] writes. Both are always accepted on receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Newline {
    /// `\n` (the default).
    #[default]
    Lf,
    /// `\r\n`.
    CrLf,
}

impl Newline {
    /// The bytes of this line ending.
    pub const fn as_bytes(self) -> &'static [u8] {
        match self {
            Newline::Lf => b"\n",
            Newline::CrLf => b"\r\n",
        }
    }
}

/// UTF-8 text lines: sends `str`, receives [`String`].
///
/// Behaves like easynetwork's `StringLineSerializer` (with UTF-8 instead of ASCII):
///
/// * **Streams:** a packet is a line ended by `\n` or `\r\n`. The line ending is removed
///   unless [`with_keep_end`](Line::with_keep_end) is set; empty lines are skipped. On
///   send, trailing line endings of the packet are removed and one
///   [`newline`](Line::with_newline) is written; a packet with a `\n` elsewhere is refused.
/// * **Datagrams:** a packet is the whole datagram, without line ending. On receive,
///   trailing line endings are removed; on send, a packet containing `\n` is refused.
///
/// Lines longer than the [limit](Line::with_limit) (default
/// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT), line ending excluded) are refused; on a
/// stream, the rest of an over-long line is discarded, never parsed.
///
/// ```
/// use easynet::protocol::{Line, StreamDecoder, StreamProtocol};
/// let mut decoder = Line::new().decoder();
/// let mut buf = bytes::BytesMut::from(&b"a\nb\r\n"[..]);
/// assert_eq!(decoder.decode(&mut buf)?.as_deref(), Some("a"));
/// assert_eq!(decoder.decode(&mut buf)?.as_deref(), Some("b"));
/// assert_eq!(decoder.decode(&mut buf)?, None);
/// # Ok::<(), easynet::protocol::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Line {
    limit: usize,
    keep_end: bool,
    newline: Newline,
}

impl Line {
    /// Lines of at most [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT) bytes, written with `\n`,
    /// received without their line ending.
    pub const fn new() -> Self {
        Self {
            limit: super::DEFAULT_LIMIT,
            keep_end: false,
            newline: Newline::Lf,
        }
    }

    /// Sets the longest line accepted, in bytes, line ending excluded (default
    /// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)).
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Keeps the line ending (`\n` or `\r\n`, as received) in the packets read from a
    /// stream (default `false`).
    pub const fn with_keep_end(mut self, keep_end: bool) -> Self {
        self.keep_end = keep_end;
        self
    }

    /// Sets the line ending written on streams (default [`Newline::Lf`]).
    pub const fn with_newline(mut self, newline: Newline) -> Self {
        self.newline = newline;
        self
    }

    /// The longest line accepted, in bytes.
    pub const fn limit(&self) -> usize {
        self.limit
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// `data` without its trailing line endings (any number of `\n` / `\r\n`).
fn strip_line_endings(mut data: &[u8]) -> &[u8] {
    while let Some(rest) = data.strip_suffix(b"\n") {
        data = rest.strip_suffix(b"\r").unwrap_or(rest);
    }
    data
}

fn check_line(line: &[u8], limit: usize) -> Result<(), SerializeError> {
    if memchr::memchr(b'\n', line).is_some() {
        return Err(SerializeError::Format("newline found in line".into()));
    }
    if line.len() > limit {
        return Err(SerializeError::LimitExceeded {
            size: line.len(),
            limit,
        });
    }
    Ok(())
}

fn read_line(data: &[u8]) -> Result<String, ParseError> {
    match std::str::from_utf8(data) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => Err(ParseError::invalid_data("line is not valid UTF-8", data).with_source(e)),
    }
}

impl Serializer for Line {
    type Sent = str;
    type Received = String;

    fn serialize(&self, packet: &str, out: &mut BytesMut) -> Result<(), SerializeError> {
        check_line(packet.as_bytes(), self.limit)?;
        out.extend_from_slice(packet.as_bytes());
        Ok(())
    }

    fn deserialize(&self, data: &[u8]) -> Result<String, ParseError> {
        if data.len() > self.limit {
            return Err(ParseError::limit_exceeded(self.limit, data));
        }
        read_line(strip_line_endings(data))
    }
}

impl StreamProtocol for Line {
    type Sent = str;
    type Received = String;
    type Decoder = LineDecoder;

    fn encode_frame(&self, packet: &str, out: &mut BytesMut) -> Result<(), SerializeError> {
        let line = strip_line_endings(packet.as_bytes());
        check_line(line, self.limit)?;
        out.reserve(line.len() + 2);
        out.extend_from_slice(line);
        out.extend_from_slice(self.newline.as_bytes());
        Ok(())
    }

    fn decoder(&self) -> LineDecoder {
        LineDecoder {
            framer: LineFramer::new(self.limit),
            keep_end: self.keep_end,
        }
    }

    fn limit(&self) -> usize {
        self.limit
    }
}

/// The stream decoder of [`Line`].
#[derive(Debug)]
pub struct LineDecoder {
    framer: LineFramer,
    keep_end: bool,
}

impl LineDecoder {
    /// Reads the line the framer found, if any, and consumes it.
    fn take(
        &self,
        buf: &mut BytesMut,
        span: Option<FrameSpan>,
    ) -> Result<Option<String>, ParseError> {
        let Some(span) = span else {
            return Ok(None);
        };
        let end = if self.keep_end {
            span.total
        } else {
            span.content
        };
        let line = read_line(&buf[..end]);
        buf.advance(span.total);
        line.map(Some)
    }
}

impl StreamDecoder for LineDecoder {
    type Packet = String;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<String>, ParseError> {
        let span = self.framer.next_frame(buf)?;
        self.take(buf, span)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<String>, ParseError> {
        let span = self.framer.last_frame(buf)?;
        self.take(buf, span)
    }
}
