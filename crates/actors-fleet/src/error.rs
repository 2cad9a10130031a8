//! The crate's one error type.

use std::fmt;

/// What went wrong, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FleetErrorKind {
    /// A setting or argument is unusable (a bad Redis URL, a lease time too short, an
    /// empty project list, a project id that is not one).
    InvalidInput,
    /// Redis refused or failed a command, or could not be reached in time.
    Redis,
    /// Starting to serve a project failed (the factory's error).
    Serve,
    /// The lease of the project is no longer held: the fencing check refused the write.
    Fenced,
    /// The fleet is stopped.
    Stopped,
}

impl fmt::Display for FleetErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FleetErrorKind::InvalidInput => "invalid input",
            FleetErrorKind::Redis => "redis",
            FleetErrorKind::Serve => "serve",
            FleetErrorKind::Fenced => "fenced",
            FleetErrorKind::Stopped => "stopped",
        })
    }
}

/// The error type of `actors-fleet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct FleetError {
    kind: FleetErrorKind,
    detail: String,
}

impl FleetError {
    /// A new error of `kind` with a human readable `detail` naming what was wrong (never a
    /// secret).
    pub fn new(kind: FleetErrorKind, detail: impl Into<String>) -> FleetError {
        FleetError {
            kind,
            detail: detail.into(),
        }
    }

    /// An unusable setting or argument.
    pub fn invalid(detail: impl Into<String>) -> FleetError {
        FleetError::new(FleetErrorKind::InvalidInput, detail)
    }

    /// The cause category.
    pub fn kind(&self) -> FleetErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl From<redis::RedisError> for FleetError {
    fn from(e: redis::RedisError) -> Self {
        // The error text never holds the URL's password: redis-rs prints the command
        // outcome, not the connection info.
        FleetError::new(FleetErrorKind::Redis, e.to_string())
    }
}

impl From<scratchcomm_wire::WireError> for FleetError {
    fn from(e: scratchcomm_wire::WireError) -> Self {
        FleetError::invalid(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_detail_and_display() {
        let e = FleetError::invalid("the lease ttl must be at least 1 s");
        assert_eq!(e.kind(), FleetErrorKind::InvalidInput);
        assert_eq!(e.detail(), "the lease ttl must be at least 1 s");
        assert_eq!(
            e.to_string(),
            "invalid input: the lease ttl must be at least 1 s"
        );
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<FleetError>();
    }
}
