//! How a node serves while Redis is away: its clients' sets are applied here at once and
//! kept for republishing; every room waits for a new snapshot.

use std::time::Instant;

use super::link::Link;
use super::scripts::{parse, Lost};
use super::{Command, Shared, Status};

impl Link {
    pub(super) fn down(&mut self, shared: &Shared, why: Lost) {
        shared.gate().up = false;
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
                name_json,
                value_json,
            } => {
                self.apply(&project, client, &name_json, &value_json, false);
                shared
                    .gate()
                    .unpublished
                    .record(&project, &name_json, &value_json);
            }
            Command::Ensure { done, .. } => {
                let _ = done.send(());
            }
            Command::Members { .. } => {} // all counts are written again on reconnect
        }
    }

    fn apply(&self, project: &str, client: u64, name: &str, value: &str, unless_equal: bool) {
        if let Some((name, value)) = parse(name, value) {
            self.rooms
                .apply_remote(project, client, name, value, unless_equal);
        }
    }
}
