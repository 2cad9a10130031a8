//! Multi-node mode over a real redis-server on loopback (test_support::Redis): sets through
//! any node reach every node's clients in one order, join dumps are complete on any node,
//! variables survive every node, and Redis restarting under load is survived.

use super::support::*;
use scratchcomm_server::{CloudServer, Limits, RedisConfig, ServerConfig};
use std::time::Duration;
use test_support::Redis;

pub(super) async fn node(redis: &Redis) -> CloudServer {
    node_with(redis, ServerConfig::default()).await
}

pub(super) async fn node_with(redis: &Redis, config: ServerConfig) -> CloudServer {
    let config = match config.get_redis() {
        Some(_) => config,
        None => config.redis(RedisConfig::new(redis.url())),
    };
    let server = CloudServer::start(config).await.expect("node starts");
    up(&server).await;
    server
}

/// Wait until the node reaches Redis.
async fn up(server: &CloudServer) {
    eventually("the node reaches Redis", || {
        server.state().redis_health().is_some_and(|h| h.up)
    })
    .await;
}

pub(super) fn value_of(server: &CloudServer, project: &str, name: &str) -> Option<String> {
    server
        .variables(project)?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// GET /health: the status code and the body.
pub(super) async fn health(server: &CloudServer) -> (u16, serde_json::Value) {
    let url = format!("http://{}/health", server.local_addr());
    let mut response = tokio::time::timeout(WAIT, awc::Client::new().get(url).send())
        .await
        .expect("health in time")
        .expect("health answers");
    let body = response.body().await.expect("health body");
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap(),
    )
}

#[actix_rt::test]
async fn sets_through_three_nodes_reach_every_client_in_one_order() {
    let Some(redis) = Redis::start() else { return };
    let nodes = [node(&redis).await, node(&redis).await, node(&redis).await];
    let mut observers = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        observers.push(Ws::join(&n.url(), "7", &format!("watch{i}")).await);
    }
    let mut senders = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        senders.push(Ws::join(&n.url(), "7", &format!("send{i}")).await);
    }
    // A pong after the handshake means the client has joined (its session handles the
    // handshake, waiting for the room's snapshot, before it reads the ping).
    for ws in observers.iter_mut().chain(senders.iter_mut()) {
        ws.sync().await;
    }
    const EACH: usize = 40;
    // Interleave the senders so the room's order mixes the three nodes.
    for k in 0..EACH {
        for (i, s) in senders.iter_mut().enumerate() {
            s.send(&set(&format!("v{i}"), &k.to_string())).await;
        }
    }
    let mut seen = Vec::new();
    for o in observers.iter_mut() {
        let mut got = Vec::new();
        for _ in 0..3 * EACH {
            got.push(o.text().await);
        }
        seen.push(got);
    }
    assert_eq!(seen[0], seen[1], "node 1 and node 2 saw different orders");
    assert_eq!(seen[0], seen[2], "node 1 and node 3 saw different orders");
    for i in 0..3 {
        let mine: Vec<&String> = seen[0]
            .iter()
            .filter(|m| m.contains(&format!("☁ v{i}\"")))
            .collect();
        let expected: Vec<String> = (0..EACH)
            .map(|k| set_out(&format!("v{i}"), &k.to_string()))
            .collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "sender {i} out of its own order"
        );
    }
    // A sender gets the others' sets, never its own.
    let got = senders[0].sync().await;
    assert!(got.iter().all(|m| !m.contains("☁ v0\"")), "{got:?}");
    for n in nodes {
        n.stop().await;
    }
}

