//! Bounded waits for async tests, and a one-shot HTTP listener that refuses a websocket
//! upgrade: helpers that name no type of the workspace's crates, so every crate's tests can
//! use them without a dependency cycle.

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::Duration;

/// Every [`bounded`] wait fails the test after this long.
pub const LIMIT: Duration = Duration::from_secs(15);

/// Awaits `fut`, or fails the test naming `what` after [`LIMIT`].
pub async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    within(LIMIT, what, fut).await
}

/// Awaits `fut`, or fails the test naming `what` after `limit`.
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}

/// Polls `cond` every 10 ms until it holds, or fails the test naming `what` after [`LIMIT`].
pub async fn eventually(what: &str, cond: impl FnMut() -> bool) {
    eventually_within(LIMIT, what, cond).await
}

/// Polls `cond` every 10 ms until it holds, or fails the test naming `what` after `limit`.
pub async fn eventually_within(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    within(limit, what, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}

/// A one-shot HTTP listener on loopback that records the websocket upgrade request it gets
/// and answers `403 Forbidden`. Returns the `ws://…/cloud` URL to connect to and a thread
/// that yields the request's head (at most 64 KiB; reads time out after 10 s).
pub fn refusing_listener() -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("ws://{}/cloud", listener.local_addr().expect("address"));
    let thread = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().expect("a connection");
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
            let n = sock.read(&mut buf).expect("read the request");
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        sock.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .expect("answer");
        String::from_utf8_lossy(&head).into_owned()
    });
    (url, thread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn eventually_returns_once_the_condition_holds() {
        let mut polls = 0;
        eventually("three polls", || {
            polls += 1;
            polls >= 3
        })
        .await;
        assert_eq!(polls, 3);
    }

    #[test]
    fn the_listener_records_the_request_and_refuses_it() {
        let (url, thread) = refusing_listener();
        let addr = url.trim_start_matches("ws://").trim_end_matches("/cloud");
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        sock.write_all(b"GET /cloud HTTP/1.1\r\nX-Test: 1\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        sock.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
        assert!(thread.join().unwrap().contains("X-Test: 1"));
    }
}
