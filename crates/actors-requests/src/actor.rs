//! The actor behind a [`RequestBot`]: accepts the clients of a cloud socket, reads their
//! messages, dispatches them and replies on the same client (the original's
//! `RequestHandler.start`).
//!
//! Each client is served by its own task on the actor's arbiter, one message at a time (the
//! sprite waits for each reply). Async handlers run on that task; blocking handlers run on
//! tokio's blocking thread pool (at most [`RequestBotBuilder::max_blocking`] at once), so a
//! slow handler never stalls other clients. Panics are caught and answered with the failure
//! text.

mod life;
pub(crate) mod serve;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use actix::prelude::*;
use actors_cloud::{CloudHandle, EventStream};
use actors_socket::{AcceptedClient, SocketConfig, SocketHandle};
use tokio::sync::{broadcast, watch, Semaphore};

use crate::dispatch::{
    Dispatcher, ErrorAction, ErrorHook, HandlerFailed, ReplyTexts, RequestEvent,
};
use crate::error::{RequestError, RequestErrorKind};
use crate::parse::ParseOptions;
use crate::registry::Registry;
pub use life::BotStopReason;
use serve::{accept_loop, Shared};

/// Settings of a request bot; [`start`](RequestBotBuilder::start) it on a socket.
pub struct RequestBotBuilder {
    registry: Registry,
    replies: ReplyTexts,
    parse: ParseOptions,
    hook: Option<ErrorHook>,
    max_blocking: usize,
    event_capacity: usize,
    cascade_stop: bool,
    clouds: Vec<CloudHandle>,
}

impl RequestBotBuilder {
    /// Reply texts for syntax errors, unknown requests, failures and bad arguments.
    pub fn replies(mut self, replies: ReplyTexts) -> Self {
        self.replies = replies;
        self
    }

    /// Parser settings (default: lenient, see [`ParseOptions`](crate::ParseOptions)).
    pub fn parse_options(mut self, parse: ParseOptions) -> Self {
        self.parse = parse;
        self
    }

    /// Called for every failed handler run; may retry once, choose the reply or stay silent.
    pub fn on_error(
        mut self,
        hook: impl Fn(&HandlerFailed) -> ErrorAction + Send + Sync + 'static,
    ) -> Self {
        self.hook = Some(Arc::new(hook));
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

    /// Whether [`RequestBot::stop`] and the end of [`RequestBot::run_for`] also stop the
    /// socket and the cloud connections (default: yes, as the original).
    pub fn cascade_stop(mut self, cascade: bool) -> Self {
        self.cascade_stop = cascade;
        self
    }

    /// A cloud connection to stop when the bot stops with cascading.
    pub fn also_stop(mut self, cloud: CloudHandle) -> Self {
        self.clouds.push(cloud);
        self
    }

    /// Start answering requests arriving on `socket` (inside an actix System). Fails when
    /// a request name can never be called.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when a request name can never be called.
    pub fn start(self, socket: SocketHandle) -> Result<RequestBot, RequestError> {
        self.registry.validate()?;
        let mut dispatcher = Dispatcher::new(self.registry)
            .replies(self.replies)
            .parse_options(self.parse);
        if let Some(hook) = self.hook {
            dispatcher = dispatcher.on_error(move |failed| hook(failed));
        }
        let (events, _) = broadcast::channel(self.event_capacity);
        let (stopped_tx, stopped) = watch::channel(None);
        let token = Arc::new(());
        let restarts = Arc::new(AtomicU32::new(0));
        let shared = Shared {
            dispatcher,
            events: events.clone(),
            permits: Arc::new(Semaphore::new(self.max_blocking)),
        };
        let actor = RequestActor {
            shared,
            socket: socket.clone(),
            stopped: stopped_tx,
            token: Arc::downgrade(&token),
            restarts: restarts.clone(),
            reason: None,
            started_once: false,
            serving: Vec::new(),
        };
        Ok(RequestBot {
            addr: actors_cloud::PanicSupervisor::start("RequestBot", move |_| actor),
            _alive: token,
            restarts,
            socket,
            clouds: Arc::new(self.clouds),
            events,
            stopped,
            cascade_stop: self.cascade_stop,
        })
    }

    /// Open a cloud socket on `cloud` and [`start`](Self::start) on it; the connection is
    /// stopped with the bot when cascading.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when a request name can never be called or the socket cannot be opened.
    pub fn listen_on(
        self,
        cloud: &CloudHandle,
        config: SocketConfig,
    ) -> Result<RequestBot, RequestError> {
        self.registry.validate()?;
        let socket = SocketHandle::listen_on(cloud, config);
        self.also_stop(cloud.clone()).start(socket)
    }
}

/// The actor, run under a `PanicSupervisor` (see `actor/life.rs` for its restart
/// rules). Private: users hold a [`RequestBot`].
pub(crate) struct RequestActor {
    shared: Shared,
    socket: SocketHandle,
    stopped: watch::Sender<Option<BotStopReason>>,
    /// Alive while any [`RequestBot`] is.
    token: Weak<()>,
    restarts: Arc<AtomicU32>,
    /// Set once the bot stops for good.
    reason: Option<BotStopReason>,
    started_once: bool,
    /// The clients a task serves now (cleared by a restart, which cancels the tasks), so
    /// that a client both resumed and accepted after a restart gets one task.
    serving: Vec<AcceptedClient>,
}

impl Actor for RequestActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.reason.is_some() {
            return; // dormant after a final stop, until the last address is gone
        }
        self.watch_handles(ctx);
        let fut = accept_loop(
            self.socket.clone(),
            ctx.address(),
            self.shared.events.clone(),
        );
        ctx.spawn(fut.into_actor(self));
        if self.started_once {
            self.resume_clients(ctx);
        }
        self.started_once = true;
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(reason) = &self.reason {
            tracing::info!("request handler stopped");
            let _ = self.stopped.send(Some(reason.clone()));
        }
    }
}

