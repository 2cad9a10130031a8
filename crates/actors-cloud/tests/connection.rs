//! A connection against the embedded server: sets, gets, join dump, rename/delete,
//! validation, custom events and failing handlers.

use actors_cloud::{CloudErrorKind, EventFilter, EventKind, EventType};
use test_support::cloud::*;
use test_support::{bounded, eventually};

#[actix_rt::test]
async fn two_connections_see_each_others_sets() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "p1", "alice")).await;
    let b = connect(config(&srv.url(), "p1", "bob")).await;
    let mut a_events = a.events();
    let mut b_events = b.events();
    bounded("set", a.set("score", 42)).await.unwrap();
    let ev = wait_set(&mut b_events, "score", "42").await;
    assert_eq!(ev.raw_name, "☁ score");
    assert_eq!(ev.project_id.as_str(), "p1");
    assert_eq!(b.get("score").unwrap().as_str(), "42");
    bounded("set", b.set("☁ other", "-1.5")).await.unwrap();
    wait_set(&mut a_events, "other", "-1.5").await;
    assert_eq!(a.get("other").unwrap().as_str(), "-1.5");
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn get_after_set_and_server_state() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "p2", "alice")).await;
    assert!(a.get("x").is_none());
    bounded("set", a.set("x", "7")).await.unwrap();
    assert_eq!(a.get("x").unwrap().as_str(), "7");
    eventually("server stored x", || {
        srv.variables("p2")
            .is_some_and(|v| v.contains(&("☁ x".to_owned(), "7".to_owned())))
    })
    .await;
    a.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn join_dump_fills_the_cache_silently() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "p3", "alice")).await;
    bounded("set", a.set("x", 1)).await.unwrap();
    bounded("set", a.set("y", 2)).await.unwrap();
    eventually("server has both", || {
        srv.variables("p3").is_some_and(|v| v.len() == 2)
    })
    .await;
    let c = connect(config(&srv.url(), "p3", "carol")).await;
    let mut c_events = c.events();
    eventually("dump cached", || {
        c.get("x").is_some() && c.get("y").is_some()
    })
    .await;
    assert_eq!(c.get("y").unwrap().as_str(), "2");
    // The snapshot produced no Set events: the next event is a live one.
    bounded("set", a.set("x", 3)).await.unwrap();
    let ev = next_matching(&mut c_events, "a set", |e| e.kind == EventKind::Set).await;
    assert_eq!((ev.name.as_str(), ev.value.unwrap().as_str()), ("x", "3"));
    a.stop().await;
    c.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn rename_and_delete_events() {
    // Forwarding renames and deletes is an opt-in extra of our server (TurboWarp ignores them).
    let srv = scratchcomm_server::CloudServer::start(
        scratchcomm_server::ServerConfig::default().allow_rename_delete(true),
    )
    .await
    .expect("server starts");
    let a = connect(config(&srv.url(), "p4", "alice")).await;
    let b = connect(config(&srv.url(), "p4", "bob")).await;
    let mut b_events = b.events();
    bounded("set", a.set("old", 5)).await.unwrap();
    wait_set(&mut b_events, "old", "5").await;
    bounded("rename", a.rename("old", "new")).await.unwrap();
    let ev = next_matching(&mut b_events, "rename", |e| {
        e.event_type() == EventType::Rename
    })
    .await;
    assert_eq!(
        ev.kind,
        EventKind::Rename {
            new_name: "new".into()
        }
    );
    assert_eq!(ev.name, "old");
    assert_eq!(b.get("new").unwrap().as_str(), "5");
    assert!(b.get("old").is_none());
    assert_eq!(a.get("new").unwrap().as_str(), "5");
    bounded("delete", a.delete("new")).await.unwrap();
    let ev = next_matching(&mut b_events, "delete", |e| {
        e.event_type() == EventType::Delete
    })
    .await;
    assert_eq!(ev.name, "new");
    assert!(b.get("new").is_none());
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn invalid_values_are_refused_before_sending() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "p5", "alice")).await;
    let err = a.set("score", "abc").await.unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::InvalidValue);
    let text = err.to_string();
    assert!(
        text.contains("score") && text.contains("abc") && text.contains("plain decimal"),
        "{text}"
    );
    // TurboWarp's server drops exponent forms silently: refused here, with an error.
    let err = a.set("score", "1e5").await.unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::InvalidValue);
    assert!(err.to_string().contains("1e5"), "{err}");
    // Typed numbers are written in plain decimal, never with an exponent.
    bounded("typed", a.set("typed", 1e21)).await.unwrap();
    assert_eq!(a.get("typed").unwrap().as_str(), "1000000000000000000000");
    let err = a.set("typed", f64::NAN).await.unwrap_err();
    assert!(err.to_string().contains("finite"), "{err}");
    let err = a.queue_set("big", "9".repeat(100_001)).unwrap_err();
    assert!(err.to_string().contains("at most 100000"), "{err}");
    assert_eq!(
        a.set("", 1).await.unwrap_err().kind(),
        CloudErrorKind::InvalidName
    );
    bounded("set", a.set("ok", 1)).await.unwrap();
    eventually("only the valid set arrived", || {
        let mut vars = srv.variables("p5").unwrap_or_default();
        vars.sort();
        vars == vec![
            ("☁ ok".to_owned(), "1".to_owned()),
            ("☁ typed".to_owned(), "1000000000000000000000".to_owned()),
        ]
    })
    .await;
    a.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn custom_events_stay_local_and_bad_handlers_do_not_stop_the_connection() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "p6", "alice")).await;
    let b = connect(config(&srv.url(), "p6", "bob")).await;
    let mut a_custom = a.events_filtered(EventType::Custom);
    let mut b_events = b.events();
    a.on(EventFilter::Any, |_| Err("handler failed".into()));
    a.on(EventFilter::Any, |_| panic!("handler panicked"));
    a.emit_custom("hello", Some("1".into()));
    let ev = next_matching(&mut a_custom, "custom", |_| true).await;
    assert_eq!(
        ev.kind,
        EventKind::Custom {
            name: "hello".into(),
            values: vec!["1".into()]
        }
    );
    // The connection still works after its handlers failed, and b never saw "hello".
    bounded("set", a.set("after", 1)).await.unwrap();
    let ev = next_matching(&mut b_events, "first event", |_| true).await;
    assert_eq!(ev.name, "after");
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn bad_configuration_is_one_clear_error() {
    use actors_cloud::{CloudHandle, ConnectionConfig};
    let err = CloudHandle::connect(ConnectionConfig::turbowarp("1", ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("contact"), "{err}");
    let err = CloudHandle::connect(ConnectionConfig::custom("http://x/", "1"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ws://"), "{err}");
    // Nothing listens here: with first-connect retries off, connect fails with a Connect
    // error (by default it would wait for the server; see tests/resilience.rs).
    let port = test_support::free_port();
    let url = format!("ws://127.0.0.1:{port}/");
    let cfg = config(&url, "1", "x").retry_first_connect(false);
    let err = bounded("connect", CloudHandle::connect(cfg))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::Connect);
}

#[actix_rt::test]
async fn a_set_followed_at_once_by_stop_still_arrives() {
    use actors_cloud::{CloudHandle, ConnectionConfig};
    let srv = server().await;
    let watcher = connect(config(&srv.url(), "p7", "watcher")).await;
    let mut events = watcher.events();
    for i in 0..3 {
        let cfg = ConnectionConfig::custom(&srv.url(), "p7")
            .receive_updates(false)
            .reconnect(false);
        let s = bounded("connect", CloudHandle::connect(cfg)).await.unwrap();
        bounded("set", s.set(&format!("v{i}"), i)).await.unwrap();
        bounded("stop", s.stop()).await;
        wait_set(&mut events, &format!("v{i}"), &i.to_string()).await;
    }
    watcher.stop().await;
    srv.stop().await;
}

struct Collect(std::sync::Arc<std::sync::Mutex<Vec<actors_cloud::CloudEvent>>>);

impl actix::Actor for Collect {
    type Context = actix::Context<Self>;
}

impl actix::Handler<actors_cloud::CloudEvent> for Collect {
    type Result = ();
    fn handle(&mut self, ev: actors_cloud::CloudEvent, _: &mut actix::Context<Self>) {
        self.0.lock().unwrap().push(ev);
    }
}

#[actix_rt::test]
async fn quickaccess_view_and_recipient_subscription() {
    use actix::Actor;
    let srv = server().await;
    let a = connect(config(&srv.url(), "p8", "alice").quickaccess(true)).await;
    let b = connect(config(&srv.url(), "p8", "bob")).await;
    assert!(b.quickaccess().is_none(), "off unless enabled");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    a.subscribe_filtered(EventType::Set, Collect(seen.clone()).start().recipient());
    bounded("b set", b.set("hp", 10)).await.unwrap();
    eventually("recipient got the set", || seen.lock().unwrap().len() == 1).await;
    let qa = a.quickaccess().unwrap();
    assert_eq!(qa.get("hp").unwrap().as_str(), "10");
    assert!(qa.contains_key("☁ hp") && !qa.is_empty());
    qa.insert("mp", 3).unwrap();
    assert!(qa.insert("mp", "x").is_err());
    eventually("queued insert written", || a.get("mp").is_some()).await;
    let map = qa.to_map();
    assert_eq!(map.keys().collect::<Vec<_>>(), vec!["hp", "mp"]);
    // Only Set events reached the filtered recipient (no connect/custom).
    a.emit_custom("local", None);
    bounded("b set", b.set("hp", 11)).await.unwrap();
    eventually("second set", || seen.lock().unwrap().len() == 2).await;
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .all(|e| e.kind == EventKind::Set));
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn rate_limited_sets_arrive_all_and_in_order_and_coalescing_keeps_the_last() {
    use actors_cloud::RateLimit;
    let srv = server().await;
    let a = connect(config(&srv.url(), "p9", "alice").rate_limit(RateLimit::scratch())).await;
    let c = connect(
        config(&srv.url(), "p9", "carol")
            .rate_limit(RateLimit::scratch())
            .coalesce(true),
    )
    .await;
    let b = connect(config(&srv.url(), "p9", "bob")).await;
    let mut b_events = b.events_filtered(EventType::Set);
    for i in 1..=8 {
        a.queue_set("n", i).unwrap();
    }
    for i in 1..=8 {
        let ev = next_matching(&mut b_events, "ordered set", |e| e.name == "n").await;
        assert_eq!(ev.value.unwrap().as_str(), i.to_string());
    }
    // Coalescing: values may be skipped, never reordered, and the last one always arrives.
    for i in 1..=7 {
        c.queue_set("m", i).unwrap();
    }
    bounded("last write", c.set("m", 8)).await.unwrap();
    let mut prev = 0;
    while prev != 8 {
        let ev = next_matching(&mut b_events, "coalesced set", |e| e.name == "m").await;
        let v: i32 = ev.value.unwrap().as_str().parse().unwrap();
        assert!(v > prev, "{v} after {prev}");
        prev = v;
    }
    a.stop().await;
    b.stop().await;
    c.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn own_writes_are_reported_locally_as_sent_never_as_remote_updates() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "p9", "alice")).await;
    let b = connect(config(&srv.url(), "p9", "bob")).await;
    let mut a_all = a.events();
    let mut a_remote = a.events_filtered(EventFilter::Only(vec![
        EventType::Set,
        EventType::Create,
        EventType::Delete,
        EventType::Rename,
    ]));
    let mut b_events = b.events();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let cb_seen = seen.clone();
    a.on(EventType::Sent, move |ev| {
        cb_seen.lock().unwrap().push(ev.name.clone());
        Ok(())
    });
    bounded("set", a.set("mine", 5)).await.unwrap();
    let ev = next_matching(&mut a_all, "sent set", |e| {
        e.event_type() == EventType::Sent
    })
    .await;
    assert_eq!(ev.kind, EventKind::Sent(actors_cloud::OwnWrite::Set));
    assert_eq!(
        (ev.name.as_str(), ev.value.as_ref().unwrap().as_str()),
        ("mine", "5")
    );
    bounded("rename", a.rename("mine", "yours")).await.unwrap();
    let ev = next_matching(&mut a_all, "sent rename", |e| {
        e.event_type() == EventType::Sent
    })
    .await;
    assert_eq!(
        ev.kind,
        EventKind::Sent(actors_cloud::OwnWrite::Rename {
            new_name: "yours".into()
        })
    );
    // The other connection gets the ordinary remote update, never a `Sent`.
    let ev = wait_set(&mut b_events, "mine", "5").await;
    assert_eq!(ev.kind, EventKind::Set);
    // b's own write reaches a as a remote set; a's remote-only stream saw nothing before it.
    bounded("set", b.set("theirs", 1)).await.unwrap();
    let ev = next_matching(&mut a_remote, "remote set", |_| true).await;
    assert_eq!((ev.kind, ev.name.as_str()), (EventKind::Set, "theirs"));
    eventually("callback saw both own writes", || {
        seen.lock().unwrap().as_slice() == ["mine", "mine"]
    })
    .await;
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}
