use thiserror::Error;

/// What kind of wire error happened; callers branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireErrorKind {
    /// See [`WireError::InvalidProjectId`].
    InvalidProjectId,
    /// See [`WireError::InvalidName`].
    InvalidName,
    /// See [`WireError::InvalidValue`].
    InvalidValue,
    /// See [`WireError::MalformedMessage`].
    MalformedMessage,
}

/// One error type for the wire crate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WireError {
    #[error("invalid project id {id:?}: {reason}")]
    /// A project id was rejected.
    #[allow(missing_docs)]
    InvalidProjectId { id: String, reason: &'static str },
    #[error("invalid variable name {name:?}: {reason}")]
    /// A variable name was rejected.
    #[allow(missing_docs)]
    InvalidName { name: String, reason: &'static str },
    #[error("bad value {value:?} for cloud variable {name:?}: {rule}")]
    /// A value breaks the value rules.
    InvalidValue {
        /// The variable (as given).
        name: String,
        /// The value (shortened when long).
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    #[error("malformed message {text:?}: {reason}")]
    /// A received message could not be parsed.
    #[allow(missing_docs)]
    MalformedMessage { text: String, reason: String },
}

impl WireError {
    /// The kind of error.
    pub fn kind(&self) -> WireErrorKind {
        match self {
            WireError::InvalidProjectId { .. } => WireErrorKind::InvalidProjectId,
            WireError::InvalidName { .. } => WireErrorKind::InvalidName,
            WireError::InvalidValue { .. } => WireErrorKind::InvalidValue,
            WireError::MalformedMessage { .. } => WireErrorKind::MalformedMessage,
        }
    }
}
