//! The crate's one error type.

use std::fmt;

/// What kind of failure a [`ServerError`] is, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerErrorKind {
    /// The configuration is unusable (bad host, zero limits, ...).
    Config,
    /// Binding the listening socket failed (port in use, permission, ...).
    Bind,
    /// The server could not be started after binding.
    Start,
    /// The store (e.g. the `--data` file) cannot be opened, read or written.
    Store,
    /// A TLS certificate or key file is missing, not PEM, or they do not match.
    Tls,
}

/// An error starting or running the cloud server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The host could not be resolved or names no address.
    #[error("invalid host {host:?}: {reason}")]
    InvalidHost {
        /// The host as configured.
        host: String,
        /// Why it was refused.
        reason: String,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address we tried.
        addr: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server could not be started.
    #[error("cannot start the server: {0}")]
    Start(#[source] std::io::Error),
    /// The store failed; `store` says which (e.g. `data file "/var/cloud.db"`).
    #[error("{store}: {reason}")]
    Store {
        /// Which store, with its path.
        store: String,
        /// What is wrong.
        reason: String,
    },
    /// A TLS certificate or private key file is unusable.
    #[error("TLS {what} {path:?}: {reason}")]
    Tls {
        /// `"certificate"` or `"private key"`.
        what: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl ServerError {
    /// The kind of this error.
    pub fn kind(&self) -> ServerErrorKind {
        match self {
            ServerError::InvalidHost { .. } | ServerError::InvalidConfig(_) => {
                ServerErrorKind::Config
            }
            ServerError::Bind { .. } => ServerErrorKind::Bind,
            ServerError::Start(_) => ServerErrorKind::Start,
            ServerError::Store { .. } => ServerErrorKind::Store,
            ServerError::Tls { .. } => ServerErrorKind::Tls,
        }
    }
}

impl fmt::Display for ServerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ServerErrorKind::Config => "config",
            ServerErrorKind::Bind => "bind",
            ServerErrorKind::Start => "start",
            ServerErrorKind::Store => "store",
            ServerErrorKind::Tls => "tls",
        };
        f.write_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_messages() {
        let e = ServerError::InvalidHost {
            host: "no such".into(),
            reason: "unresolvable".into(),
        };
        assert_eq!(e.kind(), ServerErrorKind::Config);
        assert!(e.to_string().contains("no such"));
        let b = ServerError::Bind {
            addr: "127.0.0.1:1".into(),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        };
        assert_eq!(b.kind(), ServerErrorKind::Bind);
        assert!(b.to_string().contains("127.0.0.1:1"));
        assert_eq!(ServerErrorKind::Start.to_string(), "start");
    }
}
