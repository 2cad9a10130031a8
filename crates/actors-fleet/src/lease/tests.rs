//! The lease rules with a fake clock: every reply is fed by hand, as Redis would give it.

use super::*;

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) fn projects(n: usize) -> Vec<ProjectId> {
    (1..=n)
        .map(|i| ProjectId::new(format!("{}", 100 + i)).unwrap())
        .collect()
}

/// ttl 3 s: margin 300 ms, renew every 1 s, heartbeat every 500 ms, members counted for
/// 1.5 s, retry after 1 s.
pub(super) fn table(member: &str, n: usize) -> LeaseTable {
    LeaseTable::new(
        LeaseConfig::from_ttl(ms(3000)),
        MemberId::new(member).unwrap(),
        projects(n),
    )
    .unwrap()
}

pub(super) fn acquires(actions: &[Action]) -> Vec<ProjectId> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Acquire { project } => Some(project.clone()),
            _ => None,
        })
        .collect()
}

/// Feeds a heartbeat reply of `members` and grants every acquire with tokens from `next`.
pub(super) fn grant_all(
    t: &mut LeaseTable,
    now: Duration,
    members: usize,
    next: &mut u64,
) -> Vec<Action> {
    let actions = t.poll(now);
    let mut out = Vec::new();
    if actions.contains(&Action::Heartbeat) {
        t.on_heartbeat(now, now, Ok(members));
        out.extend(t.poll(now));
    }
    let mut all = actions;
    all.extend(out);
    let mut started = Vec::new();
    for p in acquires(&all) {
        *next += 1;
        started.extend(t.on_acquire(now, now, p, Ok(Grant::Token(*next))));
    }
    all.extend(started);
    all
}

#[test]
fn nothing_is_acquired_before_the_members_are_counted() {
    let mut t = table("a", 10);
    let actions = t.poll(ms(0));
    assert_eq!(actions, vec![Action::Heartbeat]);
    assert!(
        t.poll(ms(10)).is_empty(),
        "heartbeat in flight, members unknown"
    );
}

#[test]
fn a_taken_project_is_not_retried_before_retry_taken() {
    let mut t = table("a", 1);
    let _ = t.poll(ms(0));
    t.on_heartbeat(ms(0), ms(0), Ok(1));
    let p = acquires(&t.poll(ms(0)));
    assert_eq!(p.len(), 1);
    assert!(t
        .on_acquire(
            ms(10),
            ms(0),
            p[0].clone(),
            Ok(Grant::Taken { expires_in: None })
        )
        .is_empty());
    assert!(acquires(&t.poll(ms(500))).is_empty());
    assert_eq!(acquires(&t.poll(ms(1010))), p);
}

#[test]
fn renewals_extend_from_the_time_they_were_sent() {
    let mut t = table("a", 1);
    let mut token = 0;
    grant_all(&mut t, ms(0), 1, &mut token);
    let p = t.held()[0].clone();
    assert!(!t
        .poll(ms(999))
        .iter()
        .any(|a| matches!(a, Action::Renew { .. })));
    let renew = t.poll(ms(1000));
    assert!(renew.contains(&Action::Renew {
        project: p.clone(),
        token: 1
    }));
    // The reply comes 400 ms later: valid from when it was sent.
    let a = t.on_renew(ms(1400), ms(1000), p.clone(), 1, Ok(true));
    assert_eq!(
        a,
        vec![Action::Extend {
            project: p.clone(),
            token: 1,
            valid_until: ms(3700)
        }]
    );
    assert!(t
        .poll(ms(1500))
        .iter()
        .all(|a| !matches!(a, Action::Renew { .. })));
}

#[test]
fn a_lease_without_renewals_expires_locally_before_redis_could_free_it() {
    let mut t = table("a", 1);
    let mut token = 0;
    grant_all(&mut t, ms(0), 1, &mut token);
    let p = t.held()[0].clone();
    // Renewals are sent but never answered (Redis unreachable, or the process paused).
    let _ = t.poll(ms(1000));
    assert!(t
        .poll(ms(2699))
        .iter()
        .all(|a| !matches!(a, Action::Stop { .. })));
    let stop = t.poll(ms(2700));
    assert!(stop.contains(&Action::Stop {
        project: p.clone(),
        token: 1,
        reason: LossReason::Expired,
        release: true
    }));
    // Redis's key (set at 0 with PX 3000) lives until 3000 at the earliest: the local
    // end (2700) comes first by the margin.
    assert!(ms(2700) < ms(3000));
    assert!(t.held().is_empty());
    // A renewal reply arriving after the local expiry changes nothing.
    assert!(t.on_renew(ms(2800), ms(1000), p, 1, Ok(true)).is_empty());
}

#[test]
fn a_paused_member_stops_at_once_when_it_resumes() {
    let mut t = table("a", 1);
    let mut token = 0;
    grant_all(&mut t, ms(0), 1, &mut token);
    // Paused for 10 s: the first poll after it stops the project before anything else.
    let actions = t.poll(ms(10_000));
    assert!(matches!(
        actions.first(),
        Some(Action::Stop {
            reason: LossReason::Expired,
            ..
        })
    ));
    assert!(!actions.iter().any(|a| matches!(a, Action::Renew { .. })));
}

