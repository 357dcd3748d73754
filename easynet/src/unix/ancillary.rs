//! Ancillary data of Unix sockets: file descriptors (`SCM_RIGHTS`) and process
//! credentials (`SCM_CREDENTIALS`), sent and received through rustix's owned-fd API.
//!
//! No control-message arithmetic is written here: rustix's `SendAncillaryBuffer` /
//! `RecvAncillaryBuffer` do it, and received descriptors come out as [`OwnedFd`] (closed
//! when dropped, so nothing leaks even if the application ignores them).

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, UCred,
};
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Default size of the buffer that receives ancillary data: 8 KiB, like easynetwork's.
pub const DEFAULT_ANCILLARY_BUFFER_SIZE: usize = 8192;

/// Default bound on the received descriptors (and credentials) held for the user, for
/// the clients and the server: `SCM_MAX_FD`, the most one message can carry.
pub(crate) const DEFAULT_MAX_PENDING_FDS: usize = 253;

/// A process's identity: what `SO_PEERCRED` and `SCM_CREDENTIALS` carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// Process id.
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

impl Credentials {
    /// The calling process's credentials (what it may legitimately send).
    ///
    /// ```
    /// let me = easynet::unix::Credentials::current();
    /// assert_eq!(me.pid as u32, std::process::id());
    /// ```
    pub fn current() -> Self {
        Self {
            pid: rustix::process::getpid().as_raw_nonzero().get(),
            uid: rustix::process::getuid().as_raw(),
            gid: rustix::process::getgid().as_raw(),
        }
    }

    pub(crate) fn to_ucred(self) -> io::Result<UCred> {
        let pid = rustix::process::Pid::from_raw(self.pid)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "credentials with pid 0"))?;
        Ok(UCred {
            pid,
            uid: rustix::process::Uid::from_raw(self.uid),
            gid: rustix::process::Gid::from_raw(self.gid),
        })
    }
}

impl From<UCred> for Credentials {
    fn from(c: UCred) -> Self {
        Self {
            pid: c.pid.as_raw_nonzero().get(),
            uid: c.uid.as_raw(),
            gid: c.gid.as_raw(),
        }
    }
}

/// The peer's credentials of a connected Unix socket (`SO_PEERCRED`): the process that
/// connected (or listened), as of `connect()`.
pub(crate) fn peer_credentials(socket: impl AsFd) -> io::Result<Credentials> {
    Ok(rustix::net::sockopt::socket_peercred(socket)?.into())
}

/// Ancillary data to attach to a packet: file descriptors to pass and/or credentials.
///
/// The descriptors are borrowed: the kernel duplicates them into the receiving process,
/// and the sender still owns (and must close) its own copies.
///
/// ```
/// use easynet::unix::{Credentials, SocketAncillary};
/// let file = std::fs::File::open("/dev/null").unwrap();
/// let ancillary = SocketAncillary::new()
///     .with_fd(&file)
///     .with_credentials(Credentials::current());
/// assert_eq!(ancillary.fds().len(), 1);
/// ```
#[derive(Debug, Default, Clone)]
pub struct SocketAncillary<'a> {
    fds: Vec<BorrowedFd<'a>>,
    credentials: Option<Credentials>,
}

impl<'a> SocketAncillary<'a> {
    /// Nothing attached yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attaches one file descriptor (`SCM_RIGHTS`).
    pub fn with_fd(mut self, fd: &'a impl AsFd) -> Self {
        self.fds.push(fd.as_fd());
        self
    }

    /// Attaches several file descriptors (`SCM_RIGHTS`).
    pub fn with_fds<F: AsFd + 'a>(mut self, fds: impl IntoIterator<Item = &'a F>) -> Self {
        self.fds.extend(fds.into_iter().map(AsFd::as_fd));
        self
    }

    /// Attaches credentials (`SCM_CREDENTIALS`). An unprivileged process may only send
    /// its own ([`Credentials::current`]); the kernel refuses others with `EPERM`.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The attached file descriptors.
    pub fn fds(&self) -> &[BorrowedFd<'a>] {
        &self.fds
    }

    /// The attached credentials.
    pub fn credentials(&self) -> Option<Credentials> {
        self.credentials
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fds.is_empty() && self.credentials.is_none()
    }
}

