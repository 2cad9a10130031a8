//! The crate's one error type, [`CloudError`], with a [`CloudErrorKind`] to branch on.

use scratchcomm_wire::{CloseCode, WireError, WireErrorKind};
use std::fmt;

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
    /// The server refused us with a close code or status that reconnecting cannot heal
    /// ([`CloudError::close_code`] tells which code, when there was one).
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

impl fmt::Display for CloudErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CloudErrorKind::InvalidConfig => "invalid connection settings",
            CloudErrorKind::InvalidName => "invalid variable name",
            CloudErrorKind::InvalidValue => "invalid value",
            CloudErrorKind::Connect => "could not connect",
            CloudErrorKind::Refused => "refused by the server",
            CloudErrorKind::Disconnected => "disconnected",
            CloudErrorKind::Stopped => "stopped",
            CloudErrorKind::UnknownMember => "Sky member",
            CloudErrorKind::Fenced => "write refused",
        })
    }
}

/// One error type for cloud connections and Sky. Displayed as `"{kind}: {detail}"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct CloudError {
    kind: CloudErrorKind,
    detail: String,
    close_code: Option<CloseCode>,
}

impl CloudError {
    /// A new error of `kind` with a human readable `detail` (never a secret).
    pub fn new(kind: CloudErrorKind, detail: impl Into<String>) -> Self {
        CloudError {
            kind,
            detail: detail.into(),
            close_code: None,
        }
    }

    /// The cause category.
    pub fn kind(&self) -> CloudErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The websocket close code that ended the connection, for a
    /// [`Refused`](CloudErrorKind::Refused) or [`Disconnected`](CloudErrorKind::Disconnected)
    /// error caused by a close frame (`None` for a refused HTTP upgrade, a transport error
    /// or any other kind). [`CloseCode::can_reconnect`] tells whether trying again helps.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.close_code
    }

    /// The same error, reporting `code` as the close that caused it.
    pub(crate) fn with_close_code(mut self, code: Option<CloseCode>) -> Self {
        self.close_code = code;
        self
    }

    /// An unusable configuration.
    pub(crate) fn config(detail: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::InvalidConfig, detail)
    }

    /// The connection is stopped.
    pub(crate) fn stopped() -> Self {
        Self::new(CloudErrorKind::Stopped, "the cloud connection is stopped")
    }

    /// The first connect to `url` failed because of `reason`.
    pub(crate) fn connect(url: &str, reason: &str) -> Self {
        Self::new(CloudErrorKind::Connect, format!("{url}: {reason}"))
    }

    /// The server refused the connection; reconnecting cannot heal it.
    pub(crate) fn refused(code: Option<CloseCode>, reason: &str) -> Self {
        Self::new(
            CloudErrorKind::Refused,
            format!("{reason}; not reconnecting"),
        )
        .with_close_code(code)
    }

    /// The connection closed and reconnecting is off or gave up.
    pub(crate) fn disconnected(code: Option<CloseCode>, reason: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Disconnected, reason).with_close_code(code)
    }

    /// A Sky member problem (`"no such member"`, `"already a member"`).
    pub(crate) fn member(source_id: &str, problem: &str) -> Self {
        Self::new(
            CloudErrorKind::UnknownMember,
            format!("{source_id:?}: {problem}"),
        )
    }

    /// The write gate refused a write.
    pub(crate) fn fenced(reason: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Fenced, reason)
    }
}

impl From<WireError> for CloudError {
    /// A bad name or value keeps the wire error's detail under the matching kind; any other
    /// wire error (a bad project id) is a configuration error naming it whole.
    fn from(e: WireError) -> Self {
        match e.kind() {
            WireErrorKind::InvalidValue => Self::new(CloudErrorKind::InvalidValue, e.detail()),
            WireErrorKind::InvalidName => Self::new(CloudErrorKind::InvalidName, e.detail()),
            _ => Self::config(e.to_string()),
        }
    }
}

impl From<actix::MailboxError> for CloudError {
    fn from(_: actix::MailboxError) -> Self {
        CloudError::stopped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_detail_display_and_close_code() {
        let e = CloudError::refused(Some(CloseCode::USERNAME), "closed with 4002");
        assert_eq!(e.kind(), CloudErrorKind::Refused);
        assert_eq!(e.detail(), "closed with 4002; not reconnecting");
        assert_eq!(
            e.to_string(),
            "refused by the server: closed with 4002; not reconnecting"
        );
        assert_eq!(e.close_code(), Some(CloseCode::USERNAME));
        assert_eq!(CloudError::stopped().close_code(), None);
        let wire = scratchcomm_wire::ValueRules::scratch()
            .check("score", &scratchcomm_wire::CloudValue::new("abc"))
            .unwrap_err();
        let c = CloudError::from(wire.clone());
        assert_eq!(c.kind(), CloudErrorKind::InvalidValue);
        assert_eq!(
            c.to_string(),
            wire.to_string(),
            "same text as the wire error"
        );
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<CloudError>();
    }
}
