//! JSON (serde_json), wire-compatible with easynetwork's `JSONSerializer`.

use super::{ParseError, SerializeError, Serializer};
use bytes::{BufMut, BytesMut};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;
use std::marker::PhantomData;

/// JSON documents: sends `S`, receives `R`.
///
/// Datagrams carry one compact document with no trailing newline.
///
/// ```
/// use easynet::protocol::{DatagramProtocol, Json};
/// let json = Json::<serde_json::Value>::new();
/// let mut out = bytes::BytesMut::new();
/// json.encode_datagram(&serde_json::json!({"key": [1, 2, 3]}), &mut out).unwrap();
/// assert_eq!(&out[..], br#"{"key":[1,2,3]}"#);
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

    /// Sets the largest document accepted, in bytes.
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

impl<S, R> Serializer for Json<S, R>
where
    S: Serialize + ?Sized + 'static,
    R: DeserializeOwned + 'static,
{
    type Sent = S;
    type Received = R;

    fn serialize(&self, packet: &S, out: &mut BytesMut) -> Result<(), SerializeError> {
        serde_json::to_writer(out.writer(), packet).map_err(|e| SerializeError::Format(e.into()))
    }

    fn deserialize(&self, data: &[u8]) -> Result<R, ParseError> {
        if data.len() > self.limit {
            return Err(ParseError::limit_exceeded(self.limit, data));
        }
        serde_json::from_slice(data)
            .map_err(|e| ParseError::invalid_data("invalid JSON", data).with_source(e))
    }
}
