//! State-machine tests with a controlled clock: every instant is `t0 + offset`.

use super::*;
use crate::core::Op;
use crate::CloudErrorKind;
use scratchcomm_wire::{CloseCode, VarName};

fn cfg(rate: RateLimit) -> CoreConfig {
    CoreConfig {
        user: "bot".into(),
        project_id: ProjectId::new("42").unwrap(),
        project_json: serde_json::json!("42"),
        source: SourceId::new("test"),
        rate_limit: rate,
        backoff: BackoffPolicy::default(),
        reconnect: true,
        receive_updates: true,
        coalesce: false,
        snapshot_window: Duration::from_secs(1),
        drain_timeout: Duration::from_secs(5),
        resend_own_values: false,
        ping_interval: Some(Duration::from_secs(20)),
        ping_timeout: Duration::from_secs(10),
        seed: 7,
        write_gate: None,
    }
}

struct Rig {
    core: Core,
    t0: Instant,
    cache: Arc<DashMap<String, CloudValue>>,
}

impl Rig {
    fn new(c: CoreConfig) -> Self {
        let t0 = Instant::now();
        let cache = Arc::new(DashMap::new());
        Rig {
            core: Core::new(c, cache.clone(), t0),
            t0,
            cache,
        }
    }
    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }
    /// Start, open, finish the handshake at `ms`; returns the actions of the last step.
    fn connect(&mut self, ms: u64) -> Vec<Action> {
        let now = self.at(ms);
        let a = self.core.start(now);
        assert!(matches!(a[..], [Action::Connect { .. }]));
        self.open(ms)
    }
    fn open(&mut self, ms: u64) -> Vec<Action> {
        let now = self.at(ms);
        let e = self.core.epoch();
        let a = self.core.on_opened(e, now);
        assert!(matches!(&a[..], [Action::Send { frame }] if frame.contains("\"handshake\"")));
        self.core.on_write_done(e, Ok(()), now)
    }
    fn set(&mut self, name: &str, v: &str, id: OpId, ms: u64) -> Vec<Action> {
        let op = Op::Set {
            name: VarName::new(name).unwrap(),
            value: v.into(),
        };
        self.core.submit(op, id, self.at(ms))
    }
    fn done(&mut self, ms: u64) -> Vec<Action> {
        let e = self.core.epoch();
        self.core.on_write_done(e, Ok(()), self.at(ms))
    }
}

fn sends(a: &[Action]) -> Vec<&str> {
    a.iter()
        .filter_map(|a| match a {
            Action::Send { frame } => Some(frame.as_str()),
            _ => None,
        })
        .collect()
}

fn wake(a: &[Action]) -> Option<Instant> {
    a.iter().find_map(|a| match a {
        Action::WakeAt(t) => Some(*t),
        _ => None,
    })
}

fn events(a: &[Action]) -> Vec<&EventKind> {
    a.iter()
        .filter_map(|a| match a {
            Action::Emit(e) => Some(&e.kind),
            _ => None,
        })
        .collect()
}

#[test]
fn handshake_first_then_connect_event_and_scratch_spacing() {
    let mut r = Rig::new(cfg(RateLimit::scratch()));
    // Sets accepted before the socket opens wait for the handshake.
    assert!(sends(&r.set("a", "1", 1, 0)).is_empty());
    r.set("a", "2", 2, 0);
    r.set("a", "3", 3, 0);
    let a = r.connect(10);
    assert_eq!(events(&a), vec![&EventKind::Connect]);
    assert!(a
        .iter()
        .any(|a| matches!(a, Action::WakeAt(t) if *t == r.at(1010))));
    assert_eq!(sends(&a).len(), 1);
    assert!(sends(&a)[0].contains("\"value\": \"1\""));
    // Written at once, but the next must wait until 110 ms.
    let a = r.done(12);
    assert!(matches!(&a[0], Action::Complete { ids, result: Ok(()) } if ids == &[1]));
    assert_eq!(wake(&a), Some(r.at(110)));
    assert!(sends(&a).is_empty());
    assert!(sends(&r.core.on_tick(r.at(109))).is_empty());
    assert!(!r
        .core
        .on_tick(r.at(109))
        .iter()
        .any(|a| matches!(a, Action::Synced)));
    let a = r.core.on_tick(r.at(110));
    assert!(sends(&a)[0].contains("\"value\": \"2\""));
    let a = r.done(111);
    assert_eq!(wake(&a), Some(r.at(210)));
    assert_eq!(r.cache.get("☁ a").unwrap().as_str(), "2");
}

