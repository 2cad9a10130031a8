//! Cloud-variable connections (Scratch, TurboWarp, any cloud server) as actix actors.
//!
//! * [`CloudHandle::connect`] starts a supervised [`CloudConnection`] actor for one project
//!   and returns a cheap-to-clone handle: `set(..).await` (resolves once written),
//!   `queue_set`, `get` (reads a shared `DashMap`, no mailbox round trip), `events()`,
//!   `subscribe(Recipient)`, `on(filter, callback)`, `stop()`.
//! * [`Sky`] combines any number of connections; events fan in tagged with their
//!   [`SourceId`].
//! * Updates from the server arrive as `Set`/`Create`/`Delete`/`Rename` events; the
//!   connection's own writes, once written to the socket, as a local
//!   [`EventKind::Sent`] (never to be mistaken for a remote update).
//! * All protocol logic lives in a sans-IO core (state fed frames and a clock, returning
//!   actions); the actor only executes the actions it returns. See [`EventStream`] for the backpressure policy of
//!   event delivery and [`Sky`] for the Sky's.
//!
//! ```no_run
//! use actors_cloud::{CloudHandle, ConnectionConfig, EventType, SkyHandle};
//!
//! # async fn demo() -> Result<(), actors_cloud::CloudError> {
//! // Inside an actix System (e.g. #[actix_rt::main]).
//! let cloud = CloudHandle::connect(
//!     ConnectionConfig::turbowarp("123456", "me@example.com").username("bot"),
//! )
//! .await?;
//! cloud.set("score", 42).await?;              // resolves once written
//! println!("{:?}", cloud.get("score"));       // cache read, no mailbox round trip
//! let mut sets = cloud.events_filtered(EventType::Set);
//! if let Some(ev) = sets.next_event().await {
//!     println!("{} = {:?} (from {})", ev.name, ev.value, ev.source);
//! }
//!
//! let sky = SkyHandle::start(1024);
//! let local = sky
//!     .connect(ConnectionConfig::custom("ws://127.0.0.1:9080/", "demo").source("local"))
//!     .await?;
//! sky.set(&local, "ping", 1).await?;
//! sky.stop().await;                            // stops every member
//! cloud.stop().await;
//! # Ok(()) }
//! ```

mod actor;
mod bus;
mod config;
mod core;
mod error;
mod events;
#[cfg(feature = "fault-injection")]
#[doc(hidden)]
pub mod fault;
mod handle;
mod ring;
mod sky;
mod stream;
mod supervisor;
mod tls;
mod transport;

pub use actor::{CloudConnection, EmitCustom, OnEvent, StopConnection, Submit, Subscribe};
pub use bus::{Callback, HandlerError};
pub use config::{
    ConnectionConfig, HostEntry, HostKind, HostRotation, HostSwitch, WriteGate, SCRATCH_URL,
    TURBOWARP_FALLBACK_URL, TURBOWARP_URL,
};
pub use core::{BackoffPolicy, RateLimit};
pub use error::{CloudError, CloudErrorKind};
pub use events::{CloudEvent, EventFilter, EventKind, EventType, OwnWrite, SourceId};
pub use handle::{CloudHandle, QuickAccess};
pub use sky::{AddMember, OnSkyEvent, RemoveMember, Sky, SkyHandle, StopSky};
pub use stream::{EventStream, LagEvent};
pub use supervisor::panics_caught;
// Shared with the other actor crates of the workspace; not part of the public API.
#[doc(hidden)]
pub use supervisor::{panic_text, PanicSupervisor};

pub use scratchcomm_wire::{
    CloseCode, CloudValue, ProjectId, ReconnectAdvice, SessionId, ValueGrammar, ValueRules,
};
pub use tls::TlsOptions;
// The shared rustls client configuration, for `scratchcomm-accounts`' HTTP client.
#[doc(hidden)]
pub use tls::tls_client_config;
