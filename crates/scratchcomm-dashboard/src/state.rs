//! Sans-IO dashboard state: what the dashboard derives from the events it observes, and
//! the JSON views it serves. No actix, no clock: fed events, returns what to publish.
//!
//! The actors do not report their connection state or how often they reconnected, so the
//! dashboard derives both from the `Connect`/`Disconnect`/`Error` events it sees
//! ([`ConnectionStatus::observe`]). A connection is assumed *connected* when it is
//! attached, because `CloudHandle::connect` only resolves after the handshake.

use actors_cloud::{CloseCode, CloudEvent, EventKind, OwnWrite};
use serde::Serialize;
use std::collections::BTreeMap;

/// A connection's state as derived from observed events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// The handshake was written and no disconnect was seen since.
    Connected,
    /// The websocket closed; the connection may reconnect.
    Disconnected,
    /// The connection stopped for good because of an error.
    Failed,
    /// The connection was stopped (its event stream ended).
    Stopped,
}

/// Connection bookkeeping derived from events (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionStatus {
    /// The current state.
    pub state: ConnectionState,
    /// How many times the connection came back after a disconnect.
    pub reconnects: u64,
    /// How many disconnects were seen.
    pub disconnects: u64,
    /// The reason of the last disconnect or error, if any.
    pub last_reason: Option<String>,
    /// The close code of the last disconnect, when the server sent one (`None` after a
    /// disconnect without a close frame). In JSON the code's number, or `null`.
    #[serde(serialize_with = "close_code_number")]
    pub last_close_code: Option<CloseCode>,
    /// Events the dashboard missed because it read too slowly (it then re-reads the
    /// connection's variable cache, so the variables shown stay right).
    pub missed_events: u64,
}

impl Default for ConnectionStatus {
    fn default() -> Self {
        Self::attached()
    }
}

/// A close code in JSON: its number.
fn close_code_number<S: serde::Serializer>(
    code: &Option<CloseCode>,
    s: S,
) -> Result<S::Ok, S::Error> {
    code.map(|c| c.0).serialize(s)
}

/// What a client of the dashboard must be told after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// Nothing visible changed.
    Nothing,
    /// One variable changed (`None`: it was deleted). `name` has no `☁ ` prefix.
    Variable {
        /// Variable name without prefix.
        name: String,
        /// New value text, or `None` when deleted.
        value: Option<String>,
    },
    /// Re-send the whole project (state changed, a rename, or events were missed).
    Project,
}

impl ConnectionStatus {
    /// The status of a freshly attached connection: connected, nothing counted.
    pub fn attached() -> Self {
        ConnectionStatus {
            state: ConnectionState::Connected,
            reconnects: 0,
            disconnects: 0,
            last_reason: None,
            last_close_code: None,
            missed_events: 0,
        }
    }

    /// Account for one event and say what to publish.
    pub fn observe(&mut self, event: &CloudEvent) -> Update {
        match &event.kind {
            EventKind::Set | EventKind::Create => Update::Variable {
                name: event.name.clone(),
                value: event.value.as_ref().map(|v| v.as_str().to_owned()),
            },
            EventKind::Delete => Update::Variable {
                name: event.name.clone(),
                value: None,
            },
            EventKind::Rename { .. } => Update::Project,
            // The connection's own writes (its `CloudHandle`), reported once written: the
            // server does not echo them, so this is how they appear live.
            EventKind::Sent(op) => match op {
                OwnWrite::Set | OwnWrite::Create => Update::Variable {
                    name: event.name.clone(),
                    value: event.value.as_ref().map(|v| v.as_str().to_owned()),
                },
                OwnWrite::Delete => Update::Variable {
                    name: event.name.clone(),
                    value: None,
                },
                _ => Update::Project,
            },
            EventKind::Connect => {
                if self.state == ConnectionState::Connected {
                    // The first connect (or a duplicate) is not a reconnect.
                    return Update::Nothing;
                }
                if self.state == ConnectionState::Disconnected {
                    self.reconnects += 1;
                }
                self.state = ConnectionState::Connected;
                Update::Project
            }
            EventKind::Disconnect { code, reason } => {
                self.disconnects += 1;
                self.state = ConnectionState::Disconnected;
                self.last_reason = Some(reason.clone());
                self.last_close_code = *code;
                Update::Project
            }
            EventKind::Error { message } => {
                self.state = ConnectionState::Failed;
                self.last_reason = Some(message.clone());
                Update::Project
            }
            EventKind::Lagged { missed } => {
                self.missed_events += missed;
                Update::Project
            }
            _ => Update::Nothing,
        }
    }

