//! Live updates over server-sent events: the snapshot, variables pushed when another
//! client sets them, derived connection state and reconnect count across a server
//! restart, the subscriber limit and the slow-subscriber policy, and `serve_dashboard`.

mod common;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::{test, App};
use common::*;
use scratchcomm_dashboard::{serve_dashboard, Dashboard, SseLimits};
use std::time::Duration;

#[actix_web::test]
async fn pushes_snapshot_variables_and_connection_state() {
    let srv = server_on(0).await;
    let port = srv.local_addr().port();
    let a = connect(config(&srv.url(), "600", "dash")).await;
    let other = connect(config(&srv.url(), "600", "other")).await;
    let dashboard = Dashboard::new(&a);
    let app = test::init_service(App::new().configure(dashboard.configure())).await;

    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let mut live = SseReader::new(resp.into_body());
    let first = live.next().await.expect("snapshot");
    assert_eq!(first.event, "snapshot");
    assert_eq!(first.data["projects"][0]["id"], "custom:600");
    assert_eq!(dashboard.subscriber_count(), 1);

    // Another connection sets a value: pushed as a variable message.
    bounded("set", other.set("score", 77)).await.unwrap();
    let v = live
        .until("score=77", |f| {
            f.event == "variable" && f.data["name"] == "score"
        })
        .await;
    assert_eq!(v.data["value"], "77");
    assert_eq!(v.data["id"], "custom:600");

    // A set through the API is pushed too (the connection gets no echo of its own sets).
    let req = test::TestRequest::post()
        .uri("/dashboard/api/projects/600/variables/mine")
        .set_json(serde_json::json!({"value": "3"}))
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::OK);
    live.until("mine=3", |f| {
        f.event == "variable" && f.data["name"] == "mine" && f.data["value"] == "3"
    })
    .await;
    // So is any set the app makes through the attached connection's own handle.
    bounded("own set", a.set("own", 5)).await.unwrap();
    live.until("own=5", |f| {
        f.event == "variable" && f.data["name"] == "own" && f.data["value"] == "5"
    })
    .await;

    // The server goes away: disconnected. It comes back on the same port: one reconnect.
    other.stop().await;
    srv.stop().await;
    let p = live
        .until("disconnected", |f| {
            f.event == "project" && f.data["state"] == "disconnected"
        })
        .await;
    assert!(p.data["last_reason"].is_string());
    assert_eq!(p.data["reconnects"], 0);
    let srv = server_on(port).await;
    let p = live
        .until("reconnected", |f| {
            f.event == "project" && f.data["state"] == "connected"
        })
        .await;
    assert_eq!(p.data["reconnects"], 1);
    assert_eq!(dashboard.snapshot().projects[0].status.reconnects, 1);

    // Stopping the connection for good ends its event stream: stopped.
    a.stop().await;
    let p = live
        .until("stopped", |f| {
            f.event == "project" && f.data["state"] == "stopped"
        })
        .await;
    assert_eq!(p.data["reconnects"], 1);
    srv.stop().await;
}

#[actix_web::test]
async fn subscriber_limit_and_slow_subscribers_are_bounded() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "700", "dash")).await;
    let other = connect(config(&srv.url(), "700", "other")).await;
    let dashboard = Dashboard::new(&a).limits(
        SseLimits::default()
            .max_subscribers(1)
            .buffer(2)
            .keepalive(Duration::from_secs(60)),
    );
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    let get = || {
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request()
    };

    let slow = test::call_service(&app, get()).await;
    assert_eq!(slow.status(), StatusCode::OK);
    let refused = test::call_service(&app, get()).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_slice(&test::read_body(refused).await).unwrap();
    assert_eq!(json["error"]["kind"], "too_many_subscribers");

    // The slow subscriber reads nothing while 5 values arrive; its queue (2, the snapshot
    // is one) overflows, so it is disconnected: its stream ends instead of growing.
    for i in 0..5 {
        bounded("set", other.set("n", i)).await.unwrap();
    }
    eventually("a saw all sets", || {
        a.get("n").map(|v| v.as_str() == "4").unwrap_or(false)
    })
    .await;
    eventually("slow subscriber dropped", || {
        dashboard.subscriber_count() == 0
    })
    .await;
    let mut slow = SseReader::new(slow.into_body());
    let mut frames = Vec::new();
    while let Some(f) = slow.next().await {
        frames.push(f);
    }
    assert!(slow.ended);
    assert_eq!(frames[0].event, "snapshot");
    assert!(frames.len() <= 3, "at most the queued messages: {frames:?}");

    // Its slot is free again; a new stream starts from a snapshot with the latest value.
    let again = test::call_service(&app, get()).await;
    assert_eq!(again.status(), StatusCode::OK);
    let mut again = SseReader::new(again.into_body());
    let snap = again.next().await.unwrap();
    assert_eq!(snap.data["projects"][0]["variables"]["n"], "4");

    // Closing the streams (before a graceful shutdown) ends them.
    dashboard.close_streams();
    while again.next().await.is_some() {}
    assert!(again.ended);
    assert_eq!(dashboard.subscriber_count(), 0);
    a.stop().await;
    other.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn keepalive_comments_flow_while_nothing_happens() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "750", "dash")).await;
    let dashboard =
        Dashboard::new(&a).limits(SseLimits::default().keepalive(Duration::from_millis(100)));
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request(),
    )
    .await;
    let mut body = resp.into_body();
    let mut raw = String::new();
    bounded("two keepalives", async {
        while raw.matches(": keepalive\n\n").count() < 2 {
            let chunk =
                futures_util::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_next(cx))
                    .await;
            match chunk {
                Some(Ok(bytes)) => raw.push_str(std::str::from_utf8(&bytes).unwrap()),
                other => panic!("stream ended or failed: {other:?}"),
            }
        }
    })
    .await;
    assert!(raw.starts_with("retry: 1000\nevent: snapshot\n"), "{raw}");
    a.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn serve_dashboard_on_its_own_port() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "800", "dash")).await;
    let running = serve_dashboard("127.0.0.1:0", Dashboard::new(&a))
        .await
        .expect("serves");
    let url = running.url();
    assert_eq!(
        url,
        format!(
            "http://127.0.0.1:{}/dashboard/",
            running.local_addr().port()
        )
    );

    let page = fetch(running.local_addr(), "/dashboard/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("dashboard-base"));
    let api = fetch(running.local_addr(), "/dashboard/api/projects").await;
    assert!(api.contains(r#""project_id":"800""#), "{api}");
    let port = running.local_addr();
    running.stop().await;
    assert!(
        tokio::net::TcpStream::connect(port).await.is_err(),
        "port freed"
    );

    let err = serve_dashboard("not an address", Dashboard::new(&a))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), scratchcomm_dashboard::DashboardErrorKind::Bind);
    a.stop().await;
    srv.stop().await;
}

/// A minimal HTTP/1.1 GET over a raw socket (bounded), returning the whole response.
async fn fetch(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    bounded("http get", async {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
}
