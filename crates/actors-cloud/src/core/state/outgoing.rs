//! The outgoing side of the state machine: accepting operations, writing them one at a
//! time under the rate limit, and updating our own view once they are written.

use super::{Action, Core, InFlight, Phase};
use crate::core::queue::OpId;
use crate::core::Op;
use crate::events::{EventKind, OwnWrite};
use crate::CloudError;
use std::time::Instant;

impl Core {
    /// Accept an operation (already validated). It is written in order, rate-limited.
    pub fn submit(&mut self, op: Op, id: OpId, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if self.phase == Phase::Stopped || self.stop_deadline.is_some() {
            out.push(Action::Complete {
                ids: vec![id],
                result: Err(CloudError::stopped()),
            });
            return out;
        }
        self.queue.push(op, id);
        self.pump(now, &mut out);
        out
    }

    /// Write the next queued operation if the socket is ready and the limiter allows.
    pub(super) fn pump(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !self.is_connected() || self.in_flight.is_some() {
            return;
        }
        if self.queue.is_empty() {
            if self.stop_deadline.is_some() {
                self.finish(now, out);
            }
            return;
        }
        let at = self.limiter.next_allowed(now);
        if at > now {
            // A wake already pending between now and `at` will pump again.
            if !self.wake.is_some_and(|w| w > now && w <= at) {
                self.wake = Some(at);
                out.push(Action::WakeAt(at));
            }
            return;
        }
        // Operations the write gate refuses fail here, without using the rate limit.
        let p = loop {
            let Some(p) = self.queue.pop_front() else {
                if self.stop_deadline.is_some() {
                    self.finish(now, out);
                }
                return;
            };
            match self.cfg.write_gate.as_ref().map_or(Ok(()), |g| g.check()) {
                Ok(()) => break p,
                Err(reason) => {
                    tracing::warn!(variable = %p.op.name().full(), %reason, "write refused by the write gate");
                    out.push(Action::Complete {
                        ids: p.ids,
                        result: Err(CloudError::fenced(reason)),
                    });
                }
            }
        };
        self.limiter.record(now);
        let frame =
            p.op.to_message(&self.cfg.user, &self.cfg.project_json)
                .to_frame();
        self.in_flight = Some(InFlight::Op(p));
        out.push(Action::Send { frame });
    }

    /// The local event telling subscribers that `op` was written (never sent anywhere).
    pub(super) fn own_write_event(&self, op: &Op, now: Instant) -> Action {
        let (kind, value) = match op {
            Op::Set { value, .. } => (OwnWrite::Set, Some(value.clone())),
            Op::Create { value, .. } => (OwnWrite::Create, Some(value.clone())),
            Op::Delete { .. } => (OwnWrite::Delete, None),
            Op::Rename { new_name, .. } => (
                OwnWrite::Rename {
                    new_name: new_name.short().to_owned(),
                },
                None,
            ),
        };
        Action::Emit(self.event(EventKind::Sent(kind), op.name().full(), value, now))
    }

    /// Our own written operation changes our view of the variables too.
    pub(super) fn apply_own(&mut self, op: &Op) {
        self.note_own(op);
        match op {
            Op::Set { name, value } | Op::Create { name, value } => {
                self.cache.insert(name.full().to_owned(), value.clone());
            }
            Op::Delete { name } => {
                self.cache.remove(name.full());
            }
            Op::Rename { name, new_name } => {
                if let Some((_, v)) = self.cache.remove(name.full()) {
                    self.cache.insert(new_name.full().to_owned(), v);
                }
            }
        }
    }
}
