//! JSON (serde_json), wire-compatible with easynetwork's `JSONSerializer`.

use super::framing::LineFramer;
use super::writer::BytesWriter;
use super::{ParseError, SerializeError, Serializer, StreamDecoder, StreamProtocol};
use bytes::{Buf, BufMut, BytesMut};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;
use std::io;
use std::marker::PhantomData;

/// JSON documents: sends `S`, receives `R`.
///
/// The bytes are those of easynetwork's `JSONSerializer` (Python's
/// `json.dumps(…, separators=(",", ":"), ensure_ascii=True)`): compact separators, and every
/// character outside printable ASCII escaped as `\uXXXX` (lowercase hex, a surrogate pair
/// above U+FFFF).
///
/// * Datagrams carry one document with no trailing newline.
/// * Streams carry one document per line: the document and a `\n` (`\r\n` is accepted
///   on receive; empty lines are skipped).
///
/// Documents larger than the [limit](Json::with_limit) (default
/// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT), 64 KiB, line ending excluded) are refused
/// both ways: on receive with a [`LimitExceeded`](super::ParseErrorKind::LimitExceeded)
/// parse error (on a stream, the rest of the over-long line is then discarded, never
/// parsed), on send with [`SerializeError::LimitExceeded`].
///
/// ```
/// use easynet::protocol::{DatagramProtocol, Json, StreamDecoder, StreamProtocol};
/// let json = Json::<serde_json::Value>::new();
///
/// let mut out = bytes::BytesMut::new();
/// json.encode_datagram(&serde_json::json!({"key": [1, 2, 3], "txt": "héllo"}), &mut out)?;
/// assert_eq!(&out[..], br#"{"key":[1,2,3],"txt":"h\u00e9llo"}"#);
///
/// let mut stream = bytes::BytesMut::new();
/// json.encode_frame(&serde_json::json!([1, 2]), &mut stream)?;
/// assert_eq!(&stream[..], b"[1,2]\n");
/// let mut decoder = json.decoder();
/// assert_eq!(decoder.decode(&mut stream)?, Some(serde_json::json!([1, 2])));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Json<S: ?Sized, R = S> {
    limit: usize,
    _types: PhantomData<fn(&S) -> R>,
}

impl<S: ?Sized, R> Json<S, R> {
    /// A JSON protocol with the default limit ([`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)).
    pub const fn new() -> Self {
        Self {
            limit: super::DEFAULT_LIMIT,
            _types: PhantomData,
        }
    }

    /// Sets the largest document accepted, in bytes (default
    /// [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)).
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The largest document accepted, in bytes.
    pub const fn limit(&self) -> usize {
        self.limit
    }
}

impl<S: ?Sized, R> Default for Json<S, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: ?Sized, R> Clone for Json<S, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized, R> Copy for Json<S, R> {}

impl<S: ?Sized, R> fmt::Debug for Json<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Json").field("limit", &self.limit).finish()
    }
}

/// Writes `packet` as easynetwork-compatible JSON at the end of `out`, refusing documents
/// over `limit` bytes (`out` is then left as it was).
pub(crate) fn write_json<T: Serialize + ?Sized>(
    packet: &T,
    out: &mut BytesMut,
    limit: usize,
) -> Result<(), SerializeError> {
    let start = out.len();
    let mut ser = serde_json::Serializer::with_formatter(BytesWriter(out), AsciiFormatter);
    if let Err(e) = packet.serialize(&mut ser) {
        out.truncate(start);
        return Err(SerializeError::Format(e.into()));
    }
    let size = out.len() - start;
    if size > limit {
        out.truncate(start);
        return Err(SerializeError::LimitExceeded { size, limit });
    }
    Ok(())
}

fn read_json<R: DeserializeOwned>(data: &[u8]) -> Result<R, ParseError> {
    serde_json::from_slice(data)
        .map_err(|e| ParseError::invalid_data("invalid JSON document", data).with_source(e))
}

