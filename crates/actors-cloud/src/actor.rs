//! The `CloudConnection` actor: executes the core's actions with a real websocket.
//!
//! It runs under a [`PanicSupervisor`](crate::PanicSupervisor): when the core asks for a
//! reconnect the actor stops itself, which cancels the old socket's reader, writer and
//! timers; the supervisor restarts it with its state (queue, cache, subscribers) intact and
//! [`Supervised::restarting`] / `started` open the next socket after the backoff delay.
//! A panic restarts it the same way without it asking: `started` then tells the core
//! (`on_executor_restart`), which treats the socket as lost and reconnects.
//! After a final stop the actor stays dormant: every request is answered with
//! an error of kind `CloudErrorKind::Stopped` until the last handle is dropped.

use crate::bus::Bus;
use crate::config::{ConnectionConfig, HostRotation};
use crate::core::{Action, Core, OpId};
use crate::events::EventKind;
use crate::handle::Shared;
use crate::transport::{self, WriteCmd, WsStream};
use crate::{CloudError, CloudErrorKind, CloudEvent};
use actix::prelude::*;
use awc::error::WsProtocolError;
use awc::ws;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<(), CloudError>>;

/// One connection to one project on one cloud server.
pub struct CloudConnection {
    core: Core,
    cfg: Arc<ConnectionConfig>,
    shared: Arc<Shared>,
    bus: Bus,
    writer: Option<mpsc::UnboundedSender<WriteCmd>>,
    waiters: HashMap<OpId, Reply>,
    next_id: OpId,
    pending_reconnect: Option<Duration>,
    connect_waiter: Option<Reply>,
    stop_waiters: Vec<oneshot::Sender<()>>,
    started_once: bool,
    reader: Option<SpawnHandle>,
    fragments: transport::Reassembler,
    hosts: HostRotation,                    // which host to open next
    tls: Option<Arc<rustls::ClientConfig>>, // built once (one allow_no_certificate warning)
}

/// After a final stop, how long to wait for the server to answer our close frame before
/// dropping the socket.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How often the actor checks whether any handle is left.
const ORPHAN_CHECK: Duration = Duration::from_secs(1);

impl CloudConnection {
    pub(crate) fn new(
        cfg: Arc<ConnectionConfig>,
        shared: Arc<Shared>,
        core: Core,
        connected: Reply,
    ) -> Self {
        CloudConnection {
            core,
            hosts: cfg.rotation(),
            tls: None,
            cfg,
            shared,
            bus: Bus::default(),
            writer: None,
            waiters: HashMap::new(),
            next_id: 1,
            pending_reconnect: None,
            connect_waiter: Some(connected),
            stop_waiters: Vec::new(),
            started_once: false,
            reader: None,
            fragments: Default::default(),
        }
    }

