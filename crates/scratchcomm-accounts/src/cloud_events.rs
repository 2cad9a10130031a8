//! Who set a variable, for `actors_cloud::CloudEvent`s, looked up lazily in the cloud logs
//! (docs/protocol.md §1.7 "User lookup"). Events are only read, never consumed: a failed
//! lookup is an error value and the event is still there.

use crate::cloud_logs::{CloudLogs, LogEntry, SetHistory, SetTicket};
use crate::error::{AccountsError, Result};
use actors_cloud::{CloudEvent, EventKind};
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use scratchcomm_wire::ProjectId;
use std::sync::Mutex;

/// Cloud-log lookups on a [`CloudEvent`].
pub trait CloudEventLogs {
    /// Remember this event in `history` if it is a set with a value (only sets have a
    /// setter in the logs); keep the ticket to ask who set it later.
    fn record_set(&self, history: &mut SetHistory) -> Option<SetTicket>;

    /// Who set this event's value, for an event of the given `age` (the number of sets of
    /// the same variable with the same value received after it; 0 for the newest).
    /// `MissingData` for events without a variable value.
    fn who_set<'a>(
        &'a self,
        logs: &'a CloudLogs,
        age: usize,
    ) -> LocalBoxFuture<'a, Result<LogEntry>>;

    /// A copy of this event with `user` filled in from its log entry (the event itself is
    /// left as it was).
    fn with_setter(&self, entry: &LogEntry) -> CloudEvent;
}

impl CloudEventLogs for CloudEvent {
    fn record_set(&self, history: &mut SetHistory) -> Option<SetTicket> {
        match (&self.kind, &self.value) {
            (EventKind::Set, Some(value)) if !self.raw_name.is_empty() => {
                Some(history.record(&self.raw_name, value))
            }
            _ => None,
        }
    }

    fn who_set<'a>(
        &'a self,
        logs: &'a CloudLogs,
        age: usize,
    ) -> LocalBoxFuture<'a, Result<LogEntry>> {
        async move {
            let value = self
                .value
                .as_ref()
                .filter(|_| !self.raw_name.is_empty())
                .ok_or_else(|| {
                    AccountsError::missing_data(format!(
                        "the {:?} event carries no variable value",
                        self.kind
                    ))
                })?;
            logs.who_set(&self.project_id, &self.raw_name, value, age)
                .await
        }
        .boxed_local()
    }

    fn with_setter(&self, entry: &LogEntry) -> CloudEvent {
        let mut event = self.clone();
        event.user = Some(entry.user.clone());
        event
    }
}

/// A remembered set event: which project, which variable and value, and its place in the
/// history. Cheap to keep per event; resolve it with [`EventUsers::user_of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTicket {
    /// The event's project.
    pub project_id: ProjectId,
    /// The event's place in the history.
    pub ticket: SetTicket,
}

/// Records every set event it is shown and answers "who set it" later, computing each
/// event's age at lookup time. Thread-safe to share (`Arc<EventUsers>`); the lookups
/// themselves need an actix runtime.
#[derive(Debug)]
pub struct EventUsers {
    logs: CloudLogs,
    history: Mutex<SetHistory>,
}

impl EventUsers {
    /// A tracker using `logs` for the lookups.
    pub fn new(logs: CloudLogs) -> EventUsers {
        EventUsers {
            logs,
            history: Mutex::new(SetHistory::new()),
        }
    }

    /// Remember `event` (sets only). Call for every event in the order received.
    pub fn observe(&self, event: &CloudEvent) -> Option<EventTicket> {
        let mut history = self
            .history
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let ticket = event.record_set(&mut history)?;
        Some(EventTicket {
            project_id: event.project_id.clone(),
            ticket,
        })
    }

    /// Who set the remembered event. `EventExpired` when the logs (or the bounded
    /// history) no longer hold it; transport and format failures keep their kinds.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError): `EventExpired` when the logs no longer hold the set; transport and format failures keep their kinds (see above).
    pub async fn user_of(&self, ticket: &EventTicket) -> Result<LogEntry> {
        let age = {
            let history = self
                .history
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            history.age(&ticket.ticket)
        };
        match age {
            Some(age) => {
                let t = &ticket.ticket;
                self.logs
                    .who_set(&ticket.project_id, &t.name, &t.value, age)
                    .await
            }
            None => Err(AccountsError::event_expired(
                &ticket.ticket.name,
                ticket.ticket.value.as_str(),
                crate::cloud_logs::HISTORY_PER_VARIABLE,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actors_cloud::SourceId;
    use scratchcomm_wire::CloudValue;
    use std::time::SystemTime;

    fn event(kind: EventKind, name: &str, value: Option<&str>) -> CloudEvent {
        CloudEvent {
            kind,
            source: SourceId::new("scratch:123"),
            project_id: ProjectId::scratch("123").unwrap(),
            name: name.to_owned(),
            raw_name: if name.is_empty() {
                String::new()
            } else {
                format!("☁ {name}")
            },
            value: value.map(CloudValue::new),
            timestamp: SystemTime::UNIX_EPOCH,
            user: None,
        }
    }

    #[test]
    fn only_sets_with_values_are_recorded() {
        let mut h = SetHistory::new();
        assert!(event(EventKind::Set, "a", Some("1"))
            .record_set(&mut h)
            .is_some());
        assert!(event(EventKind::Create, "a", Some("1"))
            .record_set(&mut h)
            .is_none());
        assert!(event(EventKind::Connect, "", None)
            .record_set(&mut h)
            .is_none());
        assert!(event(EventKind::Set, "a", None)
            .record_set(&mut h)
            .is_none());
    }

    #[test]
    fn tracker_ages_follow_the_order_seen() {
        let users = EventUsers::new(CloudLogs::default());
        let first = users
            .observe(&event(EventKind::Set, "a", Some("5")))
            .unwrap();
        let second = users
            .observe(&event(EventKind::Set, "a", Some("5")))
            .unwrap();
        let h = users.history.lock().unwrap();
        assert_eq!(h.age(&first.ticket), Some(1));
        assert_eq!(h.age(&second.ticket), Some(0));
        assert_eq!(first.project_id.as_str(), "123");
    }

    #[test]
    fn with_setter_fills_the_user_of_a_copy() {
        let e = event(EventKind::Set, "a", Some("1"));
        let entry = LogEntry {
            user: "alice".into(),
            verb: None,
            name: "☁ a".into(),
            value: CloudValue::new("1"),
            timestamp_ms: 5,
        };
        let filled = e.with_setter(&entry);
        assert_eq!(filled.user.as_deref(), Some("alice"));
        assert_eq!(e.user, None);
        assert_eq!(filled.value, e.value);
    }

    #[actix_rt::test]
    async fn an_event_without_value_is_an_error_value() {
        let logs = CloudLogs::default();
        let e = event(EventKind::Connect, "", None);
        let err = e.who_set(&logs, 0).await.unwrap_err();
        assert_eq!(err.kind(), crate::AccountsErrorKind::MissingData);
    }
}
