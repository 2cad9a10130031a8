//! The hub every mounted copy of a dashboard shares: attached sources, their derived
//! state, and the live (server-sent events) subscribers.
//!
//! # Backpressure policy for live subscribers
//! Each subscriber (one open `api/events` stream) has its own bounded queue of
//! [`SseLimits::buffer`] messages. Publishing never waits: when a subscriber's queue is
//! full, that subscriber is **disconnected** (its stream ends after the messages already
//! queued). Browsers' `EventSource` reconnects on its own after the `retry` delay sent
//! with every stream (1 s) and starts again from a full `snapshot`, so a slow client
//! loses no state, only intermediate values. At most [`SseLimits::max_subscribers`]
//! streams are open at once; more get a 503 JSON error. A comment line is sent every
//! [`SseLimits::keepalive`] so closed browser tabs are noticed and their slots freed.

use crate::error::DashboardError;
use crate::state::{ConnectionStatus, ProjectView, Snapshot, SocketView, Update, VariableMessage};
use actix_web::web::Bytes;
use actors_cloud::{CloudHandle, CloudValue, SkyHandle};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;
use tokio::sync::mpsc;

pub(crate) mod feed;
pub(crate) mod requests;

/// Limits on live subscribers (see the crate docs for the policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SseLimits {
    pub(crate) max_subscribers: usize,
    pub(crate) buffer: usize,
    pub(crate) keepalive: Duration,
}

impl Default for SseLimits {
    fn default() -> Self {
        SseLimits {
            max_subscribers: 64,
            buffer: 256,
            keepalive: Duration::from_secs(15),
        }
    }
}

impl SseLimits {
    /// Most live streams open at once (default 64).
    pub fn max_subscribers(mut self, value: usize) -> Self {
        self.max_subscribers = value;
        self
    }

    /// Messages queued per stream before that stream is dropped (default 256).
    pub fn buffer(mut self, value: usize) -> Self {
        self.buffer = value;
        self
    }

    /// Interval of keepalive comments (default 15 s).
    pub fn keepalive(mut self, value: Duration) -> Self {
        self.keepalive = value;
        self
    }

    /// Check the limits.
    ///
    /// # Errors
    ///
    /// A [`DashboardError`](crate::DashboardError) of kind
    /// [`InvalidConfig`](crate::DashboardErrorKind::InvalidConfig) naming a
    /// limit or interval of zero.
    pub fn validate(&self) -> Result<(), crate::DashboardError> {
        let zero = |what: &str| {
            Err(crate::DashboardError::invalid_config(format!(
                "{what} must not be zero"
            )))
        };
        if self.max_subscribers == 0 {
            return zero("max_subscribers");
        }
        if self.buffer == 0 {
            return zero("buffer");
        }
        if self.keepalive.is_zero() {
            return zero("keepalive");
        }
        Ok(())
    }
}

/// One attached connection.
pub(crate) struct ProjectEntry {
    pub(crate) id: String,
    pub(crate) handle: CloudHandle,
    pub(crate) status: Mutex<ConnectionStatus>,
}

impl ProjectEntry {
    /// The current view: variables straight from the connection's cache.
    pub(crate) fn view(&self) -> ProjectView {
        let variables = self
            .handle
            .variables()
            .into_iter()
            .map(|(k, v)| {
                (
                    scratchcomm_wire::strip_prefix(&k).to_owned(),
                    v.into_string(),
                )
            })
            .collect();
        ProjectView {
            id: self.id.clone(),
            project_id: self.handle.project_id().as_str().to_owned(),
            host: self.handle.host_kind().as_str().to_owned(),
            status: lock(&self.status).clone(),
            variables,
        }
    }
}

/// One attached cloud socket.
pub(crate) struct SocketEntry {
    pub(crate) view: Mutex<SocketView>,
}

/// Shared state behind every route of one dashboard.
pub(crate) struct Hub {
    projects: RwLock<Vec<Arc<ProjectEntry>>>,
    sockets: RwLock<Vec<Arc<SocketEntry>>>,
    skies: RwLock<Vec<SkyHandle>>,
    subscribers: Mutex<Vec<mpsc::Sender<Bytes>>>,
    limits: Mutex<SseLimits>,
    keepalive_started: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One server-sent event frame. JSON never contains a raw newline, so one `data:` line.
pub(crate) fn frame(event: &str, data: &impl Serialize) -> Bytes {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "null".into());
    Bytes::from(format!("event: {event}\ndata: {json}\n\n"))
}

impl Hub {
    pub(crate) fn new(limits: SseLimits) -> Arc<Hub> {
        Arc::new(Hub {
            projects: RwLock::new(Vec::new()),
            sockets: RwLock::new(Vec::new()),
            skies: RwLock::new(Vec::new()),
            subscribers: Mutex::new(Vec::new()),
            limits: Mutex::new(limits),
            keepalive_started: AtomicBool::new(false),
        })
    }

    pub(crate) fn set_limits(&self, limits: SseLimits) {
        *lock(&self.limits) = limits;
    }

    pub(crate) fn limits(&self) -> SseLimits {
        *lock(&self.limits)
    }

