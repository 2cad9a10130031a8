//! The fencing check: a [`Lease`] is handed to whatever serves a project, and every write
//! of that project asks it first. [`FencedLink`] does this for a cloud connection, so a
//! cloud socket (and a request bot on it) writes `TO_CLIENT_n` only while the lease holds.
//!
//! The check is local and costs two atomic loads: the cloud server cannot check tokens, so
//! the process refuses its own writes from the instant its lease may have run out (the
//! lease table's `valid_until`, a margin before Redis can free the key) or was given up.
//! A process resuming from a pause therefore writes nothing for a project it lost, even
//! before its next tick notices the loss. The fleet's connections also carry the lease's
//! [`write_gate`](Lease::write_gate), which asks again at the moment each write goes on
//! the socket, so a set that waited in the connection's queue is refused too.

use crate::error::{FleetError, FleetErrorKind};
use crate::fleet::FleetEvent;
use actors_cloud::{CloudHandle, EventStream, WriteGate};
use actors_socket::{CloudLink, EventSink};
use actors_socket::{Host, SocketError, SocketErrorKind};
use futures_util::future::BoxFuture;
use scratchcomm_wire::ProjectId;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

struct Inner {
    project: ProjectId,
    token: u64,
    /// The clock origin of the lease table.
    base: Instant,
    /// Milliseconds after `base`, exclusive.
    valid_until_ms: AtomicU64,
    revoked: AtomicBool,
    refused: AtomicU64,
    events: Option<broadcast::Sender<FleetEvent>>,
}

/// The lease of one project with its fencing token; cheap to clone.
#[derive(Clone)]
pub struct Lease {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("project", &self.inner.project)
            .field("token", &self.inner.token)
            .field("valid", &self.is_valid())
            .finish()
    }
}

impl Lease {
    pub(crate) fn new(
        project: ProjectId,
        token: u64,
        base: Instant,
        valid_until: Duration,
        events: Option<broadcast::Sender<FleetEvent>>,
    ) -> Lease {
        Lease {
            inner: Arc::new(Inner {
                project,
                token,
                base,
                valid_until_ms: AtomicU64::new(valid_until.as_millis() as u64),
                revoked: AtomicBool::new(false),
                refused: AtomicU64::new(0),
                events,
            }),
        }
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        &self.inner.project
    }

    /// The fencing token: grows with every grant of this project's lease.
    pub fn token(&self) -> u64 {
        self.inner.token
    }

    /// Whether writes are allowed now.
    pub fn is_valid(&self) -> bool {
        !self.inner.revoked.load(Ordering::Acquire)
            && (self.inner.base.elapsed().as_millis() as u64)
                < self.inner.valid_until_ms.load(Ordering::Acquire)
    }

    /// `Ok` while the lease holds; else counts a refused write, reports
    /// [`FleetEvent::Fenced`] and names the project and token.
    ///
    /// # Errors
    ///
    /// A [`FleetError`] naming the project and token once the lease may have run out.
    pub fn check(&self) -> Result<(), FleetError> {
        if self.is_valid() {
            return Ok(());
        }
        self.inner.refused.fetch_add(1, Ordering::Relaxed);
        if let Some(events) = &self.inner.events {
            let _ = events.send(FleetEvent::Fenced {
                project: self.inner.project.clone(),
                token: self.inner.token,
            });
        }
        Err(FleetError::new(
            FleetErrorKind::Fenced,
            format!(
                "write for project {} refused: its lease (fencing token {}) is no longer held",
                self.inner.project.as_str(),
                self.inner.token
            ),
        ))
    }

    /// A [`WriteGate`] that runs [`check`](Self::check) for every write of a cloud
    /// connection at the moment it would be written: a set that waited behind the
    /// connection's rate limiter (or in a paused process) is dropped if the lease ran out
    /// meanwhile. The fleet's own connections carry it.
    pub fn write_gate(&self) -> WriteGate {
        let lease = self.clone();
        WriteGate::new(move || lease.check().map_err(|e| e.to_string()))
    }

    /// Writes refused so far.
    pub fn refused(&self) -> u64 {
        self.inner.refused.load(Ordering::Relaxed)
    }

    pub(crate) fn extend(&self, valid_until: Duration) {
        self.inner
            .valid_until_ms
            .fetch_max(valid_until.as_millis() as u64, Ordering::AcqRel);
    }

