use thiserror::Error;

/// What kind of wire error happened; callers branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireErrorKind {
    InvalidProjectId,
    InvalidName,
    InvalidValue,
    MalformedMessage,
}

/// One error type for the wire crate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WireError {
    #[error("invalid project id {id:?}: {reason}")]
    InvalidProjectId { id: String, reason: &'static str },
    #[error("invalid variable name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("bad value {value:?} for cloud variable {name:?}: {rule}")]
    InvalidValue {
        name: String,
        value: String,
        rule: String,
    },
    #[error("malformed message {text:?}: {reason}")]
    MalformedMessage { text: String, reason: String },
}

impl WireError {
    pub fn kind(&self) -> WireErrorKind {
        match self {
            WireError::InvalidProjectId { .. } => WireErrorKind::InvalidProjectId,
            WireError::InvalidName { .. } => WireErrorKind::InvalidName,
            WireError::InvalidValue { .. } => WireErrorKind::InvalidValue,
            WireError::MalformedMessage { .. } => WireErrorKind::MalformedMessage,
        }
    }
}
