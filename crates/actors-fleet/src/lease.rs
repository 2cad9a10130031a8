//! The sans-IO lease table of one fleet member: fed the time and Redis's replies, it
//! returns [`Action`]s (Redis commands to send, projects to start or stop serving). The
//! fleet actor only executes them; every rule of the fleet lives here.
//!
//! Rules:
//! * **Share.** With `n` live members (heartbeats younger than `member_ttl`), a member
//!   holds at most `ceil(projects / n)` leases. Below its share it tries free projects in
//!   its own preference order (rendezvous weights); above it, it stops serving its least
//!   preferred projects and then releases them. Without a fresh member count it acquires
//!   nothing.
//! * **Leases.** Acquired with `SET key value NX PX ttl` and a fencing token from `INCR`
//!   (one script), extended every `renew_every` by compare-and-extend, released by
//!   compare-and-delete after serving stopped.
//! * **Local expiry (fencing).** A lease is valid until `sent + ttl - margin`, where `sent`
//!   is when the last successful acquire or extend was sent. Past that the project is
//!   stopped with [`LossReason::Expired`] whatever Redis says, and the fencing check
//!   ([`crate::Lease`]) refuses every write of the project from that instant on, so a
//!   process that was paused never writes after another could have taken over.

mod action;
mod config;
#[cfg(test)]
mod share_tests;
#[cfg(test)]
mod tests;

pub use action::{Action, Grant, LossReason};
pub use config::{LeaseConfig, MemberId};

use crate::error::FleetError;
use config::weight;
use scratchcomm_wire::ProjectId;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

#[derive(Debug)]
struct Held {
    token: u64,
    valid_until: Duration,
    renew_sent: Option<Duration>,
    last_renew: Duration,
}

/// One member's leases. See the module docs for the rules.
#[derive(Debug)]
pub struct LeaseTable {
    config: LeaseConfig,
    member: MemberId,
    /// Every project, most preferred first.
    order: Vec<ProjectId>,
    held: BTreeMap<ProjectId, Held>,
    acquiring: HashSet<ProjectId>,
    taken_until: HashMap<ProjectId, Duration>,
    /// When each project was last tried, so that the tries go round every project.
    last_try: HashMap<ProjectId, Duration>,
    /// Live members and when that was learnt.
    members: Option<(usize, Duration)>,
    heartbeat_sent: Option<Duration>,
    last_heartbeat: Option<Duration>,
    shutting_down: bool,
}

impl LeaseTable {
    /// A table for `member` over `projects` (duplicates removed; at least one).
    ///
    /// # Errors
    ///
    /// A [`FleetError`] when `projects` is empty or the settings do not fit together.
    pub fn new(
        config: LeaseConfig,
        member: MemberId,
        projects: Vec<ProjectId>,
    ) -> Result<LeaseTable, FleetError> {
        config.validate()?;
        let mut seen = HashSet::new();
        let mut order: Vec<ProjectId> = projects
            .into_iter()
            .filter(|p| seen.insert(p.clone()))
            .collect();
        if order.is_empty() {
            return Err(FleetError::invalid("a fleet needs at least one project"));
        }
        order.sort_by_key(|p| std::cmp::Reverse(weight(&member, p.as_str())));
        Ok(LeaseTable {
            config,
            member,
            order,
            held: BTreeMap::new(),
            acquiring: HashSet::new(),
            taken_until: HashMap::new(),
            last_try: HashMap::new(),
            members: None,
            heartbeat_sent: None,
            last_heartbeat: None,
            shutting_down: false,
        })
    }

    /// This member's id.
    pub fn member(&self) -> &MemberId {
        &self.member
    }

    /// The settings.
    pub fn config(&self) -> &LeaseConfig {
        &self.config
    }

    /// Every project, most preferred first.
    pub fn projects(&self) -> &[ProjectId] {
        &self.order
    }

    /// Projects whose lease is held now, in project order.
    pub fn held(&self) -> Vec<ProjectId> {
        self.held.keys().cloned().collect()
    }

