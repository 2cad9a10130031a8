//! Sky: fan-in of several connections (different servers and projects), targeted sets,
//! Recipient subscription, cascading stop.

use actix::prelude::*;
use actors_cloud::{CloudErrorKind, CloudEvent, EventKind, EventType, SkyHandle, SourceId};
use std::sync::{Arc, Mutex};
use test_support::cloud::*;
use test_support::{bounded, eventually};

struct Collector(Arc<Mutex<Vec<CloudEvent>>>);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<CloudEvent> for Collector {
    type Result = ();
    fn handle(&mut self, ev: CloudEvent, _: &mut Context<Self>) {
        self.0.lock().unwrap().push(ev);
    }
}

#[actix_rt::test]
async fn sky_fans_in_and_targets_members() {
    let srv1 = server().await;
    let srv2 = server().await;
    let sky = SkyHandle::start(256);
    let mut events = sky.events_filtered(EventType::Set);
    let seen = Arc::new(Mutex::new(Vec::new()));
    sky.subscribe_filtered(EventType::Set, Collector(seen.clone()).start().recipient());

    let one = bounded(
        "join one",
        sky.connect(config(&srv1.url(), "alpha", "sky1").source("one")),
    )
    .await
    .unwrap();
    let two = bounded(
        "join two",
        sky.connect(config(&srv2.url(), "beta", "sky2").source("two")),
    )
    .await
    .unwrap();
    assert_eq!(
        sky.sources(),
        vec![SourceId::new("one"), SourceId::new("two")]
    );
    let dup = sky
        .connect(config(&srv1.url(), "alpha", "sky3").source("one"))
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), CloudErrorKind::UnknownMember);

    // Outside clients on each server.
    let x1 = connect(config(&srv1.url(), "alpha", "ext1")).await;
    let x2 = connect(config(&srv2.url(), "beta", "ext2")).await;
    bounded("x1 set", x1.set("a", 1)).await.unwrap();
    let ev = wait_set(&mut events, "a", "1").await;
    assert_eq!(ev.source, one);
    bounded("x2 set", x2.set("b", 2)).await.unwrap();
    let ev = wait_set(&mut events, "b", "2").await;
    assert_eq!(
        (ev.source.as_str(), ev.project_id.as_str()),
        ("two", "beta")
    );
    assert_eq!(sky.get(&one, "a").unwrap().as_str(), "1");
    assert!(sky.get(&two, "a").is_none());

    // A targeted set reaches only that member's server.
    let mut x2_events = x2.events();
    let mut own = sky.events_filtered(EventType::Sent);
    bounded("sky set", sky.set(&two, "reply", 3)).await.unwrap();
    wait_set(&mut x2_events, "reply", "3").await;
    // The member's own write is fanned in as a local `Sent` event (never as a `Set`: the
    // Set-only recipient below sees remote sets only).
    let ev = next_matching(&mut own, "own write fanned in", |_| true).await;
    assert_eq!(
        (ev.source.as_str(), ev.name.as_str(), ev.kind),
        ("two", "reply", EventKind::Sent(actors_cloud::OwnWrite::Set))
    );
    assert!(srv1
        .variables("alpha")
        .unwrap()
        .iter()
        .all(|(n, _)| n != "☁ reply"));
    let missing = sky.set(&SourceId::new("nope"), "x", 1).await.unwrap_err();
    assert_eq!(missing.kind(), CloudErrorKind::UnknownMember);

    eventually("recipient got both sets", || {
        seen.lock().unwrap().len() >= 2
    })
    .await;
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .all(|e| e.kind == EventKind::Set));

    // Stop cascades: members stop, streams end.
    let member = sky.member(&one).unwrap();
    bounded("sky stop", sky.stop()).await;
    assert_eq!(
        member.set("a", 1).await.unwrap_err().kind(),
        CloudErrorKind::Stopped
    );
    bounded("stream end", async {
        while events.next_event().await.is_some() {}
    })
    .await;
    x1.stop().await;
    x2.stop().await;
    srv1.stop().await;
    srv2.stop().await;
}

#[actix_rt::test]
async fn dropping_the_last_sky_handle_stops_it_and_its_members() {
    let srv = server().await;
    let sky = SkyHandle::start(16);
    bounded(
        "join",
        sky.connect(config(&srv.url(), "gamma", "sky3").source("m")),
    )
    .await
    .unwrap();
    let mut events = sky.events();
    eventually("member connected", || srv.state().connection_count() == 1).await;
    drop(sky);
    bounded("the Sky's event stream ends", async {
        while events.next_event().await.is_some() {}
    })
    .await;
    eventually("the member's connection closed", || {
        srv.state().connection_count() == 0
    })
    .await;
    srv.stop().await;
}
