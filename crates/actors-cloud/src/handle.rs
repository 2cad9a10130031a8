//! `CloudHandle`: the cheap-to-clone async face of a connection, and `QuickAccess`.

#[cfg(doc)]
use crate::actor::Subscribe;
use crate::actor::{CloudConnection, EmitCustom, OnEvent, StopConnection, Submit};
use crate::bus::HandlerError;
use crate::config::{ConnectionConfig, HostKind};
use crate::core::{Core, Op};
use crate::events::{EventFilter, SourceId};
use crate::ring::EventRing;
use crate::stream::EventStream;
use crate::{CloudError, CloudEvent};
use actix::{Addr, Recipient};
use dashmap::DashMap;
use scratchcomm_wire::{CloudValue, ProjectId, ValueRules, VarName};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{broadcast, oneshot};

/// State the handle and the actor share without a mailbox round trip.
pub(crate) struct Shared {
    pub(crate) cache: Arc<DashMap<String, CloudValue>>,
    events: EventRing,
    pub(crate) last_reason: Mutex<String>,
    pub(crate) source: SourceId,
    project_id: ProjectId,
    host: HostKind,
    rules: ValueRules,
    literal_names: bool,
    quickaccess: AtomicBool,
}

impl Shared {
    /// The ring to publish to, if any stream ever subscribed (else nobody can miss it).
    pub(crate) fn sender(&self) -> Option<broadcast::Sender<CloudEvent>> {
        self.events.sender()
    }

    /// Drop the broadcast sender so every event stream ends.
    pub(crate) fn close_events(&self) {
        self.events.close();
    }
}

/// A handle to one [`CloudConnection`]. Clones share the connection; when the last clone
/// is dropped the connection stops cleanly by itself (within about a second, after writing
/// what is queued). Call [`stop`](Self::stop) to stop it at a known point.
#[derive(Clone)]
pub struct CloudHandle {
    addr: Addr<CloudConnection>,
    shared: Arc<Shared>,
    /// Per-handle override of `ConnectionConfig::literal_names` ([`Self::literal_names`]).
    literal: Option<bool>,
}

impl std::fmt::Debug for CloudHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudHandle")
            .field("source", &self.shared.source)
            .field("project_id", &self.shared.project_id)
            .finish()
    }
}

