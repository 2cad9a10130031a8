//! No client can hurt another: whatever one connection sends, the others that keep reading
//! stay connected and end with the room's final value.
//!
//! Written to hold whether the server applies a frame of several messages or closes its
//! sender (TurboWarp closes it with 4000): only the *other* clients are judged.

use super::support::*;
use scratchcomm_server::{CloudServer, InboundLimit, ServerConfig};

const READERS: usize = 5;

/// Reads messages until `line` arrives; returns how many messages came before it. Panics
/// (failing the test) if the connection ends first or nothing arrives for [`WAIT`].
async fn read_until(mut ws: Ws, line: String) -> (Ws, usize) {
    let mut seen = 0usize;
    loop {
        let text = ws.text().await;
        if text == line {
            return (ws, seen);
        }
        seen += 1;
        assert!(seen < 1_000_000, "never saw {line}");
    }
}

/// `READERS` clients of project "f" that read normally (each on its own task) until they
/// see `line`, then prove with a round trip that they are still connected.
async fn readers(url: &str, line: String) -> Vec<actix_rt::task::JoinHandle<Ws>> {
    let mut tasks = Vec::new();
    for i in 0..READERS {
        let mut ws = Ws::join(url, "f", &format!("reader{i}")).await;
        ws.sync().await;
        let line = line.clone();
        tasks.push(actix_rt::spawn(async move {
            let (mut ws, _) = read_until(ws, line).await;
            ws.sync().await;
            ws
        }));
    }
    tasks
}

/// Waits for every reader; returns their connections (still open).
async fn all_done(tasks: Vec<actix_rt::task::JoinHandle<Ws>>) -> Vec<Ws> {
    let mut done = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        done.push(t.await.unwrap_or_else(|e| panic!("reader {i} failed: {e}")));
    }
    done
}

#[actix_rt::test]
async fn three_hundred_sets_in_one_frame_hurt_nobody_else() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let tasks = readers(&url, set_out("final", "42")).await;
    let mut burst = Ws::join(&url, "f", "burst").await;
    let mut normal = Ws::join(&url, "f", "normal").await;
    burst.sync().await;
    normal.sync().await;
    let frame: Vec<String> = (0..300).map(|i| set("b", &i.to_string())).collect();
    burst.send(&frame.join("\n")).await;
    // Whatever happened to the sender (applied or closed), the room goes on.
    normal.send(&set("final", "42")).await;
    let _readers = all_done(tasks).await;
    // the readers and `normal` are still in the room (`burst` may have been closed)
    assert!(server.state().client_count("f") > READERS);
    assert!(server
        .variables("f")
        .unwrap()
        .contains(&("☁ final".to_owned(), "42".to_owned())));
    server.stop().await;
}

#[actix_rt::test]
async fn ten_thousand_frames_from_one_client_hurt_nobody_else() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let last = 10_000;
    let tasks = readers(&url, set_out("v", &last.to_string())).await;
    let mut burst = Ws::join(&url, "f", "burst").await;
    burst.sync().await;
    for i in 1..=last {
        burst.send(&set("v", &i.to_string())).await;
    }
    // Every reader sees the sender's last value (superseded ones may be skipped for a
    // reader that lags) and is still connected.
    let _readers = all_done(tasks).await;
    assert_eq!(server.state().client_count("f"), READERS + 1);
    // The sender itself was only ever throttled, never closed.
    assert!(burst.sync().await.is_empty());
    server.stop().await;
}

#[actix_rt::test]
async fn a_throttled_sender_is_slowed_down_not_closed() {
    let config = ServerConfig::default().inbound_limit(Some(
        InboundLimit::default()
            .messages_per_sec(500.0)
            .message_burst(20.0),
    ));
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let tasks = readers(&url, set_out("v", "300")).await;
    let mut burst = Ws::join(&url, "f", "burst").await;
    burst.sync().await;
    for i in 1..=300 {
        burst.send(&set("v", &i.to_string())).await;
    }
    let _readers = all_done(tasks).await;
    // Every set of the throttled client was applied, in order, and it is still connected.
    assert!(burst.sync().await.is_empty());
    assert!(server
        .variables("f")
        .unwrap()
        .contains(&("☁ v".to_owned(), "300".to_owned())));
    server.stop().await;
}
