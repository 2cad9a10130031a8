//! Attachable sources beyond single connections: a Sky (members now and added later) and
//! a cloud socket (clients with id, username, secure; message count), listed and pushed live.

mod common;

use actix_web::{test, App};
use actors_cloud::{SkyHandle, SourceId};
use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig, SocketHandle};
use common::*;
use scratchcomm_dashboard::{Dashboard, Source};
use serde_json::Value;
use std::time::Duration;

fn clients(frame: &Sse) -> Vec<Value> {
    frame.data["clients"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[actix_web::test]
async fn socket_clients_and_messages_are_shown_live() {
    let srv = server_on(0).await;
    let bot = connect(config(&srv.url(), "900", "bot")).await;
    let socket = SocketHandle::listen_on(&bot, SocketConfig::default());
    let dashboard = Dashboard::new(&bot);
    dashboard.attach(Source::Socket {
        id: "chat".into(),
        handle: socket.clone(),
    });
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request(),
    )
    .await;
    let mut live = SseReader::new(resp.into_body());
    let snapshot = live.next().await.unwrap();
    assert_eq!(snapshot.data["sockets"][0]["id"], "chat");

    // A client (what the sprite does) connects on its own cloud connection.
    let player = connect(config(&srv.url(), "900", "player")).await;
    let client = bounded(
        "client connects",
        ScratchClient::connect(&player, ConnectMode::Insecure, PacketSize::Fixed(220)),
    )
    .await
    .expect("client connects");
    let id = client.client_id().to_string();
    let frame = live
        .until("client listed", |f| {
            f.event == "socket" && clients(f).iter().any(|c| c["id"] == id.as_str())
        })
        .await;
    let row = clients(&frame)
        .into_iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["secure"], false);
    assert_eq!(frame.data["id"], "chat");

    // It sends a message: the count goes up.
    let (server_side, _) = bounded("accept", socket.accept(Duration::from_secs(10)))
        .await
        .expect("accepted");
    bounded("send", client.send("hello dashboard"))
        .await
        .expect("sent");
    let got = bounded("recv", server_side.recv(Duration::from_secs(10)))
        .await
        .expect("received");
    assert_eq!(got, "hello dashboard");
    live.until("message counted", |f| {
        f.event == "socket" && f.data["messages"].as_u64() >= Some(1)
    })
    .await;

    // The JSON API shows the same.
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/projects")
            .to_request(),
    )
    .await;
    let json: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    let listed = json["sockets"][0]["clients"].as_array().unwrap();
    assert!(listed.iter().any(|c| c["id"] == id.as_str()), "{json}");
    assert!(json["sockets"][0]["messages"].as_u64().unwrap() >= 1);

    client.close().await;
    socket.stop().await;
    player.stop().await;
    bot.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn a_sky_shows_every_member_including_later_ones() {
    let srv = server_on(0).await;
    let sky = SkyHandle::start(256);
    for (project, user) in [("901", "one"), ("902", "two")] {
        bounded(
            "sky connect",
            sky.connect(config(&srv.url(), project, user)),
        )
        .await
        .expect("member");
    }
    let dashboard = Dashboard::new(&sky);
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request(),
    )
    .await;
    let mut live = SseReader::new(resp.into_body());
    let snapshot = live.next().await.unwrap();
    let ids: Vec<&str> = snapshot.data["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");

    // Set through the dashboard on a Sky member: reaches another client of that project.
    let outsider = connect(config(&srv.url(), "902", "outsider")).await;
    let req = test::TestRequest::post()
        .uri("/dashboard/api/projects/902/variables/score")
        .set_json(serde_json::json!({"value": 12}))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        actix_web::http::StatusCode::OK
    );
    eventually("outsider sees 12", || {
        outsider.get("score").is_some_and(|v| v.as_str() == "12")
    })
    .await;

    // A member added after the dashboard was built is shown (pushed when it is attached).
    let late = bounded(
        "late member",
        sky.connect(config(&srv.url(), "903", "late").source("late-one")),
    )
    .await
    .unwrap();
    assert_eq!(late, SourceId::new("late-one"));
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/projects")
            .to_request(),
    )
    .await;
    let json: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    assert!(
        json["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "late-one"),
        "{json}"
    );
    live.until("late member pushed", |f| {
        f.event == "project" && f.data["id"] == "late-one"
    })
    .await;
    // ... and its variables are pushed live like the others'.
    let other = connect(config(&srv.url(), "903", "other")).await;
    bounded("set", other.set("x", 5)).await.unwrap();
    live.until("x on late-one", |f| {
        f.event == "variable" && f.data["id"] == "late-one" && f.data["value"] == "5"
    })
    .await;

    // Stopping the Sky stops its members: shown as stopped.
    sky.stop().await;
    live.until("stopped", |f| {
        f.event == "project" && f.data["state"] == "stopped"
    })
    .await;
    other.stop().await;
    outsider.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn a_request_bot_shows_requests_and_errors() {
    use actors_requests::{Failure, Registry, RequestBot};
    let srv = server_on(0).await;
    let bot_cloud = connect(config(&srv.url(), "950", "bot")).await;
    let mut registry = Registry::new();
    registry.request("ping", || "pong");
    registry.request("fail", || -> Result<String, Failure> {
        Err(Failure::new("RuntimeError"))
    });
    let bot = RequestBot::start(
        SocketHandle::listen_on(&bot_cloud, SocketConfig::default()),
        registry,
    )
    .expect("bot starts");
    let dashboard = Dashboard::new(&bot_cloud);
    dashboard.attach(Source::Requests {
        id: "bot".into(),
        bot: bot.clone(),
    });
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request(),
    )
    .await;
    let mut live = SseReader::new(resp.into_body());
    let snapshot = live.next().await.unwrap();
    assert_eq!(snapshot.data["sockets"][0]["id"], "bot");
    assert_eq!(snapshot.data["sockets"][0]["requests"]["handler_errors"], 0);

    let player = connect(config(&srv.url(), "950", "player")).await;
    let client = bounded(
        "client",
        ScratchClient::connect(&player, ConnectMode::Insecure, PacketSize::Fixed(220)),
    )
    .await
    .expect("client");
    let wait = Duration::from_secs(10);
    assert_eq!(
        bounded("ping", client.request("ping", &[] as &[&str], wait))
            .await
            .expect("reply"),
        "pong"
    );
    // The bot's reply went out through its own connection's TO_CLIENT variables: the
    // dashboard shows those own sets live (no echo comes from the server).
    let own = live
        .until("the bot's own TO_CLIENT set", |f| {
            f.event == "variable"
                && f.data["id"] == "custom:950"
                && f.data["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("TO_CLIENT_"))
        })
        .await;
    assert!(own.data["value"].as_str().is_some_and(|v| !v.is_empty()));
    bounded("fail", client.request("fail", &[] as &[&str], wait))
        .await
        .expect("error reply");
    bounded("bad", client.send("this is (not a request"))
        .await
        .expect("sent");
    bounded("bad reply", client.recv(wait))
        .await
        .expect("syntax error reply");

    let frame = live
        .until("errors counted", |f| {
            f.event == "socket"
                && f.data["requests"]["handler_errors"] == 1
                && f.data["requests"]["invalid_syntax"] == 1
        })
        .await;
    let recent = frame.data["requests"]["recent_errors"].as_array().unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0]["kind"], "invalid_syntax", "newest first");
    assert_eq!(recent[1]["request"], "fail");
    assert!(recent[1]["caller"]
        .as_str()
        .unwrap()
        .contains(&client.client_id().to_string()));
    // Every message is reported as served once handled, with its latency.
    let frame = live
        .until("three served", |f| {
            f.event == "socket" && f.data["requests"]["served"] == 3
        })
        .await;
    let stats = &frame.data["requests"];
    assert_eq!(stats["replied"], 3, "{stats}");
    assert_eq!(stats["errors"], 2, "{stats}");
    let latency = &stats["latency"];
    assert_eq!(latency["count"], 3, "{latency}");
    assert_eq!(latency["window"], 3, "{latency}");
    for key in ["last_ms", "mean_ms", "p50_ms", "p99_ms"] {
        let ms = latency[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key}: {latency}"));
        assert!(ms >= 0.0, "{key}: {latency}");
    }
    assert!(latency["p50_ms"].as_f64() <= latency["p99_ms"].as_f64());
    let snapshot = dashboard.snapshot();
    let requests = snapshot.sockets[0].requests.as_ref().unwrap();
    assert_eq!((requests.served, requests.latency.count()), (3, 3));
    assert!(snapshot.sockets[0].messages >= 3);

    client.close().await;
    bot.stop().await;
    player.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn a_scratchattach_bot_shows_its_project_and_requests() {
    use actors_requests::{Registry, SaBot};
    let srv = server_on(0).await;
    let bot_cloud = connect(config(&srv.url(), "951", "sabot")).await;
    let mut registry = Registry::new();
    registry.request("ping", || "pong");
    let bot = SaBot::builder(registry)
        .start(&bot_cloud)
        .expect("bot starts");
    let dashboard = Dashboard::empty();
    dashboard.attach(Source::SaRequests {
        id: "sa".into(),
        bot: bot.clone(),
    });
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/events")
            .to_request(),
    )
    .await;
    let mut live = SseReader::new(resp.into_body());
    let snapshot = live.next().await.unwrap();
    assert_eq!(snapshot.data["sockets"][0]["id"], "sa");
    // The kit's sprite: `ping` and the unknown `nosuch&1` (SCRATCHATTACH.md §4).
    let sprite = connect(config(&srv.url(), "951", "sprite")).await;
    bounded("ping", sprite.set("TO_HOST", "51374733.417950"))
        .await
        .expect("set");
    bounded("nosuch", sprite.set("TO_HOST", "4749576125359610.417960"))
        .await
        .expect("set");
    // The bot's reply shows as its connection's own set.
    live.until("the bot's FROM_HOST set", |f| {
        f.event == "variable"
            && f.data["id"] == "custom:951"
            && f.data["value"] == "51494733.4179502222"
    })
    .await;
    let frame = live
        .until("two served", |f| {
            f.event == "socket" && f.data["requests"]["served"] == 2
        })
        .await;
    let stats = &frame.data["requests"];
    assert_eq!(stats["replied"], 1, "{stats}");
    assert_eq!(stats["invalid_syntax"], 1, "{stats}");
    bot.stop().await;
    sprite.stop().await;
    srv.stop().await;
}
