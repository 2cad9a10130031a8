//! Sky: one actor combining any number of connections (different hosts and projects).
//!
//! Events of every member fan in, each already tagged with its member's [`SourceId`].
//! Backpressure policy, bounded end to end: each member's events are read from that
//! member's bounded broadcast ring by a forwarder future on the Sky actor, which only
//! pushes into the Sky's own bounded ring (`capacity`, never blocking, no `do_send`
//! fan-out). A Sky [`EventStream`] that falls behind loses its oldest events and receives a
//! `Lagged` marker; a Recipient subscribed with [`SkyHandle::subscribe`] is fed with
//! `send().await`, one event at a time, so a slow actor slows only its own feed, which then
//! lags the same way. Stopping the Sky stops every member.
//!
//! Supervision: the Sky runs under a [`PanicSupervisor`](crate::PanicSupervisor). The
//! forwarders are tasks of their own (not futures of the actor), so a panic restarting the
//! Sky loses no event; its members (each a supervised connection) and its event ring are
//! kept. Dropping the last [`SkyHandle`] ends the event streams and drops the members'
//! handles (each connection then stops cleanly unless the program holds a clone).

use crate::bus::{run_callback, Callback, HandlerError};
use crate::events::{EventFilter, SourceId};
use crate::stream::EventStream;
use crate::{CloudError, CloudEvent, CloudHandle, ConnectionConfig};
use actix::prelude::*;
use dashmap::DashMap;
use futures_util::StreamExt;
use scratchcomm_wire::{CloudValue, ProjectId};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// The Sky actor. Use it through a [`SkyHandle`].
pub struct Sky {
    members: Arc<DashMap<SourceId, CloudHandle>>,
    shared: Arc<SkyShared>,
    forwards: std::collections::HashMap<SourceId, tokio::task::JoinHandle<()>>,
}

impl Sky {
    /// Stop forwarding every member's events.
    fn drop_forwards(&mut self) {
        for (_, task) in self.forwards.drain() {
            task.abort();
        }
    }
}

impl Drop for Sky {
    fn drop(&mut self) {
        self.drop_forwards();
    }
}

impl Supervised for Sky {
    fn restarting(&mut self, _: &mut Context<Self>) {
        if self.shared.sender().is_some() {
            tracing::info!(
                members = self.members.len(),
                "Sky restarting with its members"
            );
        }
    }
}

struct SkyShared {
    tx: Mutex<Option<broadcast::Sender<CloudEvent>>>,
}

impl SkyShared {
    fn sender(&self) -> Option<broadcast::Sender<CloudEvent>> {
        self.tx.lock().ok().and_then(|g| g.clone())
    }
}

/// How often the Sky checks whether any handle is left.
const ORPHAN_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl Actor for Sky {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The last handle gone: end the event streams and drop the members' handles (each
        // connection then stops cleanly on its own, its queue written first, unless the
        // program still holds a clone of it).
        ctx.run_interval(ORPHAN_CHECK, |act, ctx| {
            if Arc::strong_count(&act.shared) > 1 {
                return;
            }
            tracing::debug!("every Sky handle dropped; stopping");
            act.drop_forwards();
            act.members.clear();
            if let Ok(mut g) = act.shared.tx.lock() {
                g.take();
            }
            ctx.stop();
        });
    }
}

/// Add a connected member (its source id must be new).
#[derive(Message)]
#[rtype(result = "Result<(), CloudError>")]
pub struct AddMember(pub CloudHandle);

impl Handler<AddMember> for Sky {
    type Result = Result<(), CloudError>;
    fn handle(&mut self, AddMember(handle): AddMember, _: &mut Context<Self>) -> Self::Result {
        let source = handle.source().clone();
        if self.forwards.contains_key(&source) {
            return Err(CloudError::member(source.as_str(), "already a member"));
        }
        let Some(tx) = self.shared.sender() else {
            return Err(CloudError::stopped());
        };
        let forward = handle.events().for_each(move |ev| {
            let _ = tx.send(ev); // nobody listening is fine
            futures_util::future::ready(())
        });
        self.forwards.insert(source.clone(), actix::spawn(forward));
        self.members.insert(source, handle);
        Ok(())
    }
}

