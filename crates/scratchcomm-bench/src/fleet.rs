//! `--scenario fleet-takeover`: how long a bot fleet leaves a dead member's projects
//! unserved. A redis-server and the embedded cloud server are started, `--members` fleet
//! members (child processes of this binary, `--scenario fleet-member`) share `--projects`
//! projects; one is stopped cleanly (SIGTERM: it releases its leases — the baseline), one is
//! killed (`kill -9`: its leases must expire), and a newcomer is added. Printed: the time
//! until every project of the stopped/killed member is gained again and answers a request,
//! the newcomer's time to its share, and the ratio kill / clean stop of the same run.

use super::bots::registry;
use super::scale::ServerChild;
use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_fleet::{serve_requests, FleetConfig, FleetEvent};
use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig};
use anyhow::Context;
use scratchcomm_server::{CloudServer, Limits, ServerConfig};
use scratchcomm_wire::ProjectId;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any phase may take before the scenario gives up.
const PHASE_LIMIT: Duration = Duration::from_secs(60);

fn project_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("fleet-{i}")).collect()
}

/// The child: one fleet member serving the benchmark's requests; prints
/// `gained|lost PROJECT` lines on stdout.
pub async fn member_child(
    url: &str,
    redis: &str,
    projects: usize,
    ttl: Duration,
) -> anyhow::Result<()> {
    let ids = project_names(projects)
        .into_iter()
        .map(ProjectId::new)
        .collect::<Result<Vec<_>, _>>()?;
    let config = FleetConfig::new(redis, ids).ttl(ttl).name("bench");
    let url = url.to_owned();
    let fleet = serve_requests(
        config,
        move |p| ConnectionConfig::custom(&url, p.as_str()).rate_limit(RateLimit::unlimited()),
        registry,
        || SocketConfig::default().to_client_spacing(Duration::ZERO),
    )?;
    let mut events = fleet.events();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            e = events.next_event() => match e {
                Some(FleetEvent::Gained { project, .. }) => println!("gained {}", project.as_str()),
                Some(FleetEvent::Lost { project, .. }) => println!("lost {}", project.as_str()),
                Some(_) => {}
                None => break,
            },
        }
    }
    fleet.stop().await;
    Ok(())
}

/// A member process and the projects it holds (from its stdout).
struct Member {
    child: Child,
    ended: bool,
    held: Arc<Mutex<BTreeSet<String>>>,
    /// When each project was last gained by it.
    gained: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Member {
    fn spawn(url: &str, redis: &str, projects: usize, ttl_ms: u64) -> anyhow::Result<Member> {
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "bench",
                "--scenario",
                "fleet-member",
                "--url",
                url,
                "--redis",
                redis,
            ])
            .args([
                "--projects",
                &projects.to_string(),
                "--ttl-ms",
                &ttl_ms.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting a fleet member")?;
        let out = child.stdout.take().context("member stdout")?;
        let held = Arc::new(Mutex::new(BTreeSet::new()));
        let gained = Arc::new(Mutex::new(Vec::new()));
        let (h, g) = (held.clone(), gained.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                match line.split_once(' ') {
                    Some(("gained", p)) => {
                        h.lock().unwrap().insert(p.to_owned());
                        g.lock().unwrap().push((p.to_owned(), Instant::now()));
                    }
                    Some(("lost", p)) => {
                        h.lock().unwrap().remove(p);
                    }
                    _ => {}
                }
            }
        });
        Ok(Member {
            child,
            ended: false,
            held,
            gained,
        })
    }

    fn held(&self) -> BTreeSet<String> {
        self.held.lock().unwrap().clone()
    }

    fn gained_after(&self, project: &str, t: Instant) -> Option<Instant> {
        let g = self.gained.lock().unwrap();
        g.iter()
            .filter(|(p, at)| p == project && *at >= t)
            .map(|(_, at)| *at)
            .min()
    }

    fn signal(&mut self, kill: bool) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        if kill {
            let _ = self.child.kill();
        } else {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn until(what: &str, mut cond: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + PHASE_LIMIT;
    while !cond() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "gave up after {PHASE_LIMIT:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Until `project` answers a `ping` on a fresh client (the sprite's view): when it did.
async fn answered_one(url: String, project: String) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + PHASE_LIMIT;
    loop {
        anyhow::ensure!(
            Instant::now() < deadline,
            "project {project} never answered"
        );
        let config = ConnectionConfig::custom(&url, &project).rate_limit(RateLimit::unlimited());
        let cloud = CloudHandle::connect(config).await?;
        let ok = match ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(220))
            .await
        {
            Ok(c) => c
                .request::<&str>("ping", &[], Duration::from_millis(500))
                .await
                .is_ok(),
            Err(_) => false,
        };
        cloud.stop().await;
        if ok {
            return Ok(Instant::now());
        }
    }
}

