//! Cloud sockets over cloud variables (§3–§7; every § in these docs is a section of the
//! repository's `docs/protocol.md`): many clients (Scratch projects
//! running the "Advanced CloudRequests" sprite) talk to one server through the variables
//! `FROM_CLIENT` and `TO_CLIENT_1..4`, insecurely or encrypted.
//!
//! * Sans-IO server protocol — FROM_CLIENT updates in, events out
//!   ([`ServerProtocol`]); messages out as TO_CLIENT sets ([`OutboundMessage`]).
//! * Sans-IO client protocol ([`ClientSession`], [`ClientReceiver`]) — what the sprite does (connect, send, receive).
//! * Actix actors executing them over `actors-cloud` connections:
//!   [`SocketHandle`] (listen, accept, events, stop) and [`AcceptedClient`] (recv, send).
//! * [`ScratchClient`]: an async client doing what the sprite does, for tests, demos and
//!   load generation.
//!
//! All protocol logic is plain Rust fed a clock (centiseconds, `actors_security::Centis`) and a
//! random source; nothing here panics on arbitrary input. Deviations from the reference
//! server, all allowed by §9: key fragments and salt freshness are per client (equal salts
//! from one client are accepted, exact replays are not), every drop is reported as a
//! [`Rejection`] (tracing and [`SocketEvent::Rejected`]), an empty secure message is one
//! empty packet, characters outside the table become `?`, and an insecure message the
//! sprite would garble (3+ packets, C1) is refused unless
//! [`SendOptions::allow_garbled_insecure`](SendOptions) is set.
//!
//! Deviation **R1** (found with the real sprite in `tests/interop`): the reference starts
//! every message at `TO_CLIENT_1` and sends its final packet to a random variable, which
//! loses packets (the sprite sees only the latest value of each variable and completes a
//! message on its final packet). Here one [`Rotation`] per link is shared
//! by all its clients, final packet included, with each run of up to 4 packets on rising
//! variables; so a packet's variable can differ from the reference's random draw (values
//! are byte for byte the reference's). Every TO_CLIENT set of a link goes through its
//! pacer, spaced at least
//! [`SocketConfig::to_client_spacing`](SocketConfig) apart (0.1 s, §9 C4) whatever
//! the connection's rate limit (**R3**), clients served round robin one run at a time.
//!
//! ```no_run
//! use actors_cloud::{CloudHandle, ConnectionConfig};
//! use actors_security::Security;
//! use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig, SocketHandle};
//! use std::{sync::Arc, time::Duration};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let security = Security::generate_ec();
//! let public = security.public_data(); // what the project's stage variables hold
//! let bot = CloudHandle::connect(ConnectionConfig::custom("ws://127.0.0.1:9000/", "1")).await?;
//! let config = SocketConfig::default().security(Arc::new(security));
//! let socket = SocketHandle::listen_on(&bot, config);
//!
//! // A client doing what the sprite does, on its own connection.
//! let cloud = CloudHandle::connect(ConnectionConfig::custom("ws://127.0.0.1:9000/", "1")).await?;
//! let client = ScratchClient::connect(&cloud, ConnectMode::Secure(public), PacketSize::Auto).await?;
//!
//! let (server_side, _username) = socket.accept(Duration::from_secs(5)).await?;
//! client.send("hello").await?;
//! let text = server_side.recv(Duration::from_secs(5)).await?;
//! server_side.send(&format!("you said {text}")).await?;
//! assert_eq!(client.recv(Duration::from_secs(5)).await?, "you said hello");
//! # Ok(())
//! # }
//! ```

mod actor;
mod client;
mod error;
mod scratch_client;
mod server;
mod types;

// The actors and their handles.
#[doc(hidden)]
pub use actor::fed_events;
pub use actor::{
    feed_from, AcceptedClient, CloudLink, EventSink, SkyMemberLink, SocketConfig, SocketEvent,
    SocketHandle, StopReason, UsernameLookup, DEFAULT_TO_CLIENT_SPACING,
};
// The sans-IO client protocol (what the sprite does).
pub use client::{
    connect_insecure, connect_secure, secure_connect_values, ClientOutbound, ClientRandom,
    ClientReceiver, ClientRng, ClientSession, FreshSeeds, SAFE_CONNECT_DIGITS,
};
pub use error::{Rejection, SocketError, SocketErrorKind};
pub use scratch_client::{serialize_argument, serialize_request, ConnectMode, ScratchClient};
// The sans-IO server protocol.
pub use server::{
    FragmentLimits, InboundEvent, InboundLimits, KeyExchange, NewClient, OutboundMessage,
    RngRandom, Rotation, SendOptions, SendRandom, ServerProtocol, ToClientSet, Update,
    TO_CLIENT_VARS,
};
pub use types::{ClientId, Host, PacketSize};
