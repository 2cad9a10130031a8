#![doc = include_str!("../README.md")]

pub use actors_cloud as cloud;
/// The stream every `events()` returns (of a connection, Sky, socket, bot or fleet member),
/// and the trait of event types with a `Lagged { missed }` variant.
pub use actors_cloud::{EventStream, LagEvent};
pub use actors_fleet as fleet;
pub use actors_requests as requests;
pub use actors_security as security;
pub use actors_socket as socket;
pub use scratchcomm_accounts as accounts;
pub use scratchcomm_dashboard as dashboard;
pub use scratchcomm_server as server;
pub use scratchcomm_wire as wire;
