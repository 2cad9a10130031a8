//! Shared setup of the end-to-end tests: an embedded cloud server on 127.0.0.1:0, a bot
//! connection running a socket, and client connections. Every wait is bounded.

#![allow(dead_code)]

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit, ValueRules};
use actors_security::Security;
use actors_socket::{AcceptedClient, ConnectMode, PacketSize, ScratchClient, SocketHandle};
use actors_socket::{CloudLink, SocketConfig};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub const PROJECT: &str = "424242";
pub const WAIT: Duration = Duration::from_secs(20);

pub use test_support::vectors::load as vectors;

/// The fixed EC key of ec_handshake.json.
pub fn ec_key() -> Security {
    let doc = vectors("ec_handshake.json");
    Security::from_key_string(doc["server"]["security_to_string"].as_str().unwrap()).unwrap()
}

/// The fixed 1024-bit RSA key of rsa_handshake.json (generating one is slow in debug builds).
pub fn rsa_key() -> Security {
    let doc = vectors("rsa_handshake.json");
    Security::from_key_string(doc["server"]["security_to_string"].as_str().unwrap()).unwrap()
}

pub async fn start_server(port: u16) -> CloudServer {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let config = ServerConfig::default().port(port);
    tokio::time::timeout(WAIT, CloudServer::start(config))
        .await
        .expect("server start in time")
        .expect("server starts")
}

pub async fn connect(url: &str) -> CloudHandle {
    connect_project(url, PROJECT).await
}

pub async fn connect_project(url: &str, project: &str) -> CloudHandle {
    connect_with(url, project, None).await
}

/// A connection that validates values with `rules` (e.g. Scratch's 256-character numerals).
pub async fn connect_with(url: &str, project: &str, rules: Option<ValueRules>) -> CloudHandle {
    let mut config = ConnectionConfig::custom(url, project).rate_limit(RateLimit::unlimited());
    if let Some(rules) = rules {
        config = config.value_rules(rules);
    }
    test_support::cloud::connect(config).await
}

/// A socket on its own bot connection.
pub async fn socket(
    url: &str,
    security: Option<Security>,
    size: PacketSize,
) -> (CloudHandle, SocketHandle) {
    socket_with(url, security, size, None).await
}

/// [`socket`] whose bot connection validates values with `rules`.
pub async fn socket_with(
    url: &str,
    security: Option<Security>,
    size: PacketSize,
    rules: Option<ValueRules>,
) -> (CloudHandle, SocketHandle) {
    let bot = connect_with(url, PROJECT, rules).await;
    let mut config = SocketConfig::default().packet_size(size);
    if let Some(key) = security {
        config = config.security(Arc::new(key));
    }
    let socket = SocketHandle::listen_on(&bot, config);
    (bot, socket)
}

pub fn public_data(security: &Security) -> BTreeMap<String, String> {
    security.public_data()
}

/// A client over `link` plus the server side of it (accepted).
pub async fn client_over(
    link: Arc<dyn CloudLink>,
    socket: &SocketHandle,
    mode: ConnectMode,
    size: PacketSize,
) -> (ScratchClient, AcceptedClient) {
    let client = tokio::time::timeout(WAIT, ScratchClient::connect_link(link, mode, size))
        .await
        .expect("client connect in time")
        .expect("client connects");
    let (server_side, username) = socket.accept(WAIT).await.expect("accepted");
    assert_eq!(server_side.client_id(), client.client_id());
    assert_eq!(username, None);
    (client, server_side)
}

pub async fn client(
    url: &str,
    socket: &SocketHandle,
    mode: ConnectMode,
    size: PacketSize,
) -> (ScratchClient, AcceptedClient) {
    let cloud = connect(url).await;
    client_over(Arc::new(cloud), socket, mode, size).await
}

/// A deterministic message of `n` table characters.
pub fn message(n: usize, salt: usize) -> String {
    let table: Vec<char> = actors_security::TABLE.chars().collect();
    (0..n)
        .map(|i| table[(i * 7 + salt) % table.len()])
        .collect()
}
