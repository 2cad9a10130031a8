//! Multi-node mode: the rooms limit and the connections limit count every live node
//! (through each node's heartbeat in Redis), and a dead node's share expires with it.

use super::cluster::{health, node_with};
use super::support::*;
use scratchcomm_server::{CloudServer, Limits, RedisConfig, ServerConfig};
use test_support::Redis;

fn elsewhere(server: &CloudServer) -> Option<(usize, usize)> {
    server
        .state()
        .redis_health()
        .map(|h| (h.other_connections, h.other_rooms))
}

#[actix_rt::test]
async fn rooms_and_connections_limits_hold_across_nodes() {
    let Some(redis) = Redis::start() else { return };
    let limits = Limits::default().max_rooms(2).max_connections(3);
    let config = || {
        ServerConfig::default()
            .limits(limits.clone())
            .redis(RedisConfig::new(redis.url()))
    };
    let one = node_with(&redis, config()).await;
    let two = node_with(&redis, config()).await;
    let mut a = Ws::join(&one.url(), "1", "a").await;
    let mut b = Ws::join(&two.url(), "2", "b").await;
    a.sync().await;
    b.sync().await;
    eventually("node 1 counted node 2's connection and room", || {
        elsewhere(&one) == Some((1, 1))
    })
    .await;
    let (_, body) = health(&one).await;
    assert_eq!(body["redis"]["other_connections"], 1, "{body}");
    assert_eq!(body["redis"]["other_rooms"], 1, "{body}");
    // Room 1 here and room 2 on node 2: a third room is refused on node 1 (4003).
    let mut c = Ws::join(&one.url(), "3", "c").await;
    assert_eq!(c.close_code().await, Some(4003));
    // Room 2 has clients (on node 2): joining it on node 1 is no new room.
    let mut d = Ws::join(&one.url(), "2", "d").await;
    d.sync().await;
    // Two connections on node 1, one on node 2: node 2 refuses a fourth (4003).
    eventually("node 2 counted node 1's two connections", || {
        elsewhere(&two).is_some_and(|(connections, _)| connections == 2)
    })
    .await;
    let mut e = Ws::connect(&two.url()).await;
    assert_eq!(e.close_code().await, Some(4003));
    // A client leaving frees its place on every node once counted again.
    d.close().await;
    eventually("node 2 counted node 1's one connection", || {
        elsewhere(&two).is_some_and(|(connections, _)| connections == 1)
    })
    .await;
    let mut f = Ws::join(&two.url(), "2", "f").await;
    f.sync().await;
    // A node that stops takes its share out at once: with both stopped, the set of nodes
    // is empty (an expired heartbeat is only noticed by a live node's next one).
    one.stop().await;
    two.stop().await;
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection_with_timeout(WAIT).unwrap();
    eventually("both nodes left", || {
        let nodes: Vec<String> = redis::cmd("SMEMBERS")
            .arg("scratchcomm:nodes")
            .query(&mut conn)
            .unwrap_or_default();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("scratchcomm:node:*")
            .query(&mut conn)
            .unwrap_or_default();
        nodes.is_empty() && keys.is_empty()
    })
    .await;
}

#[actix_rt::test]
async fn a_dead_nodes_share_expires_with_its_heartbeat() {
    let Some(redis) = Redis::start() else { return };
    let limits = Limits::default().max_connections(5).max_rooms(2);
    let one = node_with(
        &redis,
        ServerConfig::default()
            .limits(limits)
            .redis(RedisConfig::new(redis.url())),
    )
    .await;
    // A node that wrote its heartbeat (4 connections, rooms 8 and 9) and then died: its
    // key lives 6 s (a live node renews it every 2 s), so node 1 sees it for at least two
    // heartbeats.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection_with_timeout(WAIT).unwrap();
    let _: () = redis::pipe()
        .cmd("SET")
        .arg("scratchcomm:node:ghost")
        .arg(4)
        .arg("PX")
        .arg(6000)
        .cmd("SADD")
        .arg("scratchcomm:node:ghost:rooms")
        .arg("8")
        .arg("9")
        .cmd("SADD")
        .arg("scratchcomm:nodes")
        .arg("ghost")
        .query(&mut conn)
        .unwrap();
    eventually("node 1 counted the ghost", || {
        elsewhere(&one) == Some((4, 2))
    })
    .await;
    let mut a = Ws::connect(&one.url()).await;
    a.send(&handshake("1", "a")).await;
    assert_eq!(
        a.close_code().await,
        Some(4003),
        "rooms 8 and 9 fill the limit"
    );
    eventually("the ghost's share expired", || {
        elsewhere(&one) == Some((0, 0))
    })
    .await;
    let mut b = Ws::join(&one.url(), "1", "b").await;
    b.sync().await;
    let nodes: Vec<String> = redis::cmd("SMEMBERS")
        .arg("scratchcomm:nodes")
        .query(&mut conn)
        .unwrap();
    assert!(!nodes.contains(&"ghost".to_owned()), "{nodes:?}");
    one.stop().await;
}

/// Redis clients other than the one asking (`CLIENT LIST` lists one line per connection).
fn other_redis_clients(conn: &mut redis::Connection) -> usize {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(conn)
        .unwrap_or_default();
    list.lines().count().saturating_sub(1)
}

#[actix_rt::test]
async fn a_stopped_node_closes_its_redis_connections() {
    let Some(redis) = Redis::start() else { return };
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection_with_timeout(WAIT).unwrap();
    for round in 0..2 {
        let node = node_with(&redis, ServerConfig::default()).await;
        let mut a = Ws::join(&node.url(), "1", "a").await;
        a.send(&format!(
            r#"{{"method":"set","name":"☁ x","value":"{round}"}}"#
        ))
        .await;
        a.sync().await;
        assert!(
            other_redis_clients(&mut conn) >= 2,
            "the node's link is connected"
        );
        node.stop().await;
        // Before: the rooms held the link's sender, so its thread and both connections
        // (commands, subscriptions) stayed for the life of the process, one set per node.
        eventually("the stopped node's link closed its connections", || {
            other_redis_clients(&mut conn) == 0
        })
        .await;
    }
}
