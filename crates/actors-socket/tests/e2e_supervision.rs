//! The socket under its supervisor: a panic restarts it with its clients kept, dropping the
//! last handle stops it, and `wait` returns only on `stop()` or when its cloud connection
//! stopped for good, with the reason.

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::CloseCode;
use actors_socket::UsernameLookup;
use actors_socket::{
    ClientId, ConnectMode, Host, PacketSize, SocketConfig, SocketError, SocketErrorKind,
    SocketHandle,
};
use futures_util::future::BoxFuture;
use harness::*;
use scratchcomm_server::{CloudServer, ProjectFilter, ServerConfig};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// A username lookup (user code) that panics on its first call.
struct PanicsOnce(AtomicU32);

impl UsernameLookup for PanicsOnce {
    fn lookup(&self, _: ClientId, _: Host) -> BoxFuture<'static, Option<String>> {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("lookup exploded");
        }
        Box::pin(async { Some("griffpatch".to_owned()) })
    }
}

/// `socket.wait()` on a task of its own, so the test can stop things meanwhile.
fn wait_in_background(socket: &SocketHandle) -> JoinHandle<Result<(), SocketError>> {
    let s = socket.clone();
    actix_rt::spawn(async move { s.wait().await })
}

/// The error `wait()` ended with (bounded by `WAIT`).
async fn ended_with(waiting: JoinHandle<Result<(), SocketError>>) -> SocketError {
    tokio::time::timeout(WAIT, waiting)
        .await
        .expect("wait returns")
        .unwrap()
        .unwrap_err()
}

#[actix_rt::test]
async fn a_panic_in_the_socket_restarts_it_and_it_keeps_serving() {
    let server = start_server(0).await;
    let url = server.url();
    let bot = connect(&url).await;
    let config = SocketConfig::default()
        .username_lookup(Arc::new(PanicsOnce(AtomicU32::new(0))))
        .to_client_spacing(Duration::ZERO);
    let socket = SocketHandle::listen_on(&bot, config);
    // The first client's lookup panics inside the socket: it restarts.
    let first_cloud = connect(&url).await;
    let _first = tokio::time::timeout(
        WAIT,
        actors_socket::ScratchClient::connect(
            &first_cloud,
            ConnectMode::Insecure,
            PacketSize::Fixed(220),
        ),
    )
    .await
    .expect("in time")
    .expect("the first client connects");
    tokio::time::timeout(WAIT, async {
        while socket.restarts() == 0 {
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the socket restarted after the panic");
    // Still running: the next client is accepted (with its username) and served.
    let cloud = connect(&url).await;
    let client = tokio::time::timeout(
        WAIT,
        actors_socket::ScratchClient::connect(
            &cloud,
            ConnectMode::Insecure,
            PacketSize::Fixed(220),
        ),
    )
    .await
    .expect("in time")
    .expect("the second client connects");
    let (server_side, username) = socket.accept(WAIT).await.expect("accepted after restart");
    assert_eq!(server_side.client_id(), client.client_id());
    assert_eq!(username.as_deref(), Some("griffpatch"));
    client.send("hello").await.unwrap();
    assert_eq!(server_side.recv(WAIT).await.unwrap(), "hello");
    server_side.send("back").await.unwrap();
    assert_eq!(client.recv(WAIT).await.unwrap(), "back");
    assert_eq!(socket.restarts(), 1);
    socket.stop().await;
    assert!(socket.wait().await.is_ok(), "stop() ends wait with Ok");
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn wait_returns_the_reason_when_the_connection_stops_for_good() {
    let server = start_server(0).await;
    let (bot, socket) = socket(&server.url(), None, PacketSize::Auto).await;
    let waiting = wait_in_background(&socket);
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "wait returns only at the end");
    bot.stop().await;
    let err = ended_with(waiting).await;
    assert_eq!(err.kind(), SocketErrorKind::Cloud, "{err}");
    assert!(err.to_string().contains("stopped for good"), "{err}");
    let accept = socket.accept(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(accept.kind(), SocketErrorKind::Cloud, "{accept}");
    server.stop().await;
}

#[actix_rt::test]
async fn a_close_code_that_ends_the_connection_is_the_socket_errors_close_code() {
    let server = start_server(0).await;
    let port = server.local_addr().port();
    let (bot, socket) = socket(&server.url(), None, PacketSize::Auto).await;
    let waiting = wait_in_background(&socket);
    // The server comes back refusing the project: the reconnect is closed with 4004, which
    // cannot heal, so the connection and with it the socket stop for good.
    server.stop().await;
    let config = ServerConfig::default()
        .port(port)
        .project_filter(ProjectFilter::block_list([PROJECT]));
    let blocking = tokio::time::timeout(WAIT, CloudServer::start(config))
        .await
        .expect("restart in time")
        .expect("restart on the same port");
    let err = ended_with(waiting).await;
    assert_eq!(err.kind(), SocketErrorKind::Cloud, "{err}");
    assert_eq!(
        err.close_code(),
        Some(CloseCode::PROJECT_UNAVAILABLE),
        "{err}"
    );
    assert!(err.detail().contains("4004"), "{err}");
    bot.stop().await;
    blocking.stop().await;
}

#[actix_rt::test]
async fn dropping_the_last_handle_stops_the_socket_and_closes_its_clients() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None, PacketSize::Auto).await;
    let (_client, server_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    let addr = socket.addr();
    drop(socket);
    tokio::time::timeout(WAIT, async {
        while !server_side.is_closed() {
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the client is closed once the last handle is gone");
    // The actor ends once its last address is gone too.
    drop(addr);
    bot.stop().await;
    server.stop().await;
}

/// A cloud link (user code) whose first `set` panics; everything else goes to a real
/// connection.
struct PanicsOnFirstSet {
    inner: actors_cloud::CloudHandle,
    sets: AtomicU32,
}

impl actors_socket::CloudLink for PanicsOnFirstSet {
    fn host(&self) -> Host {
        self.inner.host()
    }
    fn events(&self) -> actors_cloud::EventStream {
        actors_socket::CloudLink::events(&self.inner)
    }
    fn feed(&self, sink: actors_socket::EventSink) {
        self.inner.feed(sink)
    }
    fn set(
        &self,
        name: String,
        value: String,
    ) -> BoxFuture<'static, Result<(), actors_socket::SocketError>> {
        if self.sets.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("set exploded");
        }
        actors_socket::CloudLink::set(&self.inner, name, value)
    }
    fn get(&self, name: &str) -> Option<String> {
        actors_socket::CloudLink::get(&self.inner, name)
    }
    fn stop(&self) -> BoxFuture<'static, ()> {
        actors_socket::CloudLink::stop(&self.inner)
    }
}

#[actix_rt::test]
async fn a_panic_in_the_link_writer_fails_one_message_and_the_next_goes_through() {
    let server = start_server(0).await;
    let url = server.url();
    let bot = connect(&url).await;
    let link = Arc::new(PanicsOnFirstSet {
        inner: bot.clone(),
        sets: AtomicU32::new(0),
    });
    let config = SocketConfig::default().to_client_spacing(Duration::ZERO);
    let socket = SocketHandle::listen(vec![link], config);
    let (client, server_side) =
        client(&url, &socket, ConnectMode::Insecure, PacketSize::Fixed(220)).await;
    let err = server_side.send("lost").await.unwrap_err();
    assert!(err.to_string().contains("restarted"), "{err}");
    server_side.send("delivered").await.unwrap();
    assert_eq!(client.recv(WAIT).await.unwrap(), "delivered");
    socket.stop().await;
    bot.stop().await;
    server.stop().await;
}