    pub(crate) fn revoke(&self) {
        self.inner.revoked.store(true, Ordering::Release);
    }
}

/// A cloud connection whose writes pass the fencing check of a [`Lease`] first.
pub struct FencedLink {
    cloud: CloudHandle,
    lease: Lease,
}

impl FencedLink {
    /// Fences `cloud`'s writes with `lease`.
    pub fn new(cloud: CloudHandle, lease: Lease) -> FencedLink {
        FencedLink { cloud, lease }
    }
}

impl CloudLink for FencedLink {
    fn host(&self) -> Host {
        CloudLink::host(&self.cloud)
    }

    fn events(&self) -> EventStream {
        CloudLink::events(&self.cloud)
    }

    fn feed(&self, sink: EventSink) {
        CloudLink::feed(&self.cloud, sink)
    }

    fn set(&self, name: String, value: String) -> BoxFuture<'static, Result<(), SocketError>> {
        if let Err(e) = self.lease.check() {
            tracing::warn!(error = %e, variable = %name, "fenced write refused");
            return Box::pin(async move {
                Err(SocketError::new(SocketErrorKind::Closed, e.to_string()))
            });
        }
        CloudLink::set(&self.cloud, name, value)
    }

    fn get(&self, name: &str) -> Option<String> {
        CloudLink::get(&self.cloud, name)
    }

    fn stop(&self) -> BoxFuture<'static, ()> {
        CloudLink::stop(&self.cloud)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(valid_for_ms: u64) -> (Lease, broadcast::Receiver<FleetEvent>) {
        let (tx, rx) = broadcast::channel(8);
        let base = Instant::now();
        let p = ProjectId::new("42").unwrap();
        let l = Lease::new(p, 7, base, Duration::from_millis(valid_for_ms), Some(tx));
        (l, rx)
    }

    #[test]
    fn a_valid_lease_allows_writes() {
        let (l, _) = lease(60_000);
        assert!(l.check().is_ok());
        assert_eq!(l.refused(), 0);
    }

    #[test]
    fn an_expired_lease_refuses_naming_project_and_token() {
        let (l, mut rx) = lease(0);
        let e = l.check().unwrap_err();
        assert_eq!(e.kind(), FleetErrorKind::Fenced);
        assert!(e.detail().contains("project 42") && e.detail().contains("token 7"));
        assert_eq!(l.refused(), 1);
        assert!(matches!(
            rx.try_recv(),
            Ok(FleetEvent::Fenced { token: 7, .. })
        ));
    }

    #[test]
    fn a_revoked_lease_refuses_even_before_it_runs_out() {
        let (l, _) = lease(60_000);
        l.clone().revoke();
        assert!(!l.is_valid());
        assert!(l.check().is_err());
    }

    #[actix_rt::test]
    async fn a_set_waiting_in_the_connections_queue_is_refused_once_the_lease_is_gone() {
        use actors_cloud::{CloudErrorKind, ConnectionConfig, RateLimit};
        let server = scratchcomm_server::CloudServer::start(Default::default())
            .await
            .expect("server starts");
        let (l, _) = lease(60_000);
        let config = ConnectionConfig::custom(&server.url(), "42")
            .rate_limit(RateLimit::per_second(1))
            .write_gate(l.write_gate());
        let cloud = CloudHandle::connect(config).await.expect("connects");
        cloud
            .set("a", "1")
            .await
            .expect("written while the lease holds");
        // Checked when submitted (valid), then waits about a second for its slot.
        let queued = {
            let cloud = cloud.clone();
            actix_rt::spawn(async move { cloud.set("a", "2").await })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        l.revoke();
        let result = tokio::time::timeout(Duration::from_secs(10), queued)
            .await
            .expect("the queued set ends")
            .expect("task");
        let e = result.unwrap_err();
        assert_eq!(e.kind(), CloudErrorKind::Fenced);
        assert!(e.to_string().contains("token 7"), "{e}");
        assert_eq!(cloud.get("a").map(|v| v.to_string()), Some("1".into()));
        cloud.stop().await;
        server.stop().await;
    }

    #[test]
    fn extending_never_shortens() {
        let (l, _) = lease(0);
        l.extend(Duration::from_secs(60));
        assert!(l.is_valid());
        l.extend(Duration::ZERO);
        assert!(l.is_valid());
    }
}
