//! Reconnects, fatal close codes and many connections, against the embedded server.

use actors_cloud::CloseCode;
use actors_cloud::{
    CloudError, CloudErrorKind, CloudEvent, CloudHandle, EventKind, EventStream, EventType,
};
use scratchcomm_server::{CloudServer, ProjectFilter, ServerConfig};
use test_support::cloud::*;
use test_support::{bounded, eventually};

#[actix_rt::test]
async fn server_restart_with_queued_sets_loses_nothing() {
    let srv = server().await;
    let addr = srv.local_addr();
    let url = srv.url();
    let a = connect(config(&url, "room", "alice")).await;
    let b = connect(config(&url, "room", "bob")).await;
    let mut a_events = a.events();
    let mut b_events = b.events();
    bounded("first set", a.set("v0", 0)).await.unwrap();
    wait_set(&mut b_events, "v0", "0").await;

    srv.stop().await;
    next_matching(&mut a_events, "a disconnect", |e| {
        e.event_type() == EventType::Disconnect
    })
    .await;
    // Accepted while the server is down: queued, not lost.
    let mut waits = Vec::new();
    for i in 1..20 {
        a.queue_set(&format!("v{i}"), i).unwrap();
    }
    waits.push(a.set("last", 99));

    let srv = CloudServer::start(ServerConfig::default().port(addr.port()))
        .await
        .expect("restart on the same port");
    next_matching(&mut a_events, "a reconnect", |e| {
        e.kind == EventKind::Connect
    })
    .await;
    for w in waits {
        bounded("queued set written", w).await.unwrap();
    }
    // The new server starts empty: it holds exactly what was queued while it was down.
    eventually("every queued set reached the server", || {
        srv.variables("room").is_some_and(|v| v.len() == 20)
    })
    .await;
    let vars = srv.variables("room").unwrap();
    for i in 1..20 {
        assert!(
            vars.contains(&(format!("☁ v{i}"), i.to_string())),
            "v{i} missing: {vars:?}"
        );
    }
    // b reconnected too and, through the reconnect snapshot, sees what changed meanwhile.
    wait_set(&mut b_events, "last", "99").await;
    assert_eq!(b.get("v7").unwrap().as_str(), "7");
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn fatal_close_code_stops_reconnecting() {
    let cfg = ServerConfig::default().project_filter(ProjectFilter::block_list(["blocked"]));
    let srv = CloudServer::start(cfg).await.unwrap();
    // 4004: the project is unavailable. Either the first connect fails with Refused, or the
    // close arrives right after and the connection stops with an error event.
    let blocked = CloudHandle::connect(config(&srv.url(), "blocked", "alice"));
    let refused = refused_with(
        bounded("connect", blocked).await,
        CloseCode::PROJECT_UNAVAILABLE,
    );
    if let Some((h, mut ev, err)) = refused.await {
        assert!(matches!(err.kind, EventKind::Error { ref message } if message.contains("4004")));
        assert!(
            ev.next_event().await.is_none(),
            "stream ends after a fatal close"
        );
        assert_eq!(
            h.set("x", 1).await.unwrap_err().kind(),
            CloudErrorKind::Stopped
        );
    }
    // 4002: invalid username.
    let bad_name = CloudHandle::connect(config(&srv.url(), "ok", "bad name!"));
    refused_with(bounded("connect", bad_name).await, CloseCode::USERNAME).await;
    // Nothing is left connected: no reconnect loop.
    let good = connect(config(&srv.url(), "ok", "alice")).await;
    eventually("only the good client left", || {
        srv.state().connection_count() == 1
    })
    .await;
    // Reconnect delays here are at most 300 ms: a reconnect loop would show up by now.
    actix_rt::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(srv.state().connection_count(), 1);
    good.stop().await;
    srv.stop().await;
}

/// A connection the server refuses with `code`: either `connect` failed with it, or the
/// close came right after connecting; then its `Disconnect` event carries `code` and an
/// `Error` event follows, returned with the handle and its events for further checks.
async fn refused_with(
    connected: Result<CloudHandle, CloudError>,
    code: CloseCode,
) -> Option<(CloudHandle, EventStream, CloudEvent)> {
    let h = match connected {
        Err(e) => {
            assert_eq!(e.kind(), CloudErrorKind::Refused, "{e}");
            assert_eq!(e.close_code(), Some(code), "{e}");
            return None;
        }
        Ok(h) => h,
    };
    let mut ev = h.events();
    let gone = next_matching(&mut ev, "disconnect event", |e| {
        e.event_type() == EventType::Disconnect
    })
    .await;
    assert!(
        matches!(gone.kind, EventKind::Disconnect { code: Some(c), .. } if c == code),
        "{gone:?}"
    );
    let err = next_matching(&mut ev, "error event", |e| {
        e.event_type() == EventType::Error
    })
    .await;
    Some((h, ev, err))
}

#[actix_rt::test]
async fn two_hundred_connections_on_one_server() {
    // More than TurboWarp's (and our default) 128 clients per room.
    let limits = scratchcomm_server::Limits::default().max_clients_per_room(256);
    let srv = scratchcomm_server::CloudServer::start(
        scratchcomm_server::ServerConfig::default().limits(limits),
    )
    .await
    .expect("server starts");
    let url = srv.url();
    let connects =
        (0..200).map(|i| CloudHandle::connect(config(&url, "crowd", &format!("bot{i}"))));
    let handles: Vec<CloudHandle> =
        bounded("200 connects", futures_util::future::join_all(connects))
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .expect("all connect");
    bounded("set", handles[0].set("shout", 12345))
        .await
        .unwrap();
    eventually("everyone sees the set", || {
        handles[1..]
            .iter()
            .all(|h| h.get("shout").is_some_and(|v| v.as_str() == "12345"))
    })
    .await;
    bounded(
        "stop all",
        futures_util::future::join_all(handles.iter().map(|h| h.stop())),
    )
    .await;
    srv.stop().await;
}

#[actix_rt::test]
async fn retry_first_connect_waits_for_a_late_server() {
    let port = test_support::free_port();
    let url = format!("ws://127.0.0.1:{port}/");
    // The default: a first connect that fails is retried until the server is up.
    let cfg = config(&url, "late", "early");
    let pending = actix_rt::spawn(CloudHandle::connect(cfg));
    actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let srv = CloudServer::start(ServerConfig::default().port(port))
        .await
        .unwrap();
    let h = bounded("late connect", pending)
        .await
        .unwrap()
        .expect("connects once the server is up");
    bounded("set", h.set("x", 1)).await.unwrap();
    eventually("stored", || {
        srv.variables("late").is_some_and(|v| v.len() == 1)
    })
    .await;
    h.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn dropping_every_handle_stops_the_connection_after_writing_its_queue() {
    let srv = server().await;
    let h = connect(config(&srv.url(), "drop", "dropper")).await;
    h.queue_set("last", 5).unwrap();
    drop(h);
    eventually("queued set written", || {
        srv.variables("drop").is_some_and(|v| v.len() == 1)
    })
    .await;
    eventually("connection closed", || srv.state().connection_count() == 0).await;
    srv.stop().await;
}

#[actix_rt::test]
async fn upgrade_request_headers_and_http_refusal_is_fatal() {
    let (url, server) = test_support::refusing_listener();
    let cfg = config(&url, "p", "bot")
        .contact("me@example.com")
        .retry_first_connect(true);
    // Even with retries on, a 403 answer cannot heal: connect fails with Refused.
    let err = bounded("refused connect", CloudHandle::connect(cfg))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::Refused, "{err}");
    let request = server.join().unwrap().to_ascii_lowercase();
    assert!(request.starts_with("get /cloud http/1.1"), "{request}");
    let ua = format!(
        "user-agent: scratchcommunication-rs/{} - me@example.com",
        env!("CARGO_PKG_VERSION")
    );
    assert!(request.contains(&ua), "{request}");
    assert!(request.contains("upgrade: websocket"), "{request}");
    assert!(!request.contains("cookie"), "{request}");
}

#[actix_rt::test]
async fn callbacks_are_released_when_the_connection_stops_for_good() {
    let srv = server().await;
    let h = connect(config(&srv.url(), "room", "alice")).await;
    // A callback owns a sender: its receiver ends once the callback is dropped.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    h.on(EventType::Set, move |e| {
        let _ = tx.send(e.name.clone());
        Ok(())
    });
    let other = connect(config(&srv.url(), "room", "bob")).await;
    bounded("set", other.set("v", 1)).await.unwrap();
    assert_eq!(bounded("event", rx.recv()).await.as_deref(), Some("v"));
    h.stop().await;
    assert_eq!(bounded("callback dropped", rx.recv()).await, None);
    // One registered on the stopped connection is dropped at once.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    h.on(EventType::Set, move |_| {
        let _ = tx.send(());
        Ok(())
    });
    assert_eq!(bounded("late callback dropped", rx.recv()).await, None);
    other.stop().await;
    srv.stop().await;
}
