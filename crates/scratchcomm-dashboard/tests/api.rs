//! The REST endpoints against real connections to an embedded cloud server, through
//! actix-web's test tools: listing, setting, errors, mounting.

mod common;

use actix_web::http::StatusCode;
use actix_web::{test, web, App, HttpResponse};
use common::*;
use scratchcomm_dashboard::Dashboard;
use serde_json::{json, Value};

async fn body_json(resp: actix_web::dev::ServiceResponse) -> Value {
    let bytes = test::read_body(resp).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

fn post(path: &str, body: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned())
}

#[actix_web::test]
async fn lists_projects_and_sets_values_that_reach_other_clients() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "111", "dash-a")).await;
    let b = connect(config(&srv.url(), "222", "dash-b")).await;
    let watcher = connect(config(&srv.url(), "111", "watcher")).await;
    bounded("seed", watcher.set("score", 5)).await.unwrap();
    eventually("a sees the seed", || a.get("score").is_some()).await;

    let dashboard = Dashboard::new(vec![a.clone(), b.clone()]);
    let app = test::init_service(App::new().configure(dashboard.configure())).await;

    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/projects")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let json = body_json(resp).await;
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 2);
    let p1 = projects.iter().find(|p| p["project_id"] == "111").unwrap();
    assert_eq!(p1["id"], "custom:111");
    assert_eq!(p1["host"], "custom");
    assert_eq!(p1["state"], "connected");
    assert_eq!(p1["reconnects"], 0);
    assert_eq!(p1["variables"], json!({"score": "5"}));
    assert_eq!(json["sockets"], json!([]));

    // By project id (unique here) and by source id; numbers and strings both accepted.
    let resp = test::call_service(
        &app,
        post(
            "/dashboard/api/projects/111/variables/score",
            r#"{"value": 42}"#,
        )
        .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        body_json(resp).await,
        json!({"id": "custom:111", "name": "score", "value": "42"})
    );
    eventually("the other client got 42", || {
        watcher
            .get("score")
            .map(|v| v.as_str() == "42")
            .unwrap_or(false)
    })
    .await;
    eventually("the server stored 42", || {
        srv.variables("111")
            .is_some_and(|v| v.contains(&("☁ score".into(), "42".into())))
    })
    .await;

    let uri = "/dashboard/api/projects/custom:222/variables/%E2%98%81%20level";
    let resp = test::call_service(&app, post(uri, r#"{"value": "-1.5"}"#).to_request()).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "prefixed, percent-encoded name"
    );
    assert_eq!(body_json(resp).await["name"], "level");

    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dashboard/api/projects")
            .to_request(),
    )
    .await;
    let json = body_json(resp).await;
    let p2 = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["project_id"] == "222")
        .unwrap()
        .clone();
    assert_eq!(p2["variables"], json!({"level": "-1.5"}));

    for h in [a, b, watcher] {
        h.stop().await;
    }
    srv.stop().await;
}

