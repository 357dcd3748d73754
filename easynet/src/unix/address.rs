//! Addresses of Unix sockets: a filesystem path, or (Linux) an abstract name.

use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Where a Unix socket listens: a socket file, or a name in Linux's abstract namespace.
///
/// Abstract names have no file: nothing to clean up, and no file permissions (any
/// process in the network namespace can connect; check [peer credentials] instead).
///
/// ```
/// use easynet::unix::UnixSocketAddress;
/// let file = UnixSocketAddress::from("/run/my-daemon.sock");
/// assert_eq!(file.as_path().unwrap().to_str(), Some("/run/my-daemon.sock"));
/// let name = UnixSocketAddress::abstract_name("my-daemon");
/// assert_eq!(name.to_string(), "@my-daemon");
/// ```
///
/// [peer credentials]: super::Credentials
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnixSocketAddress {
    /// A socket file on the filesystem.
    Path(PathBuf),
    /// A name in the Linux abstract namespace (no leading NUL byte here).
    Abstract(Vec<u8>),
}

impl UnixSocketAddress {
    /// A socket-file address.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self::Path(path.into())
    }

    /// An abstract-namespace address (Linux).
    pub fn abstract_name(name: impl AsRef<[u8]>) -> Self {
        Self::Abstract(name.as_ref().to_vec())
    }

    /// The socket file's path, for a path address.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            Self::Path(p) => Some(p),
            Self::Abstract(_) => None,
        }
    }

    /// The address in socket2's form.
    pub(crate) fn to_sockaddr(&self) -> std::io::Result<socket2::SockAddr> {
        match self {
            Self::Path(p) => {
                if p.as_os_str().as_bytes().first() == Some(&0) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "a socket path cannot start with a nul byte (use UnixSocketAddress::Abstract)",
                    ));
                }
                socket2::SockAddr::unix(p)
            }
            Self::Abstract(name) => {
                // socket2 takes an abstract name as a path whose first byte is NUL.
                let mut raw = Vec::with_capacity(name.len() + 1);
                raw.push(0);
                raw.extend_from_slice(name);
                socket2::SockAddr::unix(std::ffi::OsStr::from_bytes(&raw))
            }
        }
    }
}

impl fmt::Display for UnixSocketAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(p) => write!(f, "{}", p.display()),
            Self::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
        }
    }
}

impl From<PathBuf> for UnixSocketAddress {
    fn from(p: PathBuf) -> Self {
        Self::Path(p)
    }
}

impl From<&Path> for UnixSocketAddress {
    fn from(p: &Path) -> Self {
        Self::Path(p.to_path_buf())
    }
}

impl From<&PathBuf> for UnixSocketAddress {
    fn from(p: &PathBuf) -> Self {
        Self::Path(p.clone())
    }
}

impl From<&str> for UnixSocketAddress {
    fn from(p: &str) -> Self {
        Self::Path(PathBuf::from(p))
    }
}

impl From<String> for UnixSocketAddress {
    fn from(p: String) -> Self {
        Self::Path(PathBuf::from(p))
    }
}
