//! Sans-IO client side of cloud sockets: what the client sprite does (§4, §5, §6 client
//! side). [`ClientSession`] holds the client id, packet size and (secure mode) key;
//! [`ClientOutbound`] yields FROM_CLIENT values; [`ClientReceiver`] runs the sprite's
//! `handle()` over TO_CLIENT values.

mod connect;
mod receive;
mod send;

pub use connect::{connect_insecure, connect_secure, secure_connect_values, SAFE_CONNECT_DIGITS};
pub use receive::ClientReceiver;
pub use send::{ClientOutbound, ClientRandom, ClientRng, ClientSession, FreshSeeds};

/// The sprite's packet size when `# PACKET SIZE` is 0 or empty, in Scratch ([`PacketSize::Auto`](crate::PacketSize::Auto) there).
pub const DEFAULT_PACKET_SIZE_SCRATCH: usize = 220;
