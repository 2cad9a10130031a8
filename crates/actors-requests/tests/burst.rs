//! A bot keeps serving while another connection of its project floods the room: the
//! embedded server never closes the bot (or a client) because of someone else's burst.
//!
//! Before the server's queues were measured in bytes and age, 10,000 sets from one
//! connection filled every other connection's 256-frame queue and the server closed them
//! all with 1013, the bot included.

#[path = "support/harness.rs"]
mod harness;
#[path = "support/vector_handlers.rs"]
mod vector_handlers;

use actors_requests::RequestBot;
use harness::*;

const FLOOD: u32 = 10_000;

// Flaky (failed 1 of 3 full runs, 2026-12-06: a request sent during the flood got no reply
// in 30 s; the server closed nobody). Suspected cause: the bot's CloudSocket reads room events
// through the connection's bounded event ring, which drops events (Lagged) while 10,000 sets
// arrive, so a FROM_CLIENT set can be lost. Run with `cargo test -p actors-requests --test
// burst -- --ignored`; to be fixed with a sink like ScratchClient's (issue #13 note).
#[ignore = "flaky under load: a request during the flood can be lost (see the comment above)"]
#[actix_rt::test]
async fn a_bot_keeps_serving_while_another_client_floods_the_room() {
    let server = start_server().await;
    let url = server.url();
    let (_bot_cloud, _bot) = bot(
        &url,
        RequestBot::builder(vector_handlers::registry()),
        false,
    )
    .await;
    let client = client(&url, false).await;
    assert_eq!(ask(&client, "add 3 4").await, "7");

    let flooder = connect(&url).await;
    let flood = actix_rt::spawn(async move {
        for i in 1..=FLOOD {
            flooder.queue_set("noise", i).expect("queued");
        }
        // resolves once every set before it was written
        flooder
            .set("noise", FLOOD + 1)
            .await
            .expect("flood written");
        flooder
    });
    let mut served = 0u32;
    while !flood.is_finished() || served < 5 {
        assert!(served < 10_000, "the flood never ended");
        let (a, b) = (served, 1000);
        assert_eq!(
            ask(&client, &format!("add {a} {b}")).await,
            (a + b).to_string()
        );
        served += 1;
    }
    let flooder = flood.await.expect("flood task");
    // Everyone is still in the room and the bot still answers.
    assert_eq!(server.state().client_count(PROJECT), 3);
    assert_eq!(ask(&client, "ping").await, "pong");
    let noise = flooder.get("noise").map(|v| v.as_str().to_owned());
    assert_eq!(noise.as_deref(), Some("10001"));
    server.stop().await;
}
