//! Fleet members against a real redis-server, serving with a factory that only records:
//! the share is split, a clean stop hands everything over, and a member whose process
//! vanishes without a word (its actix System torn down) has its projects taken over once
//! the leases expire.

use actors_fleet::{Fleet, FleetConfig, FleetEvent, Serving};
use scratchcomm_wire::ProjectId;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use test_support::Redis;

const WAIT: Duration = Duration::from_secs(20);

fn projects(n: usize) -> Vec<ProjectId> {
    (1..=n)
        .map(|i| ProjectId::new(format!("p{i}")).unwrap())
        .collect()
}

/// Who serves what now: project → member name; the second server of a project and a
/// fresh lease that refuses writes are noted in `errors` (a panic in the factory would only
/// restart the fleet actor).
#[derive(Default)]
struct State {
    owners: HashMap<ProjectId, String>,
    errors: Vec<String>,
}
type Board = Arc<Mutex<State>>;

fn member(url: &str, n: usize, name: &str, board: Board) -> Fleet {
    let config = FleetConfig::new(url, projects(n))
        .ttl(Duration::from_millis(1500))
        .name("t");
    let name = name.to_owned();
    Fleet::start(config, move |project, lease| {
        let board = board.clone();
        let name = name.clone();
        async move {
            let mut state = board.lock().unwrap();
            if lease.check().is_err() {
                state
                    .errors
                    .push(format!("{project:?}: a fresh lease refused a write"));
            }
            if let Some(other) = state.owners.insert(project.clone(), name.clone()) {
                state
                    .errors
                    .push(format!("{project:?} served by {other} and {name}"));
            }
            drop(state);
            Ok(Serving::new(move || async move {
                board.lock().unwrap().owners.remove(&project);
            }))
        }
    })
    .expect("fleet starts")
}

async fn until(what: &str, cond: impl FnMut() -> bool) {
    test_support::eventually_within(WAIT, what, cond).await
}

fn count(board: &Board, name: &str) -> usize {
    let state = board.lock().unwrap();
    assert!(state.errors.is_empty(), "{:?}", state.errors);
    state.owners.values().filter(|v| *v == name).count()
}

#[actix_rt::test]
async fn two_members_split_the_projects_and_a_clean_stop_hands_over() {
    let Some(redis) = Redis::start() else { return };
    let board: Board = Arc::default();
    let a = member(&redis.url(), 6, "a", board.clone());
    let mut events = a.events();
    until("a serves all six alone", || count(&board, "a") == 6).await;
    let b = member(&redis.url(), 6, "b", board.clone());
    until("a and b serve three each", || {
        count(&board, "a") == 3 && count(&board, "b") == 3
    })
    .await;
    let served: BTreeSet<_> = a.served().await.unwrap().into_iter().collect();
    assert_eq!(served.len(), 3);
    a.stop().await;
    assert!(!a.is_running());
    until("b took everything", || count(&board, "b") == 6).await;
    let mut gained = 0;
    let mut lost = 0;
    // Everything `a` reported; its stream ends because `a` stopped (the handle lives on).
    tokio::time::timeout(WAIT, async {
        while let Some(e) = events.next_event().await {
            match e {
                FleetEvent::Gained { .. } => gained += 1,
                FleetEvent::Lost { .. } => lost += 1,
                _ => {}
            }
        }
    })
    .await
    .expect("a's events end once it stopped");
    assert_eq!(gained, 6);
    assert_eq!(lost, 6, "3 rebalanced to b, 3 at the stop");
    b.stop().await;
    assert!(board.lock().unwrap().owners.is_empty());
}

#[actix_rt::test]
async fn a_vanished_member_projects_are_taken_over_after_the_leases_expire() {
    let Some(redis) = Redis::start() else { return };
    let board: Board = Arc::default();
    // The doomed member runs on its own thread and System, torn down without a stop.
    let (url, doomed_board) = (redis.url(), board.clone());
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let doomed = std::thread::spawn(move || {
        let system = actix_rt::System::new();
        system.block_on(async move {
            let fleet = member(&url, 4, "doomed", doomed_board);
            let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
            std::mem::forget(fleet); // no clean stop: like kill -9
        });
    });
    until("doomed serves all four", || count(&board, "doomed") == 4).await;
    let heir = member(&redis.url(), 4, "heir", board.clone());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        count(&board, "heir"),
        0,
        "nothing is free while the leases live"
    );
    stop_tx.send(()).unwrap();
    doomed.join().unwrap();
    // The System is gone with its actors; the board still names the doomed member.
    board.lock().unwrap().owners.retain(|_, v| v != "doomed");
    until("heir took everything", || count(&board, "heir") == 4).await;
    heir.stop().await;
}

#[actix_rt::test]
async fn a_panicking_factory_restarts_the_member_which_then_serves_everything() {
    let Some(redis) = Redis::start() else { return };
    let served = Arc::new(Mutex::new(BTreeSet::new()));
    let panicked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let config = FleetConfig::new(redis.url(), projects(3))
        .ttl(Duration::from_millis(1500))
        .name("panics");
    let (s, p) = (served.clone(), panicked.clone());
    let fleet = Fleet::start(config, move |project, _| {
        let (served, panicked) = (s.clone(), p.clone());
        async move {
            if !panicked.swap(true, std::sync::atomic::Ordering::SeqCst) {
                panic!("the factory's first call panics");
            }
            served.lock().unwrap().insert(project.clone());
            Ok(Serving::new(move || async move {
                served.lock().unwrap().remove(&project);
            }))
        }
    })
    .expect("fleet starts");
    until("all three served after the restart", || {
        served.lock().unwrap().len() == 3
    })
    .await;
    assert!(panicked.load(std::sync::atomic::Ordering::SeqCst));
    assert!(fleet.is_running());
    assert_eq!(fleet.served().await.unwrap().len(), 3);
    fleet.stop().await;
    assert!(
        served.lock().unwrap().is_empty(),
        "every project stopped on stop()"
    );
}
