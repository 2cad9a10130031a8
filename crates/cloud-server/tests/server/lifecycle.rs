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

    let again = CloudServer::start(ServerConfig::default().with_port(port))
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