#[actix_rt::test]
async fn join_dumps_are_complete_on_any_node_and_survive_every_node() {
    let Some(redis) = Redis::start() else { return };
    let one = node(&redis).await;
    let two = node(&redis).await;
    let mut a = Ws::join(&one.url(), "3", "a").await;
    a.send(&set("x", "1")).await;
    a.send(&set("s", "\"007\"")).await;
    a.send(&set("x", "2")).await;
    eventually("node 1 applied its sets from Redis", || {
        value_of(&one, "3", "☁ x").as_deref() == Some("2")
    })
    .await;
    let mut b = Ws::join(&two.url(), "3", "b").await;
    let dump = b.frame().await;
    assert_eq!(
        dump,
        format!("{}\n{}", set_out("s", "\"007\""), set_out("x", "2")),
        "the dump on node 2 has every variable set through node 1"
    );
    // Node 2 stops following the room when its last client leaves; a client joining it
    // later still gets the room as it is now.
    b.close().await;
    eventually("node 2 has no client left", || {
        two.state().client_count("3") == 0
    })
    .await;
    a.send(&set("x", "3")).await;
    eventually("node 1 applied it", || {
        value_of(&one, "3", "☁ x").as_deref() == Some("3")
    })
    .await;
    let mut b = Ws::join(&two.url(), "3", "b2").await;
    assert_eq!(
        b.frame().await,
        format!("{}\n{}", set_out("s", "\"007\""), set_out("x", "3"))
    );
    a.send(&set("x", "4")).await;
    assert_eq!(
        b.text().await,
        set_out("x", "4"),
        "and it follows the room again"
    );
    // Kill every node (dropped without a clean stop), then start one: nothing is lost.
    drop((a, b));
    drop(one);
    drop(two);
    let three = node(&redis).await;
    let mut c = Ws::join(&three.url(), "3", "c").await;
    assert_eq!(
        c.frame().await,
        format!("{}\n{}", set_out("s", "\"007\""), set_out("x", "4"))
    );
    three.stop().await;
}

#[actix_rt::test]
async fn limits_hold_across_nodes() {
    let Some(redis) = Redis::start() else { return };
    let limits = Limits::default()
        .max_clients_per_room(2)
        .max_variables_per_room(2);
    let config = |name: &str| {
        ServerConfig::default()
            .limits(limits.clone())
            .redis(RedisConfig::new(redis.url()).node(name))
    };
    let one = node_with(&redis, config("one")).await;
    let two = node_with(&redis, config("two")).await;
    let mut a = Ws::join(&one.url(), "5", "a").await;
    let mut b = Ws::join(&two.url(), "5", "b").await;
    a.sync().await;
    b.sync().await;
    // Both nodes have written their client counts (they do so in the background).
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection_with_timeout(WAIT).unwrap();
    eventually("both nodes counted their clients in Redis", || {
        let counts: std::collections::HashMap<String, u32> = redis::cmd("HGETALL")
            .arg("scratchcomm:{5}:n")
            .query(&mut conn)
            .unwrap_or_default();
        counts.get("one") == Some(&1) && counts.get("two") == Some(&1)
    })
    .await;
    // A third client on either node finds the room full (4000).
    let mut c = Ws::join(&two.url(), "5", "c").await;
    assert_eq!(c.close_code().await, Some(4000));
    // A refused join (here for its username) leaves no room followed behind.
    let followed = || two.state().redis_health().map(|h| h.rooms_followed);
    assert_eq!(followed(), Some(1));
    let mut e = Ws::connect(&two.url()).await;
    e.send(&handshake("6", "bad name!")).await;
    assert_eq!(e.close_code().await, Some(4002));
    eventually("the refused room is not followed", || followed() == Some(1)).await;
    let (_, body) = health(&two).await;
    assert_eq!(body["redis"]["rooms_followed"], 1);
    // Two variables through node 1; node 2, which holds them too, closes the client that
    // adds a third (4000). (Redis's own check, for a node that has not seen them yet, is
    // the publish script's.)
    a.send(&set("p", "1")).await;
    a.send(&set("q", "2")).await;
    assert_eq!(b.text().await, set_out("p", "1"));
    assert_eq!(b.text().await, set_out("q", "2"));
    b.send(&set("r", "3")).await;
    assert_eq!(b.close_code().await, Some(4000));
    // Its place is free again, on either node, once node 2 has counted it out.
    eventually("node 2 counted its client out", || {
        let counts: std::collections::HashMap<String, u32> = redis::cmd("HGETALL")
            .arg("scratchcomm:{5}:n")
            .query(&mut conn)
            .unwrap_or_default();
        !counts.contains_key("two")
    })
    .await;
    let mut d = Ws::join(&one.url(), "5", "d").await;
    assert_eq!(
        d.frame().await,
        format!("{}\n{}", set_out("p", "1"), set_out("q", "2"))
    );
    one.stop().await;
    two.stop().await;
}

