//! Initial values on Scratch (issue #14 item 7): the project token from the project API, the
//! project JSON from the projects host, its cloud variables filled in where the server sent
//! none. Against the loopback fake Scratch site and the embedded cloud server.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use fake_scratch::*;
use scratchcomm_accounts::{fetch_initial_values, fill_initial_values, AccountsErrorKind as K};
use scratchcomm_server::{CloudServer, ServerConfig};
use scratchcomm_wire::ProjectId;
use serde_json::json;

fn project_config(fake: &FakeScratch) -> scratchcomm_accounts::ApiConfig {
    api_config(fake)
        .project_api_base(&fake.base())
        .unwrap()
        .projects_base(&fake.base())
        .unwrap()
}

#[actix_rt::test]
async fn the_project_json_gives_the_cloud_values() {
    let fake = FakeScratch::start().await;
    fake.state.lock().unwrap().projects.insert(
        "4242".into(),
        (
            "tok-123".into(),
            project_with_cloud(&[("☁ a", json!(5)), ("☁ b", json!("0.25"))]),
        ),
    );
    let api = project_config(&fake);
    let project = ProjectId::scratch("4242").unwrap();
    let mut vars = bounded(fetch_initial_values(&api, &project)).await.unwrap();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    let shown: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(shown, [("☁ a", "5"), ("☁ b", "0.25")]);
    // The token went to the projects host, as a query parameter.
    let json_calls = fake.seen_paths("/4242");
    assert_eq!(json_calls.len(), 1);
    assert_eq!(json_calls[0].query, "token=tok-123");
    assert_eq!(fake.seen_paths("/projects/4242").len(), 1);

    // Unknown project: the API's 404 is named.
    let unknown = ProjectId::scratch("1").unwrap();
    let e = bounded(fetch_initial_values(&api, &unknown))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), K::HttpStatus);
    fake.stop().await;
}

#[actix_rt::test]
async fn a_broken_project_json_is_an_error_naming_what_is_wrong() {
    let fake = FakeScratch::start().await;
    fake.state.lock().unwrap().projects.insert(
        "77".into(),
        (
            "t".into(),
            json!({"targets": [{"variables": {"x": ["☁ a", null, true]}}]}),
        ),
    );
    let api = project_config(&fake);
    let e = bounded(fetch_initial_values(
        &api,
        &ProjectId::scratch("77").unwrap(),
    ))
    .await
    .unwrap_err();
    assert_eq!(e.kind(), K::MalformedJson);
    assert!(e.to_string().contains("has no value"), "{e}");
    assert!(
        !e.to_string().contains("token=t"),
        "the token is not shown: {e}"
    );
    fake.stop().await;
}

#[actix_rt::test]
async fn missing_values_are_filled_and_server_values_win() {
    let fake = FakeScratch::start().await;
    fake.state.lock().unwrap().projects.insert(
        "4242".into(),
        (
            "tok".into(),
            project_with_cloud(&[("☁ sent", json!(1)), ("☁ unsent", json!(2))]),
        ),
    );
    let srv = CloudServer::start(ServerConfig::default()).await.unwrap();
    let cfg = |user: &str| {
        ConnectionConfig::custom(&srv.url(), "4242")
            .username(user)
            .rate_limit(RateLimit::unlimited())
    };
    // Someone set `sent` since the room started: the server sends it on joining.
    let writer = bounded(CloudHandle::connect(cfg("writer"))).await.unwrap();
    bounded(writer.set("sent", 9)).await.unwrap();
    let bot = bounded(CloudHandle::connect(cfg("bot"))).await.unwrap();
    assert_eq!(bot.get("sent").unwrap().as_str(), "9");
    assert!(
        bot.get("unsent").is_none(),
        "the server sends no value for it"
    );
    let filled = bounded(fill_initial_values(&bot, &project_config(&fake)))
        .await
        .unwrap();
    assert_eq!(filled, 1);
    assert_eq!(bot.get("unsent").unwrap().as_str(), "2");
    assert_eq!(
        bot.get("sent").unwrap().as_str(),
        "9",
        "the server's value wins"
    );
    writer.stop().await;
    bot.stop().await;
    srv.stop().await;
    fake.stop().await;
}
