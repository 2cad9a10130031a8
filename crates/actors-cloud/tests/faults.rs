//! Fault injection (feature `fault-injection`): make `CloudConnection` and `Sky` panic
//! inside their own handlers, as a bug would, and check that the panic-safe supervisor
//! restarts them with their state and that their work goes on.

use actors_cloud::fault::Crash;
use actors_cloud::{panics_caught, EventKind, EventType, SkyHandle};
use test_support::cloud::*;
use test_support::{bounded, eventually};

#[actix_rt::test]
async fn a_panicking_connection_keeps_its_cache_queue_and_subscribers_and_reconnects() {
    let srv = server().await;
    let bot = connect(config(&srv.url(), "faults", "bot"));
    let other = connect(config(&srv.url(), "faults", "other"));
    let (bot, other) = (bot.await, other.await);
    let mut sets = bot.events_filtered(EventType::Set);
    let mut life = bot.events();
    bounded("first set", other.set("score", 1)).await.unwrap();
    wait_set(&mut sets, "score", "1").await;
    assert_eq!(bot.get("score").unwrap().as_str(), "1");

    let before = panics_caught();
    let lost = bounded("crash", bot.addr().send(Crash("connection"))).await;
    assert!(lost.is_err(), "the message that panicked gets no answer");
    assert!(panics_caught() > before);
    // The restarted actor treats its socket as lost and reconnects with backoff.
    next_matching(
        &mut life,
        "disconnect after the panic",
        |ev| matches!(&ev.kind, EventKind::Disconnect { reason, .. } if reason.contains("panic")),
    )
    .await;
    next_matching(&mut life, "reconnected", |ev| ev.kind == EventKind::Connect).await;

    // State kept: the cache, the event stream made before the panic, the mailbox.
    assert_eq!(bot.get("score").unwrap().as_str(), "1");
    bounded("set after the panic", other.set("score", 2))
        .await
        .unwrap();
    wait_set(&mut sets, "score", "2").await;
    let mut seen_by_other = other.events_filtered(EventType::Set);
    bounded("bot writes after the panic", bot.set("reply", 3))
        .await
        .unwrap();
    wait_set(&mut seen_by_other, "reply", "3").await;
    eventually("the old socket is closed", || {
        srv.state().connection_count() == 2
    })
    .await;
    bot.stop().await;
    other.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn a_set_queued_while_the_connection_panics_is_written_after_the_reconnect() {
    let srv = server().await;
    let bot = connect(config(&srv.url(), "faults2", "bot")).await;
    let other = connect(config(&srv.url(), "faults2", "other")).await;
    let mut seen = other.events_filtered(EventType::Set);
    // The crash and the set are in the mailbox together: the set waits for the reconnect.
    let crash = bot.addr().send(Crash("connection with a set queued"));
    let set = bot.set("queued", 7);
    let (crashed, written) = bounded("crash and set", async { tokio::join!(crash, set) }).await;
    assert!(crashed.is_err());
    written.expect("the set survives the panic");
    wait_set(&mut seen, "queued", "7").await;
    bot.stop().await;
    other.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn a_panicking_sky_keeps_its_members_and_fans_in_without_a_gap() {
    let srv = server().await;
    let sky = SkyHandle::start(256);
    let mut events = sky.events_filtered(EventType::Set);
    let one = bounded(
        "join",
        sky.connect(config(&srv.url(), "skyfault", "sky").source("one")),
    )
    .await
    .unwrap();
    let outside = connect(config(&srv.url(), "skyfault", "ext")).await;
    bounded("set before", outside.set("a", 1)).await.unwrap();
    wait_set(&mut events, "a", "1").await;

    let lost = bounded("crash", sky.addr().send(Crash("sky"))).await;
    assert!(lost.is_err());
    // Members kept; the stream made before the panic keeps receiving; targeted sets work.
    assert_eq!(sky.sources(), vec![one.clone()]);
    bounded("set after", outside.set("a", 2)).await.unwrap();
    wait_set(&mut events, "a", "2").await;
    let mut outside_sets = outside.events_filtered(EventType::Set);
    bounded("sky set after", sky.set(&one, "b", 3))
        .await
        .unwrap();
    wait_set(&mut outside_sets, "b", "3").await;
    // And it still stops cleanly, cascading to its members.
    let member = sky.member(&one).unwrap();
    bounded("stop", sky.stop()).await;
    assert!(member.set("a", 4).await.is_err());
    bounded("stream end", async {
        while events.next_event().await.is_some() {}
    })
    .await;
    outside.stop().await;
    srv.stop().await;
}
