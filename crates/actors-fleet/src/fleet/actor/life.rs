//! The life of the fleet actor under its `Supervisor`: giving everything up (on a restart,
//! on a shutdown), the shutdown message, and the query of what is served.

use super::FleetActor;
use crate::fleet::Serving;
use crate::lease::{Action, LeaseTable};
use actix::prelude::*;
use futures_util::future::LocalBoxFuture;
use scratchcomm_wire::ProjectId;

impl FleetActor {
    /// Stops serving everything and hands back the work left: (stops, leases to release).
    fn give_up_all(&mut self) -> (Vec<Serving>, Vec<(ProjectId, u64)>, bool) {
        let mut stops = Vec::new();
        let mut releases = Vec::new();
        let mut leave = false;
        for action in self.table.shutdown() {
            match action {
                Action::Stop {
                    project,
                    token,
                    reason,
                    release,
                } => {
                    stops.extend(self.lose(&project, token, reason));
                    if release {
                        releases.push((project, token));
                    }
                }
                Action::Leave => leave = true,
                _ => {}
            }
        }
        for lease in self.leases.drain().map(|(_, l)| l) {
            lease.revoke(); // still starting
        }
        stops.extend(self.serving.drain().map(|(_, (_, s))| s));
        (stops, releases, leave)
    }

    fn cleanup(
        &self,
        stops: Vec<Serving>,
        releases: Vec<(ProjectId, u64)>,
        leave: bool,
    ) -> LocalBoxFuture<'static, ()> {
        let (store, con) = (self.store.clone(), self.redis.clone());
        Box::pin(async move {
            futures_util::future::join_all(stops.into_iter().map(|s| s.stop())).await;
            if let Some(con) = con {
                for (project, token) in releases {
                    let _ = store.release(con.clone(), &project, token).await;
                }
                if leave {
                    let _ = store.leave(con).await;
                }
            }
        })
    }
}

impl Supervised for FleetActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        if self.finished {
            return;
        }
        let (stops, releases, _) = self.give_up_all();
        actix::spawn(self.cleanup(stops, releases, false));
        let table = LeaseTable::new(
            self.table.config().clone(),
            self.table.member().clone(),
            self.table.projects().to_vec(),
        );
        match table {
            Ok(table) => self.table = table,
            Err(e) => tracing::error!(error = %e, "fleet: cannot renew its lease table"),
        }
    }
}

/// Projects served now.
#[derive(Message)]
#[rtype(result = "Vec<ProjectId>")]
pub(crate) struct Served;

impl Handler<Served> for FleetActor {
    type Result = MessageResult<Served>;

    fn handle(&mut self, _: Served, _: &mut Context<Self>) -> Self::Result {
        let mut served: Vec<ProjectId> = self.serving.keys().cloned().collect();
        served.sort();
        MessageResult(served)
    }
}

/// Stop serving everything, release the leases, leave, stop for good.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Shutdown;

impl Handler<Shutdown> for FleetActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        if self.shutting_down {
            return Box::pin(actix::fut::ready(()));
        }
        self.shutting_down = true;
        let (stops, releases, leave) = self.give_up_all();
        Box::pin(
            self.cleanup(stops, releases, leave)
                .into_actor(self)
                .map(|_, act, ctx| {
                    act.finished = true;
                    ctx.stop();
                }),
        )
    }
}
