//! Cloud sockets over cloud variables (PROTOCOL.md §3–§7): many clients (Scratch projects
//! running the "Advanced CloudRequests" sprite) talk to one server through the variables
//! `FROM_CLIENT` and `TO_CLIENT_1..4`, insecurely or encrypted.
//!
//! * [`server`]: sans-IO server protocol — FROM_CLIENT updates in, events out
//!   ([`server::ServerProtocol`]); messages out as TO_CLIENT sets
//!   ([`server::OutboundMessage`]).
//! * [`client`]: sans-IO client protocol — what the sprite does (connect, send, receive).
//! * [`actor`]: actix actors executing them over `actors-cloud` connections:
//!   [`SocketHandle`] (listen, accept, events, stop) and [`SocketClient`] (recv, send).
//! * [`ScratchClient`]: an async client doing what the sprite does, for tests, demos and
//!   load generation.
//!
//! All logic is plain Rust fed a clock (centiseconds, [`types::Centis`]) and a random
//! source; nothing here panics on arbitrary input.

pub mod actor;
pub mod client;
pub mod error;
pub mod scratch_client;
pub mod server;
pub mod types;

pub use actor::{SocketClient, SocketConfig, SocketEvent, SocketHandle};
pub use error::{Rejection, SocketError, SocketErrorKind};
pub use scratch_client::{ConnectMode, ScratchClient};
pub use types::{ClientId, Host, PacketSize};
