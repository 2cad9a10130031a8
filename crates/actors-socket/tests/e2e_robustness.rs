//! Many clients at once, replayed and tampered packets (embedded server, loopback, bounded
//! waits).

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::EventStream;
use actors_socket::{ConnectMode, PacketSize, SocketEvent};
use futures_util::StreamExt;
use harness::*;

fn head(text: &str) -> String {
    text.chars().take(40).collect()
}

#[actix_rt::test]
async fn twenty_clients_at_once() {
    let server = start_server(0).await;
    let url = server.url();
    let key = ec_key();
    let public = public_data(&key);
    let (bot, socket) = socket(&url, Some(key), PacketSize::Auto).await;
    // Open the 20 cloud connections first (see the report: opening websockets while the
    // room is busy sometimes stalls in the embedded server), then run all 20 at once.
    let clouds = futures_util::future::join_all((0..20).map(|_| connect(&url))).await;
    let mut tasks = Vec::new();
    for (i, cloud) in clouds.into_iter().enumerate() {
        let mode = if i % 2 == 0 {
            ConnectMode::Secure(public.clone())
        } else {
            ConnectMode::Insecure
        };
        tasks.push(actix_rt::spawn(async move {
            let client =
                actors_socket::ScratchClient::connect(&cloud, mode, PacketSize::Fixed(220))
                    .await
                    .expect("connects");
            for round in 0..3 {
                let text = format!("client {i} round {round} {}", message(150, i));
                client.send(&text).await.expect("send");
                let reply = client.recv(WAIT).await.expect("reply");
                assert_eq!(reply, format!("echo {}", head(&text)));
            }
            client.close().await;
        }));
    }
    // The server answers every message of every client, each client in its own task.
    let mut servers = Vec::new();
    for _ in 0..20 {
        let (side, _) = socket.accept(WAIT).await.expect("accept");
        servers.push(actix_rt::spawn(async move {
            for _ in 0..3 {
                let text = side.recv(WAIT).await.expect("server recv");
                side.send(&format!("echo {}", head(&text)))
                    .await
                    .expect("server send");
            }
        }));
    }
    for t in tasks.into_iter().chain(servers) {
        tokio::time::timeout(WAIT * 3, t)
            .await
            .expect("in time")
            .expect("no panic");
    }
    assert!(socket.clients().await.unwrap().len() >= 20);
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}

async fn next_rejection(events: &mut EventStream<SocketEvent>) -> String {
    loop {
        match tokio::time::timeout(WAIT, events.next_event())
            .await
            .expect("event in time")
        {
            Some(SocketEvent::Rejected { reason, .. }) => return reason.to_string(),
            Some(SocketEvent::Lagged { missed }) => panic!("event stream lagged by {missed}"),
            Some(_) => continue,
            None => panic!("event stream ended"),
        }
    }
}

#[actix_rt::test]
async fn replayed_and_tampered_packets_are_rejected_without_disturbing_others() {
    let server = start_server(0).await;
    let url = server.url();
    let key = ec_key();
    let public = public_data(&key);
    let (bot, socket) = socket(&url, Some(key), PacketSize::Auto).await;
    let attacker = connect(&url).await;
    let mut seen = attacker.events();
    let (victim, victim_side) = client(
        &url,
        &socket,
        ConnectMode::Secure(public.clone()),
        PacketSize::Fixed(220),
    )
    .await;
    let (other, other_side) = client(
        &url,
        &socket,
        ConnectMode::Secure(public),
        PacketSize::Fixed(220),
    )
    .await;
    victim.send("pay 5").await.unwrap();
    assert_eq!(victim_side.recv(WAIT).await.unwrap(), "pay 5");
    // The attacker saw the packet go by; find it.
    let suffix = format!(".{}", victim.client_id());
    let captured = loop {
        let e = tokio::time::timeout(WAIT, seen.next())
            .await
            .unwrap()
            .unwrap();
        if let Some(v) = e.value.as_ref().map(|v| v.as_str().to_owned()) {
            if e.name == "FROM_CLIENT"
                && v.contains(&suffix)
                && v.starts_with('1')
                && !v.starts_with("15919")
            {
                break v;
            }
        }
    };
    let mut events = socket.events();
    // Exact replay.
    attacker.set("FROM_CLIENT", captured.clone()).await.unwrap();
    assert!(next_rejection(&mut events).await.contains("replayed"));
    // Tampered ciphertext digit.
    let mut tampered: Vec<char> = captured.chars().collect();
    tampered[10] = if tampered[10] == '1' { '2' } else { '1' };
    let tampered: String = tampered.into_iter().collect();
    attacker.set("FROM_CLIENT", tampered).await.unwrap();
    assert!(next_rejection(&mut events).await.contains("decryption"));
    // Garbage (the cloud only relays plain decimals, so garbage is one).
    let junk = [
        "0.12345",
        "9.1",
        "-1.5",
        "0",
        "100000",
        ".5",
        "1591901060559031514140503205799999000000000000001.77777",
        "1591901060559031514140503205712345000000000000001.55555",
    ];
    for j in junk {
        attacker.set("FROM_CLIENT", j).await.unwrap();
    }
    // Nobody was disturbed: both clients still talk, the replay delivered nothing.
    other.send("hello from other").await.unwrap();
    assert_eq!(other_side.recv(WAIT).await.unwrap(), "hello from other");
    victim.send("pay 6").await.unwrap();
    assert_eq!(victim_side.recv(WAIT).await.unwrap(), "pay 6");
    victim_side.send("ok").await.unwrap();
    assert_eq!(victim.recv(WAIT).await.unwrap(), "ok");
    attacker.stop().await;
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}
