//! Attaching a request bot: its socket's panel plus error statistics from the bot's events.

use super::{feed, frame, Hub};
use crate::state::{RequestErrorView, RequestStats};
use actors_cloud::EventStream;
use actors_requests::{Caller, RequestBot, RequestEvent, SaBot};
use std::sync::{Arc, Weak};

/// Attach `bot` under `id`: its socket (clients, message count) and its request errors.
pub(crate) fn attach_requests(hub: &Arc<Hub>, id: String, bot: RequestBot) {
    // Subscribe before anything becomes visible, so no error is missed.
    let events = bot.events();
    let entry = feed::attach_socket(hub, id, bot.socket().clone());
    let view = {
        let mut view = super::lock(&entry.view);
        view.requests.get_or_insert_with(RequestStats::default);
        view.clone()
    };
    // Never publish while holding a view lock: `subscribe` takes them under the
    // subscriber lock.
    hub.publish(frame("socket", &view));
    feed_stats(hub, entry, events);
}

/// Attach a bot of scratchattach's kits under `id`: a panel without clients whose request
/// statistics come from the bot's events (the same events as a request bot's).
pub(crate) fn attach_sa_requests(hub: &Arc<Hub>, id: String, bot: SaBot) {
    let events = bot.events();
    let entry = Arc::new(super::SocketEntry {
        view: std::sync::Mutex::new(crate::state::SocketView {
            id,
            requests: Some(RequestStats::default()),
            ..Default::default()
        }),
    });
    hub.add_socket(entry.clone());
    let view = super::lock(&entry.view).clone();
    hub.publish(frame("socket", &view));
    feed_stats(hub, entry, events);
}

/// Count a bot's events into its panel, publishing each visible change.
fn feed_stats(
    hub: &Arc<Hub>,
    entry: Arc<super::SocketEntry>,
    mut events: EventStream<RequestEvent>,
) {
    let weak: Weak<Hub> = Arc::downgrade(hub);
    tokio::spawn(async move {
        loop {
            let event = match events.next_event().await {
                Some(RequestEvent::Lagged { missed }) => {
                    super::lock(&entry.view).missed_events += missed;
                    continue;
                }
                Some(event) => event,
                None => return,
            };
            let Some(hub) = weak.upgrade() else { return };
            let view = {
                let mut view = super::lock(&entry.view);
                let stats = view.requests.get_or_insert_with(RequestStats::default);
                if !apply(stats, &event) {
                    continue;
                }
                view.clone()
            };
            hub.publish(frame("socket", &view));
        }
    });
}

/// Account for one bot event; `true` when something visible changed.
pub(crate) fn apply(stats: &mut RequestStats, event: &RequestEvent) -> bool {
    if let RequestEvent::Served {
        elapsed, replied, ..
    } = event
    {
        stats.record_served(*elapsed, *replied);
        return true;
    }
    match error_view(event) {
        Some(error) => {
            stats.record(error);
            true
        }
        None => false,
    }
}

fn caller_text(caller: &Caller) -> String {
    match &caller.username {
        Some(user) => format!("{user} ({})", caller.client_id),
        None => caller.client_id.clone(),
    }
}

/// What the dashboard shows for one bot event (`None`: nothing to show).
pub(crate) fn error_view(event: &RequestEvent) -> Option<RequestErrorView> {
    Some(match event {
        RequestEvent::InvalidSyntax {
            caller,
            content,
            error,
        } => RequestErrorView {
            kind: "invalid_syntax".into(),
            request: None,
            caller: Some(caller_text(caller)),
            message: format!("{error} (message: {})", shorten(content, 80)),
        },
        RequestEvent::HandlerError {
            caller,
            request,
            error,
            ..
        } => RequestErrorView {
            kind: "handler_error".into(),
            request: Some(request.clone()),
            caller: Some(caller_text(caller)),
            message: error.to_string(),
        },
        RequestEvent::UncaughtError { caller, error, .. } => RequestErrorView {
            kind: "uncaught_error".into(),
            request: None,
            caller: caller.as_ref().map(caller_text),
            message: error.to_string(),
        },
        // `Served` is counted by `apply`; kinds added later are not errors we know.
        _ => return None,
    })
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use actors_requests::{RequestError, RequestErrorKind};

    fn caller(user: Option<&str>) -> Caller {
        Caller::new("01234", user.map(str::to_owned))
    }

    #[test]
    fn events_become_counted_errors_newest_first_and_bounded() {
        let mut stats = RequestStats::default();
        let syntax = RequestEvent::InvalidSyntax {
            caller: caller(None),
            content: "x".repeat(200),
            error: RequestError::new(RequestErrorKind::Syntax, "bad"),
        };
        let view = error_view(&syntax).unwrap();
        assert_eq!(view.caller.as_deref(), Some("01234"));
        assert!(
            view.message.chars().count() < 150,
            "long content is shortened"
        );
        stats.record(view);
        let failed = RequestEvent::HandlerError {
            caller: caller(Some("amy")),
            request: "add".into(),
            args: vec![],
            kwargs: vec![],
            error: RequestError::new(RequestErrorKind::Handler, "RuntimeError"),
        };
        let view = error_view(&failed).unwrap();
        assert_eq!(view.caller.as_deref(), Some("amy (01234)"));
        assert_eq!(view.request.as_deref(), Some("add"));
        for _ in 0..12 {
            stats.record(view.clone());
        }
        let uncaught = RequestEvent::UncaughtError {
            caller: None,
            last_message: None,
            error: RequestError::new(RequestErrorKind::Handler, "socket gone"),
        };
        stats.record(error_view(&uncaught).unwrap());
        assert_eq!(
            (
                stats.invalid_syntax,
                stats.handler_errors,
                stats.uncaught_errors
            ),
            (1, 12, 1)
        );
        assert_eq!(stats.recent_errors.len(), RequestStats::RECENT);
        assert_eq!(stats.recent_errors[0].kind, "uncaught_error");
        assert_eq!(stats.errors, 14);
    }

    #[test]
    fn served_events_count_requests_and_latency_but_are_no_errors() {
        let mut stats = RequestStats::default();
        let served = |ms: u64, replied: bool| RequestEvent::Served {
            caller: caller(None),
            request: "ping".into(),
            elapsed: std::time::Duration::from_millis(ms),
            replied,
        };
        assert!(error_view(&served(1, true)).is_none());
        assert!(apply(&mut stats, &served(10, true)));
        assert!(apply(&mut stats, &served(30, false)));
        assert_eq!((stats.served, stats.replied, stats.errors), (2, 1, 0));
        assert_eq!(
            stats.latency.last(),
            Some(std::time::Duration::from_millis(30))
        );
        assert_eq!(
            stats.latency.mean(),
            Some(std::time::Duration::from_millis(20))
        );
        let failed = RequestEvent::UncaughtError {
            caller: None,
            last_message: None,
            error: RequestError::new(RequestErrorKind::Socket, "gone"),
        };
        assert!(apply(&mut stats, &failed));
        assert_eq!((stats.served, stats.errors), (2, 1));
    }
}
