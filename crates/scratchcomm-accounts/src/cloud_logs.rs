//! The Scratch cloud-log endpoint (docs/protocol.md §1.7): `GET <logs>/logs?projectid=..&
//! limit=..&offset=..`, newest first, and the lazy "who set this value" lookup for events.

mod history;
mod pager;
mod socket_users;

pub use history::{pick_setter, same_value, SetHistory, SetTicket, HISTORY_PER_VARIABLE};
pub use pager::{LogPager, PageRequest};
pub use socket_users::{from_client_id, newest_of_client};

use crate::config::ApiConfig;
use crate::error::{AccountsError, Result};
use crate::http::{send, Call};
use scratchcomm_wire::{CloudValue, ProjectId, VarName};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One cloud-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Who set the variable.
    pub user: String,
    /// What happened (`set_var`, `create_var`, ...), when the server says.
    pub verb: Option<String>,
    /// Full variable name, with the `☁ ` prefix.
    pub name: String,
    /// The value, with its original text.
    pub value: CloudValue,
    /// When, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

impl LogEntry {
    /// The variable name without the `☁ ` prefix.
    pub fn short_name(&self) -> &str {
        scratchcomm_wire::strip_prefix(&self.name)
    }

    /// The timestamp as a `SystemTime`.
    pub fn timestamp(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.timestamp_ms)
    }
}

/// A cloud-log query: project, how many entries, from which offset, optionally only one
/// variable. Defaults: limit 100, offset 0, every variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// The (Scratch) project.
    pub project_id: ProjectId,
    /// At most this many entries.
    pub limit: usize,
    /// Skip this many of the newest entries.
    pub offset: usize,
    /// Keep only this variable's entries.
    pub name: Option<VarName>,
}

impl LogQuery {
    /// The latest 100 entries of `project_id`.
    pub fn new(project_id: ProjectId) -> LogQuery {
        LogQuery {
            project_id,
            limit: 100,
            offset: 0,
            name: None,
        }
    }

    /// At most `limit` entries.
    pub fn limit(mut self, limit: usize) -> LogQuery {
        self.limit = limit;
        self
    }

    /// Skip the newest `offset` entries.
    pub fn offset(mut self, offset: usize) -> LogQuery {
        self.offset = offset;
        self
    }

    /// Only entries of the variable `name` (`score` and `☁ score` both mean `☁ score`).
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` when the name is not a valid variable name.
    pub fn name(mut self, name: &str) -> Result<LogQuery> {
        let var = VarName::new(name)
            .map_err(|e| AccountsError::invalid_input("variable name", e.to_string()))?;
        self.name = Some(var);
        Ok(self)
    }

    /// Only entries of exactly this full name (no prefix added).
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` when the name is not a valid variable name.
    pub fn literal_name(mut self, full_name: &str) -> Result<LogQuery> {
        let var = VarName::literal(full_name)
            .map_err(|e| AccountsError::invalid_input("variable name", e.to_string()))?;
        self.name = Some(var);
        Ok(self)
    }
}

#[derive(Deserialize)]
struct RawEntry {
    user: String,
    #[serde(default)]
    verb: Option<String>,
    name: String,
    value: Box<RawValue>,
    timestamp: serde_json::Number,
}

/// Parse one page of the log endpoint: a JSON array of entries. Any entry without the
/// read fields (`user`, `name`, `value`, `timestamp`) makes the page `MalformedJson`,
/// naming the entry's position.
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError) of kind `MalformedJson` naming the entry's position.
pub fn parse_log_page(url: &str, body: &[u8]) -> Result<Vec<LogEntry>> {
    let items: Vec<Box<RawValue>> = serde_json::from_slice(body).map_err(|e| {
        AccountsError::malformed(url, format!("the cloud logs are not a JSON array ({e})"))
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let bad = |why: String| AccountsError::malformed(url, format!("log entry {i}: {why}"));
            let e: RawEntry = serde_json::from_str(raw.get()).map_err(|e| bad(e.to_string()))?;
            let value = CloudValue::from_raw_json(e.value.get()).map_err(|e| bad(e.to_string()))?;
            let timestamp_ms = e
                .timestamp
                .as_u64()
                .or_else(|| e.timestamp.as_f64().filter(|t| *t >= 0.0).map(|t| t as u64))
                .ok_or_else(|| bad("\"timestamp\" is not a non-negative number".to_owned()))?;
            Ok(LogEntry {
                user: e.user,
                verb: e.verb,
                name: e.name,
                value,
                timestamp_ms,
            })
        })
        .collect()
}

/// The cloud-log client. Cheap to clone; needs a running actix runtime for its calls.
#[derive(Debug, Clone, Default)]
pub struct CloudLogs {
    config: ApiConfig,
}

impl CloudLogs {
    /// A client using `config`'s logs base and timeout.
    pub fn new(config: ApiConfig) -> CloudLogs {
        CloudLogs { config }
    }

