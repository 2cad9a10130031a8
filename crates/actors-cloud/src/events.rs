//! The typed events a connection emits, and the filters subscribers use to pick them.

use scratchcomm_wire::{CloseCode, CloudValue, ProjectId};
use std::fmt;
use std::time::SystemTime;

/// Names the connection an event came from (a Sky member key). Defaults to
/// `"<host kind>:<project id>"`; set it with [`ConnectionConfig::source`](crate::ConnectionConfig::source).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(String);

impl SourceId {
    /// A source id from any text.
    pub fn new(id: impl Into<String>) -> Self {
        SourceId(id.into())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceId({:?})", self.0)
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SourceId {
    fn from(s: &str) -> Self {
        SourceId::new(s)
    }
}

impl From<String> for SourceId {
    fn from(s: String) -> Self {
        SourceId(s)
    }
}

/// What happened. New kinds may be added, so match with a `_` arm.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// Another client set a variable (or, after a reconnect, a value changed while away).
    Set,
    /// A variable was created.
    Create,
    /// A variable was deleted.
    Delete,
    /// A variable was renamed; `name` is the old name.
    Rename {
        /// The new name, without the `☁ ` prefix.
        new_name: String,
    },
    /// The handshake was written: the connection is usable.
    Connect,
    /// Opening a host failed and the connection moves on to the next host of its list
    /// (see `ConnectionConfig::fallback_host`). Emitted on every switch.
    HostSwitch {
        /// The URL that failed.
        from: String,
        /// The URL tried next.
        to: String,
    },
    /// The websocket closed or failed; a reconnect may follow.
    Disconnect {
        /// The close code of the server's close frame; `None` when the socket closed
        /// without one, failed, or could not be opened. [`CloseCode::can_reconnect`] tells
        /// whether a reconnect can help.
        code: Option<CloseCode>,
        /// What happened, for people: the close code with its meaning and the server's
        /// close reason, or the transport error.
        reason: String,
    },
    /// The connection stopped for good because of an error (a close code that cannot heal,
    /// a refused connect, or reconnect attempts exhausted). No reconnect follows.
    Error {
        /// What went wrong.
        message: String,
    },
    /// A server update with a method this library does not know.
    Other {
        /// The update's `method` member.
        method: String,
    },
    /// An event emitted locally with `emit_custom`; never sent to the server. The event's
    /// `name` is the custom name too, and its `value` the first of `values`.
    Custom {
        /// The custom event's name (what [`EventFilter::Custom`] selects on).
        name: String,
        /// Every value it was emitted with, in order (possibly none).
        values: Vec<CloudValue>,
    },
    /// Only on event streams: this subscriber was too slow and `missed` older events
    /// were dropped for it (see [`EventStream`](crate::EventStream)).
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// One of this connection's own operations (through its `CloudHandle`) was written to
    /// the socket. Local only: never received from, nor sent to, the server. A separate
    /// kind, so subscribers of remote updates (`Set`/`Create`/...) never mistake an own
    /// write for one. `name` is the variable written, `value` the value set or created.
    Sent(OwnWrite),
}

/// Which own operation an [`EventKind::Sent`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OwnWrite {
    /// A `set` was written.
    Set,
    /// A `create` was written.
    Create,
    /// A `delete` was written.
    Delete,
    /// A `rename` was written; the event's `name` is the old name.
    Rename {
        /// The new name, without the `☁ ` prefix.
        new_name: String,
    },
}

/// The kind of an event without its data, for filtering subscriptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// A variable was set.
    Set,
    /// A variable was created.
    Create,
    /// A variable was deleted.
    Delete,
    /// A variable was renamed.
    Rename,
    /// The connection is usable.
    Connect,
    /// The connection moved to another host.
    HostSwitch,
    /// The socket closed.
    Disconnect,
    /// The connection stopped for good.
    Error,
    /// An unknown server method.
    Other,
    /// A local custom event.
    Custom,
    /// A slow stream lost events.
    Lagged,
    /// One of the connection's own operations was written.
    Sent,
}

impl EventType {
    /// The lower-case name used in JSON output (`set`, `rename`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Set => "set",
            EventType::Create => "create",
            EventType::Delete => "delete",
            EventType::Rename => "rename",
            EventType::Connect => "connect",
            EventType::HostSwitch => "host_switch",
            EventType::Disconnect => "disconnect",
            EventType::Error => "error",
            EventType::Other => "other",
            EventType::Custom => "custom",
            EventType::Lagged => "lagged",
            EventType::Sent => "sent",
        }
    }
}

