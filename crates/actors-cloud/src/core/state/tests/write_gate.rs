//! The write gate is asked when an operation would be written, not when it was submitted.

use super::*;
use crate::config::WriteGate;
use crate::CloudErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};

fn gated(open: &Arc<AtomicBool>) -> CoreConfig {
    let open = open.clone();
    let mut c = cfg(RateLimit::scratch());
    c.write_gate = Some(WriteGate::new(move || {
        if open.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err("lease of project 42 lost".to_owned())
        }
    }));
    c
}

fn completions(a: &[Action]) -> Vec<(&[OpId], Result<(), &CloudError>)> {
    a.iter()
        .filter_map(|a| match a {
            Action::Complete { ids, result } => Some((&ids[..], result.as_ref().map(|_| ()))),
            _ => None,
        })
        .collect()
}

#[test]
fn a_set_queued_behind_the_rate_limit_is_refused_if_the_gate_closed_meanwhile() {
    let open = Arc::new(AtomicBool::new(true));
    let mut r = Rig::new(gated(&open));
    r.connect(0);
    // Written at once; the next two wait for the 100 ms spacing.
    assert_eq!(sends(&r.set("a", "1", 1, 10)).len(), 1);
    r.done(11);
    assert!(sends(&r.set("a", "2", 2, 20)).is_empty());
    assert!(sends(&r.set("b", "3", 3, 30)).is_empty());
    // The lease runs out while they wait: neither is ever written.
    open.store(false, Ordering::Release);
    let a = r.core.on_tick(r.at(200));
    assert!(sends(&a).is_empty(), "{a:?}");
    let done = completions(&a);
    assert_eq!(done.len(), 2, "{a:?}");
    for ((ids, result), want) in done.into_iter().zip([2, 3]) {
        assert_eq!(ids, &[want]);
        let err = result.unwrap_err();
        assert_eq!(err.kind(), CloudErrorKind::Fenced);
        assert!(
            err.to_string().contains("lease of project 42 lost"),
            "{err}"
        );
    }
    assert_eq!(r.cache.get("☁ a").map(|v| v.to_string()), Some("1".into()));
    // Open again: later sets are written, without waiting for the refused ones' slots.
    open.store(true, Ordering::Release);
    let a = r.set("a", "4", 4, 300);
    assert_eq!(sends(&a).len(), 1);
    assert!(sends(&a)[0].contains("\"value\": \"4\""));
}

#[test]
fn a_clean_stop_finishes_when_the_gate_refuses_everything_left() {
    let open = Arc::new(AtomicBool::new(true));
    let mut r = Rig::new(gated(&open));
    r.connect(0);
    r.set("a", "1", 1, 10);
    r.done(11);
    r.set("a", "2", 2, 20);
    open.store(false, Ordering::Release);
    r.core.stop(r.at(30));
    let a = r.core.on_tick(r.at(200));
    assert_eq!(completions(&a).len(), 1, "{a:?}");
    assert!(
        a.iter()
            .any(|a| matches!(a, Action::Close | Action::Stop { .. })),
        "the stop goes on once nothing is left: {a:?}"
    );
}
