//! A secure socket conversation on an embedded cloud server (loopback, random port):
//! a server socket with a fresh EC key, and a client that does what the sprite does.
//!
//! `cargo run -p actors-socket --example secure_chat`

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_security::Security;
use actors_socket::{
    ConnectMode, PacketSize, ScratchClient, SocketConfig, SocketEvent, SocketHandle,
};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = CloudServer::start(ServerConfig::default()).await?;
    let url = server.url();
    println!("cloud server at {url}");
    let cloud =
        |project: &str| ConnectionConfig::custom(&url, project).rate_limit(RateLimit::unlimited());

    let security = Security::generate_ec();
    let public = security.public_data();
    println!("public data for the project: {public:?}");
    let bot = CloudHandle::connect(cloud("1")).await?;
    let config = SocketConfig::default().security(Arc::new(security));
    let socket = SocketHandle::listen_on(&bot, config);
    let mut events = socket.events();

    let client_cloud = CloudHandle::connect(cloud("1")).await?;
    let client =
        ScratchClient::connect(&client_cloud, ConnectMode::Secure(public), PacketSize::Auto)
            .await?;
    let (server_side, username) = socket.accept(WAIT).await?;
    println!(
        "server: new secure client {} (username {username:?})",
        server_side.client_id()
    );

    for line in [
        "hello server",
        "what time is it?",
        &"a long line ".repeat(40),
    ] {
        client.send(line).await?;
        let got = server_side.recv(WAIT).await?;
        println!("server <- {} chars: {}", got.len(), short(&got));
        server_side.send(&format!("echo: {got}")).await?;
        let reply = client.recv(WAIT).await?;
        println!("client <- {} chars: {}", reply.len(), short(&reply));
    }
    let reply = client.request("echo", &["5", "it's"], WAIT);
    let answer = async {
        let text = server_side.recv(WAIT).await?;
        server_side.send(&format!("request was: {text}")).await
    };
    let (reply, answered) = futures_util::join!(reply, answer);
    answered?;
    println!("client request reply: {}", reply?);

    // The events that arrived meanwhile (without waiting for more).
    while let Some(Some(e)) = futures_util::FutureExt::now_or_never(events.next_event()) {
        if let SocketEvent::Message {
            client_id, text, ..
        } = e
        {
            println!("event: message from {client_id} ({} chars)", text.len());
        }
    }
    client.close().await;
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
    Ok(())
}

fn short(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}

fn main() {
    let result = actix_rt::System::new().block_on(run());
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
