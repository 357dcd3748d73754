//! Raw bytes: the identity serializer, for datagrams.

use super::{ParseError, SerializeError, Serializer};
use bytes::{Bytes, BytesMut};

/// The identity serializer: a packet is its bytes. One datagram = one [`Bytes`].
///
/// ```
/// use easynet::protocol::{DatagramProtocol, Raw};
/// let mut out = bytes::BytesMut::new();
/// Raw.encode_datagram(b"ping".as_slice(), &mut out).unwrap();
/// assert_eq!(&out[..], b"ping");
/// assert_eq!(Raw.decode_datagram(b"pong").unwrap(), &b"pong"[..]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Raw;

impl Serializer for Raw {
    type Sent = [u8];
    type Received = Bytes;

    #[inline]
    fn serialize(&self, packet: &[u8], out: &mut BytesMut) -> Result<(), SerializeError> {
        out.extend_from_slice(packet);
        Ok(())
    }

    #[inline]
    fn deserialize(&self, data: &[u8]) -> Result<Bytes, ParseError> {
        Ok(Bytes::copy_from_slice(data))
    }
}
