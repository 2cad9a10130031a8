//! Cloud-variable connections (Scratch, TurboWarp, any cloud server) as actix actors.

pub mod core;
mod error;
mod events;

pub use error::{CloudError, CloudErrorKind};
pub use events::{CloudEvent, EventFilter, EventKind, EventType, SourceId};