    /// Everything, as served by `GET api/projects` and the first live message.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let projects = self.projects.read().unwrap_or_else(|p| p.into_inner());
        let sockets = self.sockets.read().unwrap_or_else(|p| p.into_inner());
        Snapshot {
            projects: projects.iter().map(|p| p.view()).collect(),
            sockets: sockets.iter().map(|s| lock(&s.view).clone()).collect(),
        }
    }

    pub(crate) fn add_project(&self, entry: Arc<ProjectEntry>) -> bool {
        let mut projects = self.projects.write().unwrap_or_else(|p| p.into_inner());
        if projects.iter().any(|p| p.id == entry.id) {
            return false;
        }
        projects.push(entry);
        true
    }

    pub(crate) fn has_project(&self, id: &str) -> bool {
        self.projects
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|p| p.id == id)
    }

    pub(crate) fn add_sky(&self, sky: SkyHandle) {
        self.skies
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(sky);
    }

    /// Attach Sky members not shown yet. Called whenever state is read (a Sky does not
    /// announce new members, and a silent member produces no event to discover it by).
    /// Never call it while holding the subscriber lock: attaching publishes.
    pub(crate) fn sync_skies(self: &Arc<Self>) {
        let skies: Vec<SkyHandle> = self.skies.read().unwrap_or_else(|p| p.into_inner()).clone();
        for sky in skies {
            for source in sky.sources() {
                if self.has_project(source.as_str()) {
                    continue;
                }
                if let Some(member) = sky.member(&source) {
                    feed::attach_connection(self, member);
                }
            }
        }
    }

    pub(crate) fn add_socket(&self, entry: Arc<SocketEntry>) {
        self.sockets
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }

    pub(crate) fn socket_count(&self) -> usize {
        self.sockets.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The project with dashboard id `id`, or else the only one with project id `id`.
    pub(crate) fn find(self: &Arc<Self>, id: &str) -> Result<Arc<ProjectEntry>, DashboardError> {
        self.sync_skies();
        let projects = self.projects.read().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = projects.iter().find(|p| p.id == id) {
            return Ok(p.clone());
        }
        let matches: Vec<_> = projects
            .iter()
            .filter(|p| p.handle.project_id().as_str() == id)
            .collect();
        match matches.as_slice() {
            [] => Err(DashboardError::unknown_project(id)),
            [one] => Ok((*one).clone()),
            many => Err(DashboardError::ambiguous_project(
                id,
                &many
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }

    /// Set a variable through the project's connection. Live subscribers hear of it from
    /// the connection's own-write event (`EventKind::Sent`), like every other own set.
    pub(crate) async fn set(
        self: &Arc<Self>,
        id: &str,
        name: &str,
        value: CloudValue,
    ) -> Result<VariableMessage, DashboardError> {
        let entry = self.find(id)?;
        entry.handle.set(name, value.clone()).await?;
        let msg = VariableMessage {
            id: entry.id.clone(),
            name: scratchcomm_wire::strip_prefix(name).to_owned(),
            value: Some(value.into_string()),
        };
        Ok(msg)
    }

    /// Publish what `update` says about `entry`.
    pub(crate) fn publish_update(&self, entry: &ProjectEntry, update: Update) {
        match update {
            Update::Nothing => {}
            Update::Variable { name, value } => {
                let msg = VariableMessage {
                    id: entry.id.clone(),
                    name,
                    value,
                };
                self.publish(frame("variable", &msg));
            }
            Update::Project => self.publish(frame("project", &entry.view())),
        }
    }

    /// Send `bytes` to every live subscriber without waiting; full or closed ones are
    /// dropped (see the module docs). Lock order: the subscriber lock is taken after any
    /// other, so never call this while holding a project status or socket view lock.
    pub(crate) fn publish(&self, bytes: Bytes) {
        let mut subs = lock(&self.subscribers);
        subs.retain(|tx| match tx.try_send(bytes.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::debug!("dashboard subscriber too slow; disconnecting it (it will resync)");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    /// Open a live stream: its first message is the full snapshot.
    pub(crate) fn subscribe(self: &Arc<Self>) -> Result<mpsc::Receiver<Bytes>, DashboardError> {
        self.sync_skies();
        let limits = self.limits();
        let mut subs = lock(&self.subscribers);
        subs.retain(|tx| !tx.is_closed());
        if subs.len() >= limits.max_subscribers {
            return Err(DashboardError::too_many_subscribers(limits.max_subscribers));
        }
        let (tx, rx) = mpsc::channel(limits.buffer.max(1));
        // Taken under the subscriber lock: no update can slip between snapshot and queue.
        let mut first = b"retry: 1000\n".to_vec();
        first.extend_from_slice(&frame("snapshot", &self.snapshot()));
        tx.try_send(Bytes::from(first)).ok();
        subs.push(tx);
        drop(subs);
        if !self.keepalive_started.swap(true, Ordering::SeqCst) {
            spawn_keepalive(Arc::downgrade(self), limits.keepalive);
        }
        Ok(rx)
    }

    /// End every live stream (after the messages already queued for it).
    pub(crate) fn close_streams(&self) {
        lock(&self.subscribers).clear();
    }

    /// Number of open live streams (closed ones are noticed at the next publish).
    pub(crate) fn subscriber_count(&self) -> usize {
        lock(&self.subscribers)
            .iter()
            .filter(|tx| !tx.is_closed())
            .count()
    }
}

fn spawn_keepalive(hub: Weak<Hub>, every: Duration) {
    let every = every.max(Duration::from_millis(100));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(hub) = hub.upgrade() else { return };
            hub.publish(Bytes::from_static(b": keepalive\n\n"));
        }
    });
}
