//! 200 concurrent clients on one server.

use super::support::*;
use futures_util::future::join_all;
use scratchcomm_server::{CloudServer, Limits, ServerConfig};
use std::collections::HashSet;

const CLIENTS: usize = 200;

#[actix_rt::test]
async fn two_hundred_clients_share_one_room() {
    let limits = Limits {
        max_variables_per_room: CLIENTS,
        ..Limits::default()
    };
    let server = CloudServer::start(ServerConfig::default().with_limits(limits))
        .await
        .unwrap();
    let url = server.url();
    let mut clients = join_all((0..CLIENTS).map(|i| {
        let url = url.clone();
        async move { Ws::join(&url, "200", &format!("user{i}")).await }
    }))
    .await;
    for c in clients.iter_mut() {
        assert!(c.sync().await.is_empty());
    }
    assert_eq!(server.state().client_count("200"), CLIENTS);
    assert_eq!(server.state().connection_count(), CLIENTS);

    for (i, c) in clients.iter_mut().enumerate() {
        c.send(&set(&format!("c{i}"), &i.to_string())).await;
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut seen = HashSet::new();
        while seen.len() < CLIENTS - 1 {
            let text = c.text().await;
            for line in text.lines() {
                assert!(seen.insert(line.to_owned()), "client {i} got {line} twice");
            }
        }
        assert!(!seen.contains(&set_out(&format!("c{i}"), &i.to_string())));
    }
    let vars = server.variables("200").unwrap();
    assert_eq!(vars.len(), CLIENTS);
    assert!(vars.contains(&("☁ c199".to_owned(), "199".to_owned())));
    server.stop().await;
}
