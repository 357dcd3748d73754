//! Unix stream sockets: the stream server and the stream clients, with file-descriptor
//! passing (`SCM_RIGHTS`), credentials (`SCM_CREDENTIALS`, `SO_PEERCRED`) and abstract
//! addresses (Linux).
//!
//! See the [how-to guide](crate::guide::unix_stream).

mod address;
mod ancillary;
pub mod client;
mod framed;
pub mod server;

pub use address::UnixSocketAddress;
pub use ancillary::{
    Credentials, DEFAULT_ANCILLARY_BUFFER_SIZE, ReceivedAncillary, SocketAncillary,
};
pub use client::{AsyncUnixStreamClient, UnixClientConfig, UnixClientError, UnixStreamClient};
pub use server::{StreamClient, UnixServerConfig, UnixStreamServer};
