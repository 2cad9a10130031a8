//! Connection settings: which host, which project, who we are, and how to behave.

use crate::core::{BackoffPolicy, CoreConfig, RateLimit};
use crate::events::SourceId;
use crate::tls::TlsOptions;
use crate::CloudError;
use rand::Rng;
use scratchcomm_wire::{ProjectId, SessionId, ValueGrammar, ValueRules};
use std::time::Duration;

mod gate;
mod headers;
mod hosts;
mod network;
mod reconnect;
mod url;
pub use gate::WriteGate;
pub use hosts::{HostEntry, HostRotation, HostSwitch, TURBOWARP_FALLBACK_URL};
pub(crate) use url::check_ws_url;

/// The Scratch cloud server. The session cookie is only ever sent here.
pub const SCRATCH_URL: &str = "wss://clouddata.scratch.mit.edu";
/// TurboWarp's default cloud host.
pub const TURBOWARP_URL: &str = "wss://clouddata.turbowarp.org/";
/// The `Origin` Scratch requires.
pub const SCRATCH_ORIGIN: &str = "https://scratch.mit.edu";

/// Which kind of cloud server a connection talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// `wss://clouddata.scratch.mit.edu` with a session cookie.
    Scratch,
    /// A TurboWarp cloud host (contact info required in the User-Agent).
    TurboWarp,
    /// Any other `ws://` / `wss://` server, e.g. the embedded one.
    Custom,
}

impl HostKind {
    /// `scratch`, `turbowarp` or `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostKind::Scratch => "scratch",
            HostKind::TurboWarp => "turbowarp",
            HostKind::Custom => "custom",
        }
    }
}

/// Everything a connection needs. Build with [`scratch`](Self::scratch),
/// [`turbowarp`](Self::turbowarp) or [`custom`](Self::custom), adjust with the builder
/// methods; problems (bad URL, id, empty contact) are reported by
/// [`validate`](Self::validate), which `CloudHandle::connect` calls.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    pub(crate) host: HostKind,
    pub(crate) url: String,
    pub(crate) fallbacks: Vec<HostEntry>,
    pub(crate) tls: TlsOptions,
    pub(crate) project_id: String,
    pub(crate) username: String,
    pub(crate) session: Option<SessionId>,
    pub(crate) contact: Option<String>,
    pub(crate) rules: ValueRules,
    pub(crate) rate_limit: RateLimit,
    pub(crate) backoff: BackoffPolicy,
    pub(crate) reconnect: bool,
    pub(crate) receive_updates: bool,
    pub(crate) coalesce: bool,
    pub(crate) literal_names: bool,
    pub(crate) quickaccess: bool,
    pub(crate) source: Option<SourceId>,
    pub(crate) snapshot_window: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) drain_timeout: Duration,
    pub(crate) event_capacity: usize,
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) retry_first_connect: bool,
    pub(crate) resend_own_values: bool,
    pub(crate) extra: headers::ExtraHeaders,
    pub(crate) write_gate: Option<WriteGate>,
}

