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

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_requests::RequestBot;
use actors_socket::SocketConfig;
use harness::*;

const FLOOD: u32 = 10_000;

/// Events the bot's connection keeps for slow readers. Tiny on purpose: the socket must not
/// read FROM_CLIENT through this ring (10,000 noise updates would push a request out of it;
/// that lost a request now and then in CI with the default 1,024).
const BOT_EVENT_RING: usize = 16;

#[actix_rt::test]
async fn a_bot_keeps_serving_while_another_client_floods_the_room() {
    let server = start_server().await;
    let url = server.url();
    let bot_cloud = tokio::time::timeout(
        WAIT,
        CloudHandle::connect(
            ConnectionConfig::custom(&url, PROJECT)
                .rate_limit(RateLimit::unlimited())
                .event_capacity(BOT_EVENT_RING),
        ),
    )
    .await
    .expect("bot connects in time")
    .expect("bot connects");
    let _bot = RequestBot::builder(vector_handlers::registry())
        .listen_on(&bot_cloud, SocketConfig::default())
        .expect("bot starts");
    let client = client(&url, false).await;
    assert_eq!(ask(&client, "add 3 4").await, "7");

    let flooder = connect(&url).await;
    let flood = flood(flooder, FLOOD);
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
