//! Actix actors over cloud connections: the socket ([`SocketHandle`] / [`CloudSocket`]),
//! one actor per client ([`SocketClient`] / [`ClientActor`]), one writer per link
//! ([`LinkWriter`], pacing every TO_CLIENT set of the link), and the [`CloudLink`]
//! abstraction over `actors_cloud::CloudHandle`.

mod client;
mod events;
mod handle;
mod link;
mod sky;
mod socket;
mod wait_queue;
mod writer;

pub use client::{ClientActor, CloseClient, Deliver, Recv, SocketClient};
pub use events::{SocketEvent, UsernameLookup};
pub use handle::SocketHandle;
pub use link::{cloud_error, fed_events, feed_from, host_of, set_value, CloudLink, EventSink};
pub use sky::SkyMemberLink;
pub use socket::{
    Accept, CloudSocket, ListClients, SocketConfig, StopReason, StopSocket,
    DEFAULT_TO_CLIENT_SPACING,
};
pub use wait_queue::{WaitQueue, Waited};
pub use writer::{CancelSender, Enqueue, LinkWriter};
