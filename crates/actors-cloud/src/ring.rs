//! The event ring of a connection: the bounded broadcast its [`EventStream`]s read.
//!
//! tokio's broadcast allocates every slot up front (about 225 bytes each, 1,024 slots by
//! default), so the ring is made only when the first stream subscribes: an idle connection
//! nobody streams from costs no ring (docs/performance.md H2: 245 KiB → about 20 KiB per
//! idle connection). Events published before that have no reader and are dropped, as a
//! broadcast without receivers drops them anyway.
//!
//! [`EventStream`]: crate::EventStream

use crate::CloudEvent;
use std::sync::Mutex;
use tokio::sync::broadcast;

enum Ring {
    /// Nobody subscribed yet; the ring will hold this many events.
    Lazy(usize),
    Open(broadcast::Sender<CloudEvent>),
    Closed,
}

/// A broadcast ring made on first subscription.
pub(crate) struct EventRing(Mutex<Ring>);

impl EventRing {
    /// A ring of `capacity` events (at least 1), not allocated yet.
    pub(crate) fn new(capacity: usize) -> Self {
        EventRing(Mutex::new(Ring::Lazy(capacity.max(1))))
    }

    /// Where to publish, if a stream ever subscribed and the ring is not closed.
    pub(crate) fn sender(&self) -> Option<broadcast::Sender<CloudEvent>> {
        match &*self.0.lock().ok()? {
            Ring::Open(tx) => Some(tx.clone()),
            Ring::Lazy(_) | Ring::Closed => None,
        }
    }

    /// A new receiver, making the ring on first use; `None` once closed.
    pub(crate) fn subscribe(&self) -> Option<broadcast::Receiver<CloudEvent>> {
        let mut ring = self.0.lock().ok()?;
        if let Ring::Lazy(capacity) = *ring {
            *ring = Ring::Open(broadcast::channel(capacity).0);
        }
        match &*ring {
            Ring::Open(tx) => Some(tx.subscribe()),
            Ring::Lazy(_) | Ring::Closed => None,
        }
    }

    /// Close the ring: every stream ends after what it has buffered.
    pub(crate) fn close(&self) {
        if let Ok(mut ring) = self.0.lock() {
            *ring = Ring::Closed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventKind, SourceId};
    use scratchcomm_wire::ProjectId;
    use std::time::SystemTime;

    fn event() -> CloudEvent {
        CloudEvent {
            kind: EventKind::Connect,
            source: SourceId::from("test"),
            project_id: ProjectId::new("1").unwrap(),
            name: String::new(),
            raw_name: String::new(),
            value: None,
            timestamp: SystemTime::now(),
            user: None,
        }
    }

    #[test]
    fn made_on_first_subscription_and_closed_for_good() {
        let ring = EventRing::new(4);
        assert!(ring.sender().is_none(), "no ring before anyone subscribes");
        let mut rx = ring.subscribe().unwrap();
        let tx = ring.sender().unwrap();
        tx.send(event()).unwrap();
        assert!(matches!(rx.try_recv().unwrap().kind, EventKind::Connect));
        ring.close();
        assert!(ring.sender().is_none());
        assert!(ring.subscribe().is_none());
    }
}
