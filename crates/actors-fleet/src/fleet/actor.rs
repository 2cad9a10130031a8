//! The fleet actor: polls its [`LeaseTable`] every tick and executes the actions — Redis
//! scripts ([`Store`]), starting and stopping the serving of projects — feeding replies back.
//!
//! Supervision: it runs under an actix `Supervisor`. A panic in user code (the serve
//! factory or a stop) is caught and restarts it; `restarting` stops serving every project,
//! releases their leases and starts the table anew (leases are not trusted across a
//! restart), `started` joins again. It stops for good on `stop()` or once every
//! [`Fleet`](super::Fleet) handle is gone, after releasing its leases and leaving.

mod life;

pub(crate) use life::{Served, Shutdown};

use super::store::Store;
use super::{Factory, FleetConfig, FleetEvent, Serving};
use crate::error::{FleetError, FleetErrorKind};
use crate::fence::Lease;
use crate::lease::{Action, LeaseTable, LossReason};
use actix::prelude::*;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use scratchcomm_wire::ProjectId;
use std::collections::HashMap;
use std::sync::Weak;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};

pub(crate) struct FleetActor {
    table: LeaseTable,
    base: Instant,
    client: redis::Client,
    redis: Option<ConnectionManager>,
    connecting: bool,
    store: Store,
    factory: Factory,
    tick: Duration,
    timeout: Duration,
    leases: HashMap<ProjectId, Lease>,
    serving: HashMap<ProjectId, (u64, Serving)>,
    events: broadcast::Sender<FleetEvent>,
    stopped: watch::Sender<bool>,
    alive: Weak<()>,
    shutting_down: bool,
    finished: bool,
}

impl FleetActor {
    pub(super) fn new(
        table: LeaseTable,
        client: redis::Client,
        config: &FleetConfig,
        factory: Factory,
        events: broadcast::Sender<FleetEvent>,
        stopped: watch::Sender<bool>,
        alive: Weak<()>,
    ) -> FleetActor {
        let lease = table.config();
        let store = Store::new(
            &config.name,
            table.member().clone(),
            lease.ttl,
            lease.member_ttl,
            config.redis_timeout,
        );
        FleetActor {
            table,
            base: Instant::now(),
            client,
            redis: None,
            connecting: false,
            store,
            factory,
            tick: config.tick,
            timeout: config.redis_timeout,
            leases: HashMap::new(),
            serving: HashMap::new(),
            events,
            stopped,
            alive,
            shutting_down: false,
            finished: false,
        }
    }

    fn now(&self) -> Duration {
        self.base.elapsed()
    }

