//! A Sky that follows the fleet's leases: each project this member gains is connected and
//! joins the member's [`SkyHandle`], each project it loses leaves it (its connection
//! stopped) before the lease is released, so across the fleet every project is a member of
//! exactly one live Sky. Writes through [`FleetSky::set`] pass the project's fencing check.

use crate::error::{FleetError, FleetErrorKind};
use crate::fence::Lease;
use crate::fleet::{Fleet, FleetConfig, FleetEvent, Serving};
use actors_cloud::{CloudErrorKind, ConnectionConfig, EventStream, SkyHandle, SourceId};
use scratchcomm_wire::{CloudValue, ProjectId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The projects in the Sky now: their member and lease.
type Held = Arc<Mutex<HashMap<ProjectId, (SourceId, Lease)>>>;

/// One fleet member serving its projects as members of a Sky (the handle; clones share it).
/// The Sky belongs to the caller: read its events, subscribe to it, or hand it to a socket
/// as with any Sky; stopping the fleet member empties it but does not stop it.
#[derive(Clone)]
pub struct FleetSky {
    fleet: Fleet,
    sky: SkyHandle,
    held: Held,
}

impl std::fmt::Debug for FleetSky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetSky")
            .field("fleet", &self.fleet)
            .field("projects", &self.projects().len())
            .finish()
    }
}

impl FleetSky {
    /// Join the fleet of `config` (inside an actix System): for each project gained,
    /// connect with `connection(project)` and add the connection to `sky`; for each project
    /// lost, remove it from `sky`. Gained and lost projects are reported by
    /// [`events`](Self::events).
    ///
    /// # Errors
    ///
    /// [`FleetErrorKind::InvalidInput`] when `config` is unusable (as
    /// [`Fleet::start`](crate::Fleet::start)).
    pub fn start<C>(
        config: FleetConfig,
        sky: SkyHandle,
        connection: C,
    ) -> Result<FleetSky, FleetError>
    where
        C: Fn(&ProjectId) -> ConnectionConfig + 'static,
    {
        let held: Held = Arc::default();
        let (in_serve, sky_in_serve) = (held.clone(), sky.clone());
        let fleet = Fleet::start(config, move |project, lease| {
            let connect = connection(&project).write_gate(lease.write_gate());
            let (held, sky) = (in_serve.clone(), sky_in_serve.clone());
            async move {
                let source = sky.connect(connect).await.map_err(|e| {
                    let what = format!("project {}: joining the Sky: {e}", project.as_str());
                    FleetError::new(FleetErrorKind::Serve, what)
                })?;
                let token = lease.token();
                lock(&held).insert(project.clone(), (source.clone(), lease));
                Ok(Serving::new(move || async move {
                    forget(&held, &project, token);
                    let _ = sky.remove(&source).await;
                }))
            }
        })?;
        Ok(FleetSky { fleet, sky, held })
    }

    /// The Sky whose members follow the leases.
    pub fn sky(&self) -> &SkyHandle {
        &self.sky
    }

    /// The fleet member (its id, whether it runs).
    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// Gained, lost and fenced projects ([`FleetEvent`]). A gained project is in the Sky
    /// once its connection is up (or reported `StartFailed`).
    pub fn events(&self) -> EventStream<FleetEvent> {
        self.fleet.events()
    }

    /// Projects in the Sky now, sorted.
    pub fn projects(&self) -> Vec<ProjectId> {
        let mut projects: Vec<ProjectId> = lock(&self.held).keys().cloned().collect();
        projects.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        projects
    }

    /// The Sky member serving `project`, if this fleet member holds it.
    pub fn source(&self, project: &ProjectId) -> Option<SourceId> {
        lock(&self.held).get(project).map(|(s, _)| s.clone())
    }

    /// Set `name` in `project` through the Sky, if this member still holds the project's
    /// lease ([`FleetErrorKind::Fenced`] otherwise, as a [`FencedLink`](crate::FencedLink)
    /// refuses); resolves once written.
    ///
    /// # Errors
    ///
    /// [`FleetErrorKind::Fenced`] when this member does not hold the project's lease, or
    /// lost it before the set was written; [`FleetErrorKind::Serve`] when the connection
    /// refuses the set (bad name or value, stopped).
    pub async fn set(
        &self,
        project: &ProjectId,
        name: &str,
        value: impl Into<CloudValue>,
    ) -> Result<(), FleetError> {
        let held = lock(&self.held).get(project).cloned();
        let Some((source, lease)) = held else {
            return Err(FleetError::new(
                FleetErrorKind::Fenced,
                format!("write for project {} refused: not held", project.as_str()),
            ));
        };
        lease.check()?;
        self.sky.set(&source, name, value).await.map_err(|e| {
            let what = format!("project {}: set {name:?}: {e}", project.as_str());
            let kind = match e.kind() {
                CloudErrorKind::Fenced => FleetErrorKind::Fenced,
                _ => FleetErrorKind::Serve,
            };
            FleetError::new(kind, what)
        })
    }

    /// Leave the fleet: every project leaves the Sky and its lease is released (the
    /// others take over at once). Idempotent; the Sky itself keeps running.
    pub async fn stop(&self) {
        self.fleet.stop().await;
    }
}

/// Forget `project` if it is still held under `token` (not re-gained since).
fn forget(held: &Held, project: &ProjectId, token: u64) {
    let mut map = lock(held);
    if map.get(project).is_some_and(|(_, l)| l.token() == token) {
        map.remove(project);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
