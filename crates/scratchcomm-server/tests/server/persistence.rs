//! Rooms kept in a store: a clean stop and restart keeps values, the write-behind writes
//! within its interval, dropped rooms leave the store, limits apply to what is loaded.
//! (`kill -9` of a real server process: `tests/serve_data.rs` of the root package.)

use super::support::*;
use scratchcomm_server::{Batch, MemoryStore};
use scratchcomm_server::{CloudServer, Limits, RoomStore, ServerConfig, ServerErrorKind, Storage};
use scratchcomm_wire::CloudValue;
use std::sync::Arc;
use std::time::Duration;

fn with_store(store: &MemoryStore) -> ServerConfig {
    ServerConfig::default().storage(Storage::Custom(Arc::new(store.clone())))
}

fn stored(store: &MemoryStore, project: &str) -> Vec<(String, String)> {
    store
        .snapshot()
        .get(project)
        .map(|vars| {
            vars.iter()
                .map(|(n, v)| (n.clone(), v.as_str().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[actix_rt::test]
async fn a_clean_stop_and_restart_keeps_every_value_in_the_join_dump() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cloud.db");
    let config = || {
        ServerConfig::default()
            .storage(Storage::sqlite(&file))
            .allow_rename_delete(true)
    };
    let server = CloudServer::start(config()).await.unwrap();
    let url = server.url();
    let mut a = Ws::join(&url, "1", "a").await;
    let mut b = Ws::join(&url, "2", "b").await;
    a.send(&set("n", "1.50")).await;
    a.send(&set("s", "\"007\"")).await;
    a.send(&set("old", "3")).await;
    a.send(r#"{"method":"rename","name":"☁ old","new_name":"☁ new"}"#)
        .await;
    a.send(&set("gone", "4")).await;
    a.send(r#"{"method":"delete","name":"☁ gone"}"#).await;
    for i in 0..50 {
        b.send(&set("counter", &i.to_string())).await;
    }
    a.sync().await;
    b.sync().await;
    server.stop_and_store().await.expect("last write stored");

    let again = CloudServer::start(config()).await.expect("restart");
    assert_eq!(
        again.variables("2"),
        Some(vec![("☁ counter".into(), "49".into())]),
        "loaded before anyone joins"
    );
    let mut c = Ws::join(&again.url(), "1", "c").await;
    let dump = c.frame().await;
    // Numbers are kept as the server relays them (JavaScript's text: 1.50 → 1.5); loaded
    // variables come in name order.
    let expected = [
        set_out("n", "1.5"),
        set_out("new", "3"),
        set_out("s", "\"007\""),
    ]
    .join("\n");
    assert_eq!(
        dump, expected,
        "types and the rename survive; the delete too"
    );
    let mut d = Ws::join(&again.url(), "2", "d").await;
    assert_eq!(d.frame().await, set_out("counter", "49"));
    // The restarted server keeps storing.
    d.send(&set("counter", "50")).await;
    d.sync().await;
    again.stop_and_store().await.unwrap();
    let third = CloudServer::start(config()).await.unwrap();
    assert_eq!(
        third.variables("2"),
        Some(vec![("☁ counter".into(), "50".into())])
    );
    third.stop().await;
}

#[actix_rt::test]
async fn changes_reach_the_store_within_the_flush_interval_without_a_stop() {
    let store = MemoryStore::new();
    let config = with_store(&store).flush_interval(Duration::from_millis(50));
    let server = CloudServer::start(config).await.unwrap();
    let mut a = Ws::join(&server.url(), "5", "a").await;
    a.send(&set("x", "42")).await;
    a.sync().await;
    eventually("the periodic write", || {
        stored(&store, "5") == [("☁ x".to_owned(), "42".to_owned())]
    })
    .await;
    // An explicit flush makes a change durable at once.
    a.send(&set("x", "43")).await;
    a.sync().await;
    server.state().flush().await.unwrap();
    assert_eq!(stored(&store, "5"), [("☁ x".to_owned(), "43".to_owned())]);
    server.stop().await;
}

#[actix_rt::test]
async fn a_room_dropped_for_space_leaves_the_store_too() {
    let store = MemoryStore::new();
    let config = with_store(&store).limits(Limits::default().max_rooms(1));
    let server = CloudServer::start(config).await.unwrap();
    let mut a = Ws::join(&server.url(), "1", "a").await;
    a.send(&set("x", "1")).await;
    a.sync().await;
    a.close().await;
    eventually("a left", || server.state().client_count("1") == 0).await;
    let mut b = Ws::join(&server.url(), "2", "b").await;
    b.send(&set("y", "2")).await;
    b.sync().await;
    server.state().flush().await.unwrap();
    assert!(stored(&store, "1").is_empty(), "{:?}", store.snapshot());
    assert_eq!(stored(&store, "2"), [("☁ y".to_owned(), "2".to_owned())]);
    server.stop().await;
}

#[actix_rt::test]
async fn limits_apply_to_what_is_loaded() {
    let store = MemoryStore::new();
    let mut batch = Batch::new();
    for (name, value) in [("☁ a", "1"), ("☁ b", "2"), ("☁ c", "3"), ("☁ d", "x")] {
        batch.set("1", name, &CloudValue::new(value));
    }
    store.write(Arc::new(batch)).await.unwrap();
    let config = with_store(&store).limits(Limits::default().max_variables_per_room(2));
    let server = CloudServer::start(config).await.unwrap();
    let mut a = Ws::join(&server.url(), "1", "a").await;
    assert_eq!(
        a.frame().await,
        [set_out("a", "\"1\""), set_out("b", "\"2\"")].join("\n")
    );
    server.stop().await;
    assert_eq!(
        stored(&store, "1").len(),
        4,
        "what is not loaded stays stored"
    );
}

#[actix_rt::test]
async fn an_unusable_data_path_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = CloudServer::start(ServerConfig::default().storage(Storage::sqlite(dir.path())))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ServerErrorKind::Store);
    let text = err.to_string();
    assert!(text.contains(&format!("{:?}", dir.path())), "{text}");
    assert!(text.contains("directory"), "{text}");

    let file = dir.path().join("cloud.db");
    let first = CloudServer::start(ServerConfig::default().storage(Storage::sqlite(&file)))
        .await
        .unwrap();
    let err = CloudServer::start(ServerConfig::default().storage(Storage::sqlite(&file)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    first.stop().await;
}