/// Ancillary data received with a packet's bytes.
///
/// Dropping it closes every descriptor it still holds.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ReceivedAncillary {
    /// File descriptors received (`SCM_RIGHTS`), owned: take them, or they are closed.
    pub fds: Vec<OwnedFd>,
    /// Credentials received (`SCM_CREDENTIALS`; only when credential passing is enabled).
    pub credentials: Vec<Credentials>,
    /// `true` if some ancillary data was dropped: by the kernel because the ancillary
    /// buffer was too small (`MSG_CTRUNC`), or because the connection already held its
    /// [`max_pending_fds`] unclaimed descriptors (server) or the client already held its
    /// [`max_pending_fds`](crate::unix::client::UnixClientConfig::max_pending_fds)
    /// descriptors not yet returned. The dropped descriptors were closed.
    ///
    /// [`max_pending_fds`]: crate::unix::server::UnixServerConfig::max_pending_fds
    pub truncated: bool,
}

impl ReceivedAncillary {
    /// `true` if nothing was received.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty() && self.credentials.is_empty() && !self.truncated
    }

    /// Keeps at most `max` descriptors and `max` credentials; the extra descriptors are
    /// closed at once (dropped) and `truncated` is set. Returns how many descriptors were
    /// dropped.
    ///
    /// Why: a peer may send descriptors with every byte of one long partial frame, and
    /// holding them all until the frame completes would let it exhaust the process's
    /// descriptor table.
    pub(crate) fn cap(&mut self, max: usize) -> usize {
        let dropped = self.fds.len().saturating_sub(max);
        // `truncate` drops the `OwnedFd`s past `max`, which closes them.
        self.fds.truncate(max);
        let dropped_credentials = self.credentials.len().saturating_sub(max);
        self.credentials.truncate(max);
        self.truncated |= dropped > 0 || dropped_credentials > 0;
        dropped
    }
}

/// A zero-filled ancillary buffer of `size` bytes.
pub(crate) fn ancillary_space(size: usize) -> Vec<MaybeUninit<u8>> {
    vec![MaybeUninit::new(0); size]
}

/// One non-blocking `recvmsg`: bytes into `buf`, ancillary data appended to `out`.
/// Returns the number of bytes read (0 = end of stream).
pub(crate) fn recv_with_ancillary(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
    space: &mut [MaybeUninit<u8>],
    out: &mut ReceivedAncillary,
) -> io::Result<usize> {
    let mut control = RecvAncillaryBuffer::new(space);
    let msg = rustix::net::recvmsg(
        socket,
        &mut [IoSliceMut::new(buf)],
        &mut control,
        // CLOEXEC: a received descriptor must not leak into a child the application spawns.
        RecvFlags::CMSG_CLOEXEC | RecvFlags::DONTWAIT,
    )?;
    for message in control.drain() {
        match message {
            RecvAncillaryMessage::ScmRights(fds) => out.fds.extend(fds),
            RecvAncillaryMessage::ScmCredentials(c) => out.credentials.push(c.into()),
            // Other message types are not enabled on our sockets; dropping them is safe
            // (rustix closes any descriptor they carry).
            _ => {}
        }
    }
    if msg.flags.contains(ReturnFlags::CTRUNC) {
        out.truncated = true;
    }
    Ok(msg.bytes)
}

/// One non-blocking `sendmsg` of `data`, with `ancillary` attached (sent with the first
/// byte only: the caller passes an empty ancillary for the rest of a partial write).
pub(crate) fn send_with_ancillary(
    socket: BorrowedFd<'_>,
    data: &[u8],
    ancillary: &SocketAncillary<'_>,
) -> io::Result<usize> {
    // MSG_NOSIGNAL: a peer that went away is an error value, never a SIGPIPE.
    let flags = SendFlags::NOSIGNAL | SendFlags::DONTWAIT;
    if ancillary.is_empty() {
        return Ok(rustix::net::send(socket, data, flags)?);
    }
    let ucred = ancillary
        .credentials
        .map(Credentials::to_ucred)
        .transpose()?;
    let mut size = 0;
    if !ancillary.fds.is_empty() {
        size += SendAncillaryMessage::ScmRights(&ancillary.fds).size();
    }
    if let Some(c) = ucred {
        size += SendAncillaryMessage::ScmCredentials(c).size();
    }
    let mut space = ancillary_space(size);
    let mut control = SendAncillaryBuffer::new(&mut space);
    let too_many = || io::Error::new(io::ErrorKind::InvalidInput, "too much ancillary data");
    if !ancillary.fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(&ancillary.fds)) {
        return Err(too_many());
    }
    if let Some(c) = ucred {
        if !control.push(SendAncillaryMessage::ScmCredentials(c)) {
            return Err(too_many());
        }
    }
    Ok(rustix::net::sendmsg(
        socket,
        &[IoSlice::new(data)],
        &mut control,
        flags,
    )?)
}
