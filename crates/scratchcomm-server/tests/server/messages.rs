//! Message handling over the wire: handshake, join dump, broadcast to others only, invalid
//! values, rename/delete, binary frames, batches, any path.

use super::support::*;
use scratchcomm_server::{CloudServer, ServerConfig};

#[actix_rt::test]
async fn invalid_values_are_ignored_and_the_connection_kept() {
    let config = ServerConfig::default().max_value_chars(10);
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "5", "a").await;
    let mut b = Ws::join(&url, "5", "b").await;
    for bad in [
        "\"hello\"",
        "true",
        "null",
        "[1]",
        "{}",
        "\"1e\"",
        "\"12345678901\"",
    ] {
        a.send(&set("v", bad)).await;
    }
    a.send(&set("v", "\"1234567890\"")).await;
    // The only update b sees is the valid one; a is still connected and gets nothing back.
    assert_eq!(b.text().await, set_out("v", "\"1234567890\""));
    assert!(a.sync().await.is_empty());
    assert!(b.sync().await.is_empty());
    assert_eq!(
        server.variables("5"),
        Some(vec![("☁ v".into(), "1234567890".into())])
    );
    server.stop().await;
}

#[actix_rt::test]
async fn long_numbers_are_javascript_numbers_long_strings_keep_their_digits() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "1", "a").await;
    let mut b = Ws::join(&url, "1", "b").await;
    let digits = "9".repeat(300);
    a.send(&set("n", &digits)).await;
    // a JSON number is relayed as the number it means, printed as JavaScript does
    assert_eq!(b.text().await, set_out("n", "1e+300"));
    a.send(&set("s", &format!("\"{digits}\""))).await;
    assert_eq!(b.text().await, set_out("s", &format!("\"{digits}\"")));
    let mut c = Ws::join(&url, "1", "c").await;
    let dump = c.frame().await;
    let expected = format!(
        "{}\n{}",
        set_out("n", "1e+300"),
        set_out("s", &format!("\"{digits}\""))
    );
    assert_eq!(dump, expected);
    server.stop().await;
}

#[actix_rt::test]
async fn rename_and_delete_are_applied_and_forwarded_when_enabled() {
    let config = ServerConfig::default().allow_rename_delete(true);
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "9", "a").await;
    let mut b = Ws::join(&url, "9", "b").await;
    a.send(&set("old", "1")).await;
    assert_eq!(b.text().await, set_out("old", "1"));
    a.send(r#"{"method":"rename","name":"☁ old","new_name":"☁ new"}"#)
        .await;
    assert_eq!(
        b.text().await,
        r#"{"method":"rename","name":"☁ old","new_name":"☁ new"}"#
    );
    assert!(a.sync().await.is_empty());
    assert_eq!(
        server.variables("9"),
        Some(vec![("☁ new".into(), "1".into())])
    );
    b.send(r#"{"method":"delete","name":"☁ new"}"#).await;
    assert_eq!(a.text().await, r#"{"method":"delete","name":"☁ new"}"#);
    assert!(b.sync().await.is_empty());
    assert_eq!(server.variables("9"), Some(vec![]));
    // deleting it again is a protocol violation
    b.send(r#"{"method":"delete","name":"☁ new"}"#).await;
    assert_eq!(b.close_code().await, Some(4000));
    server.stop().await;
}

#[actix_rt::test]
async fn rename_and_delete_ignored_when_disabled() {
    let config = ServerConfig::default().allow_rename_delete(false);
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "9", "a").await;
    let mut b = Ws::join(&url, "9", "b").await;
    a.send(&set("x", "1")).await;
    assert_eq!(b.text().await, set_out("x", "1"));
    a.send(r#"{"method":"rename","name":"☁ x","new_name":"☁ y"}"#)
        .await;
    a.send(r#"{"method":"delete","name":"☁ x"}"#).await;
    a.send(&set("x", "2")).await;
    assert_eq!(b.text().await, set_out("x", "2"));
    assert!(a.sync().await.is_empty());
    assert_eq!(
        server.variables("9"),
        Some(vec![("☁ x".into(), "2".into())])
    );
    server.stop().await;
}

#[actix_rt::test]
async fn binary_frames_are_ignored_and_any_path_works() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    let mut a = Ws::connect(&format!("{url}some/path?x=1")).await;
    a.send(&handshake("3", "a")).await;
    a.send_binary(set("p", "1").as_bytes()).await;
    a.send_binary(&[0xff, 0xfe]).await;
    a.send(&set("q", "2")).await;
    assert!(a.sync().await.is_empty());
    let mut b = Ws::join(&url, "3", "b").await;
    assert_eq!(b.frame().await, set_out("q", "2"));
    b.close().await;
    server.stop().await;
}

#[actix_rt::test]
async fn plain_http_requests_are_refused() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let http = format!("http://{}/", server.local_addr());
    let resp = tokio::time::timeout(WAIT, awc::Client::new().get(http).send())
        .await
        .expect("request timed out")
        .expect("request failed");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    server.stop().await;
}

#[actix_rt::test]
async fn handshake_join_dump_and_broadcast_to_others_only() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
    assert_eq!(server.local_addr().ip().to_string(), "127.0.0.1");

    let mut a = Ws::join(&url, "42", "alice").await;
    a.send(&set("x", "\"1\"")).await;
    a.send(&set("y", "2")).await;
    assert!(a.sync().await.is_empty(), "empty room: no dump, no echo");

    let mut b = Ws::connect(&url).await;
    b.send(r#"{"method":"handshake","user":"bob","project_id":42}"#)
        .await;
    let dump = b.frame().await;
    assert_eq!(
        dump,
        format!("{}\n{}", set_out("x", "\"1\""), set_out("y", "2"))
    );

    b.send(&set("x", "\"3\"")).await;
    assert_eq!(a.text().await, set_out("x", "\"3\""));
    // b never gets its own set back: the next thing it sees is a's update
    a.send(&set("y", "-4.5")).await;
    assert_eq!(b.text().await, set_out("y", "-4.5"));
    assert!(a.sync().await.is_empty());
    assert_eq!(
        server.variables("42"),
        Some(vec![
            ("☁ x".into(), "3".into()),
            ("☁ y".into(), "-4.5".into())
        ])
    );
    assert_eq!(server.variables("43"), None);
    server.stop().await;
}