/// When the last of `projects` answered (all probed at once).
async fn answered(url: &str, projects: &BTreeSet<String>) -> anyhow::Result<Instant> {
    let probes = projects
        .iter()
        .map(|p| answered_one(url.to_owned(), p.clone()));
    let times = futures_util::future::try_join_all(probes).await?;
    Ok(times.into_iter().max().unwrap_or_else(Instant::now))
}

/// (gained again, answering again) after `t`, for the projects `victim` held.
async fn handover(
    url: &str,
    members: &[Member],
    victim: usize,
    t: Instant,
    orphans: &BTreeSet<String>,
) -> anyhow::Result<(Duration, Duration)> {
    let others: Vec<&Member> = members
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != victim)
        .map(|(_, m)| m)
        .collect();
    // Probing starts at once: clients keep asking until each project answers again.
    let probes = answered(url, orphans);
    let gained_all = until("every orphan gained again", || {
        orphans
            .iter()
            .all(|p| others.iter().any(|m| m.gained_after(p, t).is_some()))
    });
    let (served, gained_all) = futures_util::join!(probes, gained_all);
    gained_all?;
    let gained = orphans
        .iter()
        .filter_map(|p| others.iter().filter_map(|m| m.gained_after(p, t)).min())
        .max()
        .unwrap_or(t);
    Ok((gained - t, served? - t))
}

/// The scenario.
pub async fn takeover(
    members: usize,
    projects: usize,
    ttl_ms: u64,
    redis: Option<&str>,
) -> anyhow::Result<()> {
    let members = members.max(2);
    let local = match redis {
        Some(_) => None,
        None => Some(ServerChild::redis().await?),
    };
    let redis = redis
        .map(str::to_owned)
        .or_else(|| local.as_ref().map(|r| r.url.clone()))
        .unwrap_or_default();
    let limits = Limits::default()
        .max_connections(4 * projects + 64)
        .max_rooms(2 * projects + 64);
    let server = CloudServer::start(ServerConfig::default().limits(limits)).await?;
    let url = server.url();
    println!(
        "fleet: {members} members, {projects} projects, lease ttl {ttl_ms} ms; {url}, {redis}"
    );
    let mut fleet: Vec<Member> = (0..members)
        .map(|_| Member::spawn(&url, &redis, projects, ttl_ms))
        .collect::<anyhow::Result<_>>()?;
    let share = projects.div_ceil(members);
    until("every member at its share", || {
        fleet.iter().map(|m| m.held().len()).sum::<usize>() == projects
            && fleet.iter().all(|m| m.held().len() <= share)
    })
    .await?;
    let mut results = Vec::new();
    for (victim, kill) in [(0, false), (1, true)] {
        let orphans = fleet[victim].held();
        let t = Instant::now();
        fleet[victim].signal(kill);
        let (gained, served) = handover(&url, &fleet, victim, t, &orphans).await?;
        let what = if kill {
            "kill -9"
        } else {
            "clean stop (SIGTERM)"
        };
        println!(
            "  {what:<22} {} projects gained again after {} ms, all answering after {} ms",
            orphans.len(),
            gained.as_millis(),
            served.as_millis()
        );
        results.push(served);
        // Bring the fleet back to `members` processes: the newcomer's share.
        let t = Instant::now();
        fleet.push(Member::spawn(&url, &redis, projects, ttl_ms)?);
        let newcomer = fleet.len() - 1;
        let live: Vec<usize> = (0..fleet.len())
            .filter(|i| *i != 0 && (*i != 1 || !kill))
            .collect();
        let share = projects.div_ceil(live.len());
        until("the newcomer's share", || {
            fleet[newcomer].held().len() + 1 >= share
                && live.iter().map(|i| fleet[*i].held().len()).sum::<usize>() == projects
        })
        .await?;
        println!(
            "  {:<22} newcomer holds {} projects after {} ms",
            "",
            fleet[newcomer].held().len(),
            t.elapsed().as_millis()
        );
    }
    println!(
        "ratio: {:.2} x the clean handover's time after kill -9 ({:.2} x the lease ttl)",
        results[1].as_secs_f64() / results[0].as_secs_f64().max(1e-9),
        results[1].as_secs_f64() / (ttl_ms as f64 / 1000.0)
    );
    for m in fleet.iter_mut() {
        m.signal(false);
    }
    server.stop().await;
    Ok(())
}
