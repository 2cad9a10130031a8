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
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct FleetError {
    kind: FleetErrorKind,
    message: String,
}

impl FleetError {
    /// A new error of `kind` with a message naming what was wrong.
    pub fn new(kind: FleetErrorKind, message: impl Into<String>) -> FleetError {
        FleetError {
            kind,
            message: message.into(),
        }
    }

    /// An unusable setting or argument.
    pub fn invalid(message: impl Into<String>) -> FleetError {
        FleetError::new(FleetErrorKind::InvalidInput, message)
    }

    /// What kind of error this is.
    pub fn kind(&self) -> FleetErrorKind {
        self.kind
    }

    /// The message, naming what was wrong.
    pub fn message(&self) -> &str {
        &self.message
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
