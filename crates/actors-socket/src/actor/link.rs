//! [`CloudLink`]: what the socket actors need from a cloud connection, implemented for
//! `actors_cloud::CloudHandle`. A socket over a Sky gets one link per member.

use crate::error::{SocketError, SocketErrorKind};
use crate::types::Host;
use actors_cloud::{CloudError, CloudEvent, CloudHandle, EventFilter, EventStream, HostKind};
use futures_util::future::BoxFuture;
use futures_util::StreamExt;

/// What [`CloudLink::feed`] calls with each event; it returns `false` once it wants no more
/// (it is then dropped).
pub type EventSink = Box<dyn FnMut(&CloudEvent) -> bool + Send>;

/// One cloud connection as seen by a socket or a [`ScratchClient`](crate::ScratchClient).
pub trait CloudLink: Send + Sync + 'static {
    /// The host kind (decides the AUTO packet size).
    fn host(&self) -> Host;
    /// Every event of the connection (`None` at the end: stopped for good).
    fn events(&self) -> EventStream;
    /// Calls `sink` with every event, in order, until it returns `false` or the connection
    /// stops for good (the sink is dropped then). The default reads
    /// [`events`](Self::events) on a spawned task (so it needs a tokio runtime, and a slow
    /// task can lag, getting a `Lagged` event); a `CloudHandle` instead runs the sink on the
    /// connection's actor, below its event ring: no copy of the event, no task wake-up, and
    /// no burst of room events can make it lag. Keep the sink short.
    fn feed(&self, sink: EventSink) {
        feed_from(self.events(), sink);
    }
    /// Sets `name` (without the cloud prefix) to `value` as a string; resolves once
    /// written, in order, through the connection's rate limiter.
    fn set(&self, name: String, value: String) -> BoxFuture<'static, Result<(), SocketError>>;
    /// The latest known value of `name`.
    fn get(&self, name: &str) -> Option<String>;
    /// Stops the connection.
    fn stop(&self) -> BoxFuture<'static, ()>;
}

/// Feeds `events` to `sink` on a spawned tokio task until either ends: what
/// [`CloudLink::feed`] does unless a link overrides it.
pub fn feed_from(mut events: EventStream, mut sink: EventSink) {
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if !sink(&event) {
                break;
            }
        }
    });
}

/// Events queued from one link to a socket actor before the newest are dropped (with a
/// warning): far more FROM_CLIENT updates than a room relays in a second.
pub const SOCKET_EVENT_QUEUE: usize = 16_384;

/// The events of `link` that `select` maps to `Some`, as a stream of at most `capacity`
/// queued items (beyond it the newest are dropped, with a warning naming `what`) that ends
/// when the link stops for good or the stream is dropped. They are taken with
/// [`CloudLink::feed`], on the connection's actor, so a burst of other updates in the room
/// cannot push them out of the connection's bounded event ring.
pub fn fed_events<T: Send + 'static>(
    link: &dyn CloudLink,
    capacity: usize,
    what: &'static str,
    mut select: impl FnMut(&CloudEvent) -> Option<T> + Send + 'static,
) -> impl futures_util::Stream<Item = T> {
    let (tx, rx) = tokio::sync::mpsc::channel(capacity);
    let mut dropped = 0u64;
    link.feed(Box::new(move |event| {
        let Some(item) = select(event) else {
            return !tx.is_closed();
        };
        match tx.try_send(item) {
            Ok(()) => true,
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                dropped += 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "fell behind its cloud link: {what} dropped");
                }
                true
            }
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => false,
        }
    }));
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// The events of `link` that a socket acts on (FROM_CLIENT updates and errors), tagged with
/// `tag` (see [`fed_events`]).
pub fn socket_events(
    link: &dyn CloudLink,
    tag: crate::types::SourceTag,
) -> impl futures_util::Stream<Item = (crate::types::SourceTag, CloudEvent)> {
    fed_events(
        link,
        SOCKET_EVENT_QUEUE,
        "FROM_CLIENT updates",
        move |event| {
            let relevant = set_value(event, "FROM_CLIENT").is_some()
                || matches!(
                    event.kind,
                    actors_cloud::EventKind::Error { .. }
                        | actors_cloud::EventKind::Disconnect { .. }
                );
            relevant.then(|| (tag, event.clone()))
        },
    )
}

/// Maps a cloud connection error into the socket's error type (keeping its close code).
pub fn cloud_error(e: CloudError) -> SocketError {
    SocketError::new(SocketErrorKind::Cloud, e.to_string()).with_close_code(e.close_code())
}

/// The socket's host kind of an `actors-cloud` host kind.
pub fn host_of(kind: HostKind) -> Host {
    match kind {
        HostKind::Scratch => Host::Scratch,
        HostKind::TurboWarp => Host::TurboWarp,
        _ => Host::Custom,
    }
}

impl CloudLink for CloudHandle {
    fn host(&self) -> Host {
        host_of(self.host_kind())
    }

    fn events(&self) -> EventStream {
        CloudHandle::events(self)
    }

    fn feed(&self, sink: EventSink) {
        let mut sink = Some(sink);
        self.on(EventFilter::Any, move |event| {
            if let Some(s) = sink.as_mut() {
                if !s(event) {
                    sink = None;
                }
            }
            Ok(())
        });
    }

    fn set(&self, name: String, value: String) -> BoxFuture<'static, Result<(), SocketError>> {
        let handle = self.clone();
        Box::pin(async move {
            CloudHandle::set(&handle, &name, value)
                .await
                .map_err(cloud_error)
        })
    }

    fn get(&self, name: &str) -> Option<String> {
        CloudHandle::get(self, name).map(|v| v.into_string())
    }

    fn stop(&self) -> BoxFuture<'static, ()> {
        let handle = self.clone();
        Box::pin(async move { CloudHandle::stop(&handle).await })
    }
}

/// Whether `event` is a set of `name` (any value), returning the value text.
pub fn set_value<'a>(event: &'a CloudEvent, name: &str) -> Option<&'a str> {
    let is_update = matches!(
        event.kind,
        actors_cloud::EventKind::Set | actors_cloud::EventKind::Create
    );
    if is_update && event.name == name {
        event.value.as_ref().map(|v| v.as_str())
    } else {
        None
    }
}
