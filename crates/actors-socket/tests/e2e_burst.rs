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
        ScratchClient::connect(&c, ConnectMode::Insecure, PacketSize::Fixed(220))
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

/// When the cloud connection stops for good, a waiting `recv` ends at once with `Closed`
/// (it used to end with the connection's event stream; the sink must go the same way).
#[actix_rt::test]
async fn recv_ends_when_the_connection_stops_for_good() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None, PacketSize::Auto).await;
    let cloud = CloudHandle::connect(
        ConnectionConfig::custom(&url, PROJECT)
            .rate_limit(RateLimit::unlimited())
            .reconnect(false),
    )
    .await
    .expect("connects");
    let client = ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(220))
        .await
        .expect("client connects");
    let _ = socket.accept(WAIT).await.expect("accepted");
    let waiting = {
        let client = client.clone();
        actix_rt::spawn(async move { client.recv(WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The server goes away; without reconnects the connection stops for good.
    server.stop().await;
    let started = Instant::now();
    let result = tokio::time::timeout(WAIT, waiting)
        .await
        .expect("recv ended in time")
        .expect("no panic");
    let err = result.expect_err("no message can come");
    assert_eq!(err.kind(), actors_socket::SocketErrorKind::Closed, "{err}");
    assert!(started.elapsed() < WAIT / 2, "recv waited for its timeout");
    // A client made over the stopped connection is closed at once, too.
    let late = ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    if let Ok(late) = late {
        let err = late.recv(WAIT).await.expect_err("closed");
        assert_eq!(err.kind(), actors_socket::SocketErrorKind::Closed, "{err}");
    }
    socket.stop().await;
    bot.stop().await;
}
