//! Cache coherence after a reconnect: the join dump of the new socket is the truth.
//!
//! A variable the server still has takes the server's value (a `Set` event when it
//! changed); a variable it no longer has (a restarted server comes back with an empty
//! room) is removed from the cache with a `Delete` event — unless the program opted in to
//! `resend_own_values` and we wrote that variable, then our last value is written again
//! (ahead of anything queued) and the cache keeps it. Names we wrote on the new socket
//! before its dump was handled are left alone: the dump predates those writes.

use super::{Action, Core};
use crate::core::inbound::{apply_snapshot, Update};
use crate::core::queue::{Op, Pending};
use crate::events::EventKind;
use std::collections::HashSet;
use std::time::Instant;

impl Core {
    /// Handle the join dump after a reconnect; `None` when the snapshot window passed
    /// without one (the room is empty).
    pub(super) fn resync(&mut self, dump: Option<&str>, now: Instant, out: &mut Vec<Action>) {
        let seen = match dump {
            Some(frame) => {
                let (ups, seen) = apply_snapshot(&self.cache, frame, &self.written_in_sync);
                self.emit_updates(ups, now, out);
                seen
            }
            None => HashSet::new(),
        };
        let mut gone: Vec<String> = self
            .cache
            .iter()
            .map(|e| e.key().clone())
            .filter(|k| !seen.contains(k) && !self.written_in_sync.contains(k))
            .collect();
        gone.sort(); // deterministic event order
        let mut resend = Vec::new();
        for name in gone {
            if self.cfg.resend_own_values {
                if let Some((var, value)) = self.own_values.get(&name) {
                    resend.push(Op::Set {
                        name: var.clone(),
                        value: value.clone(),
                    });
                    continue;
                }
            }
            let old = self.cache.remove(&name).map(|(_, v)| v);
            tracing::debug!(%name, "the server no longer has this variable; removed");
            let ev = self.event(EventKind::Delete, &name, old, now);
            out.push(Action::Emit(ev));
        }
        if !resend.is_empty() {
            tracing::info!(
                count = resend.len(),
                "the server lost variables we wrote; writing our last values again"
            );
        }
        // Ahead of anything queued, so a newer queued value of the same variable still wins.
        for op in resend.into_iter().rev() {
            self.queue.push_front(Pending {
                op,
                ids: Vec::new(),
            });
        }
        self.written_in_sync.clear();
        self.pump(now, out);
    }

    /// Remember that `op` was written before the current socket's dump was handled.
    pub(super) fn note_written_in_sync(&mut self, op: &Op) {
        self.written_in_sync.insert(op.name().full().to_owned());
        if let Op::Rename { new_name, .. } = op {
            self.written_in_sync.insert(new_name.full().to_owned());
        }
    }

    /// Remember our last written value (only with `resend_own_values`).
    pub(super) fn note_own(&mut self, op: &Op) {
        if !self.cfg.resend_own_values {
            return;
        }
        match op {
            Op::Set { name, value } | Op::Create { name, value } => {
                self.own_values
                    .insert(name.full().to_owned(), (name.clone(), value.clone()));
            }
            Op::Delete { name } => {
                self.own_values.remove(name.full());
            }
            Op::Rename { name, new_name } => {
                if let Some((_, v)) = self.own_values.remove(name.full()) {
                    self.own_values
                        .insert(new_name.full().to_owned(), (new_name.clone(), v));
                }
            }
        }
    }

    /// Turn received updates into events.
    pub(super) fn emit_updates(&self, ups: Vec<Update>, now: Instant, out: &mut Vec<Action>) {
        for u in ups {
            let raw = u.raw_name.clone();
            let mut ev = self.event(u.kind, &raw, u.value, now);
            ev.user = u.user;
            out.push(Action::Emit(ev));
        }
    }
}
