//! Actix actors over cloud connections: the socket ([`SocketHandle`] / [`CloudSocket`]),
//! one actor per client ([`AcceptedClient`] / [`ClientActor`]), one writer per link
//! ([`LinkWriter`], pacing every TO_CLIENT set of the link), and the [`CloudLink`]
//! abstraction over `actors_cloud::CloudHandle`.

mod client;
mod config;
mod events;
mod handle;
mod link;
mod sky;
mod socket;
mod wait_queue;
mod writer;

pub use client::AcceptedClient;
pub use config::{SocketConfig, DEFAULT_TO_CLIENT_SPACING};
pub use events::{SocketEvent, UsernameLookup};
pub use handle::SocketHandle;
pub(crate) use link::set_value;
pub use link::{fed_events, feed_from, CloudLink, EventSink};
pub use sky::SkyMemberLink;
pub use socket::StopReason;
