//! The kit's actor: [`SaBot`] answers the requests of scratchattach's sprite arriving on a
//! [`CloudHandle`], with a [`Registry`]. It only executes what [`SaProtocol`] and
//! [`SaDispatcher`] decide: TO_HOST sets go in, requests run (async handlers on the actor's
//! arbiter, blocking ones on a worker pool), and FROM_HOST sets come out, written in order
//! by one writer task when the protocol says they are due.
//!
//! The join snapshot of the room (its stored TO_HOST value) never reaches the bot: the
//! connection reports no events for it (B7); everything after it does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actors_cloud::{CloudEvent, CloudHandle, EventKind, EventType, HostKind};
use tokio::sync::{broadcast, mpsc, watch, Semaphore};

use super::dispatch::{SaDispatcher, SaStart};
use super::protocol::{SaConfig, SaIncoming, SaPoll, SaProtocol, SaRequest};
use crate::actor::serve::run_job;
use crate::args::Caller;
use crate::dispatch::RequestEvent;
use crate::error::{ErrorKind, RequestError};
use crate::registry::Registry;

/// Settings of a [`SaBot`]; [`start`](SaBotBuilder::start) it on a connection.
pub struct SaBotBuilder {
    registry: Registry,
    config: Option<SaConfig>,
    failure_hint: Option<String>,
    max_blocking: usize,
    event_capacity: usize,
    cascade_stop: bool,
}

impl SaBotBuilder {
    /// Length limit and spacing (default: [`SaConfig::scratch`] on Scratch,
    /// [`SaConfig::turbowarp`] elsewhere).
    pub fn config(mut self, config: SaConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// The second line of the error list a failed request gets.
    pub fn failure_hint(mut self, hint: impl Into<String>) -> Self {
        self.failure_hint = Some(hint.into());
        self
    }

    /// Blocking handlers running at the same time, at most (default 64).
    pub fn max_blocking(mut self, n: usize) -> Self {
        self.max_blocking = n.max(1);
        self
    }

    /// Events kept for slow subscribers (default 1024).
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.event_capacity = n.max(1);
        self
    }

    /// Whether stopping the bot also stops the connection (default: yes).
    pub fn cascade_stop(mut self, cascade: bool) -> Self {
        self.cascade_stop = cascade;
        self
    }

    /// Start answering on `cloud` (inside an actix System). Fails when a request name can
    /// never be called.
    pub fn start(self, cloud: &CloudHandle) -> Result<SaBot, RequestError> {
        self.registry.validate()?;
        let config = self.config.unwrap_or_else(|| match cloud.host_kind() {
            HostKind::Scratch => SaConfig::scratch(),
            _ => SaConfig::turbowarp(),
        });
        let mut dispatcher = SaDispatcher::new(self.registry);
        if let Some(hint) = self.failure_hint {
            dispatcher = dispatcher.with_failure_hint(hint);
        }
        let (events, _) = broadcast::channel(self.event_capacity);
        let (stopped_tx, stopped) = watch::channel(false);
        let actor = SaHandler {
            protocol: SaProtocol::new(config),
            dispatcher,
            cloud: cloud.clone(),
            events: events.clone(),
            permits: Arc::new(Semaphore::new(self.max_blocking)),
            writer: None,
            pump_at: None,
            waiting: HashMap::new(),
            stopped: stopped_tx,
        };
        Ok(SaBot {
            addr: actor.start(),
            cloud: cloud.clone(),
            events,
            stopped,
            cascade_stop: self.cascade_stop,
        })
    }
}

/// A reply waiting for its final packet to be written, for its `Served` event.
struct Waiting {
    caller: Caller,
    request: String,
    received: Instant,
}

/// One FROM_HOST set for the writer task.
struct Write {
    var: &'static str,
    value: String,
    served: Option<Waiting>,
}

