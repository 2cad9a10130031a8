//! Reconnect timing with a controlled clock: backoff reset on handshake, flapping servers,
//! and the spread of many clients returning to a restarted server.

use super::*;

fn reconnect_after(a: &[Action]) -> Option<Duration> {
    a.iter().find_map(|a| match a {
        Action::Reconnect { after, .. } => Some(*after),
        _ => None,
    })
}

/// The socket of a connected core dies at `lost`; the server accepts connections again
/// from `up`. Attempts before `up` are refused. Returns when the handshake completed again.
fn rejoin(core: &mut Core, t0: Instant, lost: Duration, up: Duration) -> Duration {
    let e = core.epoch();
    let a = core.on_closed(e, Some(CloseCode(1006)), "killed".into(), t0 + lost);
    let mut t = lost + reconnect_after(&a).expect("a reconnect is scheduled");
    for _ in 0..200 {
        let a = core.on_reconnect_due(t0 + t);
        assert!(matches!(a[..], [Action::Connect { .. }]));
        let e = core.epoch();
        if t >= up {
            core.on_opened(e, t0 + t);
            core.on_write_done(e, Ok(()), t0 + t);
            assert!(core.is_connected());
            return t;
        }
        let a = core.on_connect_failed(e, "connection refused".into(), false, t0 + t);
        t += reconnect_after(&a).expect("retries never give up by default");
    }
    panic!("no reconnect within 200 attempts");
}

fn connected_core(seed: u64) -> (Core, Instant) {
    let mut c = cfg(RateLimit::unlimited());
    c.seed = seed;
    let mut r = Rig::new(c);
    r.connect(0);
    (r.core, r.t0)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn the_default_cap_is_at_most_ten_seconds_and_a_handshake_resets_the_backoff() {
    let p = BackoffPolicy::default();
    assert!(p.delay(u32::MAX, false, 1.0) <= Duration::from_secs(10));
    let (mut core, t0) = connected_core(1);
    // A long outage grows the delay to the cap...
    let back = rejoin(&mut core, t0, ms(100), ms(60_000));
    assert!(back >= ms(60_000));
    // ...and a connection that lived only 50 ms still resets it: the next outage starts
    // from the shortest delay again.
    let e = core.epoch();
    let a = core.on_closed(e, None, "eof".into(), t0 + back + ms(50));
    assert!(reconnect_after(&a).unwrap() <= p.initial);
}

#[test]
fn flapping_server_clients_return_within_two_seconds_every_time() {
    // 40 outages: down 0.5-3 s, up 2-4 s (deterministic pseudo-random pattern), 50 seeds.
    let mut lags = Vec::new();
    for seed in 0..50u64 {
        let (mut core, t0) = connected_core(seed);
        let mut now = ms(1000);
        for i in 0..40u64 {
            let down = ms(500 + (seed * 7919 + i * 104_729) % 2500);
            let up_for = ms(2000 + (seed * 31 + i * 7) % 2000);
            let back = rejoin(&mut core, t0, now, now + down);
            let lag = back - (now + down);
            lags.push(lag);
            assert!(back < now + down + up_for, "missed a whole up period");
            now = now + down + up_for;
        }
    }
    lags.sort();
    let p95 = lags[lags.len() * 95 / 100];
    let worst = *lags.last().unwrap();
    assert!(p95 <= ms(2000), "p95 {p95:?}");
    assert!(worst <= ms(2000), "worst {worst:?}");
}

#[test]
fn a_thousand_clients_of_a_restarted_server_spread_their_return() {
    for down in [ms(500), ms(1200), ms(3000)] {
        let mut backs: Vec<Duration> = (0..1000u64)
            .map(|seed| {
                let (mut core, t0) = connected_core(seed);
                rejoin(&mut core, t0, ms(1000), ms(1000) + down) - (ms(1000) + down)
            })
            .collect();
        backs.sort();
        // The busiest 100 ms window holds well under half of the clients.
        let busiest = (0..backs.len())
            .map(|i| {
                backs[i..]
                    .iter()
                    .take_while(|b| **b < backs[i] + ms(100))
                    .count()
            })
            .max()
            .unwrap();
        assert!(
            busiest < 500,
            "down {down:?}: {busiest} clients in one 100 ms window"
        );
        assert!(
            backs[949] <= ms(2000),
            "down {down:?}: p95 {:?}",
            backs[949]
        );
    }
}

#[test]
fn close_codes_keep_turbowarps_rules() {
    // 4003 (overloaded) still backs off at least 5 s even right after a handshake.
    let (mut core, t0) = connected_core(3);
    let e = core.epoch();
    let a = core.on_closed(e, Some(CloseCode(4003)), "full".into(), t0 + ms(10));
    assert!(reconnect_after(&a).unwrap() >= Duration::from_secs(5));
    // 4002 (bad username) never reconnects.
    let (mut core, t0) = connected_core(4);
    let e = core.epoch();
    let a = core.on_closed(e, Some(CloseCode(4002)), "username".into(), t0 + ms(10));
    assert!(reconnect_after(&a).is_none());
    assert!(core.is_stopped());
}

#[test]
fn an_executor_restart_loses_the_socket_and_keeps_the_queue() {
    let mut r = Rig::new(cfg(RateLimit::unlimited()));
    r.connect(0);
    r.set("a", "1", 1, 0); // in flight when the actor panics
    let a = r.core.on_executor_restart(r.at(5));
    assert!(events(&a)
        .iter()
        .any(|k| matches!(k, EventKind::Disconnect { reason, .. } if reason.contains("panic"))));
    assert!(
        a.iter().any(|a| matches!(a, Action::Reconnect { .. })),
        "{a:?}"
    );
    assert!(!a.iter().any(|a| matches!(a, Action::Complete { .. })));
    assert_eq!(r.core.queued(), 1, "the in-flight set is queued again");
    // Waiting for the reconnect when it restarts again: connect now.
    let a = r.core.on_executor_restart(r.at(6));
    assert!(matches!(a[..], [Action::Connect { .. }]), "{a:?}");
    // A stopped core stays stopped.
    r.core.abort(CloudError::stopped(), r.at(7));
    assert!(r.core.is_stopped());
    assert!(r.core.on_executor_restart(r.at(8)).is_empty());
}
