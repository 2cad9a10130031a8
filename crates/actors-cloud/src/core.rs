//! Sans-IO connection logic: no actix, no sockets, no clock reads. The
//! [`CloudConnection`](crate::CloudConnection) actor feeds it websocket events and the
//! current instant and executes the [`Action`]s it returns.

mod backoff;
mod inbound;
mod queue;
mod rate_limit;
mod state;

pub use backoff::BackoffPolicy;
pub use queue::{Op, OpId};
pub use rate_limit::RateLimit;
pub use state::{Action, Core, CoreConfig};
