//! How a node serves while Redis is away: its clients' sets are applied here at once and
//! kept for republishing; every room waits for a new snapshot.

use std::time::Instant;

use super::link::Link;
use super::scripts::{parse, parse_name, Lost};
use super::sync::{Op, Remote};
use super::{Command, Shared, Status};

impl Link {
    pub(super) fn down(&mut self, shared: &Shared, why: Lost) {
        shared.gate().up = false;
        // The other nodes cannot be counted: limits hold for this node alone meanwhile.
        self.rooms.set_elsewhere(0, 0);
        for sync in self.syncs.values_mut() {
            sync.reset();
        }
        let mut status = shared.status();
        if status.up || status.error.as_deref() == Some("not connected yet") {
            tracing::error!(redis = %self.described, error = %why, "Redis unreachable: serving local clients alone, will resynchronise");
            *status = Status {
                up: false,
                since: Instant::now(),
                error: Some(why),
            };
        } else {
            status.error = Some(why);
        }
    }

    /// A command while Redis is away.
    pub(super) fn alone(&mut self, shared: &Shared, cmd: Command) {
        match cmd {
            Command::Publish {
                project,
                client,
                op,
                name_json,
                value_json,
            } => {
                let remote = Remote {
                    seq: 0,
                    node: String::new(),
                    client,
                    op,
                    name_json,
                    value_json,
                };
                self.apply_change(&project, client, &remote);
                let (name, value) = (&remote.name_json, &remote.value_json);
                // Read before locking the gate: a session locks a room, then the gate.
                let renamed = (op == Op::Rename)
                    .then(|| parse_name(value).and_then(|n| self.rooms.value_of(&project, &n)))
                    .flatten();
                let mut gate = shared.gate();
                match op {
                    Op::Set | Op::Republished => gate.unpublished.record(&project, name, value),
                    Op::Delete => gate.unpublished.record_delete(&project, name),
                    Op::Rename => {
                        gate.unpublished.record_delete(&project, name);
                        if let Some(now) = renamed {
                            gate.unpublished.record(
                                &project,
                                value,
                                &crate::protocol::value_json(&now),
                            );
                        }
                    }
                }
            }
            Command::Ensure { done, .. } => {
                let _ = done.send(());
            }
            Command::Members { .. } => {} // all counts are written again on reconnect
            Command::Leave => self.left = true, // the heartbeat expires on its own
            Command::Stop => self.stopped = true,
        }
    }

    /// Apply `remote` to this node's room, sending it to every client but `except`.
    pub(super) fn apply_change(&self, project: &str, except: u64, remote: &Remote) {
        let (name, value) = (&remote.name_json, &remote.value_json);
        match remote.op {
            Op::Set | Op::Republished => {
                if let Some((name, value)) = parse(name, value) {
                    let again = remote.op == Op::Republished;
                    self.rooms.apply_remote(project, except, name, value, again);
                }
            }
            Op::Rename => {
                if let (Some(from), Some(to)) = (parse_name(name), parse_name(value)) {
                    self.rooms.apply_rename(project, except, from, to);
                }
            }
            Op::Delete => {
                if let Some(name) = parse_name(name) {
                    self.rooms.apply_delete(project, except, &name);
                }
            }
        }
    }
}
