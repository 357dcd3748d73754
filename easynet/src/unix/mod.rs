//! Unix stream sockets: the stream server and the stream clients.

pub mod client;
pub mod server;
