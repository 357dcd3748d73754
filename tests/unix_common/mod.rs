//! Helpers shared by the `unix_*` tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use bytes::BytesMut;
use easynet::protocol::{ParseError, SerializeError, StreamDecoder, StreamProtocol};

/// Newline-terminated UTF-8 lines, with a limit and resynchronisation after an over-long
/// line: a small test-local stream protocol, independent of the protocol module.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    limit: usize,
}

impl Default for Lines {
    fn default() -> Self {
        Self { limit: 65536 }
    }
}

impl Lines {
    pub fn with_limit(limit: usize) -> Self {
        Self { limit }
    }
}

impl StreamProtocol for Lines {
    type Sent = str;
    type Received = String;
    type Decoder = LinesDecoder;

    fn encode_frame(&self, packet: &str, out: &mut BytesMut) -> Result<(), SerializeError> {
        out.extend_from_slice(packet.as_bytes());
        out.extend_from_slice(b"\n");
        Ok(())
    }

    fn decoder(&self) -> LinesDecoder {
        LinesDecoder {
            limit: self.limit,
            discarding: false,
        }
    }

    fn limit(&self) -> usize {
        self.limit
    }
}

pub struct LinesDecoder {
    limit: usize,
    discarding: bool,
}

impl StreamDecoder for LinesDecoder {
    type Packet = String;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<String>, ParseError> {
        loop {
            let newline = buf.iter().position(|&b| b == b'\n');
            if self.discarding {
                match newline {
                    Some(i) => {
                        let _ = buf.split_to(i + 1);
                        self.discarding = false;
                        continue;
                    }
                    None => {
                        buf.clear();
                        return Ok(None);
                    }
                }
            }
            return match newline {
                Some(i) if i > self.limit => {
                    let err = ParseError::limit_exceeded(self.limit, &buf[..i]);
                    let _ = buf.split_to(i + 1);
                    Err(err)
                }
                Some(i) => {
                    let line = buf.split_to(i + 1);
                    String::from_utf8(line[..i].to_vec())
                        .map(Some)
                        .map_err(|e| {
                            ParseError::invalid_data("invalid utf-8", &line[..i]).with_source(e)
                        })
                }
                None if buf.len() > self.limit => {
                    let err = ParseError::limit_exceeded(self.limit, buf);
                    buf.clear();
                    self.discarding = true;
                    Err(err)
                }
                None => Ok(None),
            };
        }
    }
}

/// Asserts that every copy of `ours`'s peer socket has been closed (in this process and
/// wherever it was passed): reading `ours` then gives end of stream. A leaked copy keeps
/// the connection open and the read times out after `WAIT`. Race-free, unlike counting
/// `/proc/self/fd` while other tests run in parallel threads.
pub fn assert_peer_copies_closed(mut ours: std::os::unix::net::UnixStream) {
    use std::io::Read;
    ours.set_read_timeout(Some(easynet_suite::WAIT)).unwrap();
    let mut buf = [0u8; 1];
    let n = ours
        .read(&mut buf)
        .expect("a copy of the passed socket is still open (leaked descriptor)");
    assert_eq!(n, 0, "unexpected data");
}
