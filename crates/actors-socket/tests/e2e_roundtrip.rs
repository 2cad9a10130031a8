//! Round trips through the embedded cloud server: a socket on a bot connection and
//! ScratchClients on their own connections (loopback, port 0, rate limits off).

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::ValueRules;
use actors_security::Security;
use actors_socket::{ConnectMode, PacketSize, SocketErrorKind, SocketEvent};
use futures_util::FutureExt;
use harness::*;

const LENGTHS: [usize; 7] = [0, 1, 100, 219, 220, 1000, 5000];

#[derive(Clone, Copy, Debug)]
enum Mode {
    Insecure,
    Ec,
    Rsa,
}

async fn round_trips(mode: Mode, size: usize) {
    let server = start_server(0).await;
    let url = server.url();
    let key = match mode {
        Mode::Insecure => None,
        Mode::Ec => Some(ec_key()),
        Mode::Rsa => Some(rsa_key()),
    };
    let connect_mode = match &key {
        None => ConnectMode::Insecure,
        Some(k) => ConnectMode::Secure(public_data(k)),
    };
    // At 220 every value must also pass Scratch's rules (numerals of at most 256
    // characters, §3.7): both sides validate with them.
    let rules = (size == 220).then(ValueRules::scratch);
    let (bot, socket) = socket_with(&url, key, PacketSize::Fixed(size), rules.clone()).await;
    let cloud = connect_with(&url, PROJECT, rules).await;
    let (client, server_side) = client_over(
        std::sync::Arc::new(cloud),
        &socket,
        connect_mode,
        PacketSize::Fixed(size),
    )
    .await;
    assert_eq!(server_side.is_secure(), !matches!(mode, Mode::Insecure));
    assert_eq!(client.is_secure(), server_side.is_secure());
    for (i, &n) in LENGTHS.iter().enumerate() {
        let text = message(n, i);
        // Client -> server: any length works (the server reassembles every packet).
        client.send(&text).await.expect("client send");
        assert_eq!(
            server_side.recv(WAIT).await.expect("server recv"),
            text,
            "{mode:?} {size} {n} up"
        );
        // Server -> client: insecure replies need at most 2 packets (§9 C1).
        let reply = format!("re:{}", message(n, i + 1));
        let reply = &reply[..reply.len().min(n.max(1))];
        let digits = 1 + 2 * reply.chars().count();
        let sent = server_side.send(reply).await;
        if matches!(mode, Mode::Insecure) && digits > 2 * size {
            assert_eq!(sent.unwrap_err().kind(), SocketErrorKind::InsecureTooLong);
            continue;
        }
        sent.expect("server send");
        assert_eq!(
            client.recv(WAIT).await.expect("client recv"),
            reply,
            "{mode:?} {size} {n} down"
        );
    }
    client.close().await;
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn insecure_220() {
    round_trips(Mode::Insecure, 220).await;
}

#[actix_rt::test]
async fn insecure_98800() {
    round_trips(Mode::Insecure, 98_800).await;
}

#[actix_rt::test]
async fn ec_220() {
    round_trips(Mode::Ec, 220).await;
}

#[actix_rt::test]
async fn ec_98800() {
    round_trips(Mode::Ec, 98_800).await;
}

#[actix_rt::test]
async fn rsa_220() {
    round_trips(Mode::Rsa, 220).await;
}

#[actix_rt::test]
async fn rsa_98800() {
    round_trips(Mode::Rsa, 98_800).await;
}

#[actix_rt::test]
async fn characters_outside_the_table_become_question_marks() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, Some(ec_key()), PacketSize::Auto).await;
    let mut events = socket.events();
    let (secure, secure_side) = client(
        &url,
        &socket,
        ConnectMode::Secure(public_data(&ec_key())),
        PacketSize::Fixed(220),
    )
    .await;
    let (plain, plain_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    let text = "naïve café 😀 a+b@c~";
    let expected = "na?ve caf? ? a?b?c?";
    secure.send(text).await.unwrap();
    assert_eq!(secure_side.recv(WAIT).await.unwrap(), expected);
    secure_side.send(text).await.unwrap();
    assert_eq!(secure.recv(WAIT).await.unwrap(), expected);
    // The sprite encodes per UTF-16 unit: the emoji becomes two '?'.
    plain.send(text).await.unwrap();
    assert_eq!(plain_side.recv(WAIT).await.unwrap(), "na?ve caf? ?? a?b?c?");
    plain_side.send(text).await.unwrap();
    assert_eq!(plain.recv(WAIT).await.unwrap(), expected);
    // The events saw both users and the messages.
    let mut seen = Vec::new();
    while let Some(Some(e)) = events.next_event().now_or_never() {
        seen.push(e);
    }
    assert!(seen.iter().any(|e| matches!(e, SocketEvent::NewSecureUser { client_id, .. } if *client_id == secure.client_id())));
    assert!(seen.iter().any(
        |e| matches!(e, SocketEvent::NewUser { client_id, .. } if *client_id == plain.client_id())
    ));
    assert!(seen
        .iter()
        .any(|e| matches!(e, SocketEvent::Message { secure: true, text, .. } if text == expected)));
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn request_is_serialised_like_the_sprite() {
    let server = start_server(0).await;
    let url = server.url();
    let key: Security = ec_key();
    let public = public_data(&key);
    let (bot, socket) = socket(&url, Some(key), PacketSize::Auto).await;
    let (client, side) = client(
        &url,
        &socket,
        ConnectMode::Secure(public),
        PacketSize::Fixed(220),
    )
    .await;
    let answer = actix_rt::spawn(async move {
        let text = side.recv(WAIT).await.unwrap();
        side.send(&format!("got {text}")).await.unwrap();
        text
    });
    let reply = client
        .request("echo", &["5", "it's \"q\""], WAIT)
        .await
        .unwrap();
    assert_eq!(answer.await.unwrap(), "echo 5 \"it\\'s \\\"q\\\"\"");
    assert_eq!(reply, "got echo 5 \"it\\'s \\\"q\\\"\"");
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}
