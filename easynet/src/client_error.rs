//! What the error enums of every client family share (UDP, Unix stream): the helpers
//! and conversions of their common variants, written once.
//!
//! Each family keeps its own enum (its variants are documented for that family, and
//! some are its own, such as `Eof`); [`client_error_impls!`] adds to it the helpers of
//! the variants they all have (`Closed`, `Timeout`, `Parse`, `Serialize`, `Io`,
//! `InvalidSocket`), the conversions from the protocol's errors and from a refused
//! socket, and what the `iter_received_packets` iterations need.

/// Implements the shared helpers and conversions for a client error enum.
///
/// `$Error = "$path"`: the enum, and its public path for the doc examples. The
/// `is_timeout` block adds family-specific text to that method's docs (it may be empty);
/// the `is_connection_refused` block ends its first sentence (what the error means for
/// that family).
macro_rules! client_error_impls {
    (
        $Error:ident = $path:literal,
        is_timeout: { $(#[$timeout_doc:meta])* },
        is_connection_refused: { $(#[$refused_doc:meta])* } $(,)?
    ) => {
        impl $Error {
            /// `true` for [`Closed`](Self::Closed).
            ///
            #[doc = concat!("```\nuse ", $path, ";\nassert!(", stringify!($Error), "::Closed.is_closed());\nassert!(!", stringify!($Error), "::Timeout.is_closed());\n```")]
            pub fn is_closed(&self) -> bool {
                matches!(self, Self::Closed)
            }

            /// `true` for [`Timeout`](Self::Timeout).
            $(#[$timeout_doc])*
            ///
            #[doc = concat!("```\nuse ", $path, ";\nassert!(", stringify!($Error), "::Timeout.is_timeout());\nassert!(!", stringify!($Error), "::Closed.is_timeout());\n```")]
            pub fn is_timeout(&self) -> bool {
                matches!(self, Self::Timeout)
            }

            /// `true` for an [`Io`](Self::Io) error of kind
            /// [`ConnectionRefused`](std::io::ErrorKind::ConnectionRefused):
            $(#[$refused_doc])*
            ///
            #[doc = concat!("```\nuse ", $path, ";\nuse std::io;\nlet err = ", stringify!($Error), "::from(io::Error::from(io::ErrorKind::ConnectionRefused));\nassert!(err.is_connection_refused());\n```")]
            pub fn is_connection_refused(&self) -> bool {
                matches!(self, Self::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused)
            }

            /// The parse error, for [`Parse`](Self::Parse).
            ///
            #[doc = concat!("```\nuse easynet::protocol::ParseError;\nuse ", $path, ";\nlet err = ", stringify!($Error), "::Parse(ParseError::invalid_data(\"bad\", b\"{\"));\nassert_eq!(&err.parse_error().unwrap().bytes()[..], b\"{\");\n```")]
            pub fn parse_error(&self) -> Option<&$crate::protocol::ParseError> {
                match self {
                    Self::Parse(e) => Some(e),
                    _ => None,
                }
            }
        }

        impl From<$crate::protocol::ParseError> for $Error {
            fn from(e: $crate::protocol::ParseError) -> Self {
                Self::Parse(e)
            }
        }

        impl From<$crate::protocol::SerializeError> for $Error {
            fn from(e: $crate::protocol::SerializeError) -> Self {
                Self::Serialize(e)
            }
        }

        impl From<$crate::adopt::Refused> for $Error {
            fn from(refused: $crate::adopt::Refused) -> Self {
                match refused {
                    $crate::adopt::Refused::Invalid(kind) => Self::InvalidSocket(kind),
                    $crate::adopt::Refused::Io(e) => Self::Io(e),
                }
            }
        }

        impl $crate::received_packets::ClientError for $Error {
            fn timeout() -> Self {
                Self::Timeout
            }

            fn ends_iteration(&self) -> bool {
                self.is_timeout() || self.is_closed()
            }

            fn is_recoverable(&self) -> bool {
                self.parse_error().is_some()
            }
        }
    };
}

pub(crate) use client_error_impls;
