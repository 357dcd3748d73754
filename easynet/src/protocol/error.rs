//! Errors of the protocol layer.

use bytes::Bytes;
use std::fmt;

/// How many bytes of the offending input a [`ParseError`] keeps, at most.
///
/// The copy is bounded so that a peer sending a huge invalid packet cannot make
/// error values (which are logged and passed around) huge too.
pub const MAX_ERROR_BYTES: usize = 1024;

/// Boxed error used as the cause of protocol errors.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What kind of failure a [`ParseError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The bytes are not a valid packet for this format.
    InvalidData,
    /// The packet (or the frame being read) is larger than the protocol's limit.
    LimitExceeded,
    /// The bytes were valid for the format, but the converter rejected the value.
    Conversion,
}

/// A received packet could not be parsed.
///
/// Carries a bounded copy (at most [`MAX_ERROR_BYTES`]) of the offending bytes, so
/// that a handler can log or echo them.
#[derive(Debug)]
pub struct ParseError {
    kind: ParseErrorKind,
    message: String,
    bytes: Bytes,
    source: Option<BoxError>,
}

impl ParseError {
    /// A new error of `kind`, with a lowercase `message` and the offending `bytes`
    /// (truncated to [`MAX_ERROR_BYTES`]).
    pub fn new(kind: ParseErrorKind, message: impl Into<String>, bytes: &[u8]) -> Self {
        let kept = &bytes[..bytes.len().min(MAX_ERROR_BYTES)];
        Self {
            kind,
            message: message.into(),
            bytes: Bytes::copy_from_slice(kept),
            source: None,
        }
    }

    /// Invalid data: the bytes are not a packet of this format.
    pub fn invalid_data(message: impl Into<String>, bytes: &[u8]) -> Self {
        Self::new(ParseErrorKind::InvalidData, message, bytes)
    }

    /// The packet exceeds `limit` bytes.
    pub fn limit_exceeded(limit: usize, bytes: &[u8]) -> Self {
        Self::new(
            ParseErrorKind::LimitExceeded,
            format!("packet exceeds the limit of {limit} bytes"),
            bytes,
        )
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// `true` if the packet was larger than the protocol's limit.
    pub fn is_limit_exceeded(&self) -> bool {
        self.kind == ParseErrorKind::LimitExceeded
    }

    /// The offending bytes (at most [`MAX_ERROR_BYTES`] of them).
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The human-readable message, without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A packet to send could not be serialized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SerializeError {
    /// The format could not represent the value.
    #[error("cannot serialize packet")]
    Format(#[source] BoxError),
    /// The converter rejected the value before serialization.
    #[error("cannot convert packet before serialization")]
    Conversion(#[source] BoxError),
    /// The serialized packet is larger than the protocol's limit.
    #[error("serialized packet of {size} bytes exceeds the limit of {limit} bytes")]
    LimitExceeded {
        /// Size of the serialized packet.
        size: usize,
        /// The protocol's limit.
        limit: usize,
    },
}
