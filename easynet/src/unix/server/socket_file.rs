//! Binding the listening socket, and the socket file's life cycle.
//!
//! ```text
//!   path free ─────────────────────────────────────────▶ bind
//!   path is a socket, connect() refused (dead server) ──▶ remove stale file, bind
//!   path is a socket, connect() accepted or queued ─────▶ AddressInUse (live server)
//!   path exists, not a socket ──────────────────────────▶ NotASocket (never removed)
//!   bind ──▶ chmod (before listen: no caller gets in under looser permissions) ──▶ listen
//!   shutdown: remove the file only if (dev, inode) still match ours
//! ```

use super::{ServerError, UnixServerConfig};
use crate::unix::UnixSocketAddress;
use crate::unix::client::{UnixClientError, connect_blocking};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The socket file this server created; removed on drop if it is still ours.
#[derive(Debug)]
pub(crate) struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        // Another server may have replaced our file (after deciding ours was stale):
        // removing it then would cut that server off, so compare identities first.
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => {
                if let Err(e) = std::fs::remove_file(&self.path) {
                    tracing::warn!(path = %self.path.display(), error = %e, "cannot remove the socket file");
                }
            }
            _ => {
                tracing::debug!(path = %self.path.display(), "socket file is no longer ours; left in place")
            }
        }
    }
}

/// Creates the listening socket (non-blocking) for `address`.
pub(crate) fn bind_listener(
    address: &UnixSocketAddress,
    config: &UnixServerConfig,
) -> Result<(OwnedFd, Option<SocketFile>), ServerError> {
    let sockaddr = address.to_sockaddr().map_err(ServerError::Io)?;
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)
        .map_err(ServerError::Io)?;
    let mut file = None;
    match address.as_path() {
        Some(path) => {
            remove_if_stale(path)?;
            socket.bind(&sockaddr).map_err(|e| match e.kind() {
                // Lost a race with another server binding the same path.
                io::ErrorKind::AddrInUse => ServerError::AddressInUse(path.to_path_buf()),
                _ => ServerError::Io(e),
            })?;
            // From here on, a failure must not leave our file behind.
            let meta = std::fs::symlink_metadata(path).map_err(ServerError::Io)?;
            let ours = SocketFile {
                path: path.to_path_buf(),
                dev: meta.dev(),
                ino: meta.ino(),
            };
            if let Some(mode) = config.socket_mode {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .map_err(ServerError::Io)?;
            }
            file = Some(ours);
        }
        None => socket.bind(&sockaddr).map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => {
                ServerError::Io(io::Error::new(e.kind(), format!("{address} is in use")))
            }
            _ => ServerError::Io(e),
        })?,
    }
    if config.receive_credentials {
        // On the listener, so that accepted sockets inherit it from the first byte on
        // (setting it after accept would race with the client's first send).
        rustix::net::sockopt::set_socket_passcred(&socket, true)
            .map_err(|e| ServerError::Io(e.into()))?;
    }
    socket.listen(config.backlog).map_err(ServerError::Io)?;
    socket.set_nonblocking(true).map_err(ServerError::Io)?;
    Ok((OwnedFd::from(socket), file))
}

/// Removes `path` if it is the socket file of a server that is gone.
fn remove_if_stale(path: &Path) -> Result<(), ServerError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(ServerError::Io(e)),
    };
    if !meta.file_type().is_socket() {
        return Err(ServerError::NotASocket(path.to_path_buf()));
    }
    // A non-blocking probe: a live server accepts it or queues it (EAGAIN when its
    // backlog is full, which also means alive); only a dead one refuses.
    let probe = UnixSocketAddress::Path(path.to_path_buf());
    match connect_blocking(&probe, Some(Duration::ZERO)) {
        Ok(_) | Err(UnixClientError::ConnectTimeout) => {
            Err(ServerError::AddressInUse(path.to_path_buf()))
        }
        Err(UnixClientError::Io(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!(path = %path.display(), "replacing the stale socket file of a server that is gone");
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(ServerError::Io(e)),
            }
        }
        Err(UnixClientError::Io(e)) => Err(ServerError::Io(e)),
        Err(e) => Err(ServerError::Io(io::Error::other(e))),
    }
}
