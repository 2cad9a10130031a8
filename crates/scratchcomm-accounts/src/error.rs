use std::time::Duration;
use thiserror::Error;

/// What kind of accounts error happened; callers branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountsErrorKind {
    /// The login endpoint refused the username/password pair.
    WrongPassword,
    /// The session endpoint did not recognise the session id (expired, logged out, invalid).
    InvalidSession,
    /// An answer was not the JSON shape the protocol documents.
    MalformedJson,
    /// The login answer carried no quoted session id in `Set-Cookie`.
    MissingCookie,
    /// The server did not answer within the configured timeout.
    Timeout,
    /// Nothing answered at the address (connection refused, DNS failure, ...).
    Unreachable,
    /// An unexpected HTTP status (other than the ones mapped to the kinds above).
    HttpStatus,
    /// The browser's cookie store could not be read or has no `scratchsessionsid` cookie.
    BrowserCookiesNotFound,
    /// A session string that is not Base64 of the documented JSON object.
    InvalidSessionString,
    /// A configured URL, project id or variable name that cannot be used.
    InvalidInput,
    /// The cloud logs hold no entry matching an event any more (reference "Event expired").
    EventExpired,
    /// The operation needs data the session does not have (e.g. no username known).
    MissingData,
    /// Opening a cloud connection from a session failed (see the inner `CloudError`).
    CloudConnection,
    /// Starting a cloud socket from a session failed (see the inner `SocketError`).
    CloudSocket,
}

/// One error type for the accounts crate. Messages never contain secrets.
#[derive(Debug, Clone, Error)]
#[non_exhaustive]
pub enum AccountsError {
    /// See [`AccountsErrorKind::WrongPassword`].
    #[error("wrong username or password for {username:?}: {message}")]
    WrongPassword {
        /// The username tried.
        username: String,
        /// The server's message (`msg`), or the HTTP status.
        message: String,
    },
    /// See [`AccountsErrorKind::InvalidSession`].
    #[error("the session id was not accepted by {url} (expired or invalid): {reason}")]
    InvalidSession {
        /// The session endpoint.
        url: String,
        /// What the answer said.
        reason: String,
    },
    /// See [`AccountsErrorKind::MalformedJson`].
    #[error("malformed answer from {url}: {reason}")]
    MalformedJson {
        /// Where the answer came from.
        url: String,
        /// What was wrong with it (names the field).
        reason: String,
    },
    /// See [`AccountsErrorKind::MissingCookie`].
    #[error("the login answer from {url} set no quoted scratchsessionsid cookie")]
    MissingCookie {
        /// The login endpoint.
        url: String,
    },
    /// See [`AccountsErrorKind::Timeout`].
    #[error("{url} did not answer within {timeout:?}")]
    Timeout {
        /// The URL asked.
        url: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// See [`AccountsErrorKind::Unreachable`].
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// See [`AccountsErrorKind::HttpStatus`].
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// The URL asked.
        url: String,
        /// The status code.
        status: u16,
    },
    /// See [`AccountsErrorKind::BrowserCookiesNotFound`].
    #[error("no Scratch session cookie found in {browser}: {reason}")]
    BrowserCookiesNotFound {
        /// The browser (or cookie file) read.
        browser: String,
        /// Why nothing was found.
        reason: String,
    },
    /// See [`AccountsErrorKind::InvalidSessionString`].
    #[error("invalid session string: {reason}")]
    InvalidSessionString {
        /// What was wrong (never the content).
        reason: String,
    },
    /// See [`AccountsErrorKind::InvalidInput`].
    #[error("invalid input {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// See [`AccountsErrorKind::EventExpired`].
    #[error("no cloud log entry left for {name:?} = {value:?} at age {age} (event expired)")]
    EventExpired {
        /// Full variable name.
        name: String,
        /// The event's value.
        value: String,
        /// The event's age (position among equal values, newest first).
        age: usize,
    },
    /// See [`AccountsErrorKind::MissingData`].
    #[error("missing data: {what}")]
    MissingData {
        /// What is missing and what needed it.
        what: String,
    },
    /// See [`AccountsErrorKind::CloudConnection`].
    #[error("cloud connection: {0}")]
    Cloud(#[from] actors_cloud::CloudError),
    /// See [`AccountsErrorKind::CloudSocket`].
    #[error("cloud socket: {0}")]
    Socket(#[from] actors_socket::SocketError),
}

impl AccountsError {
    /// The kind of error, for branching.
    pub fn kind(&self) -> AccountsErrorKind {
        use AccountsError as E;
        use AccountsErrorKind as K;
        match self {
            E::WrongPassword { .. } => K::WrongPassword,
            E::InvalidSession { .. } => K::InvalidSession,
            E::MalformedJson { .. } => K::MalformedJson,
            E::MissingCookie { .. } => K::MissingCookie,
            E::Timeout { .. } => K::Timeout,
            E::Unreachable { .. } => K::Unreachable,
            E::HttpStatus { .. } => K::HttpStatus,
            E::BrowserCookiesNotFound { .. } => K::BrowserCookiesNotFound,
            E::InvalidSessionString { .. } => K::InvalidSessionString,
            E::InvalidInput { .. } => K::InvalidInput,
            E::EventExpired { .. } => K::EventExpired,
            E::MissingData { .. } => K::MissingData,
            E::Cloud(_) => K::CloudConnection,
            E::Socket(_) => K::CloudSocket,
        }
    }

    /// Whether trying again later could help (network trouble, not a refused credential).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            AccountsErrorKind::Timeout | AccountsErrorKind::Unreachable
        ) || matches!(self, AccountsError::HttpStatus { status, .. } if *status >= 500)
    }

    pub(crate) fn malformed(url: &str, reason: impl Into<String>) -> Self {
        AccountsError::MalformedJson {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_input(what: impl Into<String>, reason: impl Into<String>) -> Self {
        AccountsError::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = AccountsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_and_transient_only_for_network() {
        let timeout = AccountsError::Timeout {
            url: "u".into(),
            timeout: Duration::from_millis(5),
        };
        let dead = AccountsError::Unreachable {
            url: "u".into(),
            reason: "refused".into(),
        };
        let wrong = AccountsError::WrongPassword {
            username: "a".into(),
            message: "no".into(),
        };
        assert_ne!(timeout.kind(), dead.kind());
        assert!(timeout.is_transient() && dead.is_transient());
        assert!(!wrong.is_transient());
        let busy = AccountsError::HttpStatus {
            url: "u".into(),
            status: 503,
        };
        assert!(busy.is_transient());
        assert!(wrong.to_string().contains("wrong username or password"));
    }
}
