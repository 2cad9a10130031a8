//! `SaBot` end to end: the embedded cloud server on loopback, the bot on one connection,
//! and a model of scratchattach's sprite (its chunking, ids, slots and decoding, SCRATCHATTACH.md
//! §4.3, §5.9) on another. Every wait is bounded.

use std::time::Duration;

use actors_cloud::{CloudHandle, ConnectionConfig, EventKind, EventStream, RateLimit};
use actors_requests::{
    sa_decode, sa_encode, Failure, Registry, RequestErrorKind, RequestEvent, SaBot, SaConfig,
    SaReply,
};
use scratchcomm_server::{CloudServer, ServerConfig};

const PROJECT: &str = "707070";
const WAIT: Duration = Duration::from_secs(20);

async fn connect(url: &str) -> CloudHandle {
    let config = ConnectionConfig::custom(url, PROJECT).rate_limit(RateLimit::unlimited());
    tokio::time::timeout(WAIT, CloudHandle::connect(config))
        .await
        .expect("connect in time")
        .expect("connects")
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong");
    r.request("add", |a: i64, b: i64| a + b);
    r.request("echo", |s: String| s);
    r.request("long", |n: usize| {
        "abc".chars().cycle().take(n).collect::<String>()
    });
    r.request("lines", || vec!["one", "", "three"]);
    r.request("nothing", || ());
    r.request("fail", || -> Result<String, Failure> {
        Err(Failure::new("boom"))
    });
    r
}

/// What the sprite got: the items of `response` (a number reply is one raw item).
#[derive(Debug, PartialEq)]
enum Got {
    Items(Vec<String>),
    Timeout,
}

/// The sprite's side of one request over `cloud` (its own events stream `events`).
async fn request(
    cloud: &CloudHandle,
    events: &mut EventStream,
    id: u32,
    text: &str,
    wait: Duration,
) -> Got {
    let id = format!("{id:05}0");
    let digits = sa_encode(text);
    let chunks: Vec<&str> = digits
        .as_bytes()
        .chunks(245)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let n = chunks.len();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == n && chunk.len() < 245;
        let value = if last {
            format!("{chunk}.{id}")
        } else {
            format!("-{chunk}.{id}")
        };
        cloud.set("TO_HOST", value.as_str()).await.unwrap();
    }
    if n == 0 || chunks[n - 1].len() == 245 {
        cloud
            .set("TO_HOST", format!(".{id}").as_str())
            .await
            .unwrap();
    }
    let mut slots: Vec<Option<String>> = vec![None];
    let mut encoded = true;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next_event()).await else {
            return Got::Timeout;
        };
        if event.kind != EventKind::Set || !event.name.starts_with("FROM_HOST_") {
            continue;
        }
        let value = event.value.unwrap().into_string();
        if !value.contains(&format!(".{id}")) {
            continue;
        }
        let payload = value.split('.').next().unwrap().to_string();
        if value.ends_with("222") {
            encoded = value.ends_with("2222");
            *slots.last_mut().unwrap() = Some(payload);
        } else {
            let slot: usize = value[value.len() - 4..value.len() - 1].parse().unwrap();
            while slots.len() <= slot {
                slots.insert(slots.len() - 1, None);
            }
            slots[slot - 1] = Some(payload);
        }
        if slots.iter().all(Option::is_some) {
            break;
        }
    }
    let text: String = slots.into_iter().map(Option::unwrap).collect();
    if !encoded {
        return Got::Items(vec![text]);
    }
    let mut items = Vec::new();
    let mut item = String::new();
    for pair in text.as_bytes().chunks(2) {
        let pair = std::str::from_utf8(pair).unwrap();
        if pair == "89" {
            items.push(std::mem::take(&mut item));
        } else {
            item.push_str(&sa_decode(pair).unwrap());
        }
    }
    if !item.is_empty() {
        items.push(item);
    }
    Got::Items(items)
}

fn items(list: &[&str]) -> Got {
    Got::Items(list.iter().map(|s| s.to_string()).collect())
}

#[actix_rt::test]
async fn serves_the_kit_with_typed_handlers() {
    let server = tokio::time::timeout(WAIT, CloudServer::start(ServerConfig::default()))
        .await
        .unwrap()
        .unwrap();
    let url = server.url();
    // A request stored in the room before the bot joins is not answered (B7).
    let sprite = connect(&url).await;
    sprite.set("TO_HOST", "51374733.999990").await.unwrap();
    let bot_cloud = connect(&url).await;
    let bot = SaBot::builder(registry())
        .config(SaConfig {
            length_limit: 256,
            ..SaConfig::turbowarp()
        })
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
    while let Ok(Ok(event)) =
        tokio::time::timeout(Duration::from_millis(200), bot_events.recv()).await
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
    use actors_socket::{ConnectMode, ScratchClient, SocketConfig};

    let server = tokio::time::timeout(WAIT, CloudServer::start(ServerConfig::default()))
        .await
        .unwrap()
        .unwrap();
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
        ScratchClient::connect(&player, ConnectMode::Insecure, 0),
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

/// The bot's connection keeps only 16 events for slow readers, yet a flood of 10,000 sets of
/// another variable in the room costs no request: the bot takes TO_HOST on its connection's
/// actor, not through that ring (which dropped requests under such a flood before).
#[actix_rt::test]
async fn keeps_serving_while_another_client_floods_the_room() {
    const FLOOD: u32 = 10_000;
    let server = tokio::time::timeout(WAIT, CloudServer::start(ServerConfig::default()))
        .await
        .unwrap()
        .unwrap();
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
    let flood = actix_rt::spawn(async move {
        for i in 1..=FLOOD {
            flooder.queue_set("noise", i).expect("queued");
        }
        flooder
            .set("noise", FLOOD + 1)
            .await
            .expect("flood written");
    });
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
    let server = tokio::time::timeout(WAIT, CloudServer::start(ServerConfig::default()))
        .await
        .unwrap()
        .unwrap();
    let url = server.url();
    let sprite = connect(&url).await;
    let bot_cloud = connect(&url).await;
    let bot = SaBot::builder(registry()).start(&bot_cloud).unwrap();
    let mut events = sprite.events();
    assert_eq!(
        request(&sprite, &mut events, 20001, "ping", WAIT).await,
        items(&["pong"])
    );
    let lost = tokio::time::timeout(WAIT, bot.addr().send(actors_cloud::fault::Crash("sa")))
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
    let server = tokio::time::timeout(WAIT, CloudServer::start(ServerConfig::default()))
        .await
        .unwrap()
        .unwrap();
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