/// A client the socket accepted.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct NewClient(pub AcceptedClient, pub Option<String>);

impl Handler<NewClient> for RequestActor {
    type Result = ();

    fn handle(&mut self, msg: NewClient, ctx: &mut Context<Self>) {
        if self.reason.is_none() {
            self.serve(msg.0, msg.1, ctx);
        }
    }
}

/// Stop the actor (its client tasks end; running blocking handlers finish unseen).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Halt;

impl Handler<Halt> for RequestActor {
    type Result = ();

    fn handle(&mut self, _: Halt, ctx: &mut Context<Self>) {
        self.halt(Ok(()), ctx);
    }
}

/// The socket stopped for good (from the accept loop).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct SocketEnded(pub BotStopReason);

impl Handler<SocketEnded> for RequestActor {
    type Result = ();

    fn handle(&mut self, msg: SocketEnded, ctx: &mut Context<Self>) {
        self.halt(msg.0, ctx);
    }
}

/// A running request bot (the handle of its actor). Clones share it.
/// Dropping the last clone stops the bot cleanly (and, unless other handles hold them,
/// its socket and connections stop in turn).
#[derive(Clone)]
pub struct RequestBot {
    addr: Addr<RequestActor>,
    socket: SocketHandle,
    clouds: Arc<Vec<CloudHandle>>,
    events: broadcast::Sender<RequestEvent>,
    stopped: watch::Receiver<Option<BotStopReason>>,
    cascade_stop: bool,
    /// Held only to be counted: the actor stops once every clone is gone.
    _alive: Arc<()>,
    restarts: Arc<AtomicU32>,
}

impl std::fmt::Debug for RequestBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBot")
            .field("running", &self.is_running())
            .field("cascade_stop", &self.cascade_stop)
            .finish()
    }
}

impl RequestBot {
    /// Settings for a bot answering the requests of `registry`.
    pub fn builder(registry: Registry) -> RequestBotBuilder {
        RequestBotBuilder {
            registry,
            replies: ReplyTexts::default(),
            parse: ParseOptions::default(),
            hook: None,
            max_blocking: 64,
            event_capacity: 1024,
            cascade_stop: true,
            clouds: Vec::new(),
        }
    }

    /// Start with default settings on `socket` (in the background; returns at once).
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when a request name of `registry` can never be called.
    pub fn start(socket: SocketHandle, registry: Registry) -> Result<RequestBot, RequestError> {
        RequestBot::builder(registry).start(socket)
    }

    /// Events: invalid syntax, handler errors (including panics), uncaught errors, and one
    /// [`RequestEvent::Served`] per handled message (its request name and latency).
    ///
    /// Bounded (`event_capacity`): a slow reader loses its oldest events and gets one
    /// [`RequestEvent::Lagged`]. Ends once the bot stopped for good.
    pub fn events(&self) -> EventStream<RequestEvent> {
        let mut stopped = self.stopped.clone();
        EventStream::until(self.events.subscribe(), async move {
            let _ = stopped.wait_for(|s| s.is_some()).await;
        })
    }

    /// Whether the bot still runs.
    pub fn is_running(&self) -> bool {
        self.stopped.borrow().is_none() && self.addr.connected()
    }

    /// How often the handler was restarted after a panic in a client task.
    pub fn restarts(&self) -> u32 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Answer requests for `duration`, then stop (cascading if configured).
    pub async fn run_for(&self, duration: Duration) {
        let mut stopped = self.stopped.clone();
        let _ = tokio::time::timeout(duration, stopped.wait_for(|s| s.is_some())).await;
        self.stop().await;
    }

    /// Wait until the bot stops for good: `Ok` after [`stop`](Self::stop), the reason
    /// when its socket stopped for good (e.g. its cloud connection got a fatal close
    /// code). Reconnects and restarts after a panic do not end it.
    ///
    /// # Errors
    ///
    /// The [`RequestError`](crate::RequestError) that stopped the socket for good.
    pub async fn wait(&self) -> Result<(), RequestError> {
        let mut stopped = self.stopped.clone();
        let reason = match stopped.wait_for(|s| s.is_some()).await {
            Ok(reason) => reason.clone().unwrap_or(Ok(())),
            Err(_) => Err(RequestError::new(
                RequestErrorKind::Stopped,
                "request handler gone",
            )),
        };
        reason
    }

    /// Stop, cascading to the socket and cloud connections if configured (default).
    pub async fn stop(&self) {
        self.stop_with(self.cascade_stop).await;
    }

    /// Stop; with `cascade`, also stop the socket and the cloud connections given to the
    /// builder. Idempotent; returns once the actor has stopped.
    pub async fn stop_with(&self, cascade: bool) {
        let _ = self.addr.send(Halt).await;
        let _ = self.wait().await;
        if cascade {
            self.socket.stop().await;
            for cloud in self.clouds.iter() {
                cloud.stop().await;
            }
        }
    }

    /// The socket the bot serves.
    pub fn socket(&self) -> &SocketHandle {
        &self.socket
    }

    /// Where a [`Crash`](actors_cloud::fault::Crash) makes the bot's actor panic (tests of
    /// its supervision; feature `fault-injection`).
    #[cfg(feature = "fault-injection")]
    #[doc(hidden)]
    pub fn crash_recipient(&self) -> Recipient<actors_cloud::fault::Crash> {
        self.addr.clone().recipient()
    }
}
