//! Socket lifecycle: one socket over several connections (like a Sky), a client replaced
//! by a new connect with the same id, and stopping the socket.

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::{ConnectionConfig, RateLimit, SkyHandle};
use actors_socket::{ClientId, Host, SocketEvent};
use actors_socket::{CloudLink, SocketConfig, UsernameLookup};
use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketErrorKind, SocketHandle};
use futures_util::future::BoxFuture;
use harness::*;
use std::sync::Arc;
use std::time::Duration;

#[actix_rt::test]
async fn one_socket_over_two_projects_replies_through_the_right_one() {
    two_projects(false).await;
}

#[actix_rt::test]
async fn one_socket_over_a_sky_replies_through_the_right_member() {
    two_projects(true).await;
}

async fn two_projects(use_sky: bool) {
    let server = start_server(0).await;
    let url = server.url();
    let key = ec_key();
    let public = public_data(&key);
    let config = SocketConfig::default()
        .security(Arc::new(key))
        .packet_size(PacketSize::Auto);
    let sky = SkyHandle::start(1024);
    let (socket, bots) = if use_sky {
        let socket = SocketHandle::listen_sky(&sky, config);
        for project in ["1001", "2002"] {
            let c = ConnectionConfig::custom(&url, project).rate_limit(RateLimit::unlimited());
            sky.connect(c).await.unwrap();
        }
        (socket, Vec::new())
    } else {
        let bot_a = connect_project(&url, "1001").await;
        let bot_b = connect_project(&url, "2002").await;
        let links: Vec<Arc<dyn CloudLink>> = vec![Arc::new(bot_a.clone()), Arc::new(bot_b.clone())];
        (SocketHandle::listen(links, config), vec![bot_a, bot_b])
    };
    let cloud_a = connect_project(&url, "1001").await;
    let cloud_b = connect_project(&url, "2002").await;
    let a = ScratchClient::connect(
        &cloud_a,
        ConnectMode::Secure(public),
        PacketSize::Fixed(220),
    )
    .await
    .unwrap();
    let b = ScratchClient::connect(&cloud_b, ConnectMode::Insecure, PacketSize::Fixed(220))
        .await
        .unwrap();
    let mut sides = Vec::new();
    for _ in 0..2 {
        sides.push(socket.accept(WAIT).await.unwrap().0);
    }
    for side in &sides {
        let (client, name) = if side.client_id() == a.client_id() {
            (&a, "a")
        } else {
            (&b, "b")
        };
        client.send(&format!("hi from {name}")).await.unwrap();
        assert_eq!(side.recv(WAIT).await.unwrap(), format!("hi from {name}"));
        side.send(&format!("hello {name}")).await.unwrap();
        assert_eq!(client.recv(WAIT).await.unwrap(), format!("hello {name}"));
    }
    // Replies went only to the client's own project.
    let a_vars = server.variables("1001").unwrap();
    let b_vars = server.variables("2002").unwrap();
    let has = |vars: &[(String, String)], id: String| {
        vars.iter()
            .any(|(n, v)| n.contains("TO_CLIENT") && v.contains(&id))
    };
    assert!(has(&a_vars, format!(".{}", a.client_id())));
    assert!(!has(&a_vars, format!(".{}", b.client_id())));
    assert!(has(&b_vars, format!(".{}", b.client_id())));
    socket.stop().await;
    for bot in bots {
        bot.stop().await;
    }
    sky.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn reconnect_with_the_same_id_replaces_the_client_and_stop_closes_everything() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None, PacketSize::Auto).await;
    let raw = connect(&url).await;
    // `_connect` from id 11111, twice (the sprite's insecure connect, §5.1).
    raw.set("FROM_CLIENT", "15903151414050320.111111")
        .await
        .unwrap();
    let (first, _) = socket.accept(WAIT).await.unwrap();
    assert_eq!(first.client_id().to_string(), "11111");
    raw.set("FROM_CLIENT", "15903151414050320.111112")
        .await
        .unwrap();
    let (second, _) = socket.accept(WAIT).await.unwrap();
    assert_eq!(second.client_id(), first.client_id());
    let err = first.recv(WAIT).await.unwrap_err();
    assert_eq!(err.kind(), SocketErrorKind::Closed);
    assert!(first.is_closed());
    assert_eq!(
        first.send("x").await.unwrap_err().kind(),
        SocketErrorKind::Closed
    );
    // The replacement works: "test 5" from id 11111.
    raw.set("FROM_CLIENT", "1200519205383.111113")
        .await
        .unwrap();
    assert_eq!(second.recv(WAIT).await.unwrap(), "test 5");
    // A timed-out recv loses nothing: the next message still arrives.
    let e = second.recv(Duration::from_millis(50)).await.unwrap_err();
    assert_eq!(e.kind(), SocketErrorKind::Timeout);
    raw.set("FROM_CLIENT", "1200519205383.111114")
        .await
        .unwrap();
    assert_eq!(second.recv(WAIT).await.unwrap(), "test 5");
    // Stop: pending and later calls fail with Closed.
    let pending = {
        let second = second.clone();
        actix_rt::spawn(async move { second.recv(WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    socket.stop().await;
    let result = tokio::time::timeout(WAIT, pending).await.unwrap().unwrap();
    assert_eq!(result.unwrap_err().kind(), SocketErrorKind::Closed);
    assert_eq!(
        socket.accept(WAIT).await.unwrap_err().kind(),
        SocketErrorKind::Closed
    );
    raw.stop().await;
    bot.stop().await;
    server.stop().await;
}

/// Names clients by id; fails (None) for odd ids.
struct Names;

impl UsernameLookup for Names {
    fn lookup(&self, client_id: ClientId, _host: Host) -> BoxFuture<'static, Option<String>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            (client_id.number() % 2 == 0).then(|| format!("user{client_id}"))
        })
    }
}

