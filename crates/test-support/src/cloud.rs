//! Helpers that name the workspace's cloud types (feature `cloud`): an embedded cloud server,
//! a fast connection config for tests, a bounded connect, and waits on a connection's events.
//!
//! Behind a feature because they depend on `actors-cloud` and `scratchcomm-server`: crates
//! whose tests use them enable it in `[dev-dependencies]`, and those two crates' own tests
//! can still use the rest of this crate (a dev-dependency cycle Cargo allows, as long as the
//! helpers are used from integration tests, which link the same library).

use crate::wait::bounded;
use actors_cloud::{
    BackoffPolicy, CloudEvent, CloudHandle, ConnectionConfig, EventKind, EventStream, RateLimit,
};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::time::Duration;

/// An embedded cloud server on 127.0.0.1, on a port the system picks.
pub async fn server() -> CloudServer {
    server_on(0).await
}

/// An embedded cloud server on 127.0.0.1:`port` (0: the system picks).
pub async fn server_on(port: u16) -> CloudServer {
    CloudServer::start(ServerConfig::default().port(port))
        .await
        .expect("the embedded cloud server starts")
}

/// A connection config for tests: no rate limit, and reconnects after 20 ms growing to at
/// most 200 ms, so a test that restarts its server does not wait long.
pub fn config(url: &str, project: &str, user: &str) -> ConnectionConfig {
    ConnectionConfig::custom(url, project)
        .username(user)
        .rate_limit(RateLimit::unlimited())
        .backoff(
            BackoffPolicy::default()
                .initial(Duration::from_millis(20))
                .max(Duration::from_millis(200)),
        )
}

/// Connect with `config` within [`crate::LIMIT`], or fail the test.
pub async fn connect(config: ConnectionConfig) -> CloudHandle {
    bounded("a cloud connection", CloudHandle::connect(config))
        .await
        .expect("the cloud connection connects")
}

/// Connect to `project` on `url` with no rate limit (default reconnects), or fail the test.
pub async fn connect_unlimited(url: &str, project: &str) -> CloudHandle {
    connect(ConnectionConfig::custom(url, project).rate_limit(RateLimit::unlimited())).await
}

/// Wait for the next event matching `pred` (skipping others), within [`crate::LIMIT`].
pub async fn next_matching(
    events: &mut EventStream,
    what: &str,
    pred: impl Fn(&CloudEvent) -> bool,
) -> CloudEvent {
    bounded(what, async {
        loop {
            match events.next_event().await {
                Some(ev) if pred(&ev) => return ev,
                Some(_) => continue,
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    })
    .await
}

/// Wait for a `Set` of `name` (the short name, without `☁ `) to `value`.
pub async fn wait_set(events: &mut EventStream, name: &str, value: &str) -> CloudEvent {
    next_matching(events, &format!("set {name}={value}"), |ev| {
        ev.kind == EventKind::Set
            && ev.name == name
            && ev.value.as_ref().map(|v| v.as_str()) == Some(value)
    })
    .await
}