#[test]
fn unlimited_writes_back_to_back_one_at_a_time() {
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    let a = r.set("x", "1", 1, 0);
    assert_eq!(sends(&a).len(), 1);
    // Only one write in flight.
    assert!(sends(&r.set("x", "2", 2, 0)).is_empty());
    assert_eq!(sends(&r.done(0)).len(), 1);
}

#[test]
fn snapshot_rules() {
    let snap = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"1\"}\n{\"method\":\"set\",\"name\":\"☁ b\",\"value\":\"2\"}";
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    let e = r.core.epoch();
    let a = r.core.on_frame(e, snap, r.at(50));
    assert!(events(&a).is_empty());
    assert!(matches!(a.last(), Some(Action::Synced)));
    assert_eq!(r.cache.get("☁ b").unwrap().as_str(), "2");
    let live = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"5\"}";
    assert_eq!(
        events(&r.core.on_frame(e, live, r.at(60))),
        vec![&EventKind::Set]
    );
    // Reconnect: the snapshot reports only what changed while away.
    r.core.on_closed(e, None, "eof".into(), r.at(70));
    r.core.on_reconnect_due(r.at(400));
    r.open(400);
    let e = r.core.epoch();
    let a = r.core.on_frame(e, snap, r.at(450));
    let names: Vec<_> = a
        .iter()
        .filter_map(|a| match a {
            Action::Emit(ev) => Some(ev.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["a"]);
}

#[test]
fn late_first_frame_is_live_and_receive_updates_off_ignores_frames() {
    let frame = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"1\"}";
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    let e = r.core.epoch();
    // The window ends without a snapshot: synced, and the next frame is live.
    assert!(r
        .core
        .on_tick(r.at(1000))
        .iter()
        .any(|a| matches!(a, Action::Synced)));
    assert_eq!(events(&r.core.on_frame(e, frame, r.at(1001))).len(), 1);

    let mut c = cfg(RateLimit::unlimited());
    c.receive_updates = false;
    let mut r = Rig::new(c);
    r.connect(0);
    let e = r.core.epoch();
    assert!(r.core.on_frame(e, frame, r.at(2000)).is_empty());
    assert!(r.cache.is_empty());
}

#[test]
fn frame_after_the_window_but_before_its_tick_is_live_and_releases_connect() {
    // The window (1 s in `cfg`) has passed, but the tick that would close it has not run:
    // the frame is live (emits its event) and `connect` is released (Synced), once.
    let frame = "{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"1\"}";
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    let e = r.core.epoch();
    let a = r.core.on_frame(e, frame, r.at(1500));
    assert_eq!(events(&a), vec![&EventKind::Set]);
    assert!(a.iter().any(|a| matches!(a, Action::Synced)));
    let later = r.core.on_frame(e, frame, r.at(1600));
    assert!(!later.iter().any(|a| matches!(a, Action::Synced)));
    assert!(!r
        .core
        .on_tick(r.at(2000))
        .iter()
        .any(|a| matches!(a, Action::Synced)));
}

#[test]
fn clean_stop_drains_then_closes() {
    let mut r = Rig::new(cfg(RateLimit::scratch()));
    r.connect(0);
    r.set("a", "1", 1, 0);
    r.set("a", "2", 2, 0);
    let a = r.core.stop(r.at(1));
    assert_eq!(wake(&a), Some(r.at(5001)));
    // New work is refused while draining.
    assert!(matches!(
        &r.set("a", "3", 3, 2)[..],
        [Action::Complete { result: Err(_), .. }]
    ));
    r.done(2);
    r.core.on_tick(r.at(100));
    let a = r.done(101);
    assert!(matches!(a.last(), Some(Action::Stop { error: None })));
    assert!(a.iter().any(|a| matches!(a, Action::Close)));
}

#[test]
fn stop_deadline_fails_what_is_left() {
    let mut r = Rig::new(cfg(RateLimit::scratch()));
    r.set("a", "1", 1, 0); // never connected
    r.core.start(r.at(0));
    r.core.stop(r.at(1));
    let a = r.core.on_tick(r.at(5001));
    assert!(a.iter().any(
        |a| matches!(a, Action::Complete { ids, result: Err(e) } if ids == &[1] && e.kind() == CloudErrorKind::Stopped)
    ));
    assert!(r.core.is_stopped());
}

#[test]
fn coalescing_merges_waiters() {
    let mut c = cfg(RateLimit::scratch());
    c.coalesce = true;
    let mut r = Rig::new(c);
    r.connect(0);
    r.set("a", "1", 1, 0); // in flight
    r.set("a", "2", 2, 0);
    r.set("a", "3", 3, 0);
    r.done(1);
    let a = r.core.on_tick(r.at(100));
    assert!(sends(&a)[0].contains("\"value\": \"3\""));
    let a = r.done(101);
    assert!(matches!(&a[0], Action::Complete { ids, result: Ok(()) } if ids == &[2, 3]));
}

mod lifecycle;
mod reconnect;
mod resync;
mod write_gate;

#[test]
fn own_writes_emit_a_local_sent_event_once_written_never_a_remote_kind() {
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    // Accepted, written, but not yet done: nothing reported yet.
    let a = r.set("TO_CLIENT_1", "123", 1, 1);
    assert_eq!(sends(&a).len(), 1);
    assert!(events(&a).is_empty());
    let a = r.done(2);
    assert_eq!(
        events(&a),
        vec![&EventKind::Sent(crate::events::OwnWrite::Set)]
    );
    let ev = a
        .iter()
        .find_map(|a| match a {
            Action::Emit(e) => Some(e),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (ev.name.as_str(), ev.raw_name.as_str()),
        ("TO_CLIENT_1", "☁ TO_CLIENT_1")
    );
    assert_eq!(ev.value.as_ref().map(|v| v.as_str()), Some("123"));
    assert_eq!(ev.event_type(), crate::events::EventType::Sent);
    assert_eq!(r.cache.get("☁ TO_CLIENT_1").unwrap().as_str(), "123");
    // Rename and delete are reported with the names involved; no value.
    let op = Op::Rename {
        name: VarName::new("TO_CLIENT_1").unwrap(),
        new_name: VarName::new("b").unwrap(),
    };
    r.core.submit(op, 2, r.at(3));
    let a = r.done(4);
    assert_eq!(
        events(&a),
        vec![&EventKind::Sent(crate::events::OwnWrite::Rename {
            new_name: "b".into()
        })]
    );
    r.core.submit(
        Op::Delete {
            name: VarName::new("b").unwrap(),
        },
        3,
        r.at(5),
    );
    let a = r.done(6);
    assert_eq!(
        events(&a),
        vec![&EventKind::Sent(crate::events::OwnWrite::Delete)]
    );
    // A failed write reports nothing (it is retried after the reconnect).
    r.set("c", "1", 4, 7);
    let e = r.core.epoch();
    let a = r.core.on_write_done(e, Err("broken pipe".into()), r.at(8));
    assert!(!events(&a).iter().any(|k| matches!(k, EventKind::Sent(_))));
}
