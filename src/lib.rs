//! # scratchcommunication
//!
//! Talk to Scratch and TurboWarp projects through cloud variables, as actix actors.
//! This facade re-exports the workspace crates.

pub use actors_cloud as cloud;
pub use actors_requests as requests;
pub use actors_security as security;
pub use actors_socket as socket;
pub use scratchcomm_accounts as accounts;
pub use scratchcomm_server as server;
pub use scratchcomm_wire as wire;