    /// Execute the core's actions.
    fn run(&mut self, actions: Vec<Action>, ctx: &mut Context<Self>) {
        for action in actions {
            tracing::trace!(?action, "cloud connection action");
            match action {
                Action::Connect { epoch } => self.open_socket(epoch, ctx),
                Action::Send { frame } => self.write(ws::Message::Text(frame.into()), true),
                Action::Emit(ev) => self.emit(ev),
                Action::Complete { ids, result } => {
                    for id in ids {
                        if let Some(w) = self.waiters.remove(&id) {
                            let _ = w.send(result.clone());
                        }
                    }
                }
                Action::WakeAt(at) => {
                    let delay = at.saturating_duration_since(Instant::now());
                    ctx.run_later(delay, |act, ctx| {
                        let a = act.core.on_tick(Instant::now());
                        act.run(a, ctx);
                    });
                }
                Action::Reconnect { after, attempt } => {
                    let first = !self.started_once_connected() && !self.cfg.retry_first_connect;
                    if first && self.hosts.all_failed() {
                        // The very first connect failed: report it instead of retrying.
                        let reason = self.last_disconnect_reason();
                        let err = CloudError::connect(&self.cfg.url, &reason);
                        let a = self.core.abort(err, Instant::now());
                        self.run(a, ctx);
                        return;
                    }
                    let (source, reason) = (&self.shared.source, self.last_disconnect_reason());
                    let delay_ms = after.as_millis() as u64;
                    if self.started_once_connected() {
                        tracing::info!(%source, attempt, delay_ms, %reason, "cloud connection lost; reconnecting after a delay");
                    } else {
                        // Never connected yet (server not up?): visible at the default level.
                        tracing::warn!(%source, attempt, delay_ms, %reason, "cannot reach the cloud server yet; retrying after a delay");
                    }
                    self.writer = None;
                    self.pending_reconnect = Some(after);
                    ctx.stop(); // the supervisor restarts us; `started` reconnects
                }
                Action::Synced => {
                    if let Some(w) = self.connect_waiter.take() {
                        let _ = w.send(Ok(()));
                    }
                }
                Action::Ping => self.write(ws::Message::Ping(Default::default()), false),
                Action::Close => self.write(
                    ws::Message::Close(Some(ws::CloseCode::Normal.into())),
                    false,
                ),
                Action::Stop { error } => self.finish(error, ctx),
            }
        }
    }

    fn started_once_connected(&self) -> bool {
        self.connect_waiter.is_none()
    }

