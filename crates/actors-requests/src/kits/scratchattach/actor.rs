//! The kit's actor: [`SaBot`] answers the requests of scratchattach's sprite arriving on a
//! [`CloudHandle`], with a [`Registry`]. It only executes what [`SaProtocol`] and
//! [`SaDispatcher`] decide: TO_HOST sets go in, requests run (async handlers on the actor's
//! arbiter, blocking ones on a worker pool), and FROM_HOST sets come out, written in order
//! by one writer task when the protocol says they are due.
//!
//! The join snapshot of the room (its stored TO_HOST value) never reaches the bot: the
//! connection reports no events for it (B7); everything after it does.
//!
//! The actor runs under a [`PanicSupervisor`](actors_cloud::PanicSupervisor): a panic
//! restarts it with its protocol state (reassembly, reply memory, queue) kept; `started`
//! makes a new writer task and pumps again (sets handed to the old writer but not yet
//! written are lost; the sprite re-requests missing packets, B3). Its subscription to the
//! connection is made once and lives across restarts. After [`SaHalt`] it stays dormant.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use actors_cloud::{CloudEvent, CloudHandle, EventKind};
use tokio::sync::{broadcast, mpsc, watch, Semaphore};

use super::dispatch::{SaDispatcher, SaStart};
use super::framing::TO_HOST;
use super::protocol::{SaIncoming, SaPoll, SaProtocol, SaRequest};
use super::replies::SaReply;
use crate::actor::serve::run_job;
use crate::args::Caller;
use crate::dispatch::RequestEvent;
use crate::error::{RequestError, RequestErrorKind};

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

/// The actor. Private: users hold a [`SaBot`](super::SaBot).
pub(crate) struct SaHandler {
    protocol: SaProtocol,
    dispatcher: SaDispatcher,
    /// The connection; dropped when the bot halts, so that an orphaned connection can
    /// stop (its subscription to us then ends, and with it this actor).
    cloud: Option<CloudHandle>,
    /// Alive while any [`SaBot`](super::SaBot) is.
    token: std::sync::Weak<()>,
    events: broadcast::Sender<RequestEvent>,
    permits: Arc<Semaphore>,
    writer: Option<mpsc::UnboundedSender<Write>>,
    /// When the pump timer fires, if one is set.
    pump_at: Option<Instant>,
    waiting: HashMap<String, Waiting>,
    stopped: watch::Sender<bool>,
    /// Started once already (a restart does not log a second start).
    subscribed: bool,
    /// Stopped for good.
    halted: bool,
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
        if self.halted {
            return; // dormant after a final stop, until the last address is gone
        }
        let Some(cloud) = self.cloud.clone() else {
            return;
        };
        // The last `SaBot` gone: stop cleanly.
        ctx.run_interval(ORPHAN_CHECK, |act, ctx| {
            if act.token.strong_count() == 0 {
                tracing::debug!("every scratchattach bot handle dropped; stopping");
                act.halt(ctx);
            }
        });
        let (tx, mut rx) = mpsc::unbounded_channel::<Write>();
        self.writer = Some(tx);
        let writer_cloud = cloud.clone();
        let events = self.events.clone();
        let addr = ctx.address();
        ctx.spawn(
            async move {
                while let Some(w) = rx.recv().await {
                    let written = writer_cloud.set(w.var, w.value.as_str()).await;
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
                                error: RequestError::new(RequestErrorKind::Socket, e.to_string()),
                            },
                        );
                        if e.kind() == actors_cloud::CloudErrorKind::Stopped {
                            addr.do_send(SaHalt);
                            return;
                        }
                    }
                }
            }
            .into_actor(self),
        );
        // A restart cancelled the old stream (its `on` callback then goes quiet); take a new one.
        ctx.add_stream(host_sets(&cloud));
        if !self.subscribed {
            self.subscribed = true;
            tracing::info!(project = %cloud.project_id(), "scratchattach bot started");
        }
        self.pump(ctx); // after a restart: carry on with the queue
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if self.halted && !*self.stopped.borrow() {
            tracing::info!("scratchattach bot stopped");
        }
        let _ = self.stopped.send(true);
    }
}

impl Supervised for SaHandler {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.writer = None; // its task was cancelled with the restart
        self.pump_at = None; // and so was the pump timer
        if !self.halted {
            tracing::info!("scratchattach bot restarting");
        }
    }
}

#[cfg(feature = "fault-injection")]
actors_cloud::crash_handler!(SaHandler);

/// How often the actor checks whether any handle is left.
const ORPHAN_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl SaHandler {
    /// Stop for good: dormant until the last address is gone.
    fn halt(&mut self, ctx: &mut Context<Self>) {
        self.halted = true;
        self.writer = None;
        self.cloud = None;
        ctx.stop(); // restarted dormant while an address exists
    }

    /// An actor running `protocol` with `dispatcher`'s handlers on `cloud`.
    pub(super) fn new(
        protocol: SaProtocol,
        dispatcher: SaDispatcher,
        (cloud, token): (CloudHandle, std::sync::Weak<()>),
        events: broadcast::Sender<RequestEvent>,
        permits: Arc<Semaphore>,
        stopped: watch::Sender<bool>,
    ) -> SaHandler {
        SaHandler {
            protocol,
            dispatcher,
            cloud: Some(cloud),
            token,
            events,
            permits,
            writer: None,
            pump_at: None,
            waiting: HashMap::new(),
            stopped,
            subscribed: false,
            halted: false,
        }
    }

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

/// TO_HOST sets queued for the actor before newer ones are dropped (with a warning).
const TO_HOST_QUEUE: usize = 16_384;

/// The connection's TO_HOST sets, taken on its actor rather than through its bounded event
/// ring, which a flood of other variables in the room would overrun (a lost request). Ends
/// when the connection stops for good.
fn host_sets(cloud: &CloudHandle) -> impl futures_util::Stream<Item = CloudEvent> {
    actors_socket::fed_events(cloud, TO_HOST_QUEUE, "TO_HOST sets", |event| {
        (event.kind == EventKind::Set && event.name == TO_HOST).then(|| event.clone())
    })
}

impl StreamHandler<CloudEvent> for SaHandler {
    fn handle(&mut self, event: CloudEvent, ctx: &mut Context<Self>) {
        <Self as Handler<CloudEvent>>::handle(self, event, ctx);
    }

    /// The connection stopped for good; the writer task reports that and halts the bot.
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Handler<CloudEvent> for SaHandler {
    type Result = ();

    fn handle(&mut self, event: CloudEvent, ctx: &mut Context<Self>) {
        if self.halted || event.kind != EventKind::Set {
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

/// Send a server push to every sprite of the room (see [`SaBot::send`](super::SaBot::send)).
#[derive(Message)]
#[rtype(result = "Result<String, RequestError>")]
pub(crate) struct SaPush(pub SaReply);

impl Handler<SaPush> for SaHandler {
    type Result = Result<String, RequestError>;

    fn handle(&mut self, msg: SaPush, ctx: &mut Context<Self>) -> Self::Result {
        if self.halted {
            return Err(RequestError::new(
                RequestErrorKind::Stopped,
                "the bot stopped",
            ));
        }
        // The reference draws the id at random; any spread of pushes will do.
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_micros() as u16);
        let id = self.protocol.push(&msg.0, nonce)?;
        self.pump(ctx);
        Ok(id)
    }
}

/// Stop the actor.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct SaHalt;

impl Handler<SaHalt> for SaHandler {
    type Result = ();

    fn handle(&mut self, _: SaHalt, ctx: &mut Context<Self>) {
        self.halt(ctx);
    }
}
