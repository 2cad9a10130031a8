//! Shared setup of the end-to-end tests: an embedded cloud server on 127.0.0.1:0, a bot
//! connection with a request bot on its socket, and ScratchClients on their own
//! connections. Every wait is bounded.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use actors_cloud::CloudHandle;
use actors_requests::{RequestBot, RequestBotBuilder};
use actors_security::Security;
use actors_socket::KeyExchange;
use actors_socket::SocketConfig;
use actors_socket::{ConnectMode, PacketSize, ScratchClient};
use scratchcomm_server::{CloudServer, ServerConfig};

pub const PROJECT: &str = "606060";
pub const WAIT: Duration = Duration::from_secs(30);

pub use test_support::vectors::load as vectors;

/// The fixed EC key of ec_handshake.json.
pub fn ec_key() -> Security {
    let doc = vectors("ec_handshake.json");
    Security::from_key_string(doc["server"]["security_to_string"].as_str().unwrap()).unwrap()
}

pub async fn start_server() -> CloudServer {
    tokio::time::timeout(WAIT, CloudServer::start(ServerConfig::default()))
        .await
        .expect("server starts in time")
        .expect("server starts")
}

pub async fn connect(url: &str) -> CloudHandle {
    test_support::cloud::connect_unlimited(url, PROJECT).await
}

/// A bot on its own connection; `secure` uses the EC key of the vectors.
pub async fn bot(url: &str, builder: RequestBotBuilder, secure: bool) -> (CloudHandle, RequestBot) {
    let cloud = connect(url).await;
    let mut config = SocketConfig::default();
    if secure {
        config = config.security(Arc::new(ec_key()) as Arc<dyn KeyExchange>);
    }
    let bot = builder.listen_on(&cloud, config).expect("bot starts");
    (cloud, bot)
}

/// A client on its own connection, like one running copy of the project.
pub async fn client(url: &str, secure: bool) -> ScratchClient {
    let cloud = connect(url).await;
    let mode = if secure {
        ConnectMode::Secure(ec_key().public_data())
    } else {
        ConnectMode::Insecure
    };
    tokio::time::timeout(
        WAIT,
        ScratchClient::connect(&cloud, mode, PacketSize::Fixed(220)),
    )
    .await
    .expect("client connects in time")
    .expect("client connects")
}

/// `n` clients on their own connections with pairwise different client ids. The protocol
/// names a client only by 5 random digits, so 50 real sprites collide with a chance of about
/// 1 in 80; a test that checks who gets which reply must rule that out.
pub async fn distinct_clients(url: &str, secure: bool, n: usize) -> Vec<ScratchClient> {
    let mut clients: Vec<ScratchClient> = Vec::with_capacity(n);
    let mut attempts = 0;
    while clients.len() < n {
        attempts += 1;
        assert!(attempts <= n * 2, "could not find {n} distinct client ids");
        let c = client(url, secure).await;
        if clients.iter().any(|o| o.client_id() == c.client_id()) {
            c.close().await;
        } else {
            clients.push(c);
        }
    }
    clients
}

/// Send `text` and wait for the reply.
pub async fn ask(client: &ScratchClient, text: &str) -> String {
    client.send(text).await.expect("send");
    client
        .recv(WAIT)
        .await
        .unwrap_or_else(|e| panic!("no reply to {text:?}: {e}"))
}

/// Another connection floods the room: `sets` sets of `noise` (1, 2, …) queued at once, then
/// one more (`sets + 1`) awaited, which resolves once every set before it was written. The
/// task yields the flooding connection back.
pub fn flood(flooder: CloudHandle, sets: u32) -> actix_rt::task::JoinHandle<CloudHandle> {
    actix_rt::spawn(async move {
        for i in 1..=sets {
            flooder.queue_set("noise", i).expect("queued");
        }
        flooder.set("noise", sets + 1).await.expect("flood written");
        flooder
    })
}
