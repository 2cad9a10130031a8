//! The crate's one error type.

use scratchcomm_wire::{WireError, WireErrorKind};
use thiserror::Error;

/// What kind of error happened; callers branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloudErrorKind {
    /// The configuration is unusable (bad URL, missing contact info, bad project id).
    InvalidConfig,
    /// A variable name was rejected.
    InvalidName,
    /// A value breaks the host's value rules; nothing was sent.
    InvalidValue,
    /// The websocket could not be opened.
    Connect,
    /// The server refused us with a close code or status that reconnecting cannot heal.
    Refused,
    /// The connection closed and reconnecting is off or gave up.
    Disconnected,
    /// The connection was stopped (by the caller or after a fatal error).
    Stopped,
    /// A Sky has no member with that source id (or already has one).
    UnknownMember,
    /// The connection's [`WriteGate`](crate::WriteGate) refused the write (e.g. a bot
    /// fleet's lease ran out); nothing was written.
    Fenced,
}

/// One error type for cloud connections and Sky.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CloudError {
    /// A name or value failed validation (the message names variable, value and rule).
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The configuration is unusable.
    #[error("invalid connection settings: {0}")]
    Config(String),
    /// The websocket could not be opened (the first connect; later failures reconnect).
    #[error("could not connect to {url}: {reason}")]
    Connect {
        /// Where we tried to connect (never contains secrets).
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The server refused the connection in a way reconnecting cannot heal.
    #[error("the server refused the connection ({reason}); not reconnecting")]
    Refused {
        /// The close code, when there was one.
        code: Option<u16>,
        /// Close code meaning, close reason or HTTP status.
        reason: String,
    },
    /// The connection closed and reconnecting is off or gave up.
    #[error("disconnected: {reason}")]
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The connection is stopped.
    #[error("the cloud connection is stopped")]
    Stopped,
    /// A Sky has no member with this source id, or already has one.
    #[error("Sky member {source_id:?}: {problem}")]
    Member {
        /// The source id asked for.
        source_id: String,
        /// "no such member" or "already a member".
        problem: &'static str,
    },
    /// The connection's [`WriteGate`](crate::WriteGate) refused the write; nothing was
    /// written.
    #[error("write refused: {reason}")]
    Fenced {
        /// The gate's reason.
        reason: String,
    },
}

impl CloudError {
    /// The kind of error.
    pub fn kind(&self) -> CloudErrorKind {
        match self {
            CloudError::Wire(w) => match w.kind() {
                WireErrorKind::InvalidValue => CloudErrorKind::InvalidValue,
                WireErrorKind::InvalidName => CloudErrorKind::InvalidName,
                _ => CloudErrorKind::InvalidConfig,
            },
            CloudError::Config(_) => CloudErrorKind::InvalidConfig,
            CloudError::Connect { .. } => CloudErrorKind::Connect,
            CloudError::Refused { .. } => CloudErrorKind::Refused,
            CloudError::Disconnected { .. } => CloudErrorKind::Disconnected,
            CloudError::Stopped => CloudErrorKind::Stopped,
            CloudError::Member { .. } => CloudErrorKind::UnknownMember,
            CloudError::Fenced { .. } => CloudErrorKind::Fenced,
        }
    }
}

impl From<actix::MailboxError> for CloudError {
    fn from(_: actix::MailboxError) -> Self {
        CloudError::Stopped
    }
}