/// The actor. Use it through [`SaBot`].
pub struct SaHandler {
    protocol: SaProtocol,
    dispatcher: SaDispatcher,
    cloud: CloudHandle,
    events: broadcast::Sender<RequestEvent>,
    permits: Arc<Semaphore>,
    writer: Option<mpsc::UnboundedSender<Write>>,
    /// When the pump timer fires, if one is set.
    pump_at: Option<Instant>,
    waiting: HashMap<String, Waiting>,
    stopped: watch::Sender<bool>,
}

fn emit(events: &broadcast::Sender<RequestEvent>, event: RequestEvent) {
    // No subscriber is fine: events are also logged.
    let _ = events.send(event);
}

fn served(caller: Caller, request: String, received: Instant, replied: bool) -> RequestEvent {
    RequestEvent::Served {
        caller,
        request,
        elapsed: received.elapsed(),
        replied,
    }
}

impl Actor for SaHandler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Write>();
        self.writer = Some(tx);
        let cloud = self.cloud.clone();
        let events = self.events.clone();
        let addr = ctx.address();
        ctx.spawn(
            async move {
                while let Some(w) = rx.recv().await {
                    let written = cloud.set(w.var, w.value.as_str()).await;
                    if let Some(s) = w.served {
                        emit(
                            &events,
                            served(s.caller.clone(), s.request, s.received, written.is_ok()),
                        );
                    }
                    if let Err(e) = written {
                        tracing::warn!(var = w.var, error = %e, "could not set a reply packet");
                        emit(
                            &events,
                            RequestEvent::UncaughtError {
                                caller: None,
                                last_message: None,
                                error: RequestError::new(ErrorKind::Socket, e.to_string()),
                            },
                        );
                        if matches!(e, actors_cloud::CloudError::Stopped) {
                            addr.do_send(SaHalt);
                            return;
                        }
                    }
                }
            }
            .into_actor(self),
        );
        self.cloud
            .subscribe_filtered(EventType::Set, ctx.address().recipient());
        tracing::info!(project = %self.cloud.project_id(), "scratchattach bot started");
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        tracing::info!("scratchattach bot stopped");
        let _ = self.stopped.send(true);
    }
}

impl SaHandler {
    fn request(&mut self, request: SaRequest, received: Instant, ctx: &mut Context<Self>) {
        let caller = SaDispatcher::caller(&request);
        let job = match self.dispatcher.start(&request) {
            SaStart::Unknown(event) => {
                emit(&self.events, event);
                emit(&self.events, served(caller, request.name, received, false));
                return;
            }
            SaStart::Run(job) => job,
        };
        let permits = self.permits.clone();
        let fut = async move { run_job(job, &permits).await };
        ctx.spawn(fut.into_actor(self).map(move |outcome, act, ctx| {
            let (reply, event) = act.dispatcher.finish(&request, outcome);
            if let Some(event) = event {
                emit(&act.events, event);
            }
            let queued = reply.map(|reply| act.protocol.reply(&request.id, &reply));
            match queued {
                Some(Ok(_)) => {
                    let waiting = Waiting {
                        caller,
                        request: request.name.clone(),
                        received,
                    };
                    act.waiting.insert(request.id.clone(), waiting);
                    act.pump(ctx);
                }
                Some(Err(error)) => {
                    tracing::warn!(request = %request.name, %error, "reply cannot be sent");
                    emit(
                        &act.events,
                        RequestEvent::HandlerError {
                            caller: caller.clone(),
                            request: request.name.clone(),
                            args: Vec::new(),
                            kwargs: Vec::new(),
                            error,
                        },
                    );
                    emit(&act.events, served(caller, request.name, received, false));
                }
                None => emit(&act.events, served(caller, request.name, received, false)),
            }
        }));
    }

