//! Every close code the server uses, observed by a real client.

use super::support::*;
use scratchcomm_server::{CloudServer, Limits, ProjectFilter, ServerConfig};

async fn code_after(url: &str, frames: &[&str]) -> Option<u16> {
    let mut ws = Ws::connect(url).await;
    for f in frames {
        ws.send(f).await;
    }
    ws.close_code().await
}

#[actix_rt::test]
async fn protocol_violations_close_with_4000() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let hs = handshake("1", "a");
    let two_sets = format!("{hs}\n{}", set("x", "1"));
    let cases: Vec<Vec<&str>> = vec![
        vec![r#"{"method":"set","name":"☁ x","value":"1"}"#],
        vec!["not json"],
        vec![r#"{"no":"method"}"#],
        vec![&hs, &hs],
        vec![&hs, r#"{"method":"bogus"}"#],
        vec![r#"{"method":"handshake","user":"a","project_id":""}"#],
        vec![r#"{"method":"handshake","user":"a","project_id":[]}"#],
        vec![&hs, r#"["set"]"#],
        vec![&hs, r#"{"method":"set","name":{},"value":"1"}"#],
        // one frame, one message
        vec![&two_sets],
    ];
    for frames in cases {
        assert_eq!(code_after(&url, &frames).await, Some(4000), "{frames:?}");
    }
    server.stop().await;
}

#[actix_rt::test]
async fn bad_usernames_close_with_4002() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    for user in ["", "has space", "abcdefghijklmnopqrstu", "ünï"] {
        let frame = handshake("1", user);
        assert_eq!(code_after(&url, &[&frame]).await, Some(4002), "{user:?}");
    }
    let numeric_user = r#"{"method":"handshake","user":12,"project_id":"1"}"#;
    assert_eq!(code_after(&url, &[numeric_user]).await, Some(4002));
    // 20 characters is fine
    let mut ok = Ws::join(&url, "1", "abcdefghijklmnopqrst").await;
    assert!(ok.sync().await.is_empty());
    server.stop().await;
}

#[actix_rt::test]
async fn full_server_closes_with_4003_full_room_with_4000() {
    let limits = Limits::default()
        .max_rooms(1)
        .max_clients_per_room(2)
        .max_connections(3)
        .max_variables_per_room(1);
    let server = CloudServer::start(ServerConfig::default().limits(limits))
        .await
        .unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "1", "a").await;
    let mut b = Ws::join(&url, "1", "b").await;
    assert!(a.sync().await.is_empty() && b.sync().await.is_empty());
    // room full: 4000, as TurboWarp
    assert_eq!(code_after(&url, &[&handshake("1", "c")]).await, Some(4000));
    // no second room while the first has clients
    assert_eq!(code_after(&url, &[&handshake("2", "c")]).await, Some(4003));
    // connection limit: a third connection is fine, a fourth is refused at once
    let mut idle = Ws::connect(&url).await;
    let mut fourth = Ws::connect(&url).await;
    assert_eq!(fourth.close_code().await, Some(4003));
    // too many variables
    a.send(&set("one", "1")).await;
    assert_eq!(b.text().await, set_out("one", "1"));
    a.send(&set("two", "2")).await;
    assert_eq!(a.close_code().await, Some(4000));
    idle.send(&handshake("1", "late")).await;
    assert_eq!(idle.text().await, set_out("one", "1"));
    server.stop().await;
}

#[actix_rt::test]
async fn blocked_projects_close_with_4004() {
    let filter = ProjectFilter::blocked_when(|id| id == "666" || id.starts_with("secret"));
    let server = CloudServer::start(ServerConfig::default().project_filter(filter))
        .await
        .unwrap();
    let url = server.url();
    let numeric = r#"{"method":"handshake","user":"a","project_id":666}"#;
    assert_eq!(code_after(&url, &[numeric]).await, Some(4004));
    assert_eq!(
        code_after(&url, &[&handshake("secret-x", "a")]).await,
        Some(4004)
    );
    let mut ok = Ws::join(&url, "667", "a").await;
    assert!(ok.sync().await.is_empty());
    server.stop().await;
}

#[actix_rt::test]
async fn too_big_messages_close_with_1009() {
    let limits = Limits::default().max_message_bytes(1000);
    let server = CloudServer::start(ServerConfig::default().limits(limits))
        .await
        .unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "1", "a").await;
    a.send(&set("ok", &format!("\"{}\"", "1".repeat(900))))
        .await;
    assert!(a.sync().await.is_empty());
    a.send(&set("big", &format!("\"{}\"", "1".repeat(1000))))
        .await;
    assert_eq!(a.close_code().await, Some(1009));
    assert_eq!(
        server.variables("1").map(|v| v.len()),
        Some(1),
        "the big value was not stored"
    );
    server.stop().await;
}

#[actix_rt::test]
async fn a_leaked_scratch_session_closes_with_4005() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let cookie = [("Cookie", "scratchsessionsid=\"secret\";")];
    let mut leaky = Ws::connect_with(awc::Client::new(), &url, &cookie)
        .await
        .unwrap();
    let warning = leaky.frame().await;
    assert!(warning.contains("session cookie"), "{warning}");
    assert_eq!(leaky.close_code().await, Some(4005));
    let harmless = [("Cookie", "theme=dark")];
    let mut ok = Ws::connect_with(awc::Client::new(), &url, &harmless)
        .await
        .unwrap();
    ok.send(&handshake("1", "a")).await;
    assert!(ok.sync().await.is_empty());
    server.stop().await;
}

#[actix_rt::test]
async fn a_missing_user_agent_closes_with_4006_when_required() {
    let config = ServerConfig::default().require_user_agent(true);
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let anonymous = awc::Client::builder().no_default_headers().finish();
    let mut a = Ws::connect_with(anonymous, &url, &[]).await.unwrap();
    assert!(a.frame().await.contains("User-Agent"));
    assert_eq!(a.close_code().await, Some(4006));
    let polite = [("User-Agent", "tests/1.0 (cloud-server tests)")];
    let mut b = Ws::connect_with(awc::Client::new(), &url, &polite)
        .await
        .unwrap();
    b.send(&handshake("1", "b")).await;
    assert!(b.sync().await.is_empty());
    server.stop().await;
}

#[actix_rt::test]
async fn a_client_that_never_handshakes_is_closed_with_4000() {
    // Pings every 30 ms, so the silent client below answers several pings before the
    // handshake timeout: being alive does not count as a handshake.
    let config = ServerConfig::default()
        .ping_interval(std::time::Duration::from_millis(30))
        .ping_timeout(std::time::Duration::from_secs(5))
        .handshake_timeout(Some(std::time::Duration::from_millis(200)));
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let mut joined = Ws::join(&url, "1", "joined").await;
    let mut silent = Ws::connect(&url).await;
    silent.answer_pings(2).await;
    assert_eq!(silent.close_code().await, Some(4000));
    eventually("the silent connection is gone", || {
        server.state().connection_count() == 1
    })
    .await;
    // The client that did handshake stays well past the timeout.
    joined.answer_pings(10).await;
    joined.send(&set("v", "1")).await;
    assert!(joined.sync().await.is_empty());
    assert_eq!(server.state().client_count("1"), 1);
    assert_eq!(server.state().connection_count(), 1);
    assert_eq!(
        server.variables("1"),
        Some(vec![("☁ v".into(), "1".into())])
    );
    server.stop().await;
}
