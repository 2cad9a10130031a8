//! What the lease table asks of the actor, and why a project was given up.

use scratchcomm_wire::ProjectId;
use std::time::Duration;

/// Why a member stopped serving a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossReason {
    /// The lease ran out locally before it could be extended (Redis unreachable, or the
    /// process was paused).
    Expired,
    /// Redis says another member holds the lease now.
    Taken,
    /// Given up so that another member gets its fair share.
    Rebalanced,
    /// Starting to serve it failed.
    StartFailed,
    /// The fleet is stopping.
    Shutdown,
}

/// What the actor must do. Replies to Redis commands are fed back with the `sent` time of
/// the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Announce this member and count the live ones → [`LeaseTable::on_heartbeat`](super::LeaseTable::on_heartbeat).
    Heartbeat,
    /// Try to take the lease → [`LeaseTable::on_acquire`](super::LeaseTable::on_acquire).
    Acquire {
        /// The project.
        project: ProjectId,
    },
    /// Extend the lease if it is still ours → [`LeaseTable::on_renew`](super::LeaseTable::on_renew).
    Renew {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
    },
    /// Start serving the project (an event "gained"); writes are allowed until
    /// `valid_until` (the clock of [`LeaseTable::poll`](super::LeaseTable::poll)).
    Start {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
        /// Until when writes are allowed (the clock of `LeaseTable::poll`).
        valid_until: Duration,
    },
    /// The lease now lasts until `valid_until`.
    Extend {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
        /// Until when writes are allowed (the clock of `LeaseTable::poll`).
        valid_until: Duration,
    },
    /// Stop serving at once (an event "lost"; writes are refused from now on), then, with
    /// `release`, delete the lease if it is still ours.
    Stop {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
        /// Why the lease was lost.
        reason: LossReason,
        /// Whether to delete the lease afterwards.
        release: bool,
    },
    /// Delete the lease if it is still ours (no serving was started on it).
    Release {
        /// The project.
        project: ProjectId,
        /// The lease's fencing token (grows with every grant of the project's lease).
        token: u64,
    },
    /// Leave the membership (after a shutdown).
    Leave,
}

/// Redis's answer to an acquire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// The lease is ours, with this fencing token.
    Token(u64),
    /// Another member holds it; its key expires in `expires_in` (when Redis said so), the
    /// moment to try again.
    Taken {
        /// When the holder's key expires, if Redis said so.
        expires_in: Option<Duration>,
    },
}