/// Remove a member and stop its connection.
#[derive(Message)]
#[rtype(result = "Result<(), CloudError>")]
pub struct RemoveMember(pub SourceId);

impl Handler<RemoveMember> for Sky {
    type Result = ResponseFuture<Result<(), CloudError>>;
    fn handle(
        &mut self,
        RemoveMember(source): RemoveMember,
        _: &mut Context<Self>,
    ) -> Self::Result {
        if let Some(task) = self.forwards.remove(&source) {
            task.abort();
        }
        let member = self.members.remove(&source).map(|(_, h)| h);
        Box::pin(async move {
            match member {
                Some(h) => {
                    h.stop().await;
                    Ok(())
                }
                None => Err(CloudError::member(source.as_str(), "no such member")),
            }
        })
    }
}

/// Run a callback on the Sky's actor for every member event passing `filter` (what
/// [`SkyHandle::on`] sends).
#[derive(Message)]
#[rtype(result = "()")]
pub struct OnSkyEvent {
    /// Which events.
    pub filter: EventFilter,
    /// What to run.
    pub callback: Callback,
}

impl Handler<OnSkyEvent> for Sky {
    type Result = ();
    fn handle(&mut self, msg: OnSkyEvent, ctx: &mut Context<Self>) {
        let Some(tx) = self.shared.sender() else {
            return; // stopped: nothing more will come, the callback is dropped
        };
        let mut callback = msg.callback;
        let origin = (
            SourceId::new("sky"),
            ProjectId::new("sky").expect("valid id"),
        );
        let stream = crate::bus::cloud_stream(tx.subscribe(), msg.filter, origin);
        ctx.spawn(
            stream
                .for_each(move |ev| {
                    run_callback(&mut callback, &ev);
                    futures_util::future::ready(())
                })
                .into_actor(self),
        );
    }
}

/// Stop every member, end the event streams, stop the Sky.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopSky;

impl Handler<StopSky> for Sky {
    type Result = ResponseActFuture<Self, ()>;
    fn handle(&mut self, _: StopSky, _ctx: &mut Context<Self>) -> Self::Result {
        let members: Vec<CloudHandle> = self.members.iter().map(|e| e.value().clone()).collect();
        self.drop_forwards();
        self.members.clear();
        Box::pin(
            async move {
                futures_util::future::join_all(members.iter().map(|m| m.stop())).await;
            }
            .into_actor(self)
            .map(|(), act, ctx| {
                if let Ok(mut g) = act.shared.tx.lock() {
                    g.take();
                }
                ctx.stop();
            }),
        )
    }
}

#[cfg(feature = "fault-injection")]
crate::crash_handler!(Sky);

/// Handle to a [`Sky`]. Clones share it.
#[derive(Clone)]
pub struct SkyHandle {
    addr: Addr<Sky>,
    members: Arc<DashMap<SourceId, CloudHandle>>,
    shared: Arc<SkyShared>,
}

impl SkyHandle {
    /// Start an empty Sky whose event ring holds `capacity` events per slow subscriber.
    /// Must run inside an actix `System`.
    pub fn start(capacity: usize) -> SkyHandle {
        let (tx, _) = broadcast::channel(capacity.max(1));
        let members = Arc::new(DashMap::new());
        let shared = Arc::new(SkyShared {
            tx: Mutex::new(Some(tx)),
        });
        let sky = Sky {
            members: members.clone(),
            shared: shared.clone(),
            forwards: Default::default(),
        };
        SkyHandle {
            addr: crate::PanicSupervisor::start("Sky", move |_| sky),
            members,
            shared,
        }
    }

    /// Connect `config` and add it; returns its source id (set it with
    /// `ConnectionConfig::source` to pick the name).
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when the connect fails (as [`CloudHandle::connect`]), the source id is taken, or the Sky stopped.
    pub async fn connect(&self, config: ConnectionConfig) -> Result<SourceId, CloudError> {
        if let Ok(project) = config.validate() {
            let source = config.source_id(&project);
            if self.members.contains_key(&source) {
                return Err(CloudError::member(source.as_str(), "already a member"));
            }
        }
        let handle = CloudHandle::connect(config).await?;
        let source = handle.source().clone();
        self.add(handle.clone()).await.inspect_err(|_| {
            actix::spawn(async move { handle.stop().await });
        })?;
        Ok(source)
    }

