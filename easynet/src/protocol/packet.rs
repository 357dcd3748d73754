//! Packet types that carry their own protocol (what `#[protocol(FORMAT)]` implements).

use super::{Serializer, StreamProtocol};

/// A packet type that knows its protocol: `T::protocol()` is a protocol object that sends
/// and receives `T`, for datagrams and for streams.
///
/// `#[protocol(json)]` (or `cbor`, `msgpack`, `length_prefixed(json)`…) on a serde type
/// implements it; see [the attribute's documentation](mod@crate::protocol#the-protocol-attribute).
///
/// ```
/// use easynet::protocol::{DatagramProtocol, Packet};
///
/// #[easynet::protocol(json)]
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Ping {
///     seq: u32,
/// }
///
/// let mut out = bytes::BytesMut::new();
/// Ping::protocol().encode_datagram(&Ping { seq: 7 }, &mut out)?;
/// assert_eq!(&out[..], br#"{"seq":7}"#);
/// # Ok::<(), easynet::protocol::SerializeError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a packet type with a protocol",
    label = "`{Self}` has no `#[protocol]` attribute",
    note = "add `#[easynet::protocol(json)]` (or `cbor`, `msgpack`, `length_prefixed(json)`) to the type's definition, or pass a protocol object explicitly"
)]
pub trait Packet: Sized + Send + 'static {
    /// The protocol object of this packet type.
    type Protocol: Serializer<Sent = Self, Received = Self>
        + StreamProtocol<Sent = Self, Received = Self>
        + Clone
        + Send
        + Sync
        + 'static;

    /// A protocol object that sends and receives `Self`.
    fn protocol() -> Self::Protocol;
}

/// What `#[protocol]` checks on packet types: serde's traits, with our error message.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent or received by `#[protocol]`: it does not implement serde's `Serialize` and `Deserialize`",
    label = "needs `#[derive(serde::Serialize, serde::Deserialize)]`",
    note = "packets are written with `serde::Serialize` and read with `serde::de::DeserializeOwned`"
)]
pub trait SerdePacket: serde::Serialize + serde::de::DeserializeOwned {}

impl<T: serde::Serialize + serde::de::DeserializeOwned> SerdePacket for T {}
