//! The [`Fleet`] handle: settings, events, and what serving a project means to it.

mod actor;
pub(crate) mod store;

use crate::error::{FleetError, FleetErrorKind};
use crate::fence::Lease;
use crate::lease::{LeaseConfig, LeaseTable, LossReason, MemberId};
use actix::prelude::*;
use actor::{FleetActor, Served, Shutdown};
use actors_cloud::EventStream;
use futures_util::future::LocalBoxFuture;
use scratchcomm_wire::ProjectId;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Settings of one fleet member. `Debug` hides a password in the Redis URL.
#[derive(Clone)]
pub struct FleetConfig {
    pub(crate) redis_url: String,
    pub(crate) name: String,
    pub(crate) projects: Vec<ProjectId>,
    pub(crate) lease: LeaseConfig,
    pub(crate) tick: Duration,
    pub(crate) redis_timeout: Duration,
    pub(crate) member: Option<MemberId>,
}

impl std::fmt::Debug for FleetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetConfig")
            .field("redis_url", &redact_url(&self.redis_url))
            .field("name", &self.name)
            .field("projects", &self.projects.len())
            .field("lease", &self.lease)
            .field("tick", &self.tick)
            .field("redis_timeout", &self.redis_timeout)
            .field("member", &self.member)
            .finish()
    }
}

/// `redis://user:secret@host/` → `redis://user:***@host/` (a URL without a password as is).
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("", |(u, _)| u);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

impl FleetConfig {
    /// A member of fleet `"default"` over `projects` (every member is given the same list)
    /// meeting at `redis_url` (`redis://host:port/`, or `rediss://`, `unix://`), with the
    /// default lease times (5 s).
    pub fn new(redis_url: impl Into<String>, projects: Vec<ProjectId>) -> FleetConfig {
        let lease = LeaseConfig::default();
        FleetConfig {
            redis_url: redis_url.into(),
            name: "default".to_owned(),
            projects,
            redis_timeout: lease.ttl / 5,
            lease,
            tick: Duration::from_millis(200),
            member: None,
        }
    }

    /// Lease times derived from `ttl` (a dead member's projects are free after at most
    /// this long); also sets the Redis timeout to `ttl / 5`.
    pub fn ttl(mut self, ttl: Duration) -> FleetConfig {
        self.lease = LeaseConfig::from_ttl(ttl);
        self.redis_timeout = ttl / 5;
        self
    }

    /// The fleet's name: members of one fleet share its keys, which are prefixed with it
    /// (default `"default"`).
    pub fn name(mut self, name: impl Into<String>) -> FleetConfig {
        self.name = name.into();
        self
    }

    /// Lease timing in detail (default [`LeaseConfig::default`]; [`ttl`](Self::ttl) sets
    /// it from one time). Does not change the Redis timeout.
    pub fn lease(mut self, lease: LeaseConfig) -> FleetConfig {
        self.lease = lease;
        self
    }

    /// How often the lease table is polled (default 200 ms).
    pub fn tick(mut self, tick: Duration) -> FleetConfig {
        self.tick = tick;
        self
    }

    /// How long a Redis command may take (default `ttl / 5`).
    pub fn redis_timeout(mut self, timeout: Duration) -> FleetConfig {
        self.redis_timeout = timeout;
        self
    }

    /// This member's id (default: pid and random bits).
    pub fn member(mut self, member: MemberId) -> FleetConfig {
        self.member = Some(member);
        self
    }

    /// Checks the settings (nothing is connected), naming the first that is wrong.
    ///
    /// # Errors
    ///
    /// A [`FleetError`] of kind [`InvalidInput`](FleetErrorKind::InvalidInput) for a fleet
    /// name that is empty or has spaces, a tick or Redis timeout that is zero or not under
    /// the lease's `renew_every`, lease times that do not fit ([`LeaseConfig::validate`]),
    /// no project, or a Redis URL that cannot be parsed.
    pub fn validate(&self) -> Result<(), FleetError> {
        self.checked_client().map(|_| ())
    }

