//! Fault injection (feature `fault-injection`): make `CloudSocket`, `ClientActor` and
//! `LinkWriter` panic inside their own handlers, as a bug would, and check that each is
//! restarted with its state (clients, queued messages, waiting receives, queued replies)
//! and that the sessions go on.

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::fault::Crash;
use actors_socket::{ConnectMode, PacketSize, SocketConfig, SocketHandle};
use harness::*;
use std::time::Duration;

#[actix_rt::test]
async fn a_panicking_socket_keeps_its_clients_and_serves_new_ones() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None, PacketSize::Auto).await;
    let (client, server_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;

    let lost = tokio::time::timeout(WAIT, socket.addr().send(Crash("socket")))
        .await
        .expect("in time");
    assert!(lost.is_err(), "the message that panicked gets no answer");
    assert_eq!(socket.restarts(), 1);
    // Clients kept: listed, and the session goes on both ways.
    let clients = socket.clients().await.unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].client_id(), client.client_id());
    client.send("after the panic").await.unwrap();
    assert_eq!(server_side.recv(WAIT).await.unwrap(), "after the panic");
    server_side.send("still here").await.unwrap();
    assert_eq!(client.recv(WAIT).await.unwrap(), "still here");
    // New clients are accepted by the restarted socket.
    let (second, second_side) =
        harness::client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    second.send("new").await.unwrap();
    assert_eq!(second_side.recv(WAIT).await.unwrap(), "new");
    socket.stop().await;
    assert!(socket.wait().await.is_ok());
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn a_panicking_client_actor_keeps_its_queue_and_waiting_receive() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None, PacketSize::Auto).await;
    let (client, server_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    let mut events = socket.events();

    // Two messages queued in the client actor (nobody receives yet).
    client.send("one").await.unwrap();
    client.send("two").await.unwrap();
    for expected in ["one", "two"] {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(actors_socket::SocketEvent::Message { text, .. }) =
                    events.next_event().await
                {
                    if text == expected {
                        return;
                    }
                }
            }
        })
        .await
        .expect("the socket delivered the message");
    }
    let lost = tokio::time::timeout(WAIT, server_side.addr().send(Crash("client")))
        .await
        .expect("in time");
    assert!(lost.is_err());
    // The queue survived, in order.
    assert_eq!(server_side.recv(WAIT).await.unwrap(), "one");
    assert_eq!(server_side.recv(WAIT).await.unwrap(), "two");

    // A receive waiting while the actor panics is answered afterwards.
    let waiting = {
        let s = server_side.clone();
        actix_rt::spawn(async move { s.recv(WAIT).await })
    };
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    let lost = tokio::time::timeout(WAIT, server_side.addr().send(Crash("client again")))
        .await
        .expect("in time");
    assert!(lost.is_err());
    client.send("three").await.unwrap();
    let got = tokio::time::timeout(WAIT, waiting)
        .await
        .expect("in time")
        .unwrap();
    assert_eq!(got.unwrap(), "three");
    // Replies still go out, and closing still works.
    server_side.send("reply").await.unwrap();
    assert_eq!(client.recv(WAIT).await.unwrap(), "reply");
    socket.stop().await;
    let err = server_side.recv(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(err.kind(), actors_socket::SocketErrorKind::Closed, "{err}");
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn a_panicking_link_writer_keeps_its_queue_and_writes_it() {
    let server = start_server(0).await;
    let url = server.url();
    let bot = connect(&url).await;
    // Default spacing (100 ms between sets): replies queue up in the writer.
    let socket = SocketHandle::listen_on(&bot, SocketConfig::default());
    let (client, server_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    let writer = server_side.writer_addr();

    let sends: Vec<_> = (0..4)
        .map(|i| {
            let s = server_side.clone();
            actix_rt::spawn(async move { s.send(&format!("queued {i}")).await })
        })
        .collect();
    actix_rt::time::sleep(Duration::from_millis(30)).await;
    let lost = tokio::time::timeout(WAIT, writer.send(Crash("writer")))
        .await
        .expect("in time");
    assert!(lost.is_err());
    // At most the message being written at the panic fails (its set may still have been
    // written); the others are written in order and reach the client.
    let mut outcomes = Vec::new();
    for s in sends {
        outcomes.push(
            tokio::time::timeout(WAIT, s)
                .await
                .expect("in time")
                .unwrap(),
        );
    }
    let failed = outcomes.iter().filter(|o| o.is_err()).count();
    assert!(failed <= 1, "{outcomes:?}");
    server_side.send("after").await.unwrap();
    let mut got = Vec::new();
    while got.last().map(String::as_str) != Some("after") && got.len() < 10 {
        got.push(client.recv(WAIT).await.unwrap());
    }
    let delivered: Vec<String> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_ok())
        .map(|(i, _)| format!("queued {i}"))
        .chain(["after".to_owned()])
        .collect();
    let in_order: Vec<&String> = got.iter().filter(|m| delivered.contains(m)).collect();
    assert_eq!(in_order, delivered.iter().collect::<Vec<_>>(), "{got:?}");
    assert!(got.len() <= delivered.len() + failed, "{got:?}");
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}