    fn on_tick(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down {
            return;
        }
        if self.alive.strong_count() == 0 {
            tracing::debug!("every fleet handle dropped; leaving the fleet");
            ctx.notify(Shutdown);
            return;
        }
        if self.redis.is_none() && !self.connecting {
            self.connect(ctx);
        }
        let actions = self.table.poll(self.now());
        self.execute(actions, ctx);
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        self.connecting = true;
        let client = self.client.clone();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1);
        let limit = self.timeout * 4;
        let fut = async move {
            tokio::time::timeout(limit, ConnectionManager::new_with_config(client, config)).await
        };
        ctx.spawn(fut.into_actor(self).map(move |res, act, _| {
            act.connecting = false;
            match res {
                Ok(Ok(con)) => act.redis = Some(con),
                Ok(Err(e)) => tracing::warn!(error = %e, "fleet: cannot reach redis yet"),
                Err(_) => tracing::warn!("fleet: no redis connection within {:?}", limit),
            }
        }));
    }

    /// Runs a Redis command; `then` feeds its reply to the table.
    fn command<T: 'static>(
        &mut self,
        ctx: &mut Context<Self>,
        op: impl FnOnce(Store, ConnectionManager) -> LocalBoxFuture<'static, Result<T, FleetError>>,
        then: impl FnOnce(&mut Self, Duration, Duration, Result<T, FleetError>) -> Vec<Action> + 'static,
    ) {
        let sent = self.now();
        let fut: LocalBoxFuture<'static, Result<T, FleetError>> = match self.redis.clone() {
            Some(con) => op(self.store.clone(), con),
            None => Box::pin(async {
                Err(FleetError::new(
                    FleetErrorKind::Redis,
                    "not connected to redis",
                ))
            }),
        };
        ctx.spawn(fut.into_actor(self).map(move |reply, act, ctx| {
            let now = act.now();
            let next = then(act, now, sent, reply);
            act.execute(next, ctx);
        }));
    }

    fn execute(&mut self, actions: Vec<Action>, ctx: &mut Context<Self>) {
        for action in actions {
            match action {
                Action::Heartbeat => self.command(
                    ctx,
                    |s, con| Box::pin(async move { s.heartbeat(con).await }),
                    |act, now, sent, reply| {
                        act.table.on_heartbeat(now, sent, reply);
                        Vec::new()
                    },
                ),
                Action::Acquire { project } => {
                    let p = project.clone();
                    self.command(
                        ctx,
                        move |s, con| Box::pin(async move { s.acquire(con, &p).await }),
                        move |act, now, sent, reply| {
                            act.table.on_acquire(now, sent, project, reply)
                        },
                    )
                }
                Action::Renew { project, token } => {
                    let p = project.clone();
                    self.command(
                        ctx,
                        move |s, con| Box::pin(async move { s.renew(con, &p, token).await }),
                        move |act, now, sent, reply| {
                            act.table.on_renew(now, sent, project, token, reply)
                        },
                    )
                }
                Action::Start {
                    project,
                    token,
                    valid_until,
                } => self.start_serving(project, token, valid_until, ctx),
                Action::Extend {
                    project,
                    token,
                    valid_until,
                } => {
                    if let Some(lease) = self.leases.get(&project).filter(|l| l.token() == token) {
                        lease.extend(valid_until);
                    }
                }
                Action::Stop {
                    project,
                    token,
                    reason,
                    release,
                } => {
                    let serving = self.lose(&project, token, reason);
                    let (store, con) = (self.store.clone(), self.redis.clone());
                    let stop = async move {
                        if let Some(serving) = serving {
                            serving.stop().await;
                        }
                        if let (true, Some(con)) = (release, con) {
                            let _ = store.release(con, &project, token).await;
                        }
                    };
                    let stop = std::panic::AssertUnwindSafe(stop).catch_unwind();
                    ctx.spawn(stop.into_actor(self).map(|result, _, ctx| {
                        if result.is_err() {
                            tracing::error!("fleet: stopping a project panicked; restarting");
                            ctx.stop();
                        }
                    }));
                }
                Action::Release { project, token } => self.command(
                    ctx,
                    move |s, con| Box::pin(async move { s.release(con, &project, token).await }),
                    |_, _, _, _| Vec::new(),
                ),
                Action::Leave => self.command(
                    ctx,
                    |s, con| Box::pin(async move { s.leave(con).await }),
                    |_, _, _, _| Vec::new(),
                ),
            }
        }
    }

    fn start_serving(
        &mut self,
        project: ProjectId,
        token: u64,
        valid_until: Duration,
        ctx: &mut Context<Self>,
    ) {
        let lease = Lease::new(
            project.clone(),
            token,
            self.base,
            valid_until,
            Some(self.events.clone()),
        );
        self.leases.insert(project.clone(), lease.clone());
        tracing::info!(project = %project.as_str(), token, "fleet: gained");
        let _ = self.events.send(FleetEvent::Gained {
            project: project.clone(),
            token,
        });
        let start = std::panic::AssertUnwindSafe((self.factory)(project.clone(), lease.clone()))
            .catch_unwind();
        ctx.spawn(start.into_actor(self).map(move |result, act, ctx| match result {
            Ok(Ok(serving)) => {
                if lease.is_valid() && act.leases.get(&project).is_some_and(|l| l.token() == token) {
                    act.serving.insert(project, (token, serving));
                } else {
                    actix::spawn(serving.stop()); // lost while starting
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(project = %project.as_str(), error = %error, "fleet: serving failed to start");
                let _ = act.events.send(FleetEvent::StartFailed {
                    project: project.clone(),
                    error,
                });
                let next = act.table.on_start_failed(act.now(), project, token);
                act.execute(next, ctx);
            }
            Err(_) => {
                tracing::error!(project = %project.as_str(), "fleet: the serve factory panicked; restarting");
                ctx.stop();
            }
        }));
    }

    /// Revokes the lease (writes refused from now), reports the loss, and hands back what
    /// serves the project.
    fn lose(&mut self, project: &ProjectId, token: u64, reason: LossReason) -> Option<Serving> {
        if let Some(lease) = self.leases.get(project).filter(|l| l.token() == token) {
            lease.revoke();
            self.leases.remove(project);
        }
        tracing::info!(project = %project.as_str(), token, ?reason, "fleet: lost");
        let _ = self.events.send(FleetEvent::Lost {
            project: project.clone(),
            token,
            reason,
        });
        match self.serving.remove(project) {
            Some((t, serving)) if t == token => Some(serving),
            Some(other) => {
                self.serving.insert(project.clone(), other);
                None
            }
            None => None,
        }
    }
}

impl Actor for FleetActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.finished {
            return;
        }
        ctx.run_interval(self.tick, |act, ctx| act.on_tick(ctx));
        self.on_tick(ctx);
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if self.finished {
            let _ = self.stopped.send(true);
        }
    }
}
