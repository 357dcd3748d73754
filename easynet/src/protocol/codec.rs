//! `tokio_util::codec` adapter for stream protocols.

use super::{ParseError, SerializeError, StreamDecoder, StreamProtocol};
use bytes::BytesMut;
use std::fmt;
use std::io;

/// Any [`StreamProtocol`] as a `tokio_util::codec::{Decoder, Encoder}`, for `Framed`,
/// `FramedRead` and `FramedWrite`.
///
/// Decoding yields `Result<Packet, ParseError>` **items**: a packet that fails to parse
/// does not end the framed stream (only I/O errors do); the decoder resynchronises at the
/// next frame. Encoding takes `&Sent`, so unsized packet types (`str`, `[u8]`) work too.
///
/// ```
/// use easynet::protocol::{Line, PacketCodec};
/// use futures_util::{SinkExt, StreamExt};
/// use tokio_util::codec::Framed;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let (a, b) = tokio::io::duplex(64);
/// let mut a = Framed::new(a, PacketCodec::new(Line::new()));
/// let mut b = Framed::new(b, PacketCodec::new(Line::new()));
/// a.send("hello").await?;
/// let line: String = b.next().await.expect("a line")??;
/// assert_eq!(line, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PacketCodec<P: StreamProtocol> {
    protocol: P,
    decoder: P::Decoder,
}

impl<P: StreamProtocol> PacketCodec<P> {
    /// A codec that encodes and decodes with `protocol`.
    pub fn new(protocol: P) -> Self {
        let decoder = protocol.decoder();
        Self { protocol, decoder }
    }

    /// The protocol object.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// Consumes the codec, returning the protocol object.
    pub fn into_protocol(self) -> P {
        self.protocol
    }
}

impl<P: StreamProtocol + fmt::Debug> fmt::Debug for PacketCodec<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketCodec")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl<P: StreamProtocol + Clone> Clone for PacketCodec<P> {
    /// A codec with the same protocol and a fresh decoder (no buffered state).
    fn clone(&self) -> Self {
        Self::new(self.protocol.clone())
    }
}

impl<P: StreamProtocol> tokio_util::codec::Decoder for PacketCodec<P> {
    type Item = Result<P::Received, ParseError>;
    type Error = io::Error;

    #[inline]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        Ok(self.decoder.decode(src).transpose())
    }

    #[inline]
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        Ok(self.decoder.decode_eof(src).transpose())
    }
}

impl<P: StreamProtocol> tokio_util::codec::Encoder<&P::Sent> for PacketCodec<P> {
    type Error = CodecError;

    #[inline]
    fn encode(&mut self, item: &P::Sent, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.protocol
            .encode_frame(item, dst)
            .map_err(CodecError::Serialize)
    }
}

/// Why a [`PacketCodec`] could not send a packet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The packet could not be serialized (nothing was written).
    #[error("cannot encode packet")]
    Serialize(#[source] SerializeError),
    /// The underlying I/O failed.
    #[error("i/o error")]
    Io(#[from] io::Error),
}