    /// [`validate`](Self::validate), returning the Redis client it parsed.
    fn checked_client(&self) -> Result<redis::Client, FleetError> {
        if self.name.is_empty() || self.name.chars().any(|c| c.is_whitespace()) {
            return Err(FleetError::invalid(format!(
                "fleet name {:?} must be non-empty without spaces",
                self.name
            )));
        }
        if self.tick.is_zero() || self.tick >= self.lease.renew_every {
            return Err(FleetError::invalid(format!(
                "tick {:?} must be positive and under renew_every {:?}",
                self.tick, self.lease.renew_every
            )));
        }
        if self.redis_timeout.is_zero() || self.redis_timeout >= self.lease.renew_every {
            return Err(FleetError::invalid(format!(
                "redis_timeout {:?} must be positive and under renew_every {:?}",
                self.redis_timeout, self.lease.renew_every
            )));
        }
        self.lease.validate()?;
        if self.projects.is_empty() {
            return Err(FleetError::invalid("a fleet needs at least one project"));
        }
        redis::Client::open(self.redis_url.as_str())
            .map_err(|e| FleetError::new(FleetErrorKind::InvalidInput, format!("redis URL: {e}")))
    }
}

/// What a fleet member reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FleetEvent {
    /// This member holds the project's lease now and starts serving it.
    Gained {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
    },
    /// This member no longer serves the project; its writes are refused from now on.
    Lost {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
        /// Why the lease was lost.
        reason: LossReason,
    },
    /// A write for a project whose lease is no longer held was refused.
    Fenced {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
    },
    /// Starting to serve a project failed (it is given up and tried again later).
    StartFailed {
        /// The project.
        project: ProjectId,
        /// What failed.
        error: FleetError,
    },
    /// This reader of [`Fleet::events`] fell behind: its `missed` oldest unread events were
    /// dropped for it (the member carries on).
    Lagged {
        /// How many events it missed.
        missed: u64,
    },
}

impl actors_cloud::LagEvent for FleetEvent {
    fn lagged(missed: u64) -> Self {
        FleetEvent::Lagged { missed }
    }
}

/// A project being served: how to stop it.
pub struct Serving {
    stop: Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>,
}

impl Serving {
    /// Serving stopped by `stop` (awaited before the lease is released).
    pub fn new<F, Fut>(stop: F) -> Serving
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        Serving {
            stop: Box::new(move || Box::pin(stop())),
        }
    }

    pub(crate) fn stop(self) -> LocalBoxFuture<'static, ()> {
        (self.stop)()
    }
}

/// Starts serving one project under a lease; called on the fleet's arbiter.
pub(crate) type Factory =
    Arc<dyn Fn(ProjectId, Lease) -> LocalBoxFuture<'static, Result<Serving, FleetError>>>;

/// A running fleet member (the handle of its actor). Clones share it; dropping the last
/// one stops the member cleanly (as [`stop`](Fleet::stop) does, without waiting).
#[derive(Clone)]
pub struct Fleet {
    addr: Addr<FleetActor>,
    member: MemberId,
    events: broadcast::Sender<FleetEvent>,
    stopped: watch::Receiver<bool>,
    _alive: Arc<()>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("member", &self.member)
            .field("running", &!*self.stopped.borrow())
            .finish()
    }
}