#[actix_rt::test]
async fn redis_restarted_under_load_is_reported_and_resynchronised() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let one = node(&redis).await;
    let two = node(&redis).await;
    let (code, body) = health(&one).await;
    assert_eq!((code, body["redis"]["status"].as_str()), (200, Some("up")));
    let url_one = one.url();
    let mut a = Ws::join(&one.url(), "9", "a").await;
    let mut b = Ws::join(&two.url(), "9", "b").await;
    a.sync().await;
    b.sync().await;
    // Load: a client on node 1 keeps setting a counter while Redis goes away and returns.
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let load = actix_rt::spawn(async move {
        let mut ws = Ws::join(&url_one, "9", "load").await;
        let mut sent = 0u32;
        while stop_rx.try_recv().is_err() && sent < 20_000 {
            ws.send(&set("load", &sent.to_string())).await;
            sent += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        ws.sync().await;
        sent
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.kill();
    eventually("node 1 reports the outage", || {
        one.state().redis_health().is_some_and(|h| !h.up)
    })
    .await;
    let (code, body) = health(&one).await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["redis"]["status"], "down");
    // Alone, each node keeps serving its own clients.
    a.send(&set("during", "1")).await;
    eventually("node 2 notices too", || {
        two.state().redis_health().is_some_and(|h| !h.up)
    })
    .await;
    b.send(&set("other", "2")).await;
    // A room first joined during the outage is followed once Redis is back.
    let mut late = Ws::join(&two.url(), "10", "late").await;
    late.sync().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    redis.restart();
    up(&one).await;
    up(&two).await;
    stop_tx.send(()).unwrap();
    let sent = load.await.unwrap();
    assert!(sent > 0);
    let last = (sent - 1).to_string();
    eventually("both nodes agree on every variable", || {
        // Sorted: variables created during the outage were created in another order.
        let sorted = |v: Option<Vec<(String, String)>>| {
            v.map(|mut v| {
                v.sort();
                v
            })
        };
        let (x, y) = (sorted(one.variables("9")), sorted(two.variables("9")));
        let done = x.is_some()
            && x == y
            && value_of(&one, "9", "☁ load").as_deref() == Some(last.as_str());
        if !done {
            eprintln!("{x:?}\n{y:?} last={last}");
        }
        done
    })
    .await;
    assert_eq!(value_of(&two, "9", "☁ during").as_deref(), Some("1"));
    assert_eq!(value_of(&one, "9", "☁ other").as_deref(), Some("2"));
    // The clients got what the other node did meanwhile, and sets flow again.
    let got_a = a.sync().await;
    assert!(got_a.contains(&set_out("other", "2")), "{got_a:?}");
    let got_b = b.sync().await;
    assert!(got_b.contains(&set_out("during", "1")), "{got_b:?}");
    a.send(&set("after", "3")).await;
    let mut arrived = false;
    for _ in 0..10_000 {
        if b.text().await == set_out("after", "3") {
            arrived = true;
            break;
        }
    }
    assert!(arrived, "a set through node 1 reaches node 2 again");
    let mut early = Ws::join(&one.url(), "10", "early").await;
    early.sync().await;
    early.send(&set("late", "1")).await;
    assert_eq!(late.text().await, set_out("late", "1"));
    let (code, body) = health(&two).await;
    assert_eq!(
        (code, body["redis"]["unpublished"].as_u64()),
        (200, Some(0))
    );
    one.stop().await;
    two.stop().await;
}

#[actix_rt::test]
async fn a_single_server_keeps_rooms_in_redis_and_a_node_finds_them() {
    let Some(redis) = Redis::start() else { return };
    let alone = || ServerConfig::default().storage(scratchcomm_server::Storage::Redis(redis.url()));
    let server = CloudServer::start(alone()).await.unwrap();
    let mut a = Ws::join(&server.url(), "4", "a").await;
    a.send(&set("n", "1.50")).await;
    a.send(&set("s", "\"007\"")).await;
    a.sync().await;
    server.stop_and_store().await.expect("written to Redis");
    let again = CloudServer::start(alone()).await.unwrap();
    assert_eq!(
        again.variables("4"),
        Some(vec![
            ("☁ n".into(), "1.5".into()),
            ("☁ s".into(), "007".into())
        ])
    );
    again.stop().await;
    // The same hashes serve the multi-node mode.
    let node = node(&redis).await;
    let mut b = Ws::join(&node.url(), "4", "b").await;
    assert_eq!(
        b.frame().await,
        format!("{}\n{}", set_out("n", "1.5"), set_out("s", "\"007\""))
    );
    node.stop().await;
}

#[actix_rt::test]
async fn a_server_without_redis_reports_ok_and_no_redis() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let mut a = Ws::join(&server.url(), "1", "a").await;
    a.sync().await;
    let (code, body) = health(&server).await;
    assert_eq!(code, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["connections"], 1);
    assert!(body["redis"].is_null(), "{body}");
    server.stop().await;
}
