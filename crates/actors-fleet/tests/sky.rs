//! Fleet members at the Sky level against a real redis-server and cloud server: three
//! members share six projects, each project is a member of exactly one Sky at any moment,
//! a stopped member's projects leave its Sky and join the others', with gained and lost
//! events, and writes pass the fencing check.

use actors_cloud::{ConnectionConfig, SkyHandle};
use actors_fleet::{FleetConfig, FleetErrorKind, FleetEvent, FleetSky};
use scratchcomm_server::{CloudServer, ServerConfig};
use scratchcomm_wire::ProjectId;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use test_support::Redis;

const WAIT: Duration = Duration::from_secs(30);

fn projects() -> Vec<ProjectId> {
    (1..=6)
        .map(|i| ProjectId::new(format!("{}", 700 + i)).unwrap())
        .collect()
}

fn member(redis: &str, server: &str) -> FleetSky {
    let config = FleetConfig::new(redis, projects())
        .ttl(Duration::from_millis(1500))
        .name("sky");
    let server = server.to_owned();
    FleetSky::start(config, SkyHandle::start(256), move |project| {
        ConnectionConfig::custom(&server, project.as_str()).source(project.as_str())
    })
    .expect("member starts")
}

async fn until(what: &str, cond: impl FnMut() -> bool) {
    test_support::eventually_within(WAIT, what, cond).await
}

/// Project → the Sky members holding it, read from the Skies themselves.
fn in_skies(members: &[FleetSky]) -> HashMap<String, usize> {
    let mut count = HashMap::new();
    for m in members {
        for source in m.sky().sources() {
            *count.entry(source.as_str().to_owned()).or_insert(0) += 1;
        }
    }
    count
}

fn every_project_once(members: &[FleetSky]) -> bool {
    let count = in_skies(members);
    count.len() == 6 && count.values().all(|&n| n == 1)
}

/// Every event of a member, collected in the background.
fn record(m: &FleetSky) -> Arc<Mutex<Vec<FleetEvent>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut rx = m.events();
    let out = log.clone();
    actix_rt::spawn(async move {
        while let Some(e) = rx.next_event().await {
            out.lock().unwrap().push(e);
        }
    });
    log
}

#[actix_rt::test]
async fn three_members_share_six_projects_in_their_skies_and_take_over_a_stopped_one() {
    let Some(redis) = Redis::start() else { return };
    let server = CloudServer::start(ServerConfig::default())
        .await
        .expect("server");
    let members: Vec<FleetSky> = (0..3)
        .map(|_| member(&redis.url(), &server.url()))
        .collect();
    let logs: Vec<_> = members.iter().map(record).collect();
    // Watch the Skies all along: no project may be in two of them at once.
    let doubled = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    {
        let (members, doubled, stop) = (members.clone(), doubled.clone(), stop.clone());
        actix_rt::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                for (p, n) in in_skies(&members) {
                    if n > 1 {
                        doubled.lock().unwrap().push(p);
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    until("each project in exactly one Sky, two per member", || {
        every_project_once(&members) && members.iter().all(|m| m.projects().len() == 2)
    })
    .await;
    for p in projects() {
        until("the server has the project's one client", || {
            server.state().client_count(p.as_str()) == 1
        })
        .await;
    }
    // A write through a member's Sky, fenced by its lease.
    let mine = members[0].projects()[0].clone();
    members[0].set(&mine, "☁ who", "1").await.expect("held");
    until("the server has the write", || {
        server
            .variables(mine.as_str())
            .is_some_and(|v| v.contains(&("☁ who".to_owned(), "1".to_owned())))
    })
    .await;
    let err = members[1].set(&mine, "☁ who", "2").await.unwrap_err();
    assert_eq!(err.kind(), FleetErrorKind::Fenced);

    // Stop member 0: its projects leave its Sky and join the others'.
    let orphans: BTreeSet<ProjectId> = members[0].projects().into_iter().collect();
    let seen: Vec<usize> = logs.iter().map(|l| l.lock().unwrap().len()).collect();
    members[0].stop().await;
    assert!(members[0].sky().sources().is_empty(), "left its Sky");
    assert!(members[0].projects().is_empty());
    until("the others hold all six, each once", || {
        every_project_once(&members)
            && members[1].projects().len() + members[2].projects().len() == 6
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    assert!(
        doubled.lock().unwrap().is_empty(),
        "projects in two Skies at once: {:?}",
        doubled.lock().unwrap()
    );
    // Events after the stop: member 0 lost exactly its projects, the others gained them.
    let after = |i: usize, lost: bool| -> BTreeSet<ProjectId> {
        logs[i].lock().unwrap()[seen[i]..]
            .iter()
            .filter_map(|e| match (e, lost) {
                (FleetEvent::Lost { project, .. }, true) => Some(project.clone()),
                (FleetEvent::Gained { project, .. }, false) => Some(project.clone()),
                _ => None,
            })
            .collect()
    };
    until("member 0 reported losing its projects", || {
        after(0, true) == orphans
    })
    .await;
    until("the others reported gaining them", || {
        let gained: BTreeSet<ProjectId> =
            after(1, false).union(&after(2, false)).cloned().collect();
        gained == orphans
    })
    .await;
    for m in &members[1..] {
        m.stop().await;
    }
    server.stop().await;
}