/// `player` followed by six random digits (TurboWarp's style of guest name).
pub fn random_username() -> String {
    format!("player{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

impl ConnectionConfig {
    fn base(host: HostKind, url: &str, project_id: &str, username: String) -> Self {
        let (rules, rate_limit) = match host {
            HostKind::Scratch => (ValueRules::scratch(), RateLimit::scratch()),
            _ => (ValueRules::turbowarp(), RateLimit::turbowarp()),
        };
        ConnectionConfig {
            host,
            url: url.to_owned(),
            fallbacks: Vec::new(),
            tls: TlsOptions::default(),
            project_id: project_id.to_owned(),
            username,
            session: None,
            contact: None,
            rules,
            rate_limit,
            backoff: BackoffPolicy::default(),
            reconnect: true,
            receive_updates: true,
            coalesce: false,
            literal_names: false,
            quickaccess: false,
            source: None,
            snapshot_window: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(10),
            event_capacity: 1024,
            ping_interval: Some(Duration::from_secs(30)),
            retry_first_connect: true,
            resend_own_values: false,
            extra: Default::default(),
            write_gate: None,
        }
    }

    /// Scratch: `wss://clouddata.scratch.mit.edu` with the session cookie and Scratch's
    /// Origin; numeric project id; values plain decimals of at most 256 characters; 10 sets/s,
    /// 100 ms apart.
    pub fn scratch(project_id: &str, session: SessionId, username: impl Into<String>) -> Self {
        let mut c = Self::base(HostKind::Scratch, SCRATCH_URL, project_id, username.into());
        c.session = Some(session);
        c
    }

    /// TurboWarp at its default host; `contact` (required, non-empty) goes into the
    /// User-Agent. Username defaults to `player` + random digits.
    pub fn turbowarp(project_id: &str, contact: &str) -> Self {
        let mut c = Self::base(
            HostKind::TurboWarp,
            TURBOWARP_URL,
            project_id,
            random_username(),
        );
        c.contact = Some(contact.to_owned());
        c
    }

    /// Any `ws://` or `wss://` cloud server speaking TurboWarp's protocol (e.g. the
    /// embedded server). Same defaults as TurboWarp, contact optional.
    pub fn custom(url: &str, project_id: &str) -> Self {
        Self::base(HostKind::Custom, url, project_id, random_username())
    }

    /// Use another cloud host URL (TurboWarp or custom; Scratch's URL is fixed).
    pub fn url(mut self, url: &str) -> Self {
        self.url = url.to_owned();
        self
    }

    /// The username sent in the handshake and every set.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = username.into();
        self
    }

    /// Contact info for the User-Agent (required for TurboWarp, optional for custom hosts).
    pub fn contact(mut self, contact: &str) -> Self {
        self.contact = Some(contact.to_owned());
        self
    }

    /// Replace the rate limit (custom hosts may use [`RateLimit::unlimited`]).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Accept any string value instead of plain decimals only (for a custom server that
    /// relays strings; TurboWarp's own server drops them).
    pub fn accept_strings(mut self, yes: bool) -> Self {
        self.rules = self.rules.grammar(if yes {
            ValueGrammar::AnyString
        } else {
            ValueGrammar::PlainDecimal
        });
        self
    }

    /// Replace the value rules entirely.
    pub fn value_rules(mut self, rules: ValueRules) -> Self {
        self.rules = rules;
        self
    }

    /// Reconnect after a disconnect (default on).
    pub fn reconnect(mut self, yes: bool) -> Self {
        self.reconnect = yes;
        self
    }

    /// Reconnect delays (initial, cap, jitter, attempts).
    pub fn backoff(mut self, policy: BackoffPolicy) -> Self {
        self.backoff = policy;
        self
    }

    /// Process updates from the server (default on). Off: nothing is cached or emitted.
    pub fn receive_updates(mut self, yes: bool) -> Self {
        self.receive_updates = yes;
        self
    }

    /// Merge a queued set into an earlier queued set of the same variable (default off).
    pub fn coalesce(mut self, yes: bool) -> Self {
        self.coalesce = yes;
        self
    }

    /// Use names exactly as given instead of adding the `☁ ` prefix.
    pub fn literal_names(mut self, yes: bool) -> Self {
        self.literal_names = yes;
        self
    }

    /// Enable the map-like [`QuickAccess`](crate::QuickAccess) view.
    pub fn quickaccess(mut self, yes: bool) -> Self {
        self.quickaccess = yes;
        self
    }

    /// The source id events carry (default `<host kind>:<project id>`).
    pub fn source(mut self, source: impl Into<SourceId>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// How long after the handshake the first frame counts as the join snapshot.
    pub fn snapshot_window(mut self, window: Duration) -> Self {
        self.snapshot_window = window;
        self
    }

    /// Timeout for opening the websocket.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a clean stop waits for queued sets to be written.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// Events buffered per stream subscriber before the oldest are dropped (default 1024).
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.event_capacity = n.max(1);
        self
    }

    /// Ping the server after this long without a frame from it, and reconnect when it
    /// does not answer within 10 s (default 30 s; `None` turns it off).
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Check every write with `gate` at the moment it would be written (see [`WriteGate`]).
    pub fn write_gate(mut self, gate: WriteGate) -> Self {
        self.write_gate = Some(gate);
        self
    }

    /// The connection's host kind.
    pub fn host_kind(&self) -> HostKind {
        self.host
    }

    /// The URL connected to.
    pub fn target_url(&self) -> &str {
        &self.url
    }

    /// The value rules in force.
    pub fn rules(&self) -> &ValueRules {
        &self.rules
    }

    /// Check everything; returns the validated project id.
    ///
    /// # Errors
    ///
    /// A [`CloudError`](crate::CloudError) naming the first bad setting (project id, URL, user name, rate limit, TLS).
    pub fn validate(&self) -> Result<ProjectId, CloudError> {
        let bad = |m: String| Err(CloudError::config(m));
        let project = match self.host {
            HostKind::Scratch => ProjectId::scratch(self.project_id.as_str())?,
            _ => ProjectId::new(self.project_id.as_str())?,
        };
        let contact_empty = self.contact.as_deref().is_none_or_blank();
        for host in self.hosts() {
            check_ws_url(&host.url)?;
            if host.kind == HostKind::Scratch && host.url != SCRATCH_URL {
                return bad(format!("the Scratch host is fixed to {SCRATCH_URL}"));
            }
            if host.kind == HostKind::Scratch && self.session.is_none() {
                return bad("a Scratch connection needs a session id".into());
            }
            if host.kind == HostKind::TurboWarp && contact_empty {
                return bad("TurboWarp requires contact info (e.g. your Scratch username or an e-mail address) for the User-Agent".into());
            }
        }
        self.tls.custom_roots()?;
        self.extra.validate()?;
        self.backoff.validate()?;
        if let Some(c) = &self.contact {
            if c.chars().any(|ch| ch.is_control()) {
                return bad("contact info must not contain control characters".into());
            }
        }
        if self.username.is_empty() || self.username.chars().any(|c| c.is_control()) {
            return bad(format!("invalid username {:?}", self.username));
        }
        Ok(project)
    }

    /// The state-machine settings.
    pub(crate) fn core_config(&self, project: &ProjectId) -> CoreConfig {
        CoreConfig {
            user: self.username.clone(),
            project_id: project.clone(),
            project_json: project.to_json(self.host == HostKind::Scratch),
            source: self.source_id(project),
            rate_limit: self.rate_limit,
            backoff: self.backoff,
            reconnect: self.reconnect,
            receive_updates: self.receive_updates,
            coalesce: self.coalesce,
            snapshot_window: self.snapshot_window,
            drain_timeout: self.drain_timeout,
            resend_own_values: self.resend_own_values,
            ping_interval: self.ping_interval,
            ping_timeout: Duration::from_secs(10),
            write_gate: self.write_gate.clone(),
            seed: rand::thread_rng().gen(),
        }
    }

    /// The source id events of this connection carry.
    pub fn source_id(&self, project: &ProjectId) -> SourceId {
        self.source
            .clone()
            .unwrap_or_else(|| SourceId::new(format!("{}:{}", self.host.as_str(), project)))
    }
}

pub(crate) trait BlankExt {
    fn is_none_or_blank(&self) -> bool;
}

impl BlankExt for Option<&str> {
    fn is_none_or_blank(&self) -> bool {
        self.map_or(true, |s| s.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turbowarp_needs_contact_and_gets_a_player_name() {
        let c = ConnectionConfig::turbowarp("123", " ");
        assert_eq!(
            c.validate().unwrap_err().kind(),
            crate::CloudErrorKind::InvalidConfig
        );
        let c = ConnectionConfig::turbowarp("123", "me@example.com");
        assert!(c.validate().is_ok());
        assert!(c.username.starts_with("player") && c.username.len() == 12);
        assert_eq!(
            c.core_config(&c.validate().unwrap()).project_json,
            serde_json::json!("123")
        );
    }

    #[test]
    fn scratch_rules() {
        let c = ConnectionConfig::scratch("12ab", SessionId::new("s"), "bot");
        assert!(c.validate().is_err());
        let c = ConnectionConfig::scratch("123456789", SessionId::new("s"), "bot");
        let p = c.validate().unwrap();
        assert_eq!(c.core_config(&p).project_json, serde_json::json!(123456789));
        assert_eq!(c.rate_limit, RateLimit::scratch());
        // The Scratch URL cannot be redirected (the cookie must not leak).
        assert!(c.url("ws://127.0.0.1:1/").validate().is_err());
        assert!(!format!(
            "{:?}",
            ConnectionConfig::scratch("1", SessionId::new("secret-x"), "b")
        )
        .contains("secret-x"));
    }

    #[test]
    fn custom_host_defaults() {
        let c = ConnectionConfig::custom("ws://127.0.0.1:1/", "room")
            .rate_limit(RateLimit::unlimited());
        let p = c.validate().unwrap();
        assert_eq!(c.source_id(&p).as_str(), "custom:room");
        assert!(ConnectionConfig::custom("http://x", "room")
            .validate()
            .is_err());
        assert!(ConnectionConfig::custom("ws://x", "").validate().is_err());
    }
}