    /// Hand every due set to the writer; set a timer for the next one.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let Some(writer) = self.writer.clone() else {
            return;
        };
        for _ in 0..10_000 {
            let now = Instant::now();
            match self.protocol.poll(now) {
                SaPoll::Set {
                    var,
                    value,
                    completes,
                } => {
                    let served = completes.and_then(|id| self.waiting.remove(&id));
                    let _ = writer.send(Write { var, value, served });
                }
                SaPoll::Wait(at) => {
                    if self.pump_at.is_some_and(|t| t <= at) {
                        return;
                    }
                    self.pump_at = Some(at);
                    ctx.run_later(at.saturating_duration_since(now), move |act, ctx| {
                        if act.pump_at == Some(at) {
                            act.pump_at = None;
                            act.pump(ctx);
                        }
                    });
                    return;
                }
                SaPoll::Idle => return,
            }
        }
    }
}

impl Handler<CloudEvent> for SaHandler {
    type Result = ();

    fn handle(&mut self, event: CloudEvent, ctx: &mut Context<Self>) {
        if event.kind != EventKind::Set {
            return;
        }
        let Some(value) = event.value else { return };
        let now = Instant::now();
        match self.protocol.on_set(&event.name, value.as_str(), now) {
            Some(SaIncoming::Request(request)) => {
                tracing::debug!(id = %request.id, name = %request.name, "scratchattach request");
                self.request(request, now, ctx);
            }
            Some(SaIncoming::Invalid { id, text, error }) => {
                let caller = Caller::new(id, None);
                emit(
                    &self.events,
                    RequestEvent::InvalidSyntax {
                        caller: caller.clone(),
                        content: text.clone(),
                        error,
                    },
                );
                emit(&self.events, served(caller, text, now, false));
            }
            None => {}
        }
        // A re-request may have queued a packet.
        self.pump(ctx);
    }
}

/// Stop the actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SaHalt;

impl Handler<SaHalt> for SaHandler {
    type Result = ();

    fn handle(&mut self, _: SaHalt, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// A running scratchattach-kit bot (the handle of a [`SaHandler`]). Clones share it.
#[derive(Clone)]
pub struct SaBot {
    addr: Addr<SaHandler>,
    cloud: CloudHandle,
    events: broadcast::Sender<RequestEvent>,
    stopped: watch::Receiver<bool>,
    cascade_stop: bool,
}

impl std::fmt::Debug for SaBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaBot")
            .field("running", &self.is_running())
            .finish()
    }
}

impl SaBot {
    /// Settings for a bot answering the requests of `registry`.
    pub fn builder(registry: Registry) -> SaBotBuilder {
        SaBotBuilder {
            registry,
            config: None,
            failure_hint: None,
            max_blocking: 64,
            event_capacity: 1024,
            cascade_stop: true,
        }
    }

    /// Events, as the other kit's bot: invalid requests, unknown requests (kind
    /// `UnknownRequest`), handler errors, and one [`RequestEvent::Served`] per request with
    /// its latency (to its final packet being written).
    pub fn events(&self) -> broadcast::Receiver<RequestEvent> {
        self.events.subscribe()
    }

    /// Whether the bot still runs.
    pub fn is_running(&self) -> bool {
        !*self.stopped.borrow() && self.addr.connected()
    }

    /// Wait until the bot stops.
    pub async fn wait(&self) {
        let mut stopped = self.stopped.clone();
        let _ = stopped.wait_for(|s| *s).await;
    }

    /// Answer requests for `duration`, then stop.
    pub async fn run_for(&self, duration: Duration) {
        let mut stopped = self.stopped.clone();
        let _ = tokio::time::timeout(duration, stopped.wait_for(|s| *s)).await;
        self.stop().await;
    }

    /// Stop (and the connection, when cascading, the default). Idempotent.
    pub async fn stop(&self) {
        let _ = self.addr.send(SaHalt).await;
        self.wait().await;
        if self.cascade_stop {
            self.cloud.stop().await;
        }
    }

    /// The connection the bot serves.
    pub fn cloud(&self) -> &CloudHandle {
        &self.cloud
    }

    /// The actor's address.
    pub fn addr(&self) -> Addr<SaHandler> {
        self.addr.clone()
    }
}