    /// The fencing token of a held project.
    pub fn token(&self, project: &ProjectId) -> Option<u64> {
        self.held.get(project).map(|h| h.token)
    }

    /// Live members as last counted (None before the first count or once it is stale).
    pub fn live_members(&self, now: Duration) -> Option<usize> {
        match self.members {
            Some((n, at)) if now.saturating_sub(at) < self.config.member_ttl => Some(n),
            _ => None,
        }
    }

    /// Leases this member aims to hold with `members` live members.
    pub fn share(&self, members: usize) -> usize {
        self.order.len().div_ceil(members.max(1))
    }

    /// What to do at `now`: stop expired leases, heartbeat, renew, rebalance.
    pub fn poll(&mut self, now: Duration) -> Vec<Action> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        if self.shutting_down {
            return out;
        }
        let heartbeat_due = self.last_heartbeat.map_or(true, |at| {
            now.saturating_sub(at) >= self.config.heartbeat_every
        });
        if self.heartbeat_sent.is_none() && heartbeat_due {
            self.heartbeat_sent = Some(now);
            out.push(Action::Heartbeat);
        }
        for (project, held) in self.held.iter_mut() {
            if held.renew_sent.is_none()
                && now.saturating_sub(held.last_renew) >= self.config.renew_every
            {
                held.renew_sent = Some(now);
                out.push(Action::Renew {
                    project: project.clone(),
                    token: held.token,
                });
            }
        }
        if let Some(members) = self.live_members(now) {
            self.rebalance(now, self.share(members), &mut out);
        }
        if !out.is_empty() {
            tracing::trace!(held = self.held.len(), acquiring = self.acquiring.len(), members = ?self.members, ?out, "fleet poll");
        }
        out
    }

    fn expire(&mut self, now: Duration, out: &mut Vec<Action>) {
        let expired: Vec<ProjectId> = self
            .held
            .iter()
            .filter(|(_, h)| now >= h.valid_until)
            .map(|(p, _)| p.clone())
            .collect();
        for project in expired {
            self.lose(project, LossReason::Expired, true, out);
        }
    }

    fn rebalance(&mut self, now: Duration, share: usize, out: &mut Vec<Action>) {
        let held = self.held.len();
        if held > share {
            let extra: Vec<ProjectId> = self
                .order
                .iter()
                .rev()
                .filter(|p| self.held.contains_key(*p))
                .take(held - share)
                .cloned()
                .collect();
            for project in extra {
                // Not tried again at once: another member is meant to take it.
                self.taken_until
                    .insert(project.clone(), now + self.config.retry_taken);
                self.lose(project, LossReason::Rebalanced, true, out);
            }
            return;
        }
        let wanted = share.saturating_sub(held + self.acquiring.len());
        let budget = wanted.min(
            self.config
                .max_attempts_per_poll
                .saturating_sub(self.acquiring.len()),
        );
        // Never tried first (in preference order), then the least recently tried: a free
        // project is found however many others are taken.
        let mut candidates: Vec<(Duration, usize, &ProjectId)> = self
            .order
            .iter()
            .enumerate()
            .filter(|(_, p)| !self.held.contains_key(*p) && !self.acquiring.contains(*p))
            .filter(|(_, p)| self.taken_until.get(*p).map_or(true, |until| now >= *until))
            .map(|(rank, p)| (self.last_try.get(p).copied().unwrap_or_default(), rank, p))
            .collect();
        candidates.sort();
        let chosen: Vec<ProjectId> = candidates
            .into_iter()
            .take(budget)
            .map(|(_, _, p)| p.clone())
            .collect();
        for project in chosen {
            self.last_try.insert(project.clone(), now);
            self.acquiring.insert(project.clone());
            out.push(Action::Acquire { project });
        }
    }

    fn lose(
        &mut self,
        project: ProjectId,
        reason: LossReason,
        release: bool,
        out: &mut Vec<Action>,
    ) {
        if let Some(held) = self.held.remove(&project) {
            out.push(Action::Stop {
                project,
                token: held.token,
                reason,
                release,
            });
        }
    }

    /// The heartbeat sent at `sent` counted `reply` live members (or failed).
    pub fn on_heartbeat(
        &mut self,
        now: Duration,
        sent: Duration,
        reply: Result<usize, FleetError>,
    ) {
        self.heartbeat_sent = None;
        self.last_heartbeat = Some(now);
        match reply {
            // Counted when sent: the membership could only have grown since by members
            // that also count themselves.
            Ok(n) => self.members = Some((n.max(1), sent)),
            Err(e) => tracing::debug!(error = %e, "fleet heartbeat failed"),
        }
    }

    /// The acquire of `project` sent at `sent` got a fencing token, found the project
    /// taken (and when its key expires) or failed.
    pub fn on_acquire(
        &mut self,
        now: Duration,
        sent: Duration,
        project: ProjectId,
        reply: Result<Grant, FleetError>,
    ) -> Vec<Action> {
        self.acquiring.remove(&project);
        tracing::debug!(project = %project.as_str(), ?reply, "fleet acquire reply");
        let token = match reply {
            Ok(Grant::Token(token)) => token,
            Ok(Grant::Taken { expires_in }) => {
                // Try again after `retry_taken`, or when the key expires if that is sooner:
                // a dead member's project is taken over the moment it is free, and one
                // released meanwhile (rebalancing) is seen within `retry_taken`.
                let wait =
                    expires_in.map_or(self.config.retry_taken, |d| d.min(self.config.retry_taken));
                self.taken_until.insert(project, now + wait);
                return Vec::new();
            }
            Err(e) => {
                tracing::warn!(project = %project, error = %e, "fleet acquire failed");
                self.taken_until
                    .insert(project, now + self.config.retry_taken);
                return Vec::new();
            }
        };
        let valid_until = sent + self.config.ttl - self.config.margin;
        if self.shutting_down || now >= valid_until || self.held.contains_key(&project) {
            return vec![Action::Release { project, token }];
        }
        self.held.insert(
            project.clone(),
            Held {
                token,
                valid_until,
                renew_sent: None,
                last_renew: sent,
            },
        );
        vec![Action::Start {
            project,
            token,
            valid_until,
        }]
    }

    /// The renewal of `project` with `token`, sent at `sent`, extended the lease (`true`),
    /// found it no longer ours (`false`) or failed (retried at the next poll; the lease
    /// runs out locally if no renewal succeeds in time).
    pub fn on_renew(
        &mut self,
        now: Duration,
        sent: Duration,
        project: ProjectId,
        token: u64,
        reply: Result<bool, FleetError>,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(held) = self.held.get_mut(&project).filter(|h| h.token == token) else {
            return out; // lost meanwhile
        };
        held.renew_sent = None;
        match reply {
            Ok(true) => {
                held.last_renew = sent;
                let until = sent + self.config.ttl - self.config.margin;
                if until > held.valid_until {
                    held.valid_until = until;
                    out.push(Action::Extend {
                        project,
                        token,
                        valid_until: until,
                    });
                }
            }
            Ok(false) => self.lose(project, LossReason::Taken, false, &mut out),
            Err(e) => {
                tracing::warn!(project = %project, error = %e, "fleet lease renewal failed");
                held.last_renew = now.saturating_sub(self.config.renew_every / 2);
            }
        }
        self.expire(now, &mut out);
        out
    }

    /// Serving `project` (lease `token`) could not be started: give it up for a while.
    pub fn on_start_failed(
        &mut self,
        now: Duration,
        project: ProjectId,
        token: u64,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if self.token(&project) == Some(token) {
            self.taken_until
                .insert(project.clone(), now + self.config.retry_taken);
            self.lose(project, LossReason::StartFailed, true, &mut out);
        }
        out
    }

    /// Stop serving everything, release every lease and leave; nothing is acquired after.
    pub fn shutdown(&mut self) -> Vec<Action> {
        self.shutting_down = true;
        let mut out = Vec::new();
        let held: Vec<ProjectId> = self.held.keys().cloned().collect();
        for project in held {
            self.lose(project, LossReason::Shutdown, true, &mut out);
        }
        out.push(Action::Leave);
        out
    }
}
