//! Errors of the Unix stream server: the shared [`ServerError`] and [`SendError`].

pub use crate::{SendError, ServerError};