impl CloudHandle {
    /// Validate `config`, start the connection actor (supervised) and wait until the
    /// handshake is written and the join snapshot is in the cache (or the snapshot window,
    /// default 500 ms, passed without one: the room is empty). Must run inside an actix `System`. A first connect that fails
    /// is an error; later disconnects reconnect (if enabled).
    ///
    /// # Errors
    ///
    /// A [`CloudError`] for bad settings ([`ConnectionConfig::validate`](crate::ConnectionConfig::validate)) or a first connect that fails (refused, closed with a code, or no handshake in time).
    pub async fn connect(config: ConnectionConfig) -> Result<CloudHandle, CloudError> {
        let project = config.validate()?;
        let shared = Arc::new(Shared {
            cache: Arc::new(DashMap::new()),
            events: EventRing::new(config.event_capacity),
            last_reason: Mutex::new(String::new()),
            source: config.source_id(&project),
            project_id: project.clone(),
            host: config.host,
            rules: config.rules.clone(),
            literal_names: config.literal_names,
            quickaccess: AtomicBool::new(config.quickaccess),
        });
        let core = Core::new(
            config.core_config(&project),
            shared.cache.clone(),
            Instant::now(),
        );
        let (connected_tx, connected_rx) = oneshot::channel();
        let cfg = Arc::new(config);
        let sh = shared.clone();
        let addr = crate::PanicSupervisor::start("CloudConnection", move |_| {
            CloudConnection::new(cfg, sh, core, connected_tx)
        });
        let handle = CloudHandle {
            addr,
            shared,
            literal: None,
        };
        match connected_rx.await {
            Ok(Ok(())) => Ok(handle),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CloudError::stopped()),
        }
    }

    fn name(&self, name: &str) -> Result<VarName, CloudError> {
        Ok(if self.literal.unwrap_or(self.shared.literal_names) {
            VarName::literal(name)?
        } else {
            VarName::new(name)?
        })
    }

    fn set_op(&self, name: &str, value: CloudValue) -> Result<Op, CloudError> {
        let name = self.name(name)?;
        self.shared.rules.check(name.short(), &value)?;
        Ok(Op::Set { name, value })
    }

    async fn submit_and_wait(&self, op: Op) -> Result<(), CloudError> {
        let (tx, rx) = oneshot::channel();
        self.addr
            .send(Submit {
                op,
                reply: Some(tx),
            })
            .await?;
        rx.await.unwrap_or(Err(CloudError::stopped()))
    }

    /// Set a variable (`☁ ` prefix added unless literal names are on). Validated first: a
    /// bad value is an error naming variable, value and rule, and nothing is sent.
    /// Resolves once the set was written to the socket (in order, rate-limited). Like any
    /// future it does nothing until awaited; use [`queue_set`](Self::queue_set) to queue
    /// without waiting.
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when the name or value is refused by the connection's rules, the connection stopped for good, or the write failed.
    pub async fn set(&self, name: &str, value: impl Into<CloudValue>) -> Result<(), CloudError> {
        let op = self.set_op(name, value.into())?;
        self.submit_and_wait(op).await
    }

    /// Validate and queue a set; returns at once. Queued sets are never dropped.
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when the name or value is refused by the connection's rules or the connection stopped for good.
    pub fn queue_set(&self, name: &str, value: impl Into<CloudValue>) -> Result<(), CloudError> {
        let op = self.set_op(name, value.into())?;
        self.addr.do_send(Submit { op, reply: None });
        Ok(())
    }

    /// Ask the server to create a variable (TurboWarp extension; servers may ignore it).
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when the name or value is refused, the connection stopped for good, or the write failed.
    pub async fn create(&self, name: &str, value: impl Into<CloudValue>) -> Result<(), CloudError> {
        let value = value.into();
        let name = self.name(name)?;
        self.shared.rules.check(name.short(), &value)?;
        self.submit_and_wait(Op::Create { name, value }).await
    }

    /// Ask the server to rename a variable (servers may refuse or ignore it).
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when a name is refused, the connection stopped for good, or the write failed.
    pub async fn rename(&self, name: &str, new_name: &str) -> Result<(), CloudError> {
        let op = Op::Rename {
            name: self.name(name)?,
            new_name: self.name(new_name)?,
        };
        self.submit_and_wait(op).await
    }

    /// Ask the server to delete a variable (servers may refuse or ignore it).
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when the name is refused, the connection stopped for good, or the write failed.
    pub async fn delete(&self, name: &str) -> Result<(), CloudError> {
        let op = Op::Delete {
            name: self.name(name)?,
        };
        self.submit_and_wait(op).await
    }

    /// The cached value of a variable (no mailbox round trip).
    pub fn get(&self, name: &str) -> Option<CloudValue> {
        let name = self.name(name).ok()?;
        self.shared.cache.get(name.full()).map(|v| v.clone())
    }

    /// Fill the cache with `values` (full wire name, value) for the variables that have no
    /// value yet — e.g. a Scratch project's initial values, which Scratch's server does not
    /// send for variables unchanged since the room started. A value the server sent (now or
    /// later) always wins. No event is emitted. Returns how many were filled.
    pub fn fill_missing(&self, values: impl IntoIterator<Item = (String, CloudValue)>) -> usize {
        let mut filled = 0;
        for (name, value) in values {
            if let dashmap::mapref::entry::Entry::Vacant(slot) = self.shared.cache.entry(name) {
                slot.insert(value);
                filled += 1;
            }
        }
        filled
    }

    /// Every cached variable, by full wire name.
    pub fn variables(&self) -> BTreeMap<String, CloudValue> {
        self.shared
            .cache
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect()
    }

    /// A stream of every event (bounded; a slow reader gets a `Lagged` marker).
    pub fn events(&self) -> EventStream {
        self.events_filtered(EventFilter::Any)
    }

    /// A stream of the events that pass `filter`.
    pub fn events_filtered(&self, filter: impl Into<EventFilter>) -> EventStream {
        match self.shared.events.subscribe() {
            Some(rx) => crate::bus::cloud_stream(
                rx,
                filter.into(),
                (self.shared.source.clone(), self.shared.project_id.clone()),
            ),
            None => EventStream::ended(),
        }
    }

    /// Deliver every event to `r`; see [`subscribe_filtered`](Self::subscribe_filtered).
    pub fn subscribe(&self, r: Recipient<CloudEvent>) {
        self.subscribe_filtered(EventFilter::Any, r);
    }

    /// Deliver the events that pass `filter` to `r`, in order, with `send().await`: a
    /// slow recipient is fed from its own bounded event stream, which drops its oldest
    /// events and sends a `Lagged` marker when it falls `event_capacity` events behind.
    /// Feeding ends when the connection stops or the recipient's actor is gone. (The
    /// [`Subscribe`] message on [`addr`](Self::addr) instead uses `try_send`, dropping
    /// events while the recipient's mailbox is full.)
    pub fn subscribe_filtered(&self, filter: impl Into<EventFilter>, r: Recipient<CloudEvent>) {
        self.events_filtered(filter).forward_to(r);
    }

    /// Call `f` for each event passing `filter`, on the connection's actor. Errors and
    /// panics are logged and do not stop the connection.
    pub fn on<F>(&self, filter: impl Into<EventFilter>, f: F)
    where
        F: FnMut(&CloudEvent) -> Result<(), HandlerError> + Send + 'static,
    {
        self.addr.do_send(OnEvent {
            filter: filter.into(),
            callback: Box::new(f),
        });
    }

    /// Emit a custom event to this connection's local subscribers (never broadcast), with
    /// any number of values: `None`, `Some(v)`, a `Vec` or an array. Select it by name with
    /// [`EventFilter::custom`].
    pub fn emit_custom<I>(&self, name: &str, values: I)
    where
        I: IntoIterator<Item = CloudValue>,
    {
        self.addr.do_send(EmitCustom {
            name: name.to_owned(),
            values: values.into_iter().collect(),
        });
    }

    /// The kind of host.
    pub fn host_kind(&self) -> HostKind {
        self.shared.host
    }

    /// The project id.
    pub fn project_id(&self) -> &ProjectId {
        &self.shared.project_id
    }

    /// The source id events carry.
    pub fn source(&self) -> &SourceId {
        &self.shared.source
    }

    /// The map-like view, when enabled (`ConnectionConfig::quickaccess(true)` or
    /// [`set_quickaccess`](Self::set_quickaccess)).
    pub fn quickaccess(&self) -> Option<QuickAccess<'_>> {
        self.shared
            .quickaccess
            .load(Ordering::Relaxed)
            .then_some(QuickAccess { handle: self })
    }

    /// Switch the map-like view on or off after connecting (for every clone of this
    /// handle), like the original library's `enable_quickaccess`/`disable_quickaccess`.
    pub fn set_quickaccess(&self, on: bool) {
        self.shared.quickaccess.store(on, Ordering::Relaxed);
    }

    /// This handle with names taken literally (`yes`) or with the `☁ ` prefix added
    /// (`!yes`) for the calls made through it, whatever `ConnectionConfig::literal_names`
    /// says: `cloud.literal_names(true).set("☁ x", 1)`. The connection is shared.
    pub fn literal_names(&self, yes: bool) -> CloudHandle {
        CloudHandle {
            literal: Some(yes),
            ..self.clone()
        }
    }

    /// Stop cleanly: queued sets are written first (bounded by the drain timeout), then
    /// the socket is closed and event streams end. Idempotent.
    pub async fn stop(&self) {
        let (tx, rx) = oneshot::channel();
        if self.addr.send(StopConnection { done: tx }).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// The actor's address.
    pub fn addr(&self) -> Addr<CloudConnection> {
        self.addr.clone()
    }
}

/// A map-like view of a connection's variables (names without prefix).
#[derive(Clone, Copy, Debug)]
pub struct QuickAccess<'a> {
    handle: &'a CloudHandle,
}

impl QuickAccess<'_> {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<CloudValue> {
        self.handle.get(name)
    }

    /// Whether `name` has a value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Queue a set of `name` (validated; see [`CloudHandle::queue_set`]).
    ///
    /// # Errors
    ///
    /// As [`CloudHandle::queue_set`].
    pub fn insert(&self, name: &str, value: impl Into<CloudValue>) -> Result<(), CloudError> {
        self.handle.queue_set(name, value)
    }

    /// Number of known variables.
    pub fn len(&self) -> usize {
        self.handle.shared.cache.len()
    }

    /// Whether no variable is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All variables by name without the `☁ ` prefix.
    pub fn to_map(&self) -> BTreeMap<String, CloudValue> {
        self.handle
            .variables()
            .into_iter()
            .map(|(k, v)| (scratchcomm_wire::strip_prefix(&k).to_owned(), v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn handles_cross_threads() {
        send_sync::<super::CloudHandle>();
        send_sync::<crate::SkyHandle>();
        fn send<T: Send>() {}
        send::<crate::EventStream>();
    }
}
