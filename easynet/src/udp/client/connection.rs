//! What the blocking and the async UDP client both hold and do alike: the connected
//! socket and its addresses, the codec, the send lock and the close mark. Each client
//! wraps one, with its own socket type (`std` or tokio) and close mark (a
//! [`CloseSignal`](super::close_signal::CloseSignal) that wakes `poll(2)`, or a
//! `CancellationToken` that wakes an `.await`), and keeps its own waiting.

use super::codec::Codec;
use super::error::UdpClientError;
use super::lock;
use crate::close_flag::CloseFlag;
use crate::protocol::DatagramProtocol;
use crate::socket::SocketProxy;
use std::fmt;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::sync::Mutex;

pub(super) struct Connection<P, S, C> {
    pub(super) codec: Codec<P>,
    pub(super) socket: S,
    local_addr: SocketAddr,
    peer_addr: SocketAddr,
    pub(super) closed: C,
    /// Held around each `send(2)` and by the socket proxy (never across an `.await`).
    pub(super) send_lock: Mutex<()>,
    /// How the logs name the client: "udp client" or "async udp client".
    kind: &'static str,
}

impl<P: DatagramProtocol, S: AsFd, C: CloseFlag> Connection<P, S, C> {
    /// Wraps a connected socket, in the client's own span.
    pub(super) fn new(
        socket: S,
        local_addr: SocketAddr,
        peer_addr: SocketAddr,
        protocol: P,
        closed: C,
        kind: &'static str,
    ) -> Self {
        let span = tracing::debug_span!("udp_client", local = %local_addr, remote = %peer_addr);
        tracing::debug!(parent: &span, "{kind} connected");
        Self {
            codec: Codec::new(protocol, span),
            socket,
            local_addr,
            peer_addr,
            closed,
            send_lock: Mutex::new(()),
            kind,
        }
    }

    pub(super) fn check_open(&self) -> Result<(), UdpClientError> {
        if self.closed.is_closed() {
            Err(UdpClientError::Closed)
        } else {
            Ok(())
        }
    }

    pub(super) fn socket_proxy(&self) -> Result<SocketProxy<'_>, UdpClientError> {
        self.check_open()?;
        Ok(SocketProxy::locked(&self.socket, lock(&self.send_lock)))
    }

    pub(super) fn local_addr(&self) -> Result<SocketAddr, UdpClientError> {
        self.check_open()?;
        Ok(self.local_addr)
    }

    pub(super) fn peer_addr(&self) -> Result<SocketAddr, UdpClientError> {
        self.check_open()?;
        Ok(self.peer_addr)
    }

    pub(super) fn protocol(&self) -> &P {
        self.codec.protocol()
    }

    /// Sets the close mark (which wakes the waiting receivers); logs the first time.
    pub(super) fn close(&self) {
        if self.closed.close() {
            tracing::debug!(parent: &self.codec.span, "{} closed", self.kind);
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.is_closed()
    }

    /// The client's `Debug`, named `name`.
    pub(super) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("local_addr", &self.local_addr)
            .field("peer_addr", &self.peer_addr)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
