//! The API the original library has and these handles now have too (#18): custom events
//! with several values selected by name, `SkyHandle::on`, literal names per call,
//! switching quickaccess, and extra handshake headers and cookies for custom hosts.

use actors_cloud::{CloudErrorKind, CloudHandle, CloudValue, EventFilter, EventKind, EventType};
use actors_cloud::{ConnectionConfig, SkyHandle};
use test_support::cloud::*;
use test_support::{bounded, eventually};

#[actix_rt::test]
async fn custom_events_carry_several_values_and_are_selected_by_name() {
    let srv = server().await;
    let a = connect(config(&srv.url(), "c1", "alice")).await;
    let mut hello = a.events_filtered(EventFilter::custom("hello"));
    let (tx, mut bye_seen) = tokio::sync::mpsc::unbounded_channel::<Vec<CloudValue>>();
    a.on(EventFilter::custom("bye"), move |ev| {
        if let EventKind::Custom { values, .. } = &ev.kind {
            let _ = tx.send(values.clone());
        }
        Ok(())
    });
    a.emit_custom("bye", ["1".into(), "two".into()]);
    a.emit_custom(
        "hello",
        vec![CloudValue::from(5), CloudValue::from("x"), "".into()],
    );
    a.emit_custom("bye", None);
    let ev = next_matching(&mut hello, "hello", |_| true).await;
    assert_eq!(ev.name, "hello");
    assert_eq!(
        ev.value,
        Some(CloudValue::from(5)),
        "value is the first one"
    );
    assert_eq!(
        ev.kind,
        EventKind::Custom {
            name: "hello".into(),
            values: vec![5.into(), "x".into(), "".into()],
        }
    );
    let first = bounded("first bye", bye_seen.recv()).await.unwrap();
    assert_eq!(first, vec![CloudValue::from("1"), CloudValue::from("two")]);
    assert_eq!(
        bounded("second bye", bye_seen.recv()).await.unwrap(),
        vec![]
    );
    // The "hello" stream saw no "bye": the next event it yields is a later "hello".
    a.emit_custom("hello", Some("again".into()));
    let ev = next_matching(&mut hello, "second hello", |_| true).await;
    assert_eq!(ev.value, Some("again".into()));
    a.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn sky_on_runs_callbacks_for_member_events() {
    let srv = server().await;
    let sky = SkyHandle::start(64);
    let member = |project: &str, source: &str| {
        sky.connect(config(&srv.url(), project, "bot").source(source))
    };
    bounded("first member", member("s1", "one")).await.unwrap();
    let (tx, mut seen) = tokio::sync::mpsc::unbounded_channel::<(String, String, String)>();
    sky.on(EventType::Set, |_| Err("a failing callback".into()));
    sky.on(EventType::Set, |_| panic!("a panicking callback"));
    sky.on(EventType::Set, move |ev| {
        let value = ev.value.as_ref().map(|v| v.to_string()).unwrap_or_default();
        let _ = tx.send((ev.source.to_string(), ev.name.clone(), value));
        Ok(())
    });
    // Adding a member is a round trip through the Sky's mailbox, after the callbacks.
    bounded("second member", member("s2", "two")).await.unwrap();
    let other1 = connect(config(&srv.url(), "s1", "alice")).await;
    let other2 = connect(config(&srv.url(), "s2", "bob")).await;
    bounded("set", other1.set("v", 1)).await.unwrap();
    let first = bounded("callback", seen.recv()).await.unwrap();
    assert_eq!(first, ("one".into(), "v".into(), "1".into()));
    bounded("set", other2.set("w", 2)).await.unwrap();
    let second = bounded("callback", seen.recv()).await.unwrap();
    assert_eq!(second, ("two".into(), "w".into(), "2".into()));
    // Stopping the Sky ends the callbacks (and drops them, closing the channel).
    sky.stop().await;
    assert_eq!(bounded("callback dropped", seen.recv()).await, None);
    other1.stop().await;
    other2.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn literal_names_per_call_and_quickaccess_switch() {
    let srv = server().await;
    let h = connect(config(&srv.url(), "l1", "alice").literal_names(true)).await;
    // Literal by configuration; prefixed for the calls made through this view.
    bounded("prefixed set", h.literal_names(false).set("score", 7))
        .await
        .unwrap();
    bounded("literal set", h.set("☁ lit", 8)).await.unwrap();
    eventually("both stored", || {
        srv.variables("l1").is_some_and(|v| {
            v.contains(&("☁ score".into(), "7".into())) && v.contains(&("☁ lit".into(), "8".into()))
        })
    })
    .await;
    assert_eq!(h.literal_names(false).get("score"), Some(7.into()));
    assert_eq!(
        h.get("score"),
        None,
        "literally named `score`: no such variable"
    );
    assert_eq!(h.get("☁ score"), Some(7.into()));

    assert!(h.quickaccess().is_none(), "off unless configured");
    let clone = h.clone();
    h.set_quickaccess(true);
    let qa = clone.quickaccess().expect("switched on for every clone");
    assert_eq!(qa.get("☁ lit"), Some(8.into()));
    h.set_quickaccess(false);
    assert!(h.quickaccess().is_none());
    h.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn custom_hosts_send_extra_headers_and_cookies_on_the_handshake() {
    let (url, server) = test_support::refusing_listener();
    let cfg = config(&url, "p", "bot")
        .header("X-Api-Key", "k-123")
        .header("Authorization", "Bearer t0ken")
        .cookie("session", "abc")
        .cookie("lang", "en");
    assert!(
        !format!("{cfg:?}").contains("t0ken"),
        "values stay out of Debug"
    );
    let err = bounded("refused connect", CloudHandle::connect(cfg))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::Refused, "{err}");
    let request = server.join().unwrap();
    let lines: Vec<String> = request.lines().map(str::to_ascii_lowercase).collect();
    for want in [
        "x-api-key: k-123",
        "authorization: bearer t0ken",
        "cookie: session=abc; lang=en",
        "upgrade: websocket",
    ] {
        assert!(
            lines.iter().any(|l| l == want),
            "{want:?} missing in {request}"
        );
    }
    // A bad header is refused before anything is sent.
    let bad = ConnectionConfig::custom(&url, "p").header("Sec-WebSocket-Key", "x");
    let err = CloudHandle::connect(bad).await.unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::InvalidConfig);
}
