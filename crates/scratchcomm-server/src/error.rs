//! The crate's one error type.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

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

/// An error starting or running the cloud server, displayed as `"{kind}: {detail}"`.
#[derive(Debug, Clone)]
pub struct ServerError {
    kind: ServerErrorKind,
    detail: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl ServerError {
    /// A new error of `kind` with a human readable `detail` (never a secret).
    pub fn new(kind: ServerErrorKind, detail: impl Into<String>) -> Self {
        ServerError {
            kind,
            detail: detail.into(),
            source: None,
        }
    }

    /// The cause category.
    pub fn kind(&self) -> ServerErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The host could not be resolved or names no address.
    pub(crate) fn invalid_host(host: &str, reason: impl fmt::Display) -> Self {
        Self::new(ServerErrorKind::Config, format!("host {host:?}: {reason}"))
    }

    /// A configuration value is out of range.
    pub(crate) fn invalid_config(why: impl Into<String>) -> Self {
        Self::new(ServerErrorKind::Config, why)
    }

    /// The listening socket could not be bound to `addr`.
    pub(crate) fn bind(addr: impl fmt::Display, source: std::io::Error) -> Self {
        Self::new(ServerErrorKind::Bind, format!("{addr}: {source}")).with_source(source)
    }

    /// The server (or one of its threads) could not be started.
    pub(crate) fn start(source: std::io::Error) -> Self {
        Self::new(ServerErrorKind::Start, source.to_string()).with_source(source)
    }

    /// The store failed; `store` says which (e.g. `data file "/var/cloud.db"`).
    pub(crate) fn store(store: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Self::new(ServerErrorKind::Store, format!("{store}: {reason}"))
    }

    /// A TLS certificate or private key file (`what`) is unusable.
    pub(crate) fn tls(what: &str, path: &std::path::Path, reason: impl fmt::Display) -> Self {
        Self::new(ServerErrorKind::Tls, format!("{what} {path:?}: {reason}"))
    }

    fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

/// Equal when kind and detail are (the source is not compared: its text is in the detail).
impl PartialEq for ServerError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.detail == other.detail
    }
}

impl Eq for ServerError {}

impl StdError for ServerError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl fmt::Display for ServerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ServerErrorKind::Config => "invalid configuration",
            ServerErrorKind::Bind => "cannot listen",
            ServerErrorKind::Start => "cannot start the server",
            ServerErrorKind::Store => "store",
            ServerErrorKind::Tls => "TLS",
        };
        f.write_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_messages() {
        let e = ServerError::invalid_host("no such", "unresolvable");
        assert_eq!(e.kind(), ServerErrorKind::Config);
        assert_eq!(e.detail(), "host \"no such\": unresolvable");
        assert_eq!(
            e.to_string(),
            "invalid configuration: host \"no such\": unresolvable"
        );
        assert!(StdError::source(&e).is_none());
        let b = ServerError::bind(
            "127.0.0.1:1",
            std::io::Error::from(std::io::ErrorKind::AddrInUse),
        );
        assert_eq!(b.kind(), ServerErrorKind::Bind);
        assert!(b.to_string().starts_with("cannot listen: 127.0.0.1:1: "));
        let io = StdError::source(&b)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .expect("the I/O error is the source");
        assert_eq!(io.kind(), std::io::ErrorKind::AddrInUse);
        assert_eq!(
            ServerErrorKind::Start.to_string(),
            "cannot start the server"
        );
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<ServerError>();
    }
}
