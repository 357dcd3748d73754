//! How-to guides, following easynetwork's documentation headings. Every snippet compiles
//! (they are doctests).

pub mod protocols;
pub mod udp_clients;
pub mod udp_servers;
pub mod unix_stream;
