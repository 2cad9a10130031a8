//! `scratchcomm set NAME --stdin` (issue #14 item 8): every line of standard input is set, in
//! order, on one connection that reconnects across a server restart; exit 0 once all are
//! written. Against the embedded server on loopback; every wait bounded.

use actors_cloud::{CloudHandle, ConnectionConfig, EventKind, RateLimit};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

const LIMIT: Duration = Duration::from_secs(20);

async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    test_support::within(LIMIT, what, fut).await
}

fn set_stdin(url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_scratchcomm"))
        .args([
            "set",
            "--host",
            url,
            "--project",
            "room",
            "score",
            "--stdin",
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("scratchcomm starts")
}

async fn eventually(what: &str, cond: impl FnMut() -> bool) {
    test_support::eventually_within(LIMIT, what, cond).await
}

fn score(srv: &CloudServer) -> Option<String> {
    srv.variables("room")?
        .into_iter()
        .find(|(n, _)| n == "☁ score")
        .map(|(_, v)| v)
}

#[actix_rt::test]
async fn stdin_values_are_set_in_order_across_a_server_restart() {
    let srv = CloudServer::start(ServerConfig::default()).await.unwrap();
    let port = srv.local_addr().port();
    let url = srv.url();
    // A watcher records every value in the order the server relays them.
    let watcher = CloudHandle::connect(
        ConnectionConfig::custom(&url, "room").rate_limit(RateLimit::unlimited()),
    )
    .await
    .unwrap();
    let mut events = watcher.events();
    let mut child = set_stdin(&url, &[]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"1\n-2.5\n3\n").await.unwrap();
    let mut seen = Vec::new();
    bounded("the first three values", async {
        while seen.len() < 3 {
            let ev = events.next_event().await.expect("watcher events");
            if ev.kind == EventKind::Set && ev.name == "score" {
                seen.push(ev.value.unwrap().into_string());
            }
        }
    })
    .await;
    assert_eq!(seen, ["1", "-2.5", "3"]);
    watcher.stop().await;

    // The server goes away and comes back on the same port; the same process goes on.
    srv.stop().await;
    let srv = CloudServer::start(ServerConfig::default().port(port))
        .await
        .expect("restart on the same port");
    stdin.write_all(b"4\n5\r\n6").await.unwrap();
    drop(stdin); // end of input: the last line has no newline
    let status = bounded("scratchcomm exits", child.wait()).await.unwrap();
    assert!(status.success(), "exit status {status}");
    eventually("the last value arrived", || {
        score(&srv).as_deref() == Some("6")
    })
    .await;
    srv.stop().await;
}

#[actix_rt::test]
async fn a_value_the_host_would_drop_stops_with_its_line_number() {
    let srv = CloudServer::start(ServerConfig::default()).await.unwrap();
    let mut child = set_stdin(&srv.url(), &[]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"7\n1e5\n8\n").await.unwrap();
    drop(stdin);
    let out = bounded("scratchcomm exits", child.wait_with_output())
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("1e5"), "{err}");
    eventually("the good line before it was written", || {
        score(&srv).as_deref() == Some("7")
    })
    .await;
    srv.stop().await;
}
