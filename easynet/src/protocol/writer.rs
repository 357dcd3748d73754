//! `io::Write` into a `BytesMut`, for the serde writers.

use bytes::BytesMut;
use std::io;

/// Appends to a `BytesMut`.
///
/// Used by the CBOR and MessagePack writers. `bytes::buf::Writer` goes through the generic `BufMut::put` path on every write, and
/// serde serializers write many tiny slices (`"`, `:`, `,`): this direct
/// `extend_from_slice` is what keeps encoding as fast as writing into a `Vec<u8>`.
pub(crate) struct BytesWriter<'a>(pub(crate) &'a mut BytesMut);

impl io::Write for BytesWriter<'_> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.extend_from_slice(buf);
        Ok(())
    }

    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
