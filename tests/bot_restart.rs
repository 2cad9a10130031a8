//! A request bot survives its server: started before the server is up it serves the
//! client (what the sprite does: `ScratchClient`) once the server accepts connections, and
//! after every `kill -9` and restart of the server it serves new sessions without being
//! restarted. Run against the embedded server (own process) and TurboWarp's.

#[path = "support/peer.rs"]
mod peer;

use peer::Peer;
use scratchcommunication::cloud::{CloudHandle, ConnectionConfig, EventKind, RateLimit};
use scratchcommunication::requests::{Registry, RequestBot};
use scratchcommunication::socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn config(url: &str) -> ConnectionConfig {
    ConnectionConfig::custom(url, "777").rate_limit(RateLimit::unlimited())
}

/// One session as the sprite runs it: its own connection, a request, the reply.
async fn session(url: &str, a: u32) {
    let cloud = tokio::time::timeout(WAIT, CloudHandle::connect(config(url)))
        .await
        .expect("client connects in time")
        .expect("client connects");
    let client = tokio::time::timeout(
        WAIT,
        ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(220)),
    )
    .await
    .expect("socket handshake in time")
    .expect("socket handshake");
    let reply = client
        .request("add", &[a.to_string(), "1".to_string()], WAIT)
        .await
        .unwrap_or_else(|e| panic!("no reply to add {a} 1: {e}"));
    assert_eq!(reply, (a + 1).to_string());
    client.close().await;
}

async fn bot_outlives_its_server(mut peer: Peer, restart_first: bool) {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let url = peer.url();
    // The bot starts first: its connect waits (retrying, logged) for the server.
    let bot_url = url.clone();
    let bot = actix_rt::spawn(async move {
        let cloud = CloudHandle::connect(config(&bot_url))
            .await
            .expect("the bot's connect waits for the server");
        let mut registry = Registry::new();
        registry.request("add", |a: f64, b: f64| (a + b).to_string());
        let socket_config = SocketConfig::default().to_client_spacing(Duration::ZERO);
        let bot = RequestBot::builder(registry)
            .listen_on(&cloud, socket_config)
            .expect("bot starts");
        (bot, cloud)
    });
    if restart_first {
        actix_rt::time::sleep(Duration::from_millis(1500)).await;
        let p = tokio::task::spawn_blocking(move || {
            peer.restart();
            peer
        });
        peer = p.await.unwrap();
    }
    let (bot, bot_cloud) = tokio::time::timeout(WAIT, bot)
        .await
        .expect("the bot is up once the server is")
        .unwrap();
    session(&url, 1).await;
    for round in 0..3u32 {
        let mut bot_events = bot_cloud.events();
        let p = tokio::task::spawn_blocking(move || {
            peer.kill();
            std::thread::sleep(Duration::from_millis(700));
            peer.restart();
            peer
        });
        peer = p.await.unwrap();
        // A sprite's packets sent while the bot is away are lost (a cloud variable keeps
        // only its latest value), so a session starts once the bot is back, as a user
        // loading the project after the restart would (the bot is back within ~2 s).
        tokio::time::timeout(WAIT, async {
            while let Some(ev) = bot_events.next_event().await {
                if ev.kind == EventKind::Connect {
                    return;
                }
            }
            panic!("the bot's connection stopped for good");
        })
        .await
        .expect("the bot reconnects in time");
        session(&url, 10 + round).await;
        assert!(bot.is_running(), "the bot kept running");
    }
    bot.stop().await;
    drop(peer);
}

#[actix_rt::test]
async fn bot_started_before_the_embedded_server_serves_after_every_restart() {
    bot_outlives_its_server(Peer::embedded_not_started(), true).await;
}

#[actix_rt::test]
async fn bot_on_turbowarp_serves_after_every_restart() {
    let Some(peer) = Peer::turbowarp() else {
        return;
    };
    bot_outlives_its_server(peer, false).await;
}
