use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

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

impl fmt::Display for AccountsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AccountsErrorKind as K;
        f.write_str(match self {
            K::WrongPassword => "wrong username or password",
            K::InvalidSession => "session id not accepted (expired or invalid)",
            K::MalformedJson => "malformed answer",
            K::MissingCookie => "no session cookie",
            K::Timeout => "timeout",
            K::Unreachable => "unreachable",
            K::HttpStatus => "unexpected HTTP status",
            K::BrowserCookiesNotFound => "no Scratch session cookie found",
            K::InvalidSessionString => "invalid session string",
            K::InvalidInput => "invalid input",
            K::EventExpired => "event expired",
            K::MissingData => "missing data",
            K::CloudConnection => "cloud connection",
            K::CloudSocket => "cloud socket",
        })
    }
}

/// One error type for the accounts crate, displayed as `"{kind}: {detail}"`. Details never
/// contain secrets (passwords, session ids, tokens).
#[derive(Debug, Clone)]
pub struct AccountsError {
    kind: AccountsErrorKind,
    detail: String,
    http_status: Option<u16>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl fmt::Display for AccountsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

/// Equal when kind and detail are (the source is not compared: its text is in the detail).
impl PartialEq for AccountsError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.detail == other.detail
            && self.http_status == other.http_status
    }
}

impl Eq for AccountsError {}

impl StdError for AccountsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl AccountsError {
    /// A new error of `kind` with a human readable `detail` (never a secret).
    pub fn new(kind: AccountsErrorKind, detail: impl Into<String>) -> Self {
        AccountsError {
            kind,
            detail: detail.into(),
            http_status: None,
            source: None,
        }
    }

    /// The cause category, for branching.
    pub fn kind(&self) -> AccountsErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The HTTP status of the answer, for an [`HttpStatus`](AccountsErrorKind::HttpStatus)
    /// error (and a refused session or login that came with one).
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// Whether trying again later could help (network trouble, not a refused credential).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            AccountsErrorKind::Timeout | AccountsErrorKind::Unreachable
        ) || (self.kind == AccountsErrorKind::HttpStatus
            && self.http_status.is_some_and(|s| s >= 500))
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub(crate) fn malformed(url: &str, reason: impl fmt::Display) -> Self {
        Self::new(AccountsErrorKind::MalformedJson, format!("{url}: {reason}"))
    }

    pub(crate) fn invalid_input(what: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Self::new(AccountsErrorKind::InvalidInput, format!("{what}: {reason}"))
    }

    pub(crate) fn missing_data(what: impl Into<String>) -> Self {
        Self::new(AccountsErrorKind::MissingData, what)
    }

    pub(crate) fn wrong_password(username: &str, message: impl fmt::Display) -> Self {
        Self::new(
            AccountsErrorKind::WrongPassword,
            format!("{username:?}: {message}"),
        )
    }

    pub(crate) fn invalid_session(url: &str, reason: impl fmt::Display) -> Self {
        Self::new(
            AccountsErrorKind::InvalidSession,
            format!("{url}: {reason}"),
        )
    }

    pub(crate) fn missing_cookie(url: &str) -> Self {
        Self::new(
            AccountsErrorKind::MissingCookie,
            format!("the login answer from {url} set no quoted scratchsessionsid cookie"),
        )
    }

    pub(crate) fn timeout(url: &str, timeout: Duration) -> Self {
        Self::new(
            AccountsErrorKind::Timeout,
            format!("{url} did not answer within {timeout:?}"),
        )
    }

    pub(crate) fn unreachable(url: &str, reason: impl fmt::Display) -> Self {
        Self::new(AccountsErrorKind::Unreachable, format!("{url}: {reason}"))
    }

    pub(crate) fn http_status_error(url: &str, status: u16) -> Self {
        Self::new(
            AccountsErrorKind::HttpStatus,
            format!("{url} answered HTTP {status}"),
        )
        .with_http_status(status)
    }

    pub(crate) fn browser_cookies_not_found(browser: &str, reason: impl fmt::Display) -> Self {
        Self::new(
            AccountsErrorKind::BrowserCookiesNotFound,
            format!("{browser}: {reason}"),
        )
    }

    pub(crate) fn invalid_session_string(reason: impl Into<String>) -> Self {
        Self::new(AccountsErrorKind::InvalidSessionString, reason)
    }

    pub(crate) fn event_expired(name: &str, value: &str, age: usize) -> Self {
        Self::new(
            AccountsErrorKind::EventExpired,
            format!("no cloud log entry left for {name:?} = {value:?} at age {age}"),
        )
    }
}

impl From<actors_cloud::CloudError> for AccountsError {
    /// Kind [`CloudConnection`](AccountsErrorKind::CloudConnection); the cloud error is
    /// the [`source`](StdError::source).
    fn from(e: actors_cloud::CloudError) -> Self {
        let mut err = Self::new(AccountsErrorKind::CloudConnection, e.to_string());
        err.source = Some(Arc::new(e));
        err
    }
}

impl From<actors_socket::SocketError> for AccountsError {
    /// Kind [`CloudSocket`](AccountsErrorKind::CloudSocket); the socket error is the
    /// [`source`](StdError::source).
    fn from(e: actors_socket::SocketError) -> Self {
        let mut err = Self::new(AccountsErrorKind::CloudSocket, e.to_string());
        err.source = Some(Arc::new(e));
        err
    }
}

/// Result alias of this crate.
pub type Result<T, E = AccountsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_and_transient_only_for_network() {
        let timeout = AccountsError::timeout("u", Duration::from_millis(5));
        let dead = AccountsError::unreachable("u", "refused");
        let wrong = AccountsError::wrong_password("a", "no");
        assert_ne!(timeout.kind(), dead.kind());
        assert!(timeout.is_transient() && dead.is_transient());
        assert!(!wrong.is_transient());
        let busy = AccountsError::http_status_error("u", 503);
        assert!(busy.is_transient());
        assert_eq!(busy.http_status(), Some(503));
        assert!(!AccountsError::http_status_error("u", 404).is_transient());
        assert!(wrong.to_string().contains("wrong username or password"));
    }

    #[test]
    fn kind_detail_display_and_source() {
        let e = AccountsError::timeout("https://x/login", Duration::from_secs(2));
        assert_eq!(e.kind(), AccountsErrorKind::Timeout);
        assert_eq!(e.detail(), "https://x/login did not answer within 2s");
        assert_eq!(
            e.to_string(),
            "timeout: https://x/login did not answer within 2s"
        );
        assert!(StdError::source(&e).is_none());
        let cloud = actors_cloud::CloudError::new(actors_cloud::CloudErrorKind::Stopped, "gone");
        let e = AccountsError::from(cloud);
        assert_eq!(e.kind(), AccountsErrorKind::CloudConnection);
        assert_eq!(e.to_string(), "cloud connection: stopped: gone");
        let inner = StdError::source(&e)
            .and_then(|s| s.downcast_ref::<actors_cloud::CloudError>())
            .expect("the cloud error is the source");
        assert_eq!(inner.kind(), actors_cloud::CloudErrorKind::Stopped);
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<AccountsError>();
    }
}