#[actix_rt::test]
async fn username_lookup_hook_and_a_failed_lookup_keeps_the_client() {
    let server = start_server(0).await;
    let url = server.url();
    let bot = connect(&url).await;
    let config = SocketConfig::default().username_lookup(Arc::new(Names));
    let socket = SocketHandle::listen_on(&bot, config);
    let raw = connect(&url).await;
    raw.set("FROM_CLIENT", "15903151414050320.222221")
        .await
        .unwrap();
    let (even, name) = socket.accept(WAIT).await.unwrap();
    assert_eq!(name.as_deref(), Some("user22222"));
    assert_eq!(even.username().as_deref(), Some("user22222"));
    raw.set("FROM_CLIENT", "15903151414050320.333331")
        .await
        .unwrap();
    let (odd, name) = socket.accept(WAIT).await.unwrap();
    assert_eq!(name, None);
    raw.set("FROM_CLIENT", "1200519205383.333332")
        .await
        .unwrap();
    assert_eq!(odd.recv(WAIT).await.unwrap(), "test 5");
    socket.stop().await;
    raw.stop().await;
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn the_same_client_id_in_two_projects_is_two_clients() {
    let server = start_server(0).await;
    let url = server.url();
    let bot_a = connect_project(&url, "1001").await;
    let bot_b = connect_project(&url, "2002").await;
    let links: Vec<Arc<dyn CloudLink>> = vec![Arc::new(bot_a.clone()), Arc::new(bot_b.clone())];
    let socket = SocketHandle::listen(links, SocketConfig::default());
    let raw_a = connect_project(&url, "1001").await;
    let raw_b = connect_project(&url, "2002").await;
    raw_a
        .set("FROM_CLIENT", "15903151414050320.777771")
        .await
        .unwrap();
    let (first, _) = socket.accept(WAIT).await.unwrap();
    raw_b
        .set("FROM_CLIENT", "15903151414050320.777772")
        .await
        .unwrap();
    let (second, _) = socket.accept(WAIT).await.unwrap();
    assert_eq!(first.client_id(), second.client_id());
    assert!(!first.is_closed() && !second.is_closed());
    // "test 5" in project 2002 reaches only the second one.
    raw_b
        .set("FROM_CLIENT", "1200519205383.777773")
        .await
        .unwrap();
    assert_eq!(second.recv(WAIT).await.unwrap(), "test 5");
    let e = first.recv(Duration::from_millis(100)).await.unwrap_err();
    assert_eq!(e.kind(), SocketErrorKind::Timeout);
    assert_eq!(socket.clients().await.unwrap().len(), 2);
    socket.stop().await;
    for c in [raw_a, raw_b, bot_a, bot_b] {
        c.stop().await;
    }
    server.stop().await;
}

/// A reader of `events()` that falls behind gets one `Lagged { missed }`, then the newest
/// events; the stream ends once the socket stopped (the handle still exists).
#[actix_rt::test]
async fn a_slow_event_reader_gets_lagged_and_the_stream_ends_with_the_socket() {
    let server = start_server(0).await;
    let url = server.url();
    let bot = connect(&url).await;
    let config = SocketConfig::default().event_capacity(2);
    let socket = SocketHandle::listen_on(&bot, config);
    let mut events = socket.events();
    let (client, server_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    // Each message is at least one event (`Message`); with the new user, more than fit.
    for i in 0..5 {
        client.send(&format!("m{i}")).await.unwrap();
        assert_eq!(server_side.recv(WAIT).await.unwrap(), format!("m{i}"));
    }
    match tokio::time::timeout(WAIT, events.next_event())
        .await
        .expect("in time")
    {
        Some(SocketEvent::Lagged { missed }) => assert!(missed >= 4, "missed {missed}"),
        other => panic!("expected Lagged, got {other:?}"),
    }
    // Then the newest events, in order, ending with the last message.
    let mut rest = Vec::new();
    for _ in 0..2 {
        rest.push(
            tokio::time::timeout(WAIT, events.next_event())
                .await
                .expect("in time")
                .expect("buffered"),
        );
    }
    assert!(
        matches!(rest.last(), Some(SocketEvent::Message { text, .. }) if text == "m4"),
        "{rest:?}"
    );
    // The reader keeps going: a new message arrives as usual.
    client.send("after").await.unwrap();
    let after = loop {
        match tokio::time::timeout(WAIT, events.next_event())
            .await
            .expect("in time")
            .expect("open")
        {
            SocketEvent::Message { text, .. } => break text,
            _ => continue,
        }
    };
    assert_eq!(after, "after");
    socket.stop().await;
    assert!(
        tokio::time::timeout(WAIT, async { while events.next_event().await.is_some() {} })
            .await
            .is_ok(),
        "the stream ends once the socket stopped"
    );
    assert!(socket.events().next_event().await.is_none());
    client.close().await;
    bot.stop().await;
    server.stop().await;
}

/// A client packet size of `Fixed(0)` is refused with a clear error (0 used to mean 220).
#[actix_rt::test]
async fn a_client_packet_size_of_zero_is_refused() {
    let server = start_server(0).await;
    let cloud = connect(&server.url()).await;
    let err = ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(0))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), SocketErrorKind::InvalidInput);
    assert!(err.to_string().contains("Fixed(0)"), "{err}");
    cloud.stop().await;
    server.stop().await;
}
