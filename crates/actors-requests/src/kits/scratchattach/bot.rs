//! [`SaBot`], the handle of the kit's actor, and its builder.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use actors_cloud::{CloudHandle, EventStream, HostKind};
use tokio::sync::{broadcast, watch, Semaphore};

use super::actor::{SaHalt, SaHandler, SaPush};
use super::dispatch::SaDispatcher;
use super::protocol::{SaConfig, SaProtocol};
use super::replies::SaReply;
use crate::dispatch::RequestEvent;
use crate::error::{RequestError, RequestErrorKind};
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
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when a request name can never be called.
    pub fn start(self, cloud: &CloudHandle) -> Result<SaBot, RequestError> {
        self.registry.validate()?;
        let config = self.config.unwrap_or_else(|| match cloud.host_kind() {
            HostKind::Scratch => SaConfig::scratch(),
            _ => SaConfig::turbowarp(),
        });
        let mut dispatcher = SaDispatcher::new(self.registry);
        if let Some(hint) = self.failure_hint {
            dispatcher = dispatcher.failure_hint(hint);
        }
        let (events, _) = broadcast::channel(self.event_capacity);
        let (stopped_tx, stopped) = watch::channel(false);
        let token = Arc::new(());
        let actor = SaHandler::new(
            SaProtocol::new(config),
            dispatcher,
            (cloud.clone(), Arc::downgrade(&token)),
            events.clone(),
            Arc::new(Semaphore::new(self.max_blocking)),
            stopped_tx,
        );
        Ok(SaBot {
            addr: actors_cloud::PanicSupervisor::start("SaHandler", move |_| actor),
            cloud: cloud.clone(),
            _alive: token,
            events,
            stopped,
            cascade_stop: self.cascade_stop,
        })
    }
}

/// A running scratchattach-kit bot (the handle of its actor). Clones share it.
/// Dropping the last clone stops the bot cleanly (its connection then stops too, unless
/// the program holds a handle to it).
#[derive(Clone)]
pub struct SaBot {
    addr: Addr<SaHandler>,
    cloud: CloudHandle,
    /// Held only to be counted: the bot stops once every clone is gone.
    _alive: Arc<()>,
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
    ///
    /// Bounded (`event_capacity`): a slow reader loses its oldest events and gets one
    /// [`RequestEvent::Lagged`]. Ends once the bot stopped.
    pub fn events(&self) -> EventStream<RequestEvent> {
        let mut stopped = self.stopped.clone();
        EventStream::until(self.events.subscribe(), async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
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

    /// Push `reply` to the sprites of the room (scratchattach's `send()`, §5.8): the kit's
    /// receiver loop broadcasts `on_server_message`. Returns the id used once queued.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when the reply does not fit in 999 packets or the bot stopped.
    pub async fn send(&self, reply: SaReply) -> Result<String, RequestError> {
        self.addr
            .send(SaPush(reply))
            .await
            .map_err(|e| RequestError::new(RequestErrorKind::Stopped, e.to_string()))?
    }

    /// The connection the bot serves.
    pub fn cloud(&self) -> &CloudHandle {
        &self.cloud
    }

    /// Where a [`Crash`](actors_cloud::fault::Crash) makes the bot's actor panic (tests of
    /// its supervision; feature `fault-injection`).
    #[cfg(feature = "fault-injection")]
    #[doc(hidden)]
    pub fn crash_recipient(&self) -> Recipient<actors_cloud::fault::Crash> {
        self.addr.clone().recipient()
    }
}
