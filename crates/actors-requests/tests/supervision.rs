//! The request handler under its supervisor: a panic in a client task (here the user's
//! `on_error` hook) restarts it and the same session keeps being served; `wait` returns
//! only on `stop()` or with the reason the socket stopped for good; dropping the last
//! handle stops the bot.

#[path = "support/harness.rs"]
mod harness;

use actors_requests::{ErrorAction, Failure, Registry, RequestBot, RequestErrorKind, RequestEvent};
use harness::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong");
    r.request("fail", || -> Result<&str, Failure> {
        Err(Failure::new("nope"))
    });
    r
}

#[actix_rt::test]
async fn a_panic_in_a_client_task_restarts_the_handler_and_the_session_goes_on() {
    let server = start_server().await;
    let url = server.url();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let builder = RequestBot::builder(registry()).on_error(move |_| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("the error hook exploded");
        }
        ErrorAction::Reply("hooked".into())
    });
    let (_cloud, bot) = bot(&url, builder, false).await;
    let mut events = bot.events();
    let client = client(&url, false).await;
    assert_eq!(ask(&client, "ping").await, "pong");
    // The hook panics while handling `fail`: no reply to that message, the actor restarts.
    client.send("fail").await.unwrap();
    let panic = tokio::time::timeout(WAIT, async {
        loop {
            match events.next_event().await {
                Some(RequestEvent::UncaughtError { error, .. })
                    if error.kind() == RequestErrorKind::Panic =>
                {
                    return error
                }
                Some(_) => continue,
                None => panic!("events ended"),
            }
        }
    })
    .await
    .expect("the panic is reported");
    assert!(panic.to_string().contains("exploded"), "{panic}");
    tokio::time::timeout(WAIT, async {
        while bot.restarts() == 0 {
            actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("restarted");
    // The same session is served again by the restarted handler.
    assert_eq!(ask(&client, "ping").await, "pong");
    assert_eq!(ask(&client, "fail").await, "hooked");
    assert!(bot.is_running());
    bot.stop().await;
    assert!(bot.wait().await.is_ok(), "stop() ends wait with Ok");
    // The restart did not end the event stream; the stop does (the handle still exists).
    tokio::time::timeout(WAIT, async { while events.next_event().await.is_some() {} })
        .await
        .expect("the events end once the bot stopped");
    assert!(bot.events().next_event().await.is_none());
    server.stop().await;
}

#[actix_rt::test]
async fn wait_returns_the_reason_when_the_connection_stops_for_good() {
    let server = start_server().await;
    let (cloud, bot) = bot(&server.url(), RequestBot::builder(registry()), false).await;
    let waiting = {
        let b = bot.clone();
        actix_rt::spawn(async move { b.wait().await })
    };
    actix_rt::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "wait returns only at the end");
    cloud.stop().await; // what a fatal close code does to the connection
    let err = tokio::time::timeout(WAIT, waiting)
        .await
        .expect("wait returns")
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::Socket, "{err}");
    assert!(err.to_string().contains("stopped for good"), "{err}");
    assert!(!bot.is_running());
    server.stop().await;
}

#[actix_rt::test]
async fn dropping_the_last_handle_stops_the_bot() {
    let server = start_server().await;
    let (_cloud, bot) = bot(&server.url(), RequestBot::builder(registry()), false).await;
    let mut events = bot.events();
    drop(bot);
    // The bot's end ends its event stream.
    tokio::time::timeout(WAIT, async { while events.next_event().await.is_some() {} })
        .await
        .expect("the bot stopped once its last handle was dropped");
    server.stop().await;
}
