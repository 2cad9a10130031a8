//! A burst of room traffic must not push a client's reply out (docs/performance.md H5):
//! a `ScratchClient` picks its replies out on the connection's actor, below the bounded
//! event ring, so a stalled task elsewhere cannot make it lag and lose them.

#[path = "support/harness.rs"]
mod harness;

use actix::Arbiter;
use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_socket::{ConnectMode, PacketSize, ScratchClient};
use harness::*;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Runs `fut` on `arbiter` and waits for its output.
async fn run_on<T, F>(arbiter: &Arbiter, fut: F) -> T
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    assert!(arbiter.spawn(async move {
        let _ = tx.send(fut.await);
    }));
    tokio::time::timeout(WAIT, rx)
        .await
        .expect("in time")
        .expect("arbiter alive")
}

#[actix_rt::test]
async fn a_burst_of_room_events_does_not_push_a_reply_out() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None, PacketSize::Auto).await;
    let noise = connect(&url).await;

    // The client's connection runs on its own thread with a ring of only 4 events.
    let cloud_thread = Arbiter::new();
    let config = ConnectionConfig::custom(&url, PROJECT)
        .rate_limit(RateLimit::unlimited())
        .event_capacity(4);
    let cloud: CloudHandle = run_on(&cloud_thread, async move {
        CloudHandle::connect(config).await.expect("connects")
    })
    .await;
    // The client itself is made on a third thread, which is then kept busy.
    let client_thread = Arbiter::new();
    let c = cloud.clone();
    let client: ScratchClient = run_on(&client_thread, async move {
        ScratchClient::connect(&c, ConnectMode::Insecure, 220)
            .await
            .expect("client connects")
    })
    .await;
    let (side, _) = socket.accept(WAIT).await.expect("accepted");
    let (release, stalled) = std::sync::mpsc::channel::<()>();
    assert!(client_thread.spawn(async move {
        let _ = stalled.recv_timeout(WAIT);
    }));

    // The reply, then 60 other sets in the room, while the client's thread is stalled.
    side.send("the reply").await.expect("reply sent");
    for i in 0..60 {
        noise.set("noise", i.to_string()).await.expect("noise");
    }
    let deadline = Instant::now() + WAIT;
    while cloud.get("noise").map(|v| v.into_string()).as_deref() != Some("59") {
        assert!(Instant::now() < deadline, "the noise never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    release.send(()).expect("release the client thread");

    assert_eq!(client.recv(WAIT).await.expect("the reply"), "the reply");
    // And the client still talks both ways.
    client.send("still here").await.expect("send");
    assert_eq!(side.recv(WAIT).await.expect("server recv"), "still here");
    side.send("yes").await.expect("send");
    assert_eq!(client.recv(WAIT).await.expect("reply"), "yes");

    client.close().await;
    noise.stop().await;
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
    cloud_thread.stop();
    client_thread.stop();
}
