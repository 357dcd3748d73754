//! The packet ⇄ datagram step both UDP clients share: serializing into a reused send
//! buffer, and receiving into a reused buffer then parsing (a datagram that does not
//! parse is consumed and logged).

use super::error::UdpClientError;
use super::{MAX_KEPT_SEND_CAPACITY, RECV_BUFFER_SIZE, lock};
use crate::protocol::DatagramProtocol;
use bytes::BytesMut;
use std::io;
use std::sync::Mutex;

pub(super) struct Codec<P> {
    protocol: P,
    /// Lock order: the client's send lock first, then this.
    send_buffer: Mutex<BytesMut>,
    /// Held around one non-blocking `recv(2)` and the parsing of its datagram, never
    /// while waiting, so that every receiver's timeout is honoured.
    recv_buffer: Mutex<Box<[u8]>>,
    /// The client's span.
    pub(super) span: tracing::Span,
}

impl<P: DatagramProtocol> Codec<P> {
    pub(super) fn new(protocol: P, span: tracing::Span) -> Self {
        Self {
            protocol,
            send_buffer: Mutex::new(BytesMut::new()),
            recv_buffer: Mutex::new(vec![0; RECV_BUFFER_SIZE].into_boxed_slice()),
            span,
        }
    }

    pub(super) fn protocol(&self) -> &P {
        &self.protocol
    }

    /// Serializes `packet` and hands the datagram to `send` (nothing is sent if it does
    /// not serialize). A packet that is its own datagram is handed over as it is.
    pub(super) fn encode_then<T>(
        &self,
        packet: &P::Sent,
        send: impl FnOnce(&[u8]) -> Result<T, UdpClientError>,
    ) -> Result<T, UdpClientError> {
        if let Some(datagram) = self.protocol.datagram_bytes(packet) {
            // The packet is its own datagram (`Raw`): nothing to serialize.
            return send(datagram);
        }
        let mut buffer = lock(&self.send_buffer);
        buffer.clear();
        self.protocol.encode_datagram(packet, &mut buffer)?;
        let result = send(&buffer);
        if buffer.capacity() > MAX_KEPT_SEND_CAPACITY {
            *buffer = BytesMut::new();
        }
        result
    }

    /// Receives one datagram with `recv` (one non-blocking `recv(2)`) and parses it.
    /// `Ok(None)`: nothing was queued (`recv` would block, or was interrupted).
    pub(super) fn recv_then_decode(
        &self,
        recv: impl FnOnce(&mut [u8]) -> io::Result<usize>,
    ) -> Result<Option<P::Received>, UdpClientError> {
        let mut buffer = lock(&self.recv_buffer);
        let n = match recv(&mut buffer) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(UdpClientError::Io(e)),
        };
        match self.protocol.decode_datagram(&buffer[..n]) {
            Ok(packet) => Ok(Some(packet)),
            Err(e) => {
                tracing::debug!(parent: &self.span, error = %e, size = n, "received a datagram that could not be parsed");
                Err(UdpClientError::Parse(e))
            }
        }
    }
}
