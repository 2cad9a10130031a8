//! Robustness: ping keepalive, slow-consumer protection, 200 concurrent clients.

use super::support::*;
use futures_util::future::join_all;
use scratchcomm_server::Limits;
use scratchcomm_server::{CloudServer, ServerConfig};
use std::collections::HashSet;
use std::time::Duration;

#[actix_rt::test]
async fn a_client_that_stops_answering_pings_is_dropped() {
    let config = ServerConfig::default()
        .ping_interval(Duration::from_millis(40))
        .ping_timeout(Duration::from_millis(120));
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let mut silent = Ws::join(&url, "1", "silent").await;
    silent.auto_pong = false;
    let mut live = Ws::join(&url, "1", "live").await;
    live.answer_pings(1).await;
    assert_eq!(server.state().client_count("1"), 2);
    assert_eq!(silent.recv().await, Got::Ping);

    // `live` only answers pings (sends nothing else) while the server gives up on `silent`.
    let dropped = actix_rt::spawn(async move { silent.close_code().await });
    while !dropped.is_finished() {
        live.answer_pings(1).await;
    }
    assert_eq!(dropped.await.unwrap(), Some(1001));
    eventually("silent client left the room", || {
        server.state().client_count("1") == 1
    })
    .await;
    // `live` stays well past the timeout by answering.
    live.answer_pings(5).await;
    assert_eq!(server.state().client_count("1"), 1);
    assert_eq!(server.state().connection_count(), 1);
    server.stop().await;
}

/// `slow` stops reading while `fast` floods the room; returns how `slow` ended and how many
/// messages reached it of the `sent` ones.
async fn flood_until_slow_is_dropped(
    server: &CloudServer,
    mut name_of: impl FnMut(usize) -> String,
) -> (Got, usize, usize) {
    let url = server.url();
    let mut slow = Ws::join(&url, "1", "slow").await;
    let mut fast = Ws::join(&url, "1", "fast").await;
    assert!(slow.sync().await.is_empty() && fast.sync().await.is_empty());
    // `slow` stops reading; `fast` floods the room with 90 kB values.
    let big = format!("\"{}\"", "7".repeat(90_000));
    let mut sent = 0;
    while server.state().client_count("1") == 2 {
        assert!(sent < 2000, "the slow client was never disconnected");
        fast.send(&set(&name_of(sent), &big)).await;
        sent += 1;
    }
    assert_eq!(server.state().client_count("1"), 1);
    // The fast client is unaffected.
    assert!(fast.sync().await.is_empty());
    // The slow client gets what was already on the wire, then the end.
    let mut received = 0;
    let end = loop {
        match slow.recv().await {
            Got::Text(t) => received += t.lines().count(),
            Got::Ping => {}
            other => break other,
        }
    };
    eventually("slow connection released", || {
        server.state().connection_count() == 1
    })
    .await;
    (end, received, sent)
}

#[actix_rt::test]
async fn a_client_holding_too_many_bytes_is_disconnected() {
    let config = ServerConfig::default()
        .outbound_coalesce_bytes(50_000)
        .outbound_max_bytes(400_000);
    let server = CloudServer::start(config).await.unwrap();
    // 100 distinct variables: coalescing cannot shrink the slow client's queue below them.
    let (end, received, sent) =
        flood_until_slow_is_dropped(&server, |i| format!("v{}", i % 100)).await;
    assert!(
        received < sent,
        "{received} of {sent} reached the slow client"
    );
    assert!(
        matches!(end, Got::Close(Some(1013)) | Got::Ended),
        "slow client ended with {end:?}"
    );
    server.stop().await;
}

#[actix_rt::test]
async fn a_client_that_does_not_read_for_too_long_is_disconnected() {
    // One variable only: coalescing keeps the queue at one message, so only the age of
    // what the client has not taken decides.
    let config = ServerConfig::default().outbound_max_lag(Duration::from_millis(300));
    let server = CloudServer::start(config).await.unwrap();
    let (end, received, sent) = flood_until_slow_is_dropped(&server, |_| "v".to_owned()).await;
    assert!(
        received < sent,
        "{received} of {sent} reached the slow client"
    );
    assert!(
        matches!(end, Got::Close(Some(1013)) | Got::Ended),
        "slow client ended with {end:?}"
    );
    server.stop().await;
}

const CLIENTS: usize = 200;

#[actix_rt::test]
async fn two_hundred_clients_share_one_room() {
    let limits = Limits::default()
        .max_variables_per_room(CLIENTS)
        .max_clients_per_room(CLIENTS);
    let server = CloudServer::start(ServerConfig::default().limits(limits))
        .await
        .unwrap();
    let url = server.url();
    let mut clients = join_all((0..CLIENTS).map(|i| {
        let url = url.clone();
        async move { Ws::join(&url, "200", &format!("user{i}")).await }
    }))
    .await;
    for c in clients.iter_mut() {
        assert!(c.sync().await.is_empty());
    }
    assert_eq!(server.state().client_count("200"), CLIENTS);
    assert_eq!(server.state().connection_count(), CLIENTS);

    for (i, c) in clients.iter_mut().enumerate() {
        c.send(&set(&format!("c{i}"), &i.to_string())).await;
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut seen = HashSet::new();
        while seen.len() < CLIENTS - 1 {
            let text = c.text().await;
            for line in text.lines() {
                assert!(seen.insert(line.to_owned()), "client {i} got {line} twice");
            }
        }
        assert!(!seen.contains(&set_out(&format!("c{i}"), &i.to_string())));
    }
    let vars = server.variables("200").unwrap();
    assert_eq!(vars.len(), CLIENTS);
    assert!(vars.contains(&("☁ c199".to_owned(), "199".to_owned())));
    server.stop().await;
}
