//! Handshake, join dump, broadcast, invalid values, rename/delete over real sockets.

use super::support::*;
use scratchcomm_server::{CloudServer, ServerConfig};

#[actix_rt::test]
async fn handshake_join_dump_and_broadcast_to_others_only() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let url = server.url();
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
    assert_eq!(server.local_addr().ip().to_string(), "127.0.0.1");

    let mut a = Ws::join(&url, "42", "alice").await;
    a.send(&format!("{}\n{}", set("x", "\"1\""), set("y", "2")))
        .await;
    assert!(a.sync().await.is_empty(), "empty room: no dump, no echo");

    let mut b = Ws::connect(&url).await;
    b.send(r#"{"method":"handshake","user":"bob","project_id":42}"#)
        .await;
    let dump = b.text().await;
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