    /// One page, exactly as asked (no filtering). Only Scratch (numeric) project ids have
    /// logs; any other id is `InvalidInput` without a request.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape; `InvalidInput` for a project id the logs cannot have.
    pub async fn page(
        &self,
        project_id: &ProjectId,
        request: PageRequest,
    ) -> Result<Vec<LogEntry>> {
        if !project_id.is_numeric() {
            return Err(AccountsError::invalid_input(
                format!("project id {project_id}"),
                "cloud logs exist only for Scratch projects (numeric ids); TurboWarp has none",
            ));
        }
        let url = self
            .config
            .logs_url(project_id.as_str(), request.limit, request.offset);
        let answer = send(Call {
            post: false,
            url,
            headers: Vec::new(),
            cookie: None,
            body: None,
            default_headers: false,
            config: &self.config,
        })
        .await?;
        match answer.status {
            200..=299 => parse_log_page(&answer.url, &answer.body),
            status => Err(AccountsError::http_status_error(&answer.url, status)),
        }
    }

    /// Run `query`: newest first, paged by 100, filtered by name when asked, at most
    /// `query.limit` entries.
    ///
    /// # Errors
    ///
    /// As [`page`](Self::page).
    pub async fn fetch(&self, query: &LogQuery) -> Result<Vec<LogEntry>> {
        let mut pager = LogPager::new(query, self.config.max_log_pages);
        while let Some(request) = pager.next_request() {
            let page = self.page(&query.project_id, request).await?;
            pager.feed(page);
        }
        Ok(pager.finish())
    }

    /// The latest logged value of a variable (`limit=1`, as the reference reads a variable
    /// it has no cached value for); `None` when the logs hold no entry for it.
    ///
    /// # Errors
    ///
    /// As [`page`](Self::page).
    pub async fn latest_value(
        &self,
        project_id: &ProjectId,
        name: &str,
    ) -> Result<Option<CloudValue>> {
        let query = LogQuery::new(project_id.clone()).limit(1).name(name)?;
        Ok(self
            .fetch(&query)
            .await?
            .into_iter()
            .next()
            .map(|e| e.value))
    }

    /// Who set `full_name` to `value`, for an event of the given `age` (see
    /// [`SetHistory::age`]): reads the variable's last 100 log entries and picks the entry
    /// at position `age` among those with that value. `EventExpired` when there is none.
    ///
    /// # Errors
    ///
    /// `EventExpired` when no entry matches; otherwise as [`page`](Self::page).
    pub async fn who_set(
        &self,
        project_id: &ProjectId,
        full_name: &str,
        value: &CloudValue,
        age: usize,
    ) -> Result<LogEntry> {
        let query = LogQuery::new(project_id.clone())
            .limit(HISTORY_PER_VARIABLE)
            .literal_name(full_name)?;
        let entries = self.fetch(&query).await?;
        pick_setter(&entries, value, age)
            .cloned()
            .ok_or_else(|| expired(full_name, value, age))
    }

    /// [`who_set`](Self::who_set) for an event recorded in `history` (its age is computed
    /// now, lazily). An event that fell out of the history is `EventExpired` without any
    /// network call.
    ///
    /// # Errors
    ///
    /// `EventExpired` when no recorded set matches; otherwise as [`page`](Self::page).
    pub async fn who_set_recorded(
        &self,
        project_id: &ProjectId,
        history: &SetHistory,
        ticket: &SetTicket,
    ) -> Result<LogEntry> {
        match history.age(ticket) {
            Some(age) => {
                self.who_set(project_id, &ticket.name, &ticket.value, age)
                    .await
            }
            None => Err(expired(&ticket.name, &ticket.value, HISTORY_PER_VARIABLE)),
        }
    }
}

fn expired(name: &str, value: &CloudValue, age: usize) -> AccountsError {
    AccountsError::event_expired(name, value.as_str(), age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountsErrorKind as K;

    #[test]
    fn parses_the_documented_entry_shape() {
        let body = r#"[{"user": "alice", "verb": "set_var", "name": "☁ FROM_CLIENT",
            "value": "1...", "timestamp": 1774381137540},
            {"user": "bob", "verb": "set_var", "name": "☁ n", "value": 12.50, "timestamp": 5}]"#;
        let entries = parse_log_page("u", body.as_bytes()).unwrap();
        assert_eq!(entries[0].user, "alice");
        assert_eq!(entries[0].short_name(), "FROM_CLIENT");
        assert_eq!(entries[0].value.as_str(), "1...");
        assert_eq!(entries[0].timestamp_ms, 1774381137540);
        assert_eq!(entries[1].value.as_str(), "12.50");
        assert!(!entries[1].value.was_string());
        assert_eq!(
            entries[1].timestamp(),
            UNIX_EPOCH + Duration::from_millis(5)
        );
    }

    #[test]
    fn bad_pages_are_malformed_json() {
        for body in [
            "{}",
            "not json",
            r#"[{"user": "a", "name": "☁ x", "value": "1"}]"#,
            r#"[{"user": "a", "name": "☁ x", "value": "1", "timestamp": -1}]"#,
            r#"[{"user": 3, "name": "☁ x", "value": "1", "timestamp": 1}]"#,
        ] {
            let e = parse_log_page("u", body.as_bytes()).unwrap_err();
            assert_eq!(e.kind(), K::MalformedJson, "{body}");
        }
        assert!(parse_log_page("u", b"[]").unwrap().is_empty());
    }

    #[test]
    fn query_names_get_the_prefix() {
        let q = LogQuery::new(ProjectId::scratch("1").unwrap())
            .name("score")
            .unwrap();
        assert_eq!(q.name.unwrap().full(), "☁ score");
        let e = LogQuery::new(ProjectId::scratch("1").unwrap())
            .name("")
            .unwrap_err();
        assert_eq!(e.kind(), K::InvalidInput);
    }
}
