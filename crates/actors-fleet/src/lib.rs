//! Bot fleets: several processes are given the same list of projects and share them, each
//! project served by exactly one live process at a time, through leases in Redis.
//!
//! * [`LeaseTable`] — the sans-IO rules (fair share, acquire, renew, local expiry,
//!   rebalance), fed the time and Redis's replies, returning [`Action`]s.
//! * [`Fleet`] — the actor executing them against Redis and starting/stopping the serving
//!   of each project through a factory; [`FleetEvent`]s for gained and lost projects.
//! * [`Lease`] — the fencing check handed to what serves a project: every write of the
//!   project asks it first, and it refuses from the instant the lease may have run out.
//! * [`serve_requests`] — a fleet of [`RequestBot`](actors_requests::RequestBot)s, one per
//!   project held, whose replies go through the fencing check.
//! * [`FleetSky`] — the fleet at the Sky level: the projects held are the members of a
//!   [`SkyHandle`](actors_cloud::SkyHandle), joining on gain and leaving on loss.

mod error;
mod fence;
mod fleet;
mod lease;
mod requests;
mod sky;

pub use error::{FleetError, FleetErrorKind};
pub use fence::{FencedLink, Lease};
pub use fleet::{Fleet, FleetConfig, FleetEvent, Serving};
pub use lease::{Action, Grant, LeaseConfig, LeaseTable, LossReason, MemberId};
pub use requests::serve_requests;
pub use sky::FleetSky;
