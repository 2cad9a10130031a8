//! The crate's one error type.

use std::fmt;

/// What went wrong, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// The request text does not follow the request syntax (§8.2).
    Syntax,
    /// The request names a request that is not registered.
    UnknownRequest,
    /// The Python-call syntax was used for a request that refuses it.
    PythonSyntaxRefused,
    /// An argument does not fit the handler's parameter (type, count, keyword).
    BadArgument,
    /// A handler returned an error (not an [`ErrorMessage`]).
    Handler,
    /// A handler panicked.
    Panic,
    /// A request name that can never be called (not a run of word characters).
    InvalidName,
    /// The cloud socket failed or went away.
    Socket,
    /// The request handler is stopped.
    Stopped,
    /// A database of the CloudStorage kit could not be read or written, or does not exist.
    Storage,
    /// A setting is unusable (e.g. an [`SaConfig`](crate::SaConfig) length limit too short).
    InvalidConfig,
}

impl fmt::Display for RequestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestErrorKind::Syntax => "syntax error",
            RequestErrorKind::UnknownRequest => "unknown request",
            RequestErrorKind::PythonSyntaxRefused => "python-call syntax refused",
            RequestErrorKind::BadArgument => "bad argument",
            RequestErrorKind::Handler => "handler error",
            RequestErrorKind::Panic => "handler panicked",
            RequestErrorKind::InvalidName => "invalid request name",
            RequestErrorKind::Socket => "cloud socket error",
            RequestErrorKind::Stopped => "request handler stopped",
            RequestErrorKind::Storage => "storage error",
            RequestErrorKind::InvalidConfig => "invalid configuration",
        })
    }
}

/// The error type of `actors-requests`, displayed as `"{kind}: {detail}"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct RequestError {
    kind: RequestErrorKind,
    detail: String,
}

impl RequestError {
    /// A new error of `kind` with a human readable `detail` naming what was wrong (never a
    /// secret).
    pub fn new(kind: RequestErrorKind, detail: impl Into<String>) -> RequestError {
        RequestError {
            kind,
            detail: detail.into(),
        }
    }

    /// A syntax error.
    pub fn syntax(detail: impl Into<String>) -> RequestError {
        RequestError::new(RequestErrorKind::Syntax, detail)
    }

    /// An argument that does not fit.
    pub fn bad_argument(detail: impl Into<String>) -> RequestError {
        RequestError::new(RequestErrorKind::BadArgument, detail)
    }

    /// The cause category.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// The error a handler returns to reply a text of its choosing (the original's
/// `ErrorMessage(*parts)`: the parts are joined with single spaces and sent as the reply).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMessage(pub String);

impl ErrorMessage {
    /// An error message replied as `text`.
    pub fn new(text: impl Into<String>) -> ErrorMessage {
        ErrorMessage(text.into())
    }

    /// The original's `ErrorMessage('custom', 'error text')` → `custom error text`.
    pub fn from_parts<I, S>(parts: I) -> ErrorMessage
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let parts: Vec<String> = parts.into_iter().map(|p| p.as_ref().to_string()).collect();
        ErrorMessage(parts.join(" "))
    }
}

impl fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ErrorMessage {}

impl From<&str> for ErrorMessage {
    fn from(s: &str) -> ErrorMessage {
        ErrorMessage(s.to_string())
    }
}

impl From<String> for ErrorMessage {
    fn from(s: String) -> ErrorMessage {
        ErrorMessage(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_detail_and_display() {
        let e = RequestError::bad_argument("argument 1 of add is missing");
        assert_eq!(e.kind(), RequestErrorKind::BadArgument);
        assert_eq!(e.detail(), "argument 1 of add is missing");
        assert_eq!(e.to_string(), "bad argument: argument 1 of add is missing");
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<RequestError>();
    }
}
