//! The crate's one error type, [`WireError`], with a [`WireErrorKind`] to branch on.

use std::fmt;

/// What kind of wire error happened; callers branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireErrorKind {
    /// A project id was rejected (empty, too long, whitespace, not digits where digits are
    /// required).
    InvalidProjectId,
    /// A variable name was rejected.
    InvalidName,
    /// A value breaks the value rules.
    InvalidValue,
    /// A received message could not be parsed.
    MalformedMessage,
}

impl fmt::Display for WireErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireErrorKind::InvalidProjectId => "invalid project id",
            WireErrorKind::InvalidName => "invalid variable name",
            WireErrorKind::InvalidValue => "invalid value",
            WireErrorKind::MalformedMessage => "malformed message",
        })
    }
}

/// One error type for the wire crate. Displayed as `"{kind}: {detail}"`; the detail names
/// the input (shortened when long) and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct WireError {
    kind: WireErrorKind,
    detail: String,
}

impl WireError {
    /// A new error of `kind` with a human readable `detail` (never a secret).
    pub fn new(kind: WireErrorKind, detail: impl Into<String>) -> Self {
        WireError {
            kind,
            detail: detail.into(),
        }
    }

    /// The cause category.
    pub fn kind(&self) -> WireErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// A rejected project id: `"{id:?}: {reason}"`.
    pub(crate) fn project_id(id: &str, reason: &str) -> Self {
        Self::new(WireErrorKind::InvalidProjectId, format!("{id:?}: {reason}"))
    }

    /// A rejected variable name: `"{name:?}: {reason}"`.
    pub(crate) fn name(name: &str, reason: &str) -> Self {
        Self::new(WireErrorKind::InvalidName, format!("{name:?}: {reason}"))
    }

    /// A value that breaks `rule`, for the variable `name` (empty when not known).
    pub(crate) fn value(name: &str, value: &str, rule: &str) -> Self {
        let detail = if name.is_empty() {
            format!("{value:?}: {rule}")
        } else {
            format!("{value:?} for cloud variable {name:?}: {rule}")
        };
        Self::new(WireErrorKind::InvalidValue, detail)
    }

    /// A received message that could not be parsed.
    pub(crate) fn malformed(text: &str, reason: &str) -> Self {
        Self::new(
            WireErrorKind::MalformedMessage,
            format!("{text:?}: {reason}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_detail_and_display() {
        let e = crate::ProjectId::new("").unwrap_err();
        assert_eq!(e.kind(), WireErrorKind::InvalidProjectId);
        assert_eq!(e.detail(), "\"\": the id is empty");
        assert_eq!(e.to_string(), "invalid project id: \"\": the id is empty");
        let v = WireError::value("score", "abc", "not a number");
        assert_eq!(v.kind(), WireErrorKind::InvalidValue);
        assert_eq!(
            v.to_string(),
            format!("{}: {}", v.kind(), v.detail()),
            "Display is kind: detail"
        );
        assert!(v.detail().contains("score") && v.detail().contains("abc"));
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<WireError>();
    }
}
