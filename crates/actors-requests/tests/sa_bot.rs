//! `SaBot` end to end: the embedded cloud server on loopback, the bot on one connection,
//! and a model of scratchattach's sprite (support/sa_sprite.rs) on another: what it serves
//! and how. Its faults (a flood, a panic, the last handle dropped): sa_bot_faults.rs.

#[path = "support/harness.rs"]
mod harness;
#[path = "support/sa_sprite.rs"]
mod sa_sprite;

use std::time::Duration;

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_requests::{sa_encode, RequestErrorKind, RequestEvent, SaBot, SaConfig, SaReply};
use sa_sprite::*;

#[actix_rt::test]
async fn serves_the_kit_with_typed_handlers() {
    let server = start_server().await;
    let url = server.url();
    // A request stored in the room before the bot joins is not answered (B7).
    let sprite = connect(&url).await;
    sprite.set("TO_HOST", "51374733.999990").await.unwrap();
    let bot_cloud = connect(&url).await;
    let bot = SaBot::builder(registry())
        .config(SaConfig::turbowarp().length_limit(256))
        .start(&bot_cloud)
        .unwrap();
    let mut bot_events = bot.events();
    let mut events = sprite.events();

    assert_eq!(
        request(&sprite, &mut events, 10001, "ping", WAIT).await,
        items(&["pong"])
    );
    assert_eq!(
        request(&sprite, &mut events, 10002, "add&2&40", WAIT).await,
        items(&["42"])
    );
    assert_eq!(
        request(&sprite, &mut events, 10003, "add&-50&8", WAIT).await,
        items(&["-42"])
    );
    assert_eq!(
        request(&sprite, &mut events, 10004, "echo&", WAIT).await,
        items(&["-"])
    );
    assert_eq!(
        request(&sprite, &mut events, 10005, "lines", WAIT).await,
        items(&["one", "", "three"])
    );
    assert_eq!(
        request(&sprite, &mut events, 10006, "fail", WAIT).await,
        items(&["Error in request fail", "Check the Python console"])
    );
    assert_eq!(
        request(&sprite, &mut events, 10007, "add&x&1", WAIT).await,
        items(&["Error in request add", "Check the Python console"])
    );
    // Long requests (3 chunks, and an exact multiple of 245 digits) and a 7-packet reply.
    let long = "x".repeat(300);
    let text = format!("echo&{long}");
    assert_eq!(
        request(&sprite, &mut events, 10008, &text, WAIT).await,
        items(&[&long])
    );
    let exact = format!("echo&{}", "y".repeat(245 - 5));
    assert_eq!(sa_encode(&exact).len(), 490);
    assert_eq!(
        request(&sprite, &mut events, 10009, &exact, WAIT).await,
        items(&[&exact[5..]])
    );
    let reply = "abc".chars().cycle().take(800).collect::<String>();
    assert_eq!(
        request(&sprite, &mut events, 10010, "long&800", WAIT).await,
        items(&[&reply])
    );
    // No reply for unknown names and for `()`.
    let quiet = Duration::from_millis(800);
    assert_eq!(
        request(&sprite, &mut events, 10011, "nosuch&1", quiet).await,
        Got::Timeout
    );
    assert_eq!(
        request(&sprite, &mut events, 10012, "nothing", quiet).await,
        Got::Timeout
    );
    // The stored request of the snapshot was never answered, and nothing else replied to it.
    assert!(!sprite
        .variables()
        .values()
        .any(|v| v.as_str().contains(".999990")));

    // Events: one Served per request, the unknown name reported.
    let mut served = 0;
    let mut unknown = 0;
    let mut handler_errors = 0;
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(200), bot_events.next_event()).await
    {
        match event {
            RequestEvent::Served {
                replied, request, ..
            } => {
                served += 1;
                assert_eq!(
                    replied,
                    !matches!(request.as_str(), "nosuch" | "nothing"),
                    "{request}"
                );
            }
            RequestEvent::InvalidSyntax { error, .. } => {
                assert_eq!(error.kind(), RequestErrorKind::UnknownRequest);
                unknown += 1;
            }
            RequestEvent::HandlerError { .. } => handler_errors += 1,
            _ => {}
        }
    }
    assert_eq!((served, unknown, handler_errors), (12, 1, 2));
    // A server push (`send()`, §5.8) reaches the room with a `100000000NNNN` id.
    let id = bot.send(SaReply::Text("hello".into())).await.unwrap();
    let want = format!("{}.{id}2222", sa_encode("hello"));
    let pushed = tokio::time::timeout(WAIT, async {
        while let Some(e) = events.next_event().await {
            if e.value.is_some_and(|v| v.as_str() == want) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(pushed, Ok(true), "{want}");
    bot.stop().await;
    assert!(!bot.is_running());
    sprite.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn one_registry_serves_both_kits_in_one_sky() {
    use actors_cloud::SkyHandle;
    use actors_requests::RequestBot;
    use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig};

    let server = start_server().await;
    let url = server.url();
    let sky = SkyHandle::start(256);
    let config = |project: &str| {
        ConnectionConfig::custom(&url, project)
            .rate_limit(RateLimit::unlimited())
            .source(project.to_string())
    };
    let original = sky.connect(config("808081")).await.unwrap();
    let sa_kit = sky.connect(config("808082")).await.unwrap();
    let requests = registry();
    let bot = RequestBot::builder(requests.clone())
        .listen_on(&sky.member(&original).unwrap(), SocketConfig::default())
        .unwrap();
    let sa_bot = SaBot::builder(requests)
        .start(&sky.member(&sa_kit).unwrap())
        .unwrap();

    // The original kit's client in one project, scratchattach's sprite in the other.
    let player = tokio::time::timeout(
        WAIT,
        CloudHandle::connect(
            ConnectionConfig::custom(&url, "808081").rate_limit(RateLimit::unlimited()),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let client = tokio::time::timeout(
        WAIT,
        ScratchClient::connect(&player, ConnectMode::Insecure, PacketSize::Fixed(220)),
    )
    .await
    .unwrap()
    .unwrap();
    let reply = client.request("add", &["2", "40"], WAIT).await.unwrap();
    assert_eq!(reply, "42");
    let sprite = tokio::time::timeout(
        WAIT,
        CloudHandle::connect(
            ConnectionConfig::custom(&url, "808082").rate_limit(RateLimit::unlimited()),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let mut events = sprite.events();
    assert_eq!(
        request(&sprite, &mut events, 20001, "add&2&40", WAIT).await,
        items(&["42"])
    );
    sa_bot.stop().await;
    bot.stop().await;
    sky.stop().await;
    player.stop().await;
    sprite.stop().await;
    server.stop().await;
}
