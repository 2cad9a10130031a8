//! Multi-node mode: `rename` and `delete` (when enabled) and variables without a name go
//! through the room's order in Redis like sets, so every node and Redis hold the same room.

use super::cluster::{node_with, value_of};
use super::support::*;
use scratchcomm_server::{CloudServer, RedisConfig, ServerConfig};
use test_support::Redis;

async fn renaming_node(redis: &Redis) -> CloudServer {
    let config = ServerConfig::default()
        .redis(RedisConfig::new(redis.url()))
        .allow_rename_delete(true);
    node_with(redis, config).await
}

fn stored(redis: &Redis, project: &str) -> std::collections::BTreeMap<String, String> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection_with_timeout(WAIT).unwrap();
    redis::cmd("HGETALL")
        .arg(format!("scratchcomm:{{{project}}}:v"))
        .query(&mut conn)
        .unwrap()
}

#[actix_rt::test]
async fn renames_deletes_and_nameless_variables_cross_nodes_in_the_rooms_order() {
    let Some(redis) = Redis::start() else { return };
    let one = renaming_node(&redis).await;
    let two = renaming_node(&redis).await;
    let mut a = Ws::join(&one.url(), "8", "a").await;
    let mut b = Ws::join(&two.url(), "8", "b").await;
    a.sync().await;
    b.sync().await;
    a.send(&set("x", "1")).await;
    a.send(&set("z", "2")).await;
    assert_eq!(b.text().await, set_out("x", "1"));
    assert_eq!(b.text().await, set_out("z", "2"));
    a.send(r#"{"method":"rename","name":"☁ x","new_name":"☁ y"}"#)
        .await;
    assert_eq!(
        b.text().await,
        r#"{"method":"rename","name":"☁ x","new_name":"☁ y"}"#
    );
    b.send(r#"{"method":"delete","name":"☁ z"}"#).await;
    assert_eq!(a.text().await, r#"{"method":"delete","name":"☁ z"}"#);
    // A set without a name is a variable of its own (TurboWarp's `undefined` key).
    b.send(r#"{"method":"set","value":5}"#).await;
    assert_eq!(a.text().await, r#"{"method":"set","value":5}"#);
    let expected = ("☁ y".to_owned(), "1".to_owned());
    eventually("both nodes hold the renamed room", || {
        value_of(&one, "8", "undefined").as_deref() == Some("5")
            && value_of(&two, "8", "undefined").as_deref() == Some("5")
            && value_of(&one, "8", "☁ z").is_none()
            && value_of(&two, "8", "☁ z").is_none()
    })
    .await;
    for node in [&one, &two] {
        let vars = node.variables("8").unwrap();
        assert_eq!(vars.len(), 2, "{vars:?}");
        assert!(vars.contains(&expected), "{vars:?}");
    }
    let in_redis = stored(&redis, "8");
    assert_eq!(
        in_redis.into_iter().collect::<Vec<_>>(),
        vec![
            (String::new(), "5".to_owned()),
            ("\"☁ y\"".to_owned(), "1".to_owned())
        ],
        "Redis holds the room as the nodes do (a missing name is the empty field)"
    );
    // A client joining either node later gets the same room.
    let mut c = Ws::join(&two.url(), "8", "c").await;
    let dump = c.frame().await;
    assert!(dump.contains(r#"{"method":"set","value":5}"#), "{dump}");
    assert!(dump.contains(&set_out("y", "1")), "{dump}");
    assert!(!dump.contains("☁ z") && !dump.contains("☁ x"), "{dump}");
    // A rename of a variable Redis no longer has is dropped there (no node applies it),
    // and the connection stays open.
    a.send(r#"{"method":"rename","name":"☁ gone","new_name":"☁ w"}"#)
        .await;
    a.send(&set("after", "7")).await;
    assert_eq!(b.text().await, set_out("after", "7"));
    one.stop().await;
    two.stop().await;
}

#[actix_rt::test]
async fn a_node_that_resynchronises_drops_what_was_deleted_meanwhile() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let one = renaming_node(&redis).await;
    let mut a = Ws::join(&one.url(), "9", "a").await;
    a.send(&set("keep", "1")).await;
    a.send(&set("drop", "2")).await;
    eventually("node 1 applied both", || {
        value_of(&one, "9", "☁ drop").is_some()
    })
    .await;
    // While Redis is away the node applies the delete alone and keeps it; when Redis is
    // back it publishes the delete, so Redis and every node forget the variable.
    redis.kill();
    eventually("node 1 sees Redis down", || {
        one.state().redis_health().is_some_and(|h| !h.up)
    })
    .await;
    a.send(r#"{"method":"delete","name":"☁ drop"}"#).await;
    a.send(r#"{"method":"rename","name":"☁ keep","new_name":"☁ kept"}"#)
        .await;
    eventually("applied alone", || value_of(&one, "9", "☁ kept").is_some()).await;
    assert_eq!(
        one.state().redis_health().map(|h| h.unpublished),
        Some(3),
        "two deletes and one set wait"
    );
    redis.restart();
    eventually("node 1 back in step", || {
        one.state()
            .redis_health()
            .is_some_and(|h| h.up && h.unpublished == 0)
    })
    .await;
    eventually("Redis holds the room as the node does", || {
        stored(&redis, "9").into_iter().collect::<Vec<_>>()
            == vec![("\"☁ kept\"".to_owned(), "1".to_owned())]
    })
    .await;
    let two = renaming_node(&redis).await;
    let mut b = Ws::join(&two.url(), "9", "b").await;
    assert_eq!(b.frame().await, set_out("kept", "1"));
    one.stop().await;
    two.stop().await;
}