    /// The connection's event stream ended: it will not produce anything again.
    pub fn ended(&mut self) -> Update {
        if self.state == ConnectionState::Failed || self.state == ConnectionState::Stopped {
            return Update::Nothing;
        }
        self.state = ConnectionState::Stopped;
        Update::Project
    }
}

/// One project (one connection) as served by `GET api/projects` and pushed live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectView {
    /// The dashboard's key for it: the connection's source id (unique).
    pub id: String,
    /// The project id.
    pub project_id: String,
    /// The kind of host: `scratch`, `turbowarp` or `custom`.
    pub host: String,
    /// Derived connection bookkeeping.
    #[serde(flatten)]
    pub status: ConnectionStatus,
    /// Variables by name without the `☁ ` prefix.
    pub variables: BTreeMap<String, String>,
}

/// One client of a cloud socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SocketClientView {
    /// The 5-digit client id.
    pub id: String,
    /// The username, when known.
    pub username: Option<String>,
    /// Whether it completed a secure handshake.
    pub secure: bool,
}

/// One attached cloud socket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SocketView {
    /// The dashboard's key for it.
    pub id: String,
    /// Connected clients, by id.
    pub clients: Vec<SocketClientView>,
    /// Complete messages received since the dashboard attached.
    pub messages: u64,
    /// Socket events the dashboard missed by reading too slowly.
    pub missed_events: u64,
    /// Request statistics, when the socket is served by an attached request bot.
    pub requests: Option<RequestStats>,
}

/// What a request bot served, how fast, and how many requests failed and how (from the
/// bot's [`RequestEvent`](actors_requests::RequestEvent)s since the dashboard attached).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RequestStats {
    /// Messages handled completely (one per message, replied or not).
    pub served: u64,
    /// Of those, the ones whose reply was sent.
    pub replied: u64,
    /// Every error counted below, together.
    pub errors: u64,
    /// Messages that did not parse (syntax errors, unknown requests).
    pub invalid_syntax: u64,
    /// Handlers that failed, panicked or got unfitting arguments.
    pub handler_errors: u64,
    /// Errors outside any handler (e.g. replying failed).
    pub uncaught_errors: u64,
    /// From receiving a message to sending its reply.
    pub latency: Latency,
    /// The latest errors, newest first (at most [`RequestStats::RECENT`]).
    pub recent_errors: Vec<RequestErrorView>,
}

impl RequestStats {
    /// How many recent errors are kept.
    pub const RECENT: usize = 10;

    /// Record one error (counted by `kind`, kept in `recent_errors`).
    pub fn record(&mut self, error: RequestErrorView) {
        match error.kind.as_str() {
            "invalid_syntax" => self.invalid_syntax += 1,
            "handler_error" => self.handler_errors += 1,
            _ => self.uncaught_errors += 1,
        }
        self.errors += 1;
        self.recent_errors.insert(0, error);
        self.recent_errors.truncate(Self::RECENT);
    }

    /// Record one handled message and how long it took.
    pub fn record_served(&mut self, elapsed: std::time::Duration, replied: bool) {
        self.served += 1;
        if replied {
            self.replied += 1;
        }
        self.latency.record(elapsed);
    }
}

/// One failed request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestErrorView {
    /// `invalid_syntax`, `handler_error` or `uncaught_error`.
    pub kind: String,
    /// The request name, when known.
    pub request: Option<String>,
    /// The caller: `username (client id)` or the client id, when known.
    pub caller: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// Everything the dashboard shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Every attached connection.
    pub projects: Vec<ProjectView>,
    /// Every attached cloud socket.
    pub sockets: Vec<SocketView>,
}

/// The `variable` message pushed to live subscribers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariableMessage {
    /// The project's dashboard id.
    pub id: String,
    /// Variable name without prefix.
    pub name: String,
    /// New value, `None` (JSON `null`) when deleted.
    pub value: Option<String>,
}

mod latency;

pub use latency::Latency;

#[cfg(test)]
mod tests;
