//! Load: 20 secure clients each send five 6000-character requests at once; every request
//! must arrive whole.
//!
//! Regression test: the Rust `ScratchClient` sends many packets within one centisecond, so
//! they share the salt, and since the cipher ignores the seed (§7.3) two equal chunks were
//! byte-identical whenever their random seeds collided; the socket's replay guard then
//! (rightly) dropped the second. The client now never reuses a seed at one salt
//! (`actors_socket::FreshSeeds`).

#[path = "support/harness.rs"]
mod harness;
#[path = "support/vector_handlers.rs"]
mod vector_handlers;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actors_requests::RequestBot;
use futures_util::StreamExt;
use harness::*;

#[actix_rt::test]
async fn many_long_secure_requests_at_once() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_test_writer()
        .try_init();
    let server = start_server().await;
    let mut requests = vector_handlers::registry();
    requests.request("length", |s: String| s.chars().count());
    let (cloud, bot) = bot(&server.url(), RequestBot::builder(requests), true).await;
    let lagged = Arc::new(AtomicU64::new(0));
    let seen = lagged.clone();
    let mut stream = cloud.events();
    actix_rt::spawn(async move {
        while let Some(e) = stream.next().await {
            if let actors_cloud::EventKind::Lagged { missed } = e.kind {
                seen.fetch_add(missed, Ordering::SeqCst);
            }
        }
    });
    let clients = distinct_clients(&server.url(), true, 20).await;
    let mut tasks = Vec::new();
    for (t, secure) in clients.into_iter().enumerate() {
        tasks.push(actix_rt::spawn(async move {
            let long = "ab c".repeat(1500);
            let mut short = Vec::new();
            for _ in 0..5 {
                let got = secure
                    .request("length", &[long.as_str()], WAIT)
                    .await
                    .unwrap();
                if got != "6000" {
                    short.push(format!("client {t}: {got} of 6000 characters arrived"));
                }
            }
            short
        }));
    }
    let mut short = Vec::new();
    for t in tasks {
        short.extend(t.await.unwrap());
    }
    eprintln!(
        "lagged events on the bot connection: {}",
        lagged.load(Ordering::SeqCst)
    );
    assert!(short.is_empty(), "{short:#?}");
    bot.stop().await;
    server.stop().await;
}