#[test]
fn a_renewal_refused_by_redis_stops_serving_without_release() {
    let mut t = table("a", 1);
    let mut token = 0;
    grant_all(&mut t, ms(0), 1, &mut token);
    let p = t.held()[0].clone();
    let _ = t.poll(ms(1000));
    let a = t.on_renew(ms(1010), ms(1000), p.clone(), 1, Ok(false));
    assert_eq!(
        a,
        vec![Action::Stop {
            project: p,
            token: 1,
            reason: LossReason::Taken,
            release: false
        }]
    );
}

#[test]
fn a_failed_renewal_is_retried_before_the_lease_runs_out() {
    let mut t = table("a", 1);
    let mut token = 0;
    grant_all(&mut t, ms(0), 1, &mut token);
    let p = t.held()[0].clone();
    let _ = t.poll(ms(1000));
    let err = FleetError::new(crate::FleetErrorKind::Redis, "timed out");
    assert!(t
        .on_renew(ms(1200), ms(1000), p.clone(), 1, Err(err))
        .is_empty());
    assert!(t
        .poll(ms(1600))
        .iter()
        .all(|a| !matches!(a, Action::Renew { .. })));
    assert!(t.poll(ms(1700)).contains(&Action::Renew {
        project: p,
        token: 1
    }));
}

#[test]
fn a_late_grant_is_released_without_serving() {
    let mut t = table("a", 1);
    let _ = t.poll(ms(0));
    t.on_heartbeat(ms(0), ms(0), Ok(1));
    let p = acquires(&t.poll(ms(0)))[0].clone();
    let a = t.on_acquire(ms(2700), ms(0), p.clone(), Ok(Grant::Token(9)));
    assert_eq!(
        a,
        vec![Action::Release {
            project: p,
            token: 9
        }]
    );
    assert!(t.held().is_empty());
}

#[test]
fn a_stale_member_count_stops_acquiring() {
    let mut t = table("a", 4);
    let _ = t.poll(ms(0));
    t.on_heartbeat(ms(0), ms(0), Ok(1));
    let first = acquires(&t.poll(ms(0)));
    for p in first {
        let _ = t.on_acquire(ms(0), ms(0), p, Ok(Grant::Taken { expires_in: None }));
    }
    // The next heartbeats fail: after member_ttl (1.5 s) the count is stale.
    let _ = t.poll(ms(1000));
    t.on_heartbeat(
        ms(1000),
        ms(1000),
        Err(FleetError::new(crate::FleetErrorKind::Redis, "down")),
    );
    assert_eq!(t.live_members(ms(1499)), Some(1));
    assert_eq!(t.live_members(ms(1500)), None);
    assert!(acquires(&t.poll(ms(2500))).is_empty());
}

#[test]
fn shutdown_stops_and_releases_everything_then_leaves() {
    let mut t = table("a", 3);
    let mut token = 0;
    grant_all(&mut t, ms(0), 1, &mut token);
    assert_eq!(t.held().len(), 3);
    let a = t.shutdown();
    assert_eq!(a.len(), 4);
    assert!(a[..3].iter().all(|a| matches!(
        a,
        Action::Stop {
            reason: LossReason::Shutdown,
            release: true,
            ..
        }
    )));
    assert_eq!(a[3], Action::Leave);
    assert!(t.poll(ms(5000)).is_empty(), "nothing after a shutdown");
}

#[test]
fn bad_settings_and_inputs_are_errors_naming_them() {
    let m = MemberId::new("a").unwrap();
    let e = LeaseTable::new(LeaseConfig::default(), m.clone(), Vec::new()).unwrap_err();
    assert_eq!(e.kind(), crate::FleetErrorKind::InvalidInput);
    assert!(e.detail().contains("at least one project"));
    let e = LeaseConfig::from_ttl(ms(50)).validate().unwrap_err();
    assert!(e.detail().contains("ttl"));
    let c = LeaseConfig::default().renew_every(ms(5000));
    assert!(c.validate().unwrap_err().detail().contains("renew_every"));
    assert!(MemberId::new("has space")
        .unwrap_err()
        .detail()
        .contains("' '"));
    assert!(MemberId::new("").is_err());
    let dup = vec![projects(1)[0].clone(), projects(1)[0].clone()];
    assert_eq!(
        LeaseTable::new(LeaseConfig::default(), m, dup)
            .unwrap()
            .order
            .len(),
        1
    );
}

#[test]
fn a_taken_project_is_tried_again_when_its_key_expires() {
    let mut t = table("a", 1);
    let _ = t.poll(ms(0));
    t.on_heartbeat(ms(0), ms(0), Ok(1));
    let p = acquires(&t.poll(ms(0)));
    let taken = Grant::Taken {
        expires_in: Some(ms(2345)),
    };
    assert!(t
        .on_acquire(ms(5), ms(0), p[0].clone(), Ok(taken))
        .is_empty());
    let before = t.poll(ms(2349));
    assert!(acquires(&before).is_empty());
    assert!(before.contains(&Action::Heartbeat));
    t.on_heartbeat(ms(2349), ms(2349), Ok(1));
    assert_eq!(acquires(&t.poll(ms(2350))), p);
}
