//! Where the account calls go and how long they may take, plus the reference's default
//! headers and cookies (docs/protocol.md §2.1–§2.3).

use crate::error::{AccountsError, Result};
use std::time::Duration;
use url::Url;

/// The Scratch website (session and login endpoints).
pub const DEFAULT_API_BASE: &str = "https://scratch.mit.edu";
/// The Scratch cloud-data host (cloud logs, §1.7).
pub const DEFAULT_LOGS_BASE: &str = "https://clouddata.scratch.mit.edu";
/// Scratch's project API (gives the project token).
pub const DEFAULT_PROJECT_API_BASE: &str = "https://api.scratch.mit.edu";
/// Scratch's projects host (serves the project JSON with the token).
pub const DEFAULT_PROJECTS_BASE: &str = "https://projects.scratch.mit.edu";
/// The reference's timeout for login and cloud-log calls (§1.7, §2.3).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default request headers, exactly as the reference sends them (§2.1), in order.
pub const DEFAULT_HEADERS: [(&str, &str); 4] = [
    (
        "user-agent",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/75.0.3770.142 Safari/537.36",
    ),
    ("x-csrftoken", "a"),
    ("x-requested-with", "XMLHttpRequest"),
    ("referer", "https://scratch.mit.edu"),
];

/// The cookies sent with every session lookup and login besides the session id (§2.2).
pub const BASE_COOKIES: [(&str, &str); 2] = [("scratchcsrftoken", "a"), ("scratchlanguage", "en")];

/// The `Cookie` header of a session lookup: `scratchsessionsid=<id>; scratchcsrftoken=a;
/// scratchlanguage=en` (the id is sent as stored, quotes included, §2.3).
pub fn session_cookie_header(session_id: &str) -> String {
    let mut parts = vec![format!("scratchsessionsid={session_id}")];
    parts.extend(BASE_COOKIES.iter().map(|(k, v)| format!("{k}={v}")));
    parts.join("; ")
}

