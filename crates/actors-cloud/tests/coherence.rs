//! Cache coherence after a reconnect, against the embedded server restarted on its port:
//! the cache equals what the server holds, unless the program opts in to re-sending.

use actors_cloud::EventKind;
use scratchcomm_server::{CloudServer, ServerConfig};
use test_support::cloud::*;
use test_support::{bounded, eventually};

async fn restart(srv: CloudServer) -> CloudServer {
    let port = srv.local_addr().port();
    srv.stop().await;
    CloudServer::start(ServerConfig::default().port(port))
        .await
        .expect("restart on the same port")
}

#[actix_rt::test]
async fn a_restarted_servers_empty_room_empties_the_cache_with_delete_events() {
    let srv = server().await;
    let url = srv.url();
    let a = connect(config(&url, "room", "alice")).await;
    let b = connect(config(&url, "room", "bob")).await;
    let mut b_events = b.events();
    bounded("set", a.set("score", 10)).await.unwrap();
    wait_set(&mut b_events, "score", "10").await;
    assert_eq!(a.get("score").unwrap().as_str(), "10");

    let srv = restart(srv).await;
    let mut a_events = a.events();
    let deleted = next_matching(&mut a_events, "a delete of score", |e| {
        e.kind == EventKind::Delete
    })
    .await;
    assert_eq!(deleted.name, "score");
    assert_eq!(deleted.value.as_ref().map(|v| v.as_str()), Some("10"));
    assert!(
        a.get("score").is_none(),
        "the cache must not keep a lost value"
    );
    next_matching(&mut b_events, "b delete of score", |e| {
        e.kind == EventKind::Delete && e.name == "score"
    })
    .await;
    assert!(b.get("score").is_none());
    // Values set after the restart are cached again as usual.
    bounded("set after restart", a.set("score", 11))
        .await
        .unwrap();
    wait_set(&mut b_events, "score", "11").await;
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn a_value_changed_while_away_is_reported_and_cached() {
    let srv = server().await;
    let url = srv.url();
    let a = connect(config(&url, "keep", "alice")).await;
    bounded("set", a.set("kept", 1)).await.unwrap();
    let mut a_events = a.events();
    let b = connect(config(&url, "keep", "bob")).await;
    let mut b_events = b.events();
    let srv2 = restart(srv).await;
    // b writes once it knows the old server is gone, so its set goes to the new one: a set
    // written to the old socket before the client read the server's close is lost (`set`
    // resolves once written), and nothing here is about that.
    next_matching(&mut b_events, "b sees the old server go", |e| {
        matches!(e.kind, EventKind::Disconnect { .. })
    })
    .await;
    // Whether a rejoins before b's write (a live set) or after (the join dump holds it),
    // a ends up with the server's value and a Set event for it.
    bounded("b rewrites", b.set("kept", 2)).await.unwrap();
    let ev = next_matching(&mut a_events, "a sees kept=2", |e| {
        e.kind == EventKind::Set && e.name == "kept"
    })
    .await;
    assert_eq!(ev.value.unwrap().as_str(), "2");
    eventually("a's cache follows the server", || {
        a.get("kept").is_some_and(|v| v.as_str() == "2")
    })
    .await;
    a.stop().await;
    b.stop().await;
    srv2.stop().await;
}

#[actix_rt::test]
async fn opting_in_resends_our_own_values_after_the_server_lost_them() {
    let srv = server().await;
    let url = srv.url();
    let a = connect(config(&url, "mine", "alice").resend_own_values(true)).await;
    let b = connect(config(&url, "mine", "bob")).await;
    let mut b_events = b.events();
    bounded("a sets", a.set("owned", 5)).await.unwrap();
    bounded("b sets", b.set("theirs", 6)).await.unwrap();
    wait_set(&mut b_events, "owned", "5").await;

    let srv = restart(srv).await;
    // a writes its lost value again; b (not opted in) drops its own and sees a's back.
    eventually("the server holds a's value again", || {
        srv.variables("mine")
            .is_some_and(|v| v.contains(&("☁ owned".to_owned(), "5".to_owned())))
    })
    .await;
    eventually("b's cache follows the server", || {
        b.get("owned").is_some_and(|v| v.as_str() == "5") && b.get("theirs").is_none()
    })
    .await;
    assert_eq!(a.get("owned").unwrap().as_str(), "5");
    eventually("a drops b's lost value", || a.get("theirs").is_none()).await;
    assert!(srv
        .variables("mine")
        .is_some_and(|v| !v.iter().any(|(n, _)| n == "☁ theirs")));
    a.stop().await;
    b.stop().await;
    srv.stop().await;
}
