//! Helpers shared by the dashboard's integration tests: an embedded cloud server,
//! connections to it, bounded waits and a reader for server-sent event streams.
#![allow(dead_code, missing_docs)]

use actix_web::body::{BoxBody, MessageBody};
use actors_cloud::{BackoffPolicy, CloudHandle, ConnectionConfig, RateLimit};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::pin::Pin;
use std::time::Duration;
use test_support::LIMIT;
/// Bounded waits shared by every crate's tests.
#[allow(unused_imports)] // not every test file waits both ways
pub use test_support::{bounded, eventually};

/// An embedded cloud server on 127.0.0.1 (port 0 unless given).
pub async fn server_on(port: u16) -> CloudServer {
    CloudServer::start(ServerConfig::default().port(port))
        .await
        .expect("server starts")
}

/// A fast connection config: no rate limit, quick reconnects.
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

/// Connect or fail the test.
pub async fn connect(cfg: ConnectionConfig) -> CloudHandle {
    bounded("connect", CloudHandle::connect(cfg))
        .await
        .expect("connects")
}

/// One parsed server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: String,
    pub data: serde_json::Value,
}

/// Reads frames from a streaming response body.
pub struct SseReader {
    body: BoxBody,
    buf: String,
    pub ended: bool,
}

impl SseReader {
    pub fn new(body: BoxBody) -> Self {
        SseReader {
            body,
            buf: String::new(),
            ended: false,
        }
    }

    /// The next frame with an `event:` line (comments and `retry:` are skipped), or
    /// `None` when the stream ended.
    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let raw: String = self.buf.drain(..end + 2).collect();
                let mut event = None;
                let mut data = None;
                for line in raw.lines() {
                    if let Some(e) = line.strip_prefix("event: ") {
                        event = Some(e.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str(d).expect("data is JSON"));
                    }
                }
                if let (Some(event), Some(data)) = (event, data) {
                    return Some(Sse { event, data });
                }
            }
            if self.ended {
                return None;
            }
            let chunk = bounded(
                "an SSE chunk",
                futures_util::future::poll_fn(|cx| Pin::new(&mut self.body).poll_next(cx)),
            )
            .await;
            match chunk {
                Some(Ok(bytes)) => self
                    .buf
                    .push_str(std::str::from_utf8(&bytes).expect("utf-8")),
                Some(Err(e)) => panic!("body error: {e}"),
                None => self.ended = true,
            }
        }
    }

    /// Skip frames until one matches `pred` (the whole wait bounded by [`LIMIT`]); on
    /// failure the skipped frames are shown.
    pub async fn until(&mut self, what: &str, pred: impl Fn(&Sse) -> bool) -> Sse {
        let mut skipped = Vec::new();
        let found = tokio::time::timeout(LIMIT, async {
            loop {
                match self.next().await {
                    Some(f) if pred(&f) => return Some(f),
                    Some(f) => skipped.push(format!("{} {}", f.event, f.data)),
                    None => return None,
                }
            }
        })
        .await;
        match found {
            Ok(Some(f)) => f,
            Ok(None) => panic!(
                "stream ended while waiting for {what}; skipped:\n{}",
                skipped.join("\n")
            ),
            Err(_) => panic!(
                "timed out waiting for {what}; skipped:\n{}",
                skipped.join("\n")
            ),
        }
    }
}
