//! The fair share with a fake clock: how many leases, which ones, and finding free ones.

use super::tests::{acquires, grant_all, ms, projects, table};
use super::*;

#[test]
fn a_member_takes_its_fair_share_a_few_at_a_time() {
    let mut t = table("a", 30);
    let _ = t.poll(ms(0));
    t.on_heartbeat(ms(5), ms(0), Ok(3));
    let first = acquires(&t.poll(ms(5)));
    assert_eq!(first.len(), 4, "max_attempts_per_poll");
    let mut token = 0;
    let mut now = 5;
    for p in first {
        token += 1;
        let a = t.on_acquire(ms(now), ms(now), p.clone(), Ok(Grant::Token(token)));
        assert!(
            matches!(&a[..], [Action::Start { project, token: tk, valid_until }]
            if *project == p && *tk == token && *valid_until == ms(now + 2700))
        );
    }
    for _ in 0..5 {
        now += 100;
        grant_all(&mut t, ms(now), 3, &mut token);
    }
    assert_eq!(t.held().len(), 10, "ceil(30 / 3)");
    now += 100;
    assert!(acquires(&t.poll(ms(now))).is_empty(), "at its share");
}

#[test]
fn different_members_prefer_different_projects() {
    let a = table("member-a", 30);
    let b = table("member-b", 30);
    assert_ne!(a.order[..5], b.order[..5]);
    let mut sorted = a.order.clone();
    sorted.sort();
    assert_eq!(sorted, projects(30), "every project exactly once");
}

#[test]
fn a_new_member_makes_the_others_give_up_their_least_preferred_projects() {
    let mut t = table("a", 30);
    let mut token = 0;
    let mut now = 0;
    for _ in 0..10 {
        grant_all(&mut t, ms(now), 2, &mut token);
        now += 100;
    }
    assert_eq!(t.held().len(), 15);
    // The heartbeat after the next one counts a third member.
    now += 1000;
    let a = t.poll(ms(now));
    assert!(a.contains(&Action::Heartbeat));
    t.on_heartbeat(ms(now), ms(now), Ok(3));
    let held_before = t.held();
    let stops: Vec<Action> = t
        .poll(ms(now))
        .into_iter()
        .filter(|a| matches!(a, Action::Stop { .. }))
        .collect();
    assert_eq!(stops.len(), 5);
    let least: Vec<&ProjectId> = t
        .order
        .iter()
        .rev()
        .filter(|p| held_before.contains(p))
        .take(5)
        .collect();
    for s in &stops {
        let Action::Stop {
            project,
            reason,
            release,
            ..
        } = s
        else {
            unreachable!()
        };
        assert_eq!(*reason, LossReason::Rebalanced);
        assert!(*release, "released so that the newcomer can take it");
        assert!(least.contains(&project));
    }
    assert_eq!(t.held().len(), 10);
    // And not taken back while the newcomer picks them up.
    assert!(acquires(&t.poll(ms(now + 100))).is_empty());
}

#[test]
fn a_dead_member_share_is_taken_up_once_it_is_no_longer_counted() {
    let mut t = table("a", 30);
    let mut token = 0;
    let mut now = 0;
    for _ in 0..5 {
        grant_all(&mut t, ms(now), 3, &mut token);
        now += 100;
    }
    assert_eq!(t.held().len(), 10);
    now += 1000;
    let _ = t.poll(ms(now));
    t.on_heartbeat(ms(now), ms(now), Ok(2));
    assert_eq!(acquires(&t.poll(ms(now))).len(), 4, "share is 15 now");
}

#[test]
fn tries_go_round_every_project_so_a_free_one_is_found() {
    // 30 projects, 3 members: this one holds 9 and wants one more; only the project it
    // likes least is free. Every other try finds the project taken.
    let mut t = table("a", 30);
    let mut token = 0;
    let _ = t.poll(ms(0));
    t.on_heartbeat(ms(0), ms(0), Ok(3));
    let free = t.order[29].clone();
    let mut now = 0;
    for _ in 0..200 {
        now += 200;
        let actions = t.poll(ms(now));
        if actions.contains(&Action::Heartbeat) {
            t.on_heartbeat(ms(now), ms(now), Ok(3));
        }
        for p in acquires(&actions) {
            let reply = if t.held().len() < 9 || p == free {
                token += 1;
                Grant::Token(token)
            } else {
                Grant::Taken { expires_in: None }
            };
            let _ = t.on_acquire(ms(now), ms(now), p, Ok(reply));
        }
        // Renew everything held so that nothing expires.
        for a in &actions {
            if let Action::Renew { project, token } = a {
                let _ = t.on_renew(ms(now), ms(now), project.clone(), *token, Ok(true));
            }
        }
        if t.held().contains(&free) {
            break;
        }
    }
    assert!(t.held().contains(&free), "the free project was never tried");
    assert!(now <= 10_000, "found after {now} ms");
    assert_eq!(t.held().len(), 10);
}