impl<S, R> Serializer for Json<S, R>
where
    S: Serialize + ?Sized + 'static,
    R: DeserializeOwned + 'static,
{
    type Sent = S;
    type Received = R;

    fn serialize(&self, packet: &S, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_json(packet, out, self.limit)
    }

    fn deserialize(&self, data: &[u8]) -> Result<R, ParseError> {
        if data.len() > self.limit {
            return Err(ParseError::limit_exceeded(self.limit, data));
        }
        read_json(data)
    }
}

impl<S, R> StreamProtocol for Json<S, R>
where
    S: Serialize + ?Sized + 'static,
    R: DeserializeOwned + Send + 'static,
{
    type Sent = S;
    type Received = R;
    type Decoder = JsonDecoder<R>;

    fn encode_frame(&self, packet: &S, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_json(packet, out, self.limit)?;
        out.put_u8(b'\n');
        Ok(())
    }

    fn decoder(&self) -> JsonDecoder<R> {
        JsonDecoder {
            framer: LineFramer::new(self.limit),
            _packet: PhantomData,
        }
    }

    fn limit(&self) -> usize {
        self.limit
    }
}

/// The stream decoder of [`Json`]: one document per line.
pub struct JsonDecoder<R> {
    framer: LineFramer,
    _packet: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for JsonDecoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonDecoder")
            .field("framer", &self.framer)
            .finish()
    }
}

impl<R: DeserializeOwned + Send + 'static> StreamDecoder for JsonDecoder<R> {
    type Packet = R;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<R>, ParseError> {
        let Some(span) = self.framer.next_line(buf)? else {
            return Ok(None);
        };
        let packet = read_json(&buf[..span.content]);
        buf.advance(span.total);
        packet.map(Some)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<R>, ParseError> {
        let Some(span) = self.framer.last_line(buf)? else {
            return Ok(None);
        };
        let packet = read_json(&buf[..span.content]);
        buf.advance(span.total);
        packet.map(Some)
    }
}

/// A compact `serde_json` formatter that escapes like Python's `ensure_ascii=True`:
/// every character outside `' '..='~'` becomes `\uXXXX` (lowercase hex; surrogate pairs
/// above U+FFFF). serde_json already escapes `"`, `\` and control characters the same
/// way Python does, so only string fragments need care.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AsciiFormatter;

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_u_escape<W: ?Sized + io::Write>(writer: &mut W, unit: u16) -> io::Result<()> {
    let unit = usize::from(unit);
    writer.write_all(&[
        b'\\',
        b'u',
        HEX[unit >> 12],
        HEX[(unit >> 8) & 0xf],
        HEX[(unit >> 4) & 0xf],
        HEX[unit & 0xf],
    ])
}

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut run_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if (b' '..=b'~').contains(&bytes[i]) {
                i += 1;
                continue;
            }
            writer.write_all(&bytes[run_start..i])?;
            // `i` is a char boundary: every byte before it in this loop was ASCII or a
            // whole char we skipped below.
            let ch = fragment[i..].chars().next().unwrap_or_default();
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write_u_escape(writer, *unit)?;
            }
            i += ch.len_utf8();
            run_start = i;
        }
        writer.write_all(&bytes[run_start..])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encode(v: &serde_json::Value) -> String {
        let mut out = BytesMut::new();
        Json::<serde_json::Value>::new()
            .serialize(v, &mut out)
            .unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn escapes_like_python_ensure_ascii() {
        assert_eq!(encode(&json!("héllo")), r#""h\u00e9llo""#);
        assert_eq!(encode(&json!("€")), r#""\u20ac""#);
        assert_eq!(encode(&json!("😀")), r#""\ud83d\ude00""#);
        assert_eq!(encode(&json!("\u{7f}")), r#""\u007f""#);
        assert_eq!(encode(&json!("a\"b\\c\n\t\u{1}")), r#""a\"b\\c\n\t\u0001""#);
        assert_eq!(encode(&json!({"é": ["ü"]})), r#"{"\u00e9":["\u00fc"]}"#);
    }

    #[test]
    fn escaped_output_round_trips() {
        let value = json!({"s": "héllo 😀 \u{7f} ok"});
        let text = encode(&value);
        assert!(text.is_ascii());
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}