impl Fleet {
    /// Join the fleet (inside an actix System): `serve` is called for each project this
    /// member gains, with the project's [`Lease`] (pass it to every writer, e.g. through a
    /// [`FencedLink`](crate::FencedLink)), and must return how to stop serving it.
    /// Fails on bad settings; an unreachable Redis is retried every tick.
    ///
    /// # Errors
    ///
    /// A [`FleetError`] for bad settings (see [`FleetConfig::validate`]).
    pub fn start<F, Fut>(config: FleetConfig, serve: F) -> Result<Fleet, FleetError>
    where
        F: Fn(ProjectId, Lease) -> Fut + 'static,
        Fut: Future<Output = Result<Serving, FleetError>> + 'static,
    {
        let client = config.checked_client()?;
        let member = config.member.clone().unwrap_or_else(MemberId::random);
        let table = LeaseTable::new(
            config.lease.clone(),
            member.clone(),
            config.projects.clone(),
        )?;
        let factory: Factory = Arc::new(move |p, l| Box::pin(serve(p, l)));
        let (events, _) = broadcast::channel(1024);
        let (stopped_tx, stopped) = watch::channel(false);
        let alive = Arc::new(());
        let actor = FleetActor::new(
            table,
            client,
            &config,
            factory,
            events.clone(),
            stopped_tx,
            Arc::downgrade(&alive),
        );
        Ok(Fleet {
            addr: Supervisor::start(move |_| actor),
            member,
            events,
            stopped,
            _alive: alive,
        })
    }

    /// This member's id.
    pub fn member(&self) -> &MemberId {
        &self.member
    }

    /// Gained, lost and fenced projects. Bounded (1,024 events): a slow reader loses its
    /// oldest events and gets one [`FleetEvent::Lagged`]. Ends once the member stopped.
    pub fn events(&self) -> EventStream<FleetEvent> {
        let mut stopped = self.stopped.clone();
        EventStream::until(self.events.subscribe(), async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
    }

    /// Projects served now.
    ///
    /// # Errors
    ///
    /// A [`FleetError`] when the fleet actor stopped.
    pub async fn served(&self) -> Result<Vec<ProjectId>, FleetError> {
        self.addr
            .send(Served)
            .await
            .map_err(|_| FleetError::new(FleetErrorKind::Stopped, "fleet member stopped"))
    }

    /// Stop serving every project, release the leases and leave the fleet; returns once
    /// done (so the others can take over at once). Idempotent.
    pub async fn stop(&self) {
        let _ = self.addr.send(Shutdown).await;
        let mut stopped = self.stopped.clone();
        let _ = stopped.wait_for(|s| *s).await;
    }

    /// Whether the member still runs.
    pub fn is_running(&self) -> bool {
        !*self.stopped.borrow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_hide_the_redis_password() {
        let config = FleetConfig::new("redis://bot:hunter2@127.0.0.1:6379/", Vec::new());
        let text = format!("{config:?}");
        assert!(!text.contains("hunter2") && text.contains("redis://bot:***@127.0.0.1:6379/"));
        assert_eq!(redact_url("redis://127.0.0.1/"), "redis://127.0.0.1/");
        assert_eq!(redact_url("redis://:pw@h/"), "redis://:***@h/");
    }

    #[actix_rt::test]
    async fn bad_settings_are_refused_naming_them() {
        let p = vec![ProjectId::new("1").unwrap()];
        let serve = |_, _| async { Ok(Serving::new(|| async {})) };
        let bad_url = FleetConfig::new("http://pw:hunter2@x/", p.clone());
        let e = Fleet::start(bad_url, serve).unwrap_err();
        assert_eq!(e.kind(), FleetErrorKind::InvalidInput);
        assert!(
            e.detail().contains("redis URL") && !e.detail().contains("hunter2"),
            "{e}"
        );
        let slow = FleetConfig::new("redis://127.0.0.1/", p.clone())
            .redis_timeout(Duration::from_secs(60));
        assert!(slow.validate().is_err());
        assert!(Fleet::start(slow, serve)
            .unwrap_err()
            .detail()
            .contains("redis_timeout"));
        let empty = FleetConfig::new("redis://127.0.0.1/", Vec::new());
        assert!(Fleet::start(empty, serve)
            .unwrap_err()
            .detail()
            .contains("project"));
        let named = FleetConfig::new("redis://127.0.0.1/", p).name("a b");
        assert!(Fleet::start(named, serve)
            .unwrap_err()
            .detail()
            .contains("fleet name"));
    }
}