#[actix_web::test]
async fn bad_requests_get_json_errors_and_nothing_is_sent() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "333", "dash")).await;
    let dashboard = Dashboard::new(&a);
    let app = test::init_service(App::new().configure(dashboard.configure())).await;

    let cases: &[(&str, &str, StatusCode, &str)] = &[
        (
            "/dashboard/api/projects/999/variables/x",
            r#"{"value": 1}"#,
            StatusCode::NOT_FOUND,
            "unknown_project",
        ),
        (
            "/dashboard/api/projects/333/variables/x",
            r#"{"value": "abc"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_value",
        ),
        (
            "/dashboard/api/projects/333/variables/x",
            r#"{"value": true}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "/dashboard/api/projects/333/variables/x",
            r#"{"value": 1"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "/dashboard/api/projects/333/variables/x",
            r#"{"other": 1}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "/dashboard/api/projects/333/variables/x",
            "",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "/dashboard/api/projects/333/variables/%E2%98%81%20",
            r#"{"value": 1}"#,
            StatusCode::BAD_REQUEST,
            "invalid_name",
        ),
        (
            "/dashboard/api/projects/333/variables/a%01b",
            r#"{"value": 1}"#,
            StatusCode::BAD_REQUEST,
            "invalid_name",
        ),
    ];
    for (uri, body, status, kind) in cases {
        let resp = test::call_service(&app, post(uri, body).to_request()).await;
        assert_eq!(resp.status(), *status, "{uri} {body}");
        let json = body_json(resp).await;
        assert_eq!(json["error"]["kind"], *kind, "{uri} {body}: {json}");
        assert!(!json["error"]["message"].as_str().unwrap().is_empty());
    }
    // Not declared as JSON (what a cross-site form or no-cors fetch sends): refused.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let req = test::TestRequest::post()
            .uri("/dashboard/api/projects/333/variables/x")
            .insert_header(("content-type", content_type))
            .set_payload(r#"{"value": 1}"#)
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body_json(resp).await["error"]["kind"], "not_json");
    }
    let req = test::TestRequest::post()
        .uri("/dashboard/api/projects/333/variables/x")
        .set_payload(r#"{"value": 1}"#)
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert!(a.get("x").is_none(), "nothing was set");
    assert!(
        srv.variables("333").unwrap_or_default().is_empty(),
        "nothing reached the server"
    );

    // A stopped connection is a 503, not a panic.
    a.stop().await;
    let resp = test::call_service(
        &app,
        post("/dashboard/api/projects/333/variables/x", r#"{"value": 1}"#).to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(resp).await["error"]["kind"], "unavailable");
    srv.stop().await;
}

#[actix_web::test]
async fn same_project_on_two_connections_is_ambiguous_by_project_id() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "444", "one").source("first")).await;
    let b = connect(config(&srv.url(), "444", "two").source("second")).await;
    let dashboard = Dashboard::new(vec![a.clone(), b.clone()]);
    dashboard.attach(a.clone()); // already attached: ignored
    assert_eq!(dashboard.snapshot().projects.len(), 2);
    let app = test::init_service(App::new().configure(dashboard.configure())).await;

    let resp = test::call_service(
        &app,
        post("/dashboard/api/projects/444/variables/x", r#"{"value": 1}"#).to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let msg = body_json(resp).await["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("first") && msg.contains("second"), "{msg}");

    let resp = test::call_service(
        &app,
        post(
            "/dashboard/api/projects/second/variables/x",
            r#"{"value": 7}"#,
        )
        .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    eventually("first sees 7", || {
        a.get("x").map(|v| v.as_str() == "7").unwrap_or(false)
    })
    .await;
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn mounts_beside_the_apps_own_routes_at_any_path() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "555", "dash")).await;
    let nested = Dashboard::new(&a).at("/admin/cloud/").title("Bots <live>");
    let root = Dashboard::new(&a).at("/");
    let app = test::init_service(
        App::new()
            .route(
                "/hello",
                web::get().to(|| async { HttpResponse::Ok().body("hi") }),
            )
            .configure(nested.configure())
            .service(web::scope("/other").service(root.scope())),
    )
    .await;

    let resp = test::call_service(&app, test::TestRequest::get().uri("/hello").to_request()).await;
    assert_eq!(test::read_body(resp).await, "hi");
    for uri in ["/admin/cloud", "/admin/cloud/"] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        let page = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
        assert!(
            page.contains(r#"<meta name="dashboard-base" content="/admin/cloud">"#),
            "{page}"
        );
        assert!(page.contains("Bots &lt;live&gt;"));
    }
    for (uri, ty) in [
        ("/admin/cloud/app.js", "text/javascript"),
        ("/admin/cloud/style.css", "text/css"),
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(ty));
    }
    // The root-mounted one nested in the app's own scope.
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/other/api/projects")
            .to_request(),
    )
    .await;
    assert_eq!(body_json(resp).await["projects"][0]["project_id"], "555");
    let resp = test::call_service(&app, test::TestRequest::get().uri("/other/").to_request()).await;
    let page = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(
        page.contains(r#"<meta name="dashboard-base" content="/other">"#),
        "base from the request path"
    );
    a.stop().await;
    srv.stop().await;
}

#[actix_web::test]
async fn names_with_reserved_characters_round_trip() {
    let srv = server_on(0).await;
    let a = connect(config(&srv.url(), "556", "dash")).await;
    let dashboard = Dashboard::new(&a);
    let app = test::init_service(App::new().configure(dashboard.configure())).await;
    // encodeURIComponent("a+b/c%d e") in the page.
    let resp = test::call_service(
        &app,
        post(
            "/dashboard/api/projects/556/variables/a%2Bb%2Fc%25d%20e",
            r#"{"value": 1}"#,
        )
        .to_request(),
    )
    .await;
    let status = resp.status();
    let json = body_json(resp).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["name"], "a+b/c%d e");
    assert_eq!(a.get("a+b/c%d e").unwrap().as_str(), "1");
    a.stop().await;
    srv.stop().await;
}
