//! Test helpers shared by the workspace's crates. Not published; use it from
//! `[dev-dependencies]` only.
//!
//! * [`repo_root`], [`shared_dir`]: where the repository and `../shared/` are. Tests that need
//!   `../shared/` call [`require_shared`], which fails loudly under CI (`CI` set) and lets the
//!   test skip with a printed reason elsewhere.
//! * [`free_port`]: a loopback port nobody listens on right now.
//! * [`TurboWarp`]: TurboWarp's own cloud-server (the peer in `../shared/peers/`) as a child
//!   process on loopback, killed when dropped; it can be killed with SIGKILL and restarted on
//!   the same port for chaos tests.
//! * [`Redis`]: a real `redis-server` on loopback with its own data folder, killable and
//!   restartable on the same port.
//! * [`vectors`]: the protocol's JSON test vectors (`load`, `s`, `hex`).
//! * [`bounded`], [`eventually`]: waits that fail the test after [`LIMIT`] ([`within`],
//!   [`eventually_within`]: after a limit of the caller's);
//!   [`refusing_listener`]: a one-shot HTTP server that records an upgrade and answers 403.
//!
//! * `cloud` (feature `cloud`): an embedded cloud server, a fast test connection config, a
//!   bounded connect and waits on a connection's events.
//!
//! Without the `cloud` feature it names no type of the workspace's crates (it depends on none
//! of them), so any crate's tests can use it without a dependency cycle. Helpers that need
//! one crate's own types stay in that crate's `tests/support/`.

mod child;
#[cfg(feature = "cloud")]
pub mod cloud;
mod paths;
mod redis;
mod turbowarp;
pub mod vectors;
mod wait;

pub use paths::{free_port, repo_root, require_shared, shared_dir};
pub use redis::Redis;
pub use turbowarp::TurboWarp;
pub use wait::{bounded, eventually, eventually_within, refusing_listener, within, LIMIT};