    fn last_disconnect_reason(&self) -> String {
        self.shared
            .last_reason
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    fn emit(&mut self, ev: CloudEvent) {
        if let EventKind::Disconnect { reason, .. } = &ev.kind {
            if let Ok(mut r) = self.shared.last_reason.lock() {
                r.clone_from(reason);
            }
        }
        let tx = self.shared.sender();
        self.bus.dispatch(&ev, tx.as_ref());
    }

    fn finish(&mut self, error: Option<CloudError>, ctx: &mut Context<Self>) {
        self.writer = None; // the writer flushes a queued close frame, then ends
        if let Some(w) = self.connect_waiter.take() {
            // Never connected: report it as a connect failure.
            let err = match error.clone() {
                Some(e) if e.kind() == CloudErrorKind::Disconnected => {
                    CloudError::connect(&self.cfg.url, e.detail()).with_close_code(e.close_code())
                }
                Some(e) => e,
                None => CloudError::stopped(),
            };
            let _ = w.send(Err(err));
        }
        for (_, w) in self.waiters.drain() {
            let _ = w.send(Err(CloudError::stopped()));
        }
        self.shared.close_events();
        self.bus.close();
        if self.reader.is_some() {
            // Let the server answer the close frame; `stop()` resolves when the socket is gone.
            ctx.run_later(CLOSE_GRACE, |act, ctx| act.release_socket(ctx));
        } else {
            self.release_socket(ctx);
        }
    }

    /// Drop the socket of a stopped connection and tell `stop()` callers.
    fn release_socket(&mut self, ctx: &mut Context<Self>) {
        if let Some(h) = self.reader.take() {
            ctx.cancel_future(h);
        }
        for w in self.stop_waiters.drain(..) {
            let _ = w.send(());
        }
    }

    fn write(&mut self, msg: ws::Message, report: bool) {
        let ok = match &self.writer {
            Some(w) => w.send(WriteCmd { msg, report }).is_ok(),
            None => false,
        };
        if !ok && report {
            tracing::debug!("write without a socket; the core will see the close");
        }
    }

    fn open_socket(&mut self, epoch: u64, ctx: &mut Context<Self>) {
        let host = self.hosts.current().clone();
        let headers = transport::headers_for(&self.cfg, &host);
        let tls = match self
            .tls
            .clone()
            .map_or_else(|| self.cfg.tls.client_config(), Ok)
        {
            Ok(t) => self.tls.insert(t).clone(),
            Err(e) => {
                let a = self.core.abort(e, Instant::now());
                return self.run(a, ctx);
            }
        };
        tracing::debug!(url = %host.url, epoch, "opening cloud websocket");
        let fut = transport::open(host.url, headers, self.cfg.connect_timeout, tls)
            .into_actor(self)
            .map(move |res, act, ctx| {
                let now = Instant::now();
                let actions = match res {
                    Ok((sink, stream)) => {
                        act.hosts.on_opened();
                        act.attach(epoch, sink, stream, ctx);
                        act.core.on_opened(epoch, now)
                    }
                    Err(f) => {
                        let fatal = f.fatal && act.hosts.refusal_is_final();
                        if let Some(switch) = act.hosts.on_open_failed() {
                            tracing::info!(?switch, reason = %f.reason, "switching cloud host");
                            let ev = act.core.event(switch.into_event(), "", None, now);
                            act.emit(ev);
                        }
                        act.core.on_connect_failed(epoch, f.reason, fatal, now)
                    }
                };
                act.run(actions, ctx);
            });
        ctx.spawn(fut);
    }

    fn attach(
        &mut self,
        epoch: u64,
        sink: transport::WsSink,
        stream: WsStream,
        ctx: &mut Context<Self>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.writer = Some(tx);
        self.fragments = Default::default();
        let addr = ctx.address();
        let writer = transport::run_writer(sink, rx, move |result| {
            addr.do_send(WriteDone { epoch, result })
        });
        ctx.spawn(writer.into_actor(self));
        let reader = ctx.add_stream(stream.map(move |item| WsItem { epoch, item }).chain(
            futures_util::stream::once(async move {
                WsItem {
                    epoch,
                    item: Err(WsProtocolError::Io(
                        std::io::ErrorKind::UnexpectedEof.into(),
                    )),
                }
            }),
        ));
        self.reader = Some(reader);
    }
}

impl Actor for CloudConnection {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The last handle gone: stop cleanly (queued sets are still written first), and
        // once stopped let the actor end so nothing lingers.
        ctx.run_interval(ORPHAN_CHECK, |act, ctx| {
            if Arc::strong_count(&act.shared) > 1 {
                return;
            }
            if act.core.is_stopped() {
                ctx.stop();
            } else {
                tracing::debug!(source = %act.shared.source, "every handle dropped; stopping");
                let a = act.core.stop(Instant::now());
                act.run(a, ctx);
            }
        });
        if !self.started_once {
            self.started_once = true;
            let a = self.core.start(Instant::now());
            self.run(a, ctx);
        } else if let Some(after) = self.pending_reconnect.take() {
            ctx.run_later(after, |act, ctx| {
                let a = act.core.on_reconnect_due(Instant::now());
                act.run(a, ctx);
            });
        } else if self.core.is_stopped() {
            // Dormant after a final stop; a draining close may still wait for its socket.
            self.release_socket(ctx);
        } else {
            // Restarted without asking (a panic): socket, reader, writer and timers are
            // gone; the core decides what that means (reconnect with backoff).
            let a = self.core.on_executor_restart(Instant::now());
            self.run(a, ctx);
        }
    }
}

impl Supervised for CloudConnection {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        self.writer = None;
        self.reader = None; // cancelled by the restart
        tracing::debug!(source = %self.shared.source, "cloud connection restarting");
    }
}

/// The writer finished a reported write.
#[derive(Message)]
#[rtype(result = "()")]
struct WriteDone {
    epoch: u64,
    result: Result<(), String>,
}

impl Handler<WriteDone> for CloudConnection {
    type Result = ();
    fn handle(&mut self, msg: WriteDone, ctx: &mut Context<Self>) {
        let a = self
            .core
            .on_write_done(msg.epoch, msg.result, Instant::now());
        self.run(a, ctx);
    }
}

#[cfg(feature = "fault-injection")]
crate::crash_handler!(CloudConnection);

mod messages;
mod reader;
pub use messages::{EmitCustom, OnEvent, StopConnection, Submit, Subscribe};
use reader::WsItem;