/// The `Cookie` header of a password login (§2.3).
pub fn login_cookie_header() -> String {
    BASE_COOKIES
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Base URLs and timeouts of the account calls. `Default` is the real Scratch site with the
/// reference's 10 s timeout; tests point the bases at a loopback server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    api_base: String,
    logs_base: String,
    project_api_base: String,
    projects_base: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_log_pages: usize,
    pub(crate) max_body_bytes: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            api_base: DEFAULT_API_BASE.to_owned(),
            logs_base: DEFAULT_LOGS_BASE.to_owned(),
            project_api_base: DEFAULT_PROJECT_API_BASE.to_owned(),
            projects_base: DEFAULT_PROJECTS_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_TIMEOUT,
            max_log_pages: 100,
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

impl ApiConfig {
    /// Point the session and login calls at `base` (e.g. `http://127.0.0.1:8080`).
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` when `base` is not an `http://` or `https://` URL or has a query or fragment.
    pub fn api_base(mut self, base: &str) -> Result<Self> {
        self.api_base = checked_base("api base", base)?;
        Ok(self)
    }

    /// Point the cloud-log calls at `base`.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` when `base` is not an `http://` or `https://` URL or has a query or fragment.
    pub fn logs_base(mut self, base: &str) -> Result<Self> {
        self.logs_base = checked_base("cloud logs base", base)?;
        Ok(self)
    }

    /// Point the project API (project token) at `base`.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` when `base` is not an `http://` or `https://` URL or has a query or fragment.
    pub fn project_api_base(mut self, base: &str) -> Result<Self> {
        self.project_api_base = checked_base("project api base", base)?;
        Ok(self)
    }

    /// Point the projects host (project JSON) at `base`.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` when `base` is not an `http://` or `https://` URL or has a query or fragment.
    pub fn projects_base(mut self, base: &str) -> Result<Self> {
        self.projects_base = checked_base("projects base", base)?;
        Ok(self)
    }

    /// `GET <project api>/projects/<id>`: the project's metadata with its token.
    pub fn project_api_url(&self, project_id: &str) -> String {
        format!("{}/projects/{project_id}", self.project_api_base)
    }

    /// `GET <projects>/<id>?token=<token>`: the project JSON.
    pub fn project_json_url(&self, project_id: &str, token: &str) -> String {
        format!("{}/{project_id}?token={token}", self.projects_base)
    }

    /// Whole-request timeout (connect, send, headers and body), default 10 s. Sets the
    /// connect timeout to the same; call [`connect_timeout`](Self::connect_timeout) after
    /// this for a shorter one.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.connect_timeout = timeout;
        self
    }

    /// Connect timeout (TCP and TLS), default 10 s; at most the whole-request timeout is
    /// used.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Upper bound on cloud-log pages fetched by one query (default 100): a server that
    /// ignores `offset` cannot keep a query running forever.
    pub fn max_log_pages(mut self, pages: usize) -> Self {
        self.max_log_pages = pages;
        self
    }

    /// Largest answer body accepted, in bytes (default 8 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The base of the session and login endpoints, without a trailing slash.
    pub fn get_api_base(&self) -> &str {
        &self.api_base
    }

    /// The base of the cloud-log endpoint, without a trailing slash.
    pub fn get_logs_base(&self) -> &str {
        &self.logs_base
    }

    /// The whole-request timeout, as set by [`timeout`](Self::timeout).
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// Check the settings the setters do not (the bases are checked when set).
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` naming a zero
    /// timeout, page count or body size.
    pub fn validate(&self) -> Result<()> {
        let zero = |what: &str| Err(AccountsError::invalid_input(what, "must not be zero"));
        if self.timeout.is_zero() {
            return zero("timeout");
        }
        if self.connect_timeout.is_zero() {
            return zero("connect_timeout");
        }
        if self.max_log_pages == 0 {
            return zero("max_log_pages");
        }
        if self.max_body_bytes == 0 {
            return zero("max_body_bytes");
        }
        Ok(())
    }

    /// `POST <api>/session` (no trailing slash, §2.2).
    pub fn session_url(&self) -> String {
        format!("{}/session", self.api_base)
    }

    /// `POST <api>/login/` (with trailing slash, §2.3).
    pub fn login_url(&self) -> String {
        format!("{}/login/", self.api_base)
    }

    /// `GET <logs>/logs?projectid=..&limit=..&offset=..` (§1.7).
    pub fn logs_url(&self, project_id: &str, limit: usize, offset: usize) -> String {
        format!(
            "{}/logs?projectid={project_id}&limit={limit}&offset={offset}",
            self.logs_base
        )
    }
}

fn checked_base(what: &str, base: &str) -> Result<String> {
    let trimmed = base.trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| AccountsError::invalid_input(what, e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AccountsError::invalid_input(
            what,
            format!("{base:?} is not an http or https URL"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(AccountsError::invalid_input(
            what,
            format!("{base:?} must not have a query or fragment"),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_a_zero_setting() {
        assert!(ApiConfig::default().validate().is_ok());
        let err = ApiConfig::default().timeout(Duration::ZERO).validate();
        assert!(err.unwrap_err().to_string().contains("timeout"));
        let err = ApiConfig::default().max_log_pages(0).validate();
        assert!(err.unwrap_err().to_string().contains("max_log_pages"));
        let c = ApiConfig::default()
            .timeout(Duration::from_secs(3))
            .connect_timeout(Duration::from_secs(1));
        assert_eq!(
            (c.timeout, c.connect_timeout),
            (Duration::from_secs(3), Duration::from_secs(1))
        );
    }

    #[test]
    fn urls_follow_the_reference() {
        let c = ApiConfig::default();
        assert_eq!(c.session_url(), "https://scratch.mit.edu/session");
        assert_eq!(c.login_url(), "https://scratch.mit.edu/login/");
        assert_eq!(
            c.logs_url("123", 100, 0),
            "https://clouddata.scratch.mit.edu/logs?projectid=123&limit=100&offset=0"
        );
        let local = ApiConfig::default()
            .api_base("http://127.0.0.1:9/")
            .unwrap();
        assert_eq!(local.session_url(), "http://127.0.0.1:9/session");
        assert_eq!(
            c.project_api_url("42"),
            "https://api.scratch.mit.edu/projects/42"
        );
        assert_eq!(
            c.project_json_url("42", "t"),
            "https://projects.scratch.mit.edu/42?token=t"
        );
    }

    #[test]
    fn bad_bases_are_refused_with_a_clear_kind() {
        for bad in ["ftp://x", "not a url", "http://x/?q=1"] {
            let err = ApiConfig::default().api_base(bad).unwrap_err();
            assert_eq!(err.kind(), crate::AccountsErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn cookie_headers() {
        assert_eq!(DEFAULT_HEADERS[1], ("x-csrftoken", "a"));
        assert_eq!(
            session_cookie_header("\"id\""),
            "scratchsessionsid=\"id\"; scratchcsrftoken=a; scratchlanguage=en"
        );
        assert_eq!(
            login_cookie_header(),
            "scratchcsrftoken=a; scratchlanguage=en"
        );
    }
}
