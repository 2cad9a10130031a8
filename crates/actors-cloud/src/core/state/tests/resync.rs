//! Cache coherence after a reconnect: the join dump is the truth.

use super::*;

const DUMP_AB: &str = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"1\"}\n{\"method\":\"set\",\"name\":\"☁ b\",\"value\":\"2\"}";

/// Connect, receive `DUMP_AB`, lose the socket, reconnect (handshake written at 400 ms).
fn reconnected(c: CoreConfig) -> Rig {
    let mut r = Rig::new(c);
    r.connect(0);
    let e = r.core.epoch();
    r.core.on_frame(e, DUMP_AB, r.at(10));
    r.core.on_closed(e, None, "eof".into(), r.at(70));
    r.core.on_reconnect_due(r.at(400));
    r.open(400);
    r
}

fn emitted(a: &[Action]) -> Vec<(EventKind, String)> {
    a.iter()
        .filter_map(|a| match a {
            Action::Emit(e) => Some((e.kind.clone(), e.name.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_variable_missing_from_the_dump_is_removed_with_an_event() {
    let mut r = reconnected(cfg(RateLimit::unlimited()));
    let e = r.core.epoch();
    let dump = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"9\"}";
    let a = r.core.on_frame(e, dump, r.at(450));
    assert_eq!(
        emitted(&a),
        vec![
            (EventKind::Set, "a".into()),
            (EventKind::Delete, "b".into())
        ]
    );
    assert!(matches!(a.last(), Some(Action::Synced)));
    assert_eq!(r.cache.get("☁ a").unwrap().as_str(), "9");
    assert!(r.cache.get("☁ b").is_none());
}

#[test]
fn an_empty_room_after_a_restart_empties_the_cache() {
    let mut r = reconnected(cfg(RateLimit::unlimited()));
    // No dump within the window (1 s): the restarted server's room is empty.
    let a = r.core.on_tick(r.at(1400));
    let mut got = emitted(&a);
    got.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(
        got,
        vec![
            (EventKind::Delete, "a".into()),
            (EventKind::Delete, "b".into())
        ]
    );
    assert!(a.iter().any(|a| matches!(a, Action::Synced)));
    assert!(r.cache.is_empty());
    // The first connect's empty room prunes nothing (there is nothing to prune).
    let mut first = Rig::new(cfg(RateLimit::unlimited()));
    first.connect(0);
    assert!(emitted(&first.core.on_tick(first.at(1000))).is_empty());
}

#[test]
fn a_live_frame_before_the_late_tick_still_empties_the_cache_first() {
    let mut r = reconnected(cfg(RateLimit::unlimited()));
    // The window (until 1400) passed without a dump, but the tick is late: the next frame
    // is another client's live set. The room was empty when we joined, so a and b go
    // first, then the live set applies.
    let e = r.core.epoch();
    let live = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"5\"}";
    let a = r.core.on_frame(e, live, r.at(1500));
    assert_eq!(
        emitted(&a),
        vec![
            (EventKind::Delete, "a".into()),
            (EventKind::Delete, "b".into()),
            (EventKind::Set, "a".into())
        ]
    );
    assert!(a.iter().any(|a| matches!(a, Action::Synced)));
    assert_eq!(r.cache.get("☁ a").unwrap().as_str(), "5");
    assert!(r.cache.get("☁ b").is_none());
    // The tick that comes late finds nothing left to do.
    assert!(emitted(&r.core.on_tick(r.at(1510))).is_empty());
}

#[test]
fn own_writes_on_the_new_socket_survive_the_older_dump() {
    let mut r = reconnected(cfg(RateLimit::unlimited()));
    let a = r.set("b", "7", 1, 401);
    assert_eq!(sends(&a).len(), 1);
    r.done(402);
    // The dump was taken before our set reached the server: it has the old b, or none.
    let e = r.core.epoch();
    let dump = "{\"method\":\"set\",\"name\":\"☁ b\",\"value\":\"2\"}";
    let a = r.core.on_frame(e, dump, r.at(450));
    assert_eq!(emitted(&a), vec![(EventKind::Delete, "a".into())]);
    assert_eq!(r.cache.get("☁ b").unwrap().as_str(), "7");
    // After the dump, frames are live again and our set is no longer special.
    let live = "{\"method\":\"set\",\"name\":\"☁ b\",\"value\":\"8\"}";
    r.core.on_frame(e, live, r.at(460));
    assert_eq!(r.cache.get("☁ b").unwrap().as_str(), "8");
}

#[test]
fn opt_in_resends_our_own_lost_values_ahead_of_the_queue() {
    let mut c = cfg(RateLimit::unlimited());
    c.resend_own_values = true;
    let mut r = Rig::new(c);
    r.connect(0);
    let e = r.core.epoch();
    r.core.on_frame(e, DUMP_AB, r.at(10)); // b belongs to someone else
    r.set("mine", "5", 1, 20);
    r.done(21);
    r.core.on_closed(e, None, "eof".into(), r.at(70));
    r.core.on_reconnect_due(r.at(400));
    r.open(400);
    // Something queued while the dump is awaited is written after the resend.
    r.core.submit(
        Op::Set {
            name: VarName::new("other").unwrap(),
            value: "1".into(),
        },
        2,
        r.at(401),
    );
    r.done(402); // "other" was written at once (unlimited rate)
    let e = r.core.epoch();
    let a = r.core.on_tick(r.at(1400)); // empty room
    assert_eq!(
        emitted(&a),
        vec![
            (EventKind::Delete, "a".into()),
            (EventKind::Delete, "b".into())
        ]
    );
    assert_eq!(sends(&a).len(), 1, "{a:?}");
    assert!(
        sends(&a)[0].contains("\\u2601 mine\"") && sends(&a)[0].contains("\"5\""),
        "{}",
        sends(&a)[0]
    );
    assert_eq!(r.cache.get("☁ mine").unwrap().as_str(), "5");
    assert_eq!(r.cache.get("☁ other").unwrap().as_str(), "1");
    // The internal resend has no waiter and completes nobody.
    let a = r.core.on_write_done(e, Ok(()), r.at(1401));
    assert!(a
        .iter()
        .all(|a| !matches!(a, Action::Complete { ids, .. } if !ids.is_empty())));
}
