//! Delivering events to subscribers: Recipients, callbacks and async streams.
//!
//! Backpressure policy (no subscriber can make memory grow without bound, and none can
//! stall the connection):
//! * **Streams** ([`EventStream`]) read from a bounded broadcast ring
//!   (`ConnectionConfig::event_capacity`, default 1024). A stream that falls behind loses
//!   its *oldest* unread events and then yields one [`EventKind::Lagged`] event saying how
//!   many it missed, before continuing with the newest ones.
//! * **Recipients** subscribed with `CloudHandle::subscribe` are fed from their own
//!   event stream with `send().await`: in order, nothing lost until they fall
//!   `event_capacity` events behind, then the stream rule above applies. Recipients added
//!   with the raw `Subscribe` message get events with `try_send` instead: when their
//!   mailbox is full the event is dropped for them and a warning is logged; a closed
//!   recipient is unsubscribed.
//! * **Callbacks** run on the connection's actor, in order. An `Err` or a panic is
//!   logged through `tracing` and the connection carries on. Keep callbacks short.
//!
//! When the connection stops for good, streams end and every recipient and callback is
//! dropped (one registered later is dropped at once).

use crate::events::{CloudEvent, EventFilter, EventKind, SourceId};
use crate::stream::EventStream;
use actix::Recipient;
use scratchcomm_wire::ProjectId;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::SystemTime;
use tokio::sync::broadcast;

/// A boxed error a callback may return.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// An event callback.
pub type Callback = Box<dyn FnMut(&CloudEvent) -> Result<(), HandlerError> + Send>;

/// The subscribers of one connection (owned by its actor).
#[derive(Default)]
pub(crate) struct Bus {
    recipients: Vec<(EventFilter, Recipient<CloudEvent>)>,
    callbacks: Vec<(EventFilter, Callback)>,
}

impl Bus {
    pub(crate) fn add_recipient(&mut self, filter: EventFilter, r: Recipient<CloudEvent>) {
        self.recipients.push((filter, r));
    }

    pub(crate) fn add_callback(&mut self, filter: EventFilter, cb: Callback) {
        self.callbacks.push((filter, cb));
    }

    /// Drop every recipient and callback: the connection stopped for good, so nothing
    /// more will come (what a callback owns, e.g. a channel's sender, is released).
    pub(crate) fn close(&mut self) {
        self.recipients.clear();
        self.callbacks.clear();
    }

    /// Deliver `event` to everyone who wants it; `stream` is the broadcast ring.
    pub(crate) fn dispatch(
        &mut self,
        event: &CloudEvent,
        stream: Option<&broadcast::Sender<CloudEvent>>,
    ) {
        if let Some(tx) = stream {
            // No stream subscriber is not an error.
            let _ = tx.send(event.clone());
        }
        self.recipients.retain(|(filter, r)| {
            if !filter.matches(event) {
                return true;
            }
            match r.try_send(event.clone()) {
                Ok(()) => true,
                Err(actix::prelude::SendError::Full(_)) => {
                    tracing::warn!(kind = ?event.kind, "event recipient's mailbox is full; event dropped for it");
                    true
                }
                Err(actix::prelude::SendError::Closed(_)) => false,
            }
        });
        for (filter, cb) in &mut self.callbacks {
            if !filter.matches(event) {
                continue;
            }
            run_callback(cb, event);
        }
    }
}

/// Run one callback on `event`; an `Err` or a panic is logged and goes no further.
pub(crate) fn run_callback(cb: &mut Callback, event: &CloudEvent) {
    match catch_unwind(AssertUnwindSafe(|| cb(event))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, kind = ?event.kind, "cloud event handler failed")
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-text panic".into());
            tracing::error!(panic = %msg, kind = ?event.kind, "cloud event handler panicked");
        }
    }
}

/// A stream of the events of `rx` that `filter` accepts; `origin` labels its `Lagged`
/// markers.
pub(crate) fn cloud_stream(
    rx: broadcast::Receiver<CloudEvent>,
    filter: EventFilter,
    origin: (SourceId, ProjectId),
) -> EventStream {
    EventStream::build(
        rx,
        move |ev| filter.matches(ev),
        move |missed| CloudEvent {
            kind: EventKind::Lagged { missed },
            source: origin.0.clone(),
            project_id: origin.1.clone(),
            name: String::new(),
            raw_name: String::new(),
            value: None,
            timestamp: SystemTime::now(),
            user: None,
        },
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventType;

    fn ev(i: usize) -> CloudEvent {
        CloudEvent {
            kind: EventKind::Set,
            source: "s".into(),
            project_id: ProjectId::new("1").unwrap(),
            name: format!("v{i}"),
            raw_name: format!("☁ v{i}"),
            value: None,
            timestamp: SystemTime::UNIX_EPOCH,
            user: None,
        }
    }

    #[test]
    fn failing_and_panicking_callbacks_do_not_stop_delivery() {
        let mut bus = Bus::default();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        bus.add_callback(EventFilter::Any, Box::new(|_| Err("boom".into())));
        bus.add_callback(EventFilter::Any, Box::new(|_| panic!("handler bug")));
        let s = seen.clone();
        bus.add_callback(
            EventFilter::only(EventType::Set),
            Box::new(move |_| {
                s.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }),
        );
        for i in 0..3 {
            bus.dispatch(&ev(i), None);
        }
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[test]
    fn slow_stream_gets_lagged_marker_and_newest_events() {
        let (tx, rx) = broadcast::channel(4);
        let mut stream = cloud_stream(
            rx,
            EventFilter::Any,
            ("s".into(), ProjectId::new("1").unwrap()),
        );
        let mut bus = Bus::default();
        for i in 0..10 {
            bus.dispatch(&ev(i), Some(&tx));
        }
        drop(tx);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let got: Vec<CloudEvent> = rt.block_on(async {
            let mut v = Vec::new();
            while let Some(e) = stream.next_event().await {
                v.push(e);
            }
            v
        });
        assert_eq!(got[0].kind, EventKind::Lagged { missed: 6 });
        let names: Vec<_> = got[1..].iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["v6", "v7", "v8", "v9"]);
    }
}
