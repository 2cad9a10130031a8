//! `SaBot` under faults, end to end on the embedded server with the sprite model of
//! support/sa_sprite.rs: another client floods the room, the bot's actor panics, the last
//! handle to the bot is dropped. Every wait is bounded.

#[path = "support/harness.rs"]
mod harness;
#[path = "support/sa_sprite.rs"]
mod sa_sprite;

use std::time::Duration;

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_requests::{RequestErrorKind, SaBot, SaConfig, SaReply};
use sa_sprite::*;

/// The bot's connection keeps only 16 events for slow readers, yet a flood of 10,000 sets of
/// another variable in the room costs no request: the bot takes TO_HOST on its connection's
/// actor, not through that ring (which dropped requests under such a flood before).
#[actix_rt::test]
async fn keeps_serving_while_another_client_floods_the_room() {
    const FLOOD: u32 = 10_000;
    let server = start_server().await;
    let url = server.url();
    let with_ring = |events: usize| {
        ConnectionConfig::custom(&url, PROJECT)
            .rate_limit(RateLimit::unlimited())
            .event_capacity(events)
    };
    let bot_cloud = tokio::time::timeout(WAIT, CloudHandle::connect(with_ring(16)))
        .await
        .expect("bot connects in time")
        .expect("bot connects");
    let _bot = SaBot::builder(registry())
        .config(SaConfig::turbowarp())
        .start(&bot_cloud)
        .unwrap();
    // The sprite model reads its replies from its own ring: big enough for the whole flood.
    let sprite = tokio::time::timeout(WAIT, CloudHandle::connect(with_ring(4 * FLOOD as usize)))
        .await
        .expect("sprite connects in time")
        .expect("sprite connects");
    let mut events = sprite.events();
    assert_eq!(
        request(&sprite, &mut events, 20000, "ping", WAIT).await,
        items(&["pong"])
    );
    let flooder = connect(&url).await;
    let flood = harness::flood(flooder, FLOOD);
    let mut id = 20001;
    while !flood.is_finished() || id < 20006 {
        assert!(id < 30_000, "the flood never ended");
        let text = format!("add&{id}&1");
        assert_eq!(
            request(&sprite, &mut events, id, &text, WAIT).await,
            items(&[&(id + 1).to_string()]),
            "request {id} during the flood"
        );
        id += 1;
    }
    flood.await.expect("flood task");
    server.stop().await;
}

/// Fault injection (feature `fault-injection`): the bot's actor panics inside its own
/// handler; the supervisor restarts it with its protocol state and it keeps answering.
#[actix_rt::test]
async fn a_panicking_sa_handler_keeps_answering() {
    let server = start_server().await;
    let url = server.url();
    let sprite = connect(&url).await;
    let bot_cloud = connect(&url).await;
    let bot = SaBot::builder(registry()).start(&bot_cloud).unwrap();
    let mut events = sprite.events();
    assert_eq!(
        request(&sprite, &mut events, 20001, "ping", WAIT).await,
        items(&["pong"])
    );
    let lost = tokio::time::timeout(
        WAIT,
        bot.crash_recipient().send(actors_cloud::fault::Crash("sa")),
    )
    .await
    .expect("in time");
    assert!(lost.is_err(), "the message that panicked gets no answer");
    assert!(bot.is_running());
    assert_eq!(
        request(&sprite, &mut events, 20002, "add&2&40", WAIT).await,
        items(&["42"])
    );
    let reply = "abc".chars().cycle().take(800).collect::<String>();
    assert_eq!(
        request(&sprite, &mut events, 20003, "long&800", WAIT).await,
        items(&[&reply])
    );
    // Stopping still works, and a stopped bot refuses pushes.
    bot.stop().await;
    assert!(!bot.is_running());
    let err = bot.send(SaReply::Text("late".into())).await.unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::Stopped, "{err}");
    sprite.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn dropping_the_last_sa_bot_stops_it_and_its_orphaned_connection() {
    let server = start_server().await;
    let url = server.url();
    let sprite = connect(&url).await;
    // The program keeps no handle to the bot's connection: only the bot does.
    let bot = SaBot::builder(registry())
        .start(&connect(&url).await)
        .unwrap();
    let mut events = sprite.events();
    assert_eq!(
        request(&sprite, &mut events, 30001, "ping", WAIT).await,
        items(&["pong"])
    );
    assert_eq!(server.state().connection_count(), 2);
    drop(bot);
    tokio::time::timeout(WAIT, async {
        while server.state().connection_count() != 1 {
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the bot's connection closed once the last SaBot was dropped");
    sprite.stop().await;
    server.stop().await;
}
