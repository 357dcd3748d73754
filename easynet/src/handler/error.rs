//! Errors that come out of `recv!()` and out of handlers.

use crate::protocol::{BoxError, ParseError};

/// Why `recv!()` gave no packet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecvError {
    /// No packet arrived within the timeout given to `recv!(timeout = ...)`.
    #[error("timed out waiting for the next packet")]
    Timeout,
    /// A packet arrived but could not be parsed; it carries the bytes.
    #[error("received an invalid packet")]
    Parse(#[source] ParseError),
    /// The server is shutting down; the conversation should end.
    #[error("server is shutting down")]
    ServerClosing,
    /// The peer closed the connection (stream servers).
    #[error("connection closed by peer")]
    Disconnected,
    /// The connection failed (stream servers).
    #[error("connection error")]
    Io(#[source] std::io::Error),
}

impl From<ParseError> for RecvError {
    fn from(e: ParseError) -> Self {
        RecvError::Parse(e)
    }
}

/// The error a handler returned, as the server logs it.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HandlerError(#[from] pub BoxError);

impl HandlerError {
    /// Wraps any error.
    pub fn new(e: impl Into<BoxError>) -> Self {
        Self(e.into())
    }
}

/// What an `async fn handle` may return: `()` or `Result<(), E>` with `E` an error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for a request handler",
    label = "expected `()` or `Result<(), E>` where `E: Into<Box<dyn Error + Send + Sync>>`"
)]
pub trait IntoHandlerResult {
    /// Converts into the server's result type.
    fn into_handler_result(self) -> Result<(), HandlerError>;
}

impl IntoHandlerResult for () {
    fn into_handler_result(self) -> Result<(), HandlerError> {
        Ok(())
    }
}

impl<E: Into<BoxError>> IntoHandlerResult for Result<(), E> {
    fn into_handler_result(self) -> Result<(), HandlerError> {
        self.map_err(|e| HandlerError(e.into()))
    }
}
