//! Fault injection (feature `fault-injection`): make the request bot's actor panic
//! inside its own handler, as a bug would, and check that it is restarted with its state
//! and that the open sessions and new clients are served. (Panics in the request workers,
//! the handlers themselves, are answered with the failure text: `tests/bot.rs`; a panic in
//! a client task: `tests/supervision.rs`.)

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::fault::Crash;
use actors_requests::{Registry, RequestBot};
use harness::*;

fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong");
    r.request("add", |a: i64, b: i64| a + b);
    r.request_async("later", || async { "done" });
    r
}

#[actix_rt::test]
async fn a_panicking_request_handler_keeps_serving_its_sessions() {
    let server = start_server().await;
    let url = server.url();
    let (_cloud, bot) = bot(&url, RequestBot::builder(registry()), false).await;
    let first = client(&url, false).await;
    assert_eq!(ask(&first, "ping").await, "pong");

    let lost = tokio::time::timeout(WAIT, bot.crash_recipient().send(Crash("request handler")))
        .await
        .expect("in time");
    assert!(lost.is_err(), "the message that panicked gets no answer");
    tokio::time::timeout(WAIT, async {
        while bot.restarts() == 0 {
            actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("restarted");
    assert!(bot.is_running());
    // The open session is served again (the restarted actor resumed the socket's clients).
    assert_eq!(ask(&first, "add 2 3").await, "5");
    assert_eq!(ask(&first, "later").await, "done");
    // And new clients are accepted.
    let second = client(&url, false).await;
    assert_eq!(ask(&second, "ping").await, "pong");
    // A second panic is survived the same way.
    let lost = tokio::time::timeout(WAIT, bot.crash_recipient().send(Crash("again")))
        .await
        .expect("in time");
    assert!(lost.is_err());
    assert_eq!(ask(&second, "add 1 1").await, "2");
    assert_eq!(ask(&first, "ping").await, "pong");
    bot.stop().await;
    assert!(bot.wait().await.is_ok(), "stop() still ends it with Ok");
    server.stop().await;
}
