//! Stop, restart on the same port, going-away close, embedding.

use super::support::*;
use scratchcomm_server::{CloudServer, ServerConfig};

#[actix_rt::test]
async fn stop_closes_clients_with_1001_and_frees_the_port() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let port = server.local_addr().port();
    let url = server.url();
    let mut a = Ws::join(&url, "1", "a").await;
    let mut b = Ws::join(&url, "1", "b").await;
    a.send(&set("x", "7")).await;
    assert_eq!(b.text().await, set_out("x", "7"));
    server.stop().await;
    assert_eq!(a.close_code().await, Some(1001));
    assert_eq!(b.close_code().await, Some(1001));

    let again = CloudServer::start(ServerConfig::default().port(port))
        .await
        .expect("restart on the same port");
    assert_eq!(again.local_addr().port(), port);
    assert_eq!(again.url(), url);
    let mut c = Ws::join(&url, "1", "c").await;
    assert!(c.sync().await.is_empty(), "a restarted server starts empty");
    assert_eq!(again.variables("1"), Some(vec![]));
    again.stop().await;
    assert_eq!(c.close_code().await, Some(1001));
}

/// `stop` returns only after a client has read its 1001 close and closed its socket (or a
/// quarter of a second passed): cut earlier, a client that has not read the close yet may still write to
/// the old socket after `stop` returned, and that write is lost. Here the client closes
/// its socket 50 ms after reading the close, and `stop` must not have returned before.
#[actix_rt::test]
async fn stop_waits_for_clients_to_take_their_close() {
    use super::raw::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;

    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let addr = server.local_addr();
    let mut tcp = tokio::time::timeout(WAIT, tokio::net::TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    join_raw(&mut tcp, addr, server.state(), ("s", "late"), 1).await;

    let closed = Arc::new(AtomicBool::new(false));
    let client = actix_rt::spawn({
        let closed = closed.clone();
        async move {
            // The only frame coming is the close (the room is empty: no join dump).
            let mut head = [0u8; 2];
            tokio::time::timeout(WAIT, tcp.read_exact(&mut head))
                .await
                .expect("the close frame in time")
                .expect("read the close frame");
            assert_eq!(head[0] & 0x0F, 8, "a close frame");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            closed.store(true, Ordering::SeqCst);
            drop(tcp);
        }
    });
    server.stop().await;
    assert!(
        closed.load(Ordering::SeqCst),
        "stop returned before the client had closed its socket"
    );
    client.await.unwrap();
}

#[actix_rt::test]
async fn mounts_into_an_existing_actix_web_app() {
    use actix_web::{web, App, HttpServer};
    use scratchcomm_server::{configure_at, CloudState};

    let state = CloudState::new(ServerConfig::default()).unwrap();
    let app_state = state.clone();
    let http = HttpServer::new(move || {
        App::new()
            .route("/health", web::get().to(|| async { "ok" }))
            .configure(configure_at(app_state.clone(), "/cloud"))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = http.addrs()[0];
    let http = http.run();
    let handle = http.handle();
    actix_rt::spawn(http);

    let url = format!("ws://{addr}/cloud");
    let mut a = Ws::join(&url, "1", "a").await;
    let mut b = Ws::join(&url, "1", "b").await;
    a.send(&set("x", "1")).await;
    assert_eq!(b.text().await, set_out("x", "1"));
    assert_eq!(state.variables("1"), Some(vec![("☁ x".into(), "1".into())]));
    let health = awc::Client::new()
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .unwrap()
        .body()
        .await
        .unwrap();
    assert_eq!(&health[..], b"ok");

    state.close_all();
    assert_eq!(a.close_code().await, Some(1001));
    assert_eq!(b.close_code().await, Some(1001));
    assert!(state.wait_idle(WAIT).await);
    handle.stop(true).await;
}

#[actix_rt::test]
async fn a_busy_port_is_a_bind_error() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let port = server.local_addr().port();
    let err = CloudServer::start(ServerConfig::default().port(port))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), scratchcomm_server::ServerErrorKind::Bind);
    assert!(err.to_string().contains(&port.to_string()), "{err}");
    let bad_host = CloudServer::start(ServerConfig::default().host("no such host.invalid"))
        .await
        .unwrap_err();
    assert_eq!(bad_host.kind(), scratchcomm_server::ServerErrorKind::Config);
    server.stop().await;
}

#[tokio::test]
async fn runs_in_a_plain_tokio_runtime() {
    // The server needs no actix System; only the awc test client wants a LocalSet.
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let clients = tokio::task::LocalSet::new();
    let (mut a, _b) = clients
        .run_until(async {
            let mut a = Ws::join(&url, "1", "a").await;
            let mut b = Ws::join(&url, "1", "b").await;
            a.send(&set("x", "1")).await;
            assert_eq!(b.text().await, set_out("x", "1"));
            (a, b)
        })
        .await;
    server.stop().await;
    let code = clients.run_until(async move { a.close_code().await }).await;
    assert_eq!(code, Some(1001));
}

#[test]
fn host_names_resolve_to_a_bindable_address() {
    use scratchcomm_server::resolve;
    assert_eq!(resolve("localhost", 80).unwrap().port(), 80);
    assert!(resolve("localhost", 0).unwrap().ip().is_loopback());
    assert_eq!(resolve("[::1]", 5).unwrap().to_string(), "[::1]:5");
    assert!(resolve("", 1).is_err());
    assert!(resolve("not a host", 1).is_err());
}