    /// Add an existing connection.
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when its source id is taken or the Sky stopped.
    pub async fn add(&self, handle: CloudHandle) -> Result<(), CloudError> {
        self.addr.send(AddMember(handle)).await?
    }

    /// Remove a member and stop it.
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when no member has that source id or the Sky stopped.
    pub async fn remove(&self, source: &SourceId) -> Result<(), CloudError> {
        self.addr.send(RemoveMember(source.clone())).await?
    }

    /// The member `source`, if any.
    pub fn member(&self, source: &SourceId) -> Option<CloudHandle> {
        self.members.get(source).map(|h| h.clone())
    }

    /// All member source ids.
    pub fn sources(&self) -> Vec<SourceId> {
        let mut v: Vec<SourceId> = self.members.iter().map(|e| e.key().clone()).collect();
        v.sort();
        v
    }

    fn need(&self, source: &SourceId) -> Result<CloudHandle, CloudError> {
        self.member(source)
            .ok_or_else(|| CloudError::member(source.as_str(), "no such member"))
    }

    /// Set `name` on member `source`; resolves once written.
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when no member has that source id, or as [`CloudHandle::set`].
    pub async fn set(
        &self,
        source: &SourceId,
        name: &str,
        value: impl Into<CloudValue>,
    ) -> Result<(), CloudError> {
        self.need(source)?.set(name, value).await
    }

    /// Queue a set on member `source`.
    ///
    /// # Errors
    ///
    /// A [`CloudError`] when no member has that source id, or as [`CloudHandle::queue_set`].
    pub fn queue_set(
        &self,
        source: &SourceId,
        name: &str,
        value: impl Into<CloudValue>,
    ) -> Result<(), CloudError> {
        self.need(source)?.queue_set(name, value)
    }

    /// The cached value of `name` on member `source`.
    pub fn get(&self, source: &SourceId, name: &str) -> Option<CloudValue> {
        self.member(source)?.get(name)
    }

    /// Every member's events, tagged with their source.
    pub fn events(&self) -> EventStream {
        self.events_filtered(EventFilter::Any)
    }

    /// The events passing `filter`.
    pub fn events_filtered(&self, filter: impl Into<EventFilter>) -> EventStream {
        match self.shared.sender() {
            Some(tx) => {
                let origin = (
                    SourceId::new("sky"),
                    ProjectId::new("sky").expect("valid id"),
                );
                crate::bus::cloud_stream(tx.subscribe(), filter.into(), origin)
            }
            None => EventStream::ended(),
        }
    }

    /// Feed every event to `r`; see [`subscribe_filtered`](Self::subscribe_filtered).
    pub fn subscribe(&self, r: Recipient<CloudEvent>) {
        self.subscribe_filtered(EventFilter::Any, r);
    }

    /// Feed every event passing `filter` to `r` with `send().await` (see the module docs).
    pub fn subscribe_filtered(&self, filter: impl Into<EventFilter>, r: Recipient<CloudEvent>) {
        self.events_filtered(filter).forward_to(r);
    }

    /// Call `f` for each member event passing `filter` (tagged with its member's source),
    /// on the Sky's actor, like [`CloudHandle::on`]. Errors and panics are logged and do
    /// not stop the Sky. A callback that falls `capacity` events behind sees a `Lagged`
    /// event (if its filter lets it through) and goes on with the newest.
    pub fn on<F>(&self, filter: impl Into<EventFilter>, f: F)
    where
        F: FnMut(&CloudEvent) -> Result<(), HandlerError> + Send + 'static,
    {
        self.addr.do_send(OnSkyEvent {
            filter: filter.into(),
            callback: Box::new(f),
        });
    }

    /// Stop every member and the Sky; event streams end.
    pub async fn stop(&self) {
        let _ = self.addr.send(StopSky).await;
    }

    /// The Sky actor's address.
    pub fn addr(&self) -> Addr<Sky> {
        self.addr.clone()
    }
}
