//! Disconnects, reconnects, fatal close codes and keepalive, with a controlled clock.

use super::*;

#[test]
fn fatal_close_code_stops_and_fails_the_queue() {
    let mut r = Rig::new(cfg(RateLimit::scratch()));
    r.connect(0);
    r.set("a", "1", 1, 0);
    r.set("a", "2", 2, 0);
    let e = r.core.epoch();
    let a = r
        .core
        .on_closed(e, Some(CloseCode(4002)), "bad username".into(), r.at(5));
    assert!(events(&a)
        .iter()
        .any(|k| matches!(k, EventKind::Error { .. })));
    assert!(a
        .iter()
        .any(|a| matches!(a, Action::Complete { ids, result: Err(_) } if ids == &[1, 2])));
    assert!(events(&a).iter().any(|k| matches!(
        k,
        EventKind::Disconnect { code: Some(CloseCode::USERNAME), reason } if reason == "bad username"
    )));
    let Some(Action::Stop { error: Some(err) }) = a.last() else {
        panic!("no stop with an error: {a:?}");
    };
    assert_eq!(err.kind(), CloudErrorKind::Refused);
    assert_eq!(err.close_code(), Some(CloseCode::USERNAME));
    assert!(r.core.is_stopped());
    // Nothing more happens, and new work is refused.
    assert!(r.core.on_reconnect_due(r.at(10_000)).is_empty());
    assert!(matches!(
        &r.set("a", "3", 3, 20)[..],
        [Action::Complete {
            result: Err(e),
            ..
        }] if e.kind() == CloudErrorKind::Stopped
    ));
}

#[test]
fn disconnect_requeues_in_flight_and_resends_after_handshake() {
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    r.set("a", "1", 1, 0); // in flight, never confirmed
    r.set("a", "2", 2, 0);
    let e = r.core.epoch();
    let a = r
        .core
        .on_closed(e, Some(CloseCode(1001)), "going away".into(), r.at(1));
    let after = a
        .iter()
        .find_map(|a| match a {
            Action::Reconnect { after, .. } => Some(*after),
            _ => None,
        })
        .expect("reconnect scheduled");
    assert!(after <= Duration::from_millis(250));
    // A late write-done of the dead socket changes nothing.
    assert!(r.core.on_write_done(e, Ok(()), r.at(2)).is_empty());
    let a = r.core.on_reconnect_due(r.at(300));
    assert!(matches!(a[..], [Action::Connect { .. }]));
    let a = r.open(301);
    assert!(sends(&a)[0].contains("\"value\": \"1\""));
    let a = r.done(302);
    assert!(sends(&a)[0].contains("\"value\": \"2\""));
    r.done(303);
    assert_eq!(r.core.queued(), 0);
}

#[test]
fn backoff_grows_and_overloaded_waits_longer() {
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.core.start(r.at(0));
    let mut delays = Vec::new();
    for i in 0..5 {
        let e = r.core.epoch();
        let a = r
            .core
            .on_connect_failed(e, "refused".into(), false, r.at(i * 1000));
        let after = a.iter().find_map(|a| match a {
            Action::Reconnect { after, .. } => Some(*after),
            _ => None,
        });
        delays.push(after.unwrap());
        r.core.on_reconnect_due(r.at(i * 1000 + 1));
    }
    let p = BackoffPolicy::default();
    for (n, d) in delays.iter().enumerate() {
        let outage = Duration::from_millis(n as u64 * 1000);
        let (hi, lo) = (
            p.delay_in_outage(n as u32, outage, false, 1.0),
            p.delay_in_outage(n as u32, outage, false, 0.0),
        );
        assert!(*d <= hi && *d >= lo, "{d:?} not in [{lo:?}, {hi:?}]");
    }
    let e = r.core.epoch();
    r.core.on_opened(e, r.at(9000));
    let a = r
        .core
        .on_closed(e, Some(CloseCode(4003)), "full".into(), r.at(9001));
    assert!(a
        .iter()
        .any(|a| matches!(a, Action::Reconnect { after, .. } if *after >= Duration::from_secs(5))));
}

#[test]
fn gives_up_after_max_attempts_and_reconnect_off_stops() {
    let mut c = cfg(RateLimit::unlimited());
    c.backoff.max_attempts = Some(2);
    let mut r = Rig::new(c);
    r.core.start(r.at(0));
    for i in 0..2 {
        let e = r.core.epoch();
        r.core.on_connect_failed(e, "down".into(), false, r.at(i));
        r.core.on_reconnect_due(r.at(i));
    }
    let e = r.core.epoch();
    let a = r.core.on_connect_failed(e, "down".into(), false, r.at(5));
    assert!(matches!(
        a.last(),
        Some(Action::Stop {
            error: Some(e)
        }) if e.kind() == CloudErrorKind::Disconnected && e.close_code().is_none()
    ));

    let mut c = cfg(RateLimit::unlimited());
    c.reconnect = false;
    let mut r = Rig::new(c);
    r.connect(0);
    let e = r.core.epoch();
    let a = r.core.on_closed(e, None, "eof".into(), r.at(1));
    assert!(r.core.is_stopped());
    assert!(matches!(a.last(), Some(Action::Stop { error: Some(_) })));
}

#[test]
fn keepalive_pings_a_quiet_server_and_drops_a_dead_one() {
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    let a = r.connect(0);
    assert!(a
        .iter()
        .any(|a| matches!(a, Action::WakeAt(t) if *t == r.at(20_000))));
    let e = r.core.epoch();
    // Activity pushes the ping back; rate-limit ticks meanwhile add no timers.
    r.core.on_activity(e, r.at(15_000));
    assert!(wake(&r.core.on_tick(r.at(16_000))).is_none());
    let a = r.core.on_tick(r.at(20_000));
    assert!(!a.iter().any(|a| matches!(a, Action::Ping)));
    assert_eq!(wake(&a), Some(r.at(35_000)));
    let a = r.core.on_tick(r.at(35_000));
    assert!(a.iter().any(|a| matches!(a, Action::Ping)));
    // An answer keeps the socket.
    r.core.on_activity(e, r.at(36_000));
    assert!(!r
        .core
        .on_tick(r.at(45_000))
        .iter()
        .any(|a| matches!(a, Action::Reconnect { .. })));
    // Silence after the next ping: the socket is dead, reconnect.
    assert!(r
        .core
        .on_tick(r.at(56_000))
        .iter()
        .any(|a| matches!(a, Action::Ping)));
    let a = r.core.on_tick(r.at(66_000));
    assert!(events(&a)
        .iter()
        .any(|k| matches!(k, EventKind::Disconnect { reason, .. } if reason.contains("ping"))));
    assert!(a.iter().any(|a| matches!(a, Action::Reconnect { .. })));
}
