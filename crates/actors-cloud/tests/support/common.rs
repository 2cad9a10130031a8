//! Helpers shared by the integration tests: an embedded server and bounded waits.
#![allow(dead_code)]

use actors_cloud::{
    BackoffPolicy, CloudEvent, CloudHandle, ConnectionConfig, EventKind, EventStream, RateLimit,
};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::time::Duration;
/// Bounded waits shared by every crate's tests.
#[allow(unused_imports)] // not every test file waits both ways
pub use test_support::{bounded, eventually};

/// An embedded server on 127.0.0.1, port 0.
pub async fn server() -> CloudServer {
    CloudServer::start(ServerConfig::default())
        .await
        .expect("server starts")
}

/// A fast test configuration for `url`/`project`: no rate limit, quick reconnects.
pub fn config(url: &str, project: &str, user: &str) -> ConnectionConfig {
    ConnectionConfig::custom(url, project)
        .username(user)
        .rate_limit(RateLimit::unlimited())
        .backoff(
            BackoffPolicy::default()
                .initial(Duration::from_millis(20))
                .max(Duration::from_millis(300)),
        )
}

/// Connect or fail the test.
pub async fn connect(cfg: ConnectionConfig) -> CloudHandle {
    bounded("connect", CloudHandle::connect(cfg))
        .await
        .expect("connects")
}

/// Wait for the next event matching `pred`.
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

/// Wait for a `Set` of `name` (short name) to `value`.
pub async fn wait_set(events: &mut EventStream, name: &str, value: &str) -> CloudEvent {
    next_matching(events, &format!("set {name}={value}"), |ev| {
        ev.kind == EventKind::Set
            && ev.name == name
            && ev.value.as_ref().map(|v| v.as_str()) == Some(value)
    })
    .await
}