impl EventKind {
    /// The kind without its data.
    pub fn event_type(&self) -> EventType {
        match self {
            EventKind::Set => EventType::Set,
            EventKind::Create => EventType::Create,
            EventKind::Delete => EventType::Delete,
            EventKind::Rename { .. } => EventType::Rename,
            EventKind::Connect => EventType::Connect,
            EventKind::HostSwitch { .. } => EventType::HostSwitch,
            EventKind::Disconnect { .. } => EventType::Disconnect,
            EventKind::Error { .. } => EventType::Error,
            EventKind::Other { .. } => EventType::Other,
            EventKind::Custom { .. } => EventType::Custom,
            EventKind::Lagged { .. } => EventType::Lagged,
            EventKind::Sent(_) => EventType::Sent,
        }
    }
}

/// One event of one connection.
#[derive(Clone, Debug, actix::Message)]
#[rtype(result = "()")]
pub struct CloudEvent {
    /// What happened.
    pub kind: EventKind,
    /// The connection it came from.
    pub source: SourceId,
    /// The project of that connection.
    pub project_id: ProjectId,
    /// Variable name without the `☁ ` prefix (empty for connection events).
    pub name: String,
    /// Variable name as on the wire (empty for connection events).
    pub raw_name: String,
    /// The value, for set/create/custom events.
    pub value: Option<CloudValue>,
    /// When the event was produced locally.
    pub timestamp: SystemTime,
    /// Who caused it, when the server says (cloud servers normally do not).
    pub user: Option<String>,
}

impl CloudEvent {
    /// The kind without its data.
    pub fn event_type(&self) -> EventType {
        self.kind.event_type()
    }
}

/// Which events a subscriber wants.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum EventFilter {
    /// Every event.
    #[default]
    Any,
    /// Only events of these types.
    Only(Vec<EventType>),
    /// Only custom events (`emit_custom`) of this name, like the original library's
    /// `on(name)` for its own events.
    Custom(String),
}

impl EventFilter {
    /// Only events of one type.
    pub fn only(t: EventType) -> Self {
        EventFilter::Only(vec![t])
    }

    /// Whether `event` passes.
    pub fn matches(&self, event: &CloudEvent) -> bool {
        match self {
            EventFilter::Any => true,
            EventFilter::Only(types) => types.contains(&event.event_type()),
            EventFilter::Custom(wanted) => {
                matches!(&event.kind, EventKind::Custom { name, .. } if name == wanted)
            }
        }
    }

    /// Only custom events named `name`.
    pub fn custom(name: impl Into<String>) -> Self {
        EventFilter::Custom(name.into())
    }
}

impl From<EventType> for EventFilter {
    fn from(t: EventType) -> Self {
        EventFilter::only(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind) -> CloudEvent {
        CloudEvent {
            kind,
            source: "s".into(),
            project_id: ProjectId::new("1").unwrap(),
            name: "a".into(),
            raw_name: "☁ a".into(),
            value: None,
            timestamp: SystemTime::UNIX_EPOCH,
            user: None,
        }
    }

    #[test]
    fn filters() {
        let set = ev(EventKind::Set);
        let ren = ev(EventKind::Rename {
            new_name: "b".into(),
        });
        assert!(EventFilter::Any.matches(&set));
        assert!(EventFilter::only(EventType::Set).matches(&set));
        assert!(!EventFilter::only(EventType::Set).matches(&ren));
        let both = EventFilter::Only(vec![EventType::Set, EventType::Rename]);
        assert!(both.matches(&ren) && both.matches(&set));
        assert_eq!(ren.event_type().as_str(), "rename");
        let custom = |name: &str| {
            ev(EventKind::Custom {
                name: name.into(),
                values: vec![CloudValue::from(1), CloudValue::from("x")],
            })
        };
        let hello = EventFilter::custom("hello");
        assert!(hello.matches(&custom("hello")));
        assert!(!hello.matches(&custom("bye")));
        assert!(
            !hello.matches(&set),
            "a set named like the custom event is not one"
        );
        assert!(EventFilter::only(EventType::Custom).matches(&custom("bye")));
    }
}
