//! `--scenario broadcast`: rooms × clients listening, one closed-loop writer per room
//! (set, wait until every client of the room saw it, set the next). The server runs as a
//! child process so its CPU time and memory are its own; `--against-turbowarp` runs the
//! same load against TurboWarp's own cloud-server (`tools/peers/turbowarp.sh`) in the same
//! run and prints the ratios. `--nodes N` runs it on one server alone and then on 1..=N
//! servers sharing the rooms through a `redis-server` of its own (below): listeners
//! spread over the nodes, writers on the first, ratios against the lone server.

use super::metrics::{Latencies, Mib, Ms};
use super::scale::{connect_many, met, per_conn_kib, ServerChild};
use actors_cloud::EventKind;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What one run measured.
#[derive(Debug)]
pub struct Figures {
    /// Messages received by listening clients per second.
    pub delivered_per_sec: f64,
    /// Server CPU time (user + system) per delivered message, in µs.
    pub cpu_us_per_message: f64,
    /// The system (kernel) part of `cpu_us_per_message`, in µs.
    pub system_us_per_message: f64,
    /// Server RSS growth per connected client after connecting, in KiB.
    pub kib_per_client: f64,
    /// From a writer's set to a listener's event.
    pub p50: Option<Duration>,
    /// From a writer's set to a listener's event.
    pub p99: Option<Duration>,
    /// Sets written during the load window.
    pub sets: u64,
}

struct Room {
    received: AtomicU64,
    progress: Notify,
    /// When the current set was written, as µs since the run's start.
    sent_at: AtomicU64,
    latencies: Mutex<Latencies>,
}

/// Runs the broadcast load against our server and, with `against_turbowarp`, against
/// TurboWarp's, printing the figures of each and the ratios. With `rounds` > 1 the two
/// servers take turns that many times (ours, TurboWarp's, ours, …) and the ratios are those
/// of the medians, with the spread of the rounds' own ratios: one run of either server
/// varies by ±15 % on a busy two-core machine, the median of alternating rounds much less.
pub async fn broadcast(
    rooms: usize,
    per_room: usize,
    duration: Duration,
    against_turbowarp: bool,
    rounds: usize,
) -> anyhow::Result<()> {
    let (rooms, per_room, rounds) = (rooms.max(1), per_room.max(1), rounds.max(1));
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        if rounds > 1 {
            println!("round {round} of {rounds}:");
        }
        // Each server is stopped before the other starts: they never share the machine.
        let server = ServerChild::spawn(rooms * (per_room + 1) + 16).await?;
        let servers = std::slice::from_ref(&server);
        ours.push(run("ours", servers, rooms, per_room, duration).await?);
        drop(server);
        if against_turbowarp {
            let server = ServerChild::turbowarp().await?;
            let servers = std::slice::from_ref(&server);
            theirs.push(run("TurboWarp", servers, rooms, per_room, duration).await?);
        }
    }
    if !against_turbowarp {
        return Ok(());
    }
    let spread = spread(&ours, &theirs);
    let (ours, theirs) = (medians(&ours), medians(&theirs));
    let cpu = ratio(ours.cpu_us_per_message, theirs.cpu_us_per_message);
    let mem = ratio(ours.kib_per_client, theirs.kib_per_client);
    let p99 = latency_ratio(&ours, &theirs, |f| f.p99);
    if rounds > 1 {
        println!(
            "medians of {rounds} rounds: ours {:.2} us per message ({:.2} us kernel), {:.1} KiB \
             per client, p99 {}; TurboWarp {:.2} us per message ({:.2} us kernel), {:.1} KiB \
             per client, p99 {}",
            ours.cpu_us_per_message,
            ours.system_us_per_message,
            ours.kib_per_client,
            Ms(ours.p99),
            theirs.cpu_us_per_message,
            theirs.system_us_per_message,
            theirs.kib_per_client,
            Ms(theirs.p99),
        );
    }
    println!("ratio ours/TurboWarp ({rooms} rooms x {per_room} clients):");
    println!(
        "  delivered messages/s: {:.2}x",
        ratio(ours.delivered_per_sec, theirs.delivered_per_sec)
    );
    println!(
        "  server CPU per delivered message: {cpu:.2}x{spread} (target <= 0.5x: {})",
        met(cpu <= 0.5)
    );
    println!(
        "  server memory per client: {mem:.2}x (target <= 0.25x: {})",
        met(mem <= 0.25)
    );
    println!(
        "  p50 delivery latency: {:.2}x; p99: {p99:.2}x (target <= 1x: {})",
        latency_ratio(&ours, &theirs, |f| f.p50),
        met(p99 <= 1.0)
    );
    Ok(())
}

/// The medians of several rounds of one server, figure by figure (one round: its figures).
fn medians(rounds: &[Figures]) -> Figures {
    let of = |f: fn(&Figures) -> f64| median(rounds.iter().map(f).collect());
    let dur = |f: fn(&Figures) -> Option<Duration>| {
        let measured: Vec<f64> = rounds
            .iter()
            .filter_map(f)
            .map(|d| d.as_secs_f64())
            .collect();
        (!measured.is_empty()).then(|| Duration::from_secs_f64(median(measured)))
    };
    Figures {
        delivered_per_sec: of(|f| f.delivered_per_sec),
        cpu_us_per_message: of(|f| f.cpu_us_per_message),
        system_us_per_message: of(|f| f.system_us_per_message),
        kib_per_client: of(|f| f.kib_per_client),
        p50: dur(|f| f.p50),
        p99: dur(|f| f.p99),
        sets: of(|f| f.sets as f64) as u64,
    }
}

/// The median (the mean of the middle two for an even count; NaN when empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// ", rounds 0.45x to 0.55x": the lowest and highest CPU-per-message ratio of a round of
/// ours to the TurboWarp round that followed it (nothing for a single round).
fn spread(ours: &[Figures], theirs: &[Figures]) -> String {
    let per_round: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| ratio(a.cpu_us_per_message, b.cpu_us_per_message))
        .collect();
    if per_round.len() < 2 {
        return String::new();
    }
    let low = per_round.iter().copied().fold(f64::INFINITY, f64::min);
    let high = per_round.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(", rounds {low:.2}x to {high:.2}x")
}

/// The load on `servers` (listeners spread over them round-robin, writers on the first;
/// their CPU and memory are summed).
pub(super) async fn run(
    label: &str,
    servers: &[ServerChild],
    rooms: usize,
    per_room: usize,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let total = rooms * per_room;
    let nodes = servers.len().max(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let srv0 = sample(servers)?;
    let mut listeners = Vec::with_capacity(total);
    for (k, server) in servers.iter().enumerate() {
        let count = (total + nodes - 1 - k) / nodes;
        let on_node = |i: usize| format!("room{}", (i * nodes + k) % rooms);
        listeners.extend(connect_many(&server.url, count, on_node, None).await?);
    }
    let writers = connect_many(&servers[0].url, rooms, |i| format!("room{i}"), None).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let srv1 = sample(servers)?;
    let origin = Instant::now();
    let state: Vec<Arc<Room>> = (0..rooms)
        .map(|_| {
            Arc::new(Room {
                received: AtomicU64::new(0),
                progress: Notify::new(),
                sent_at: AtomicU64::new(0),
                latencies: Mutex::new(Latencies::default()),
            })
        })
        .collect();
    for (i, c) in listeners.iter().enumerate() {
        let room = state[i_room(i, total, nodes, rooms)].clone();
        let per_room = per_room as u64;
        let mut events = c.events();
        actix_rt::spawn(async move {
            while let Some(e) = events.next().await {
                if matches!(e.kind, EventKind::Set) {
                    let now = origin.elapsed().as_micros() as u64;
                    let sent = room.sent_at.load(Ordering::Acquire);
                    let latency = Duration::from_micros(now.saturating_sub(sent));
                    if let Ok(mut l) = room.latencies.lock() {
                        l.push(latency);
                    }
                    let n = room.received.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % per_room == 0 {
                        room.progress.notify_one();
                    }
                }
            }
        });
    }
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = writers
        .iter()
        .zip(&state)
        .map(|(w, room)| {
            let (w, room) = (w.clone(), room.clone());
            actix_rt::spawn(async move {
                let mut sets = 0u64;
                while Instant::now() < deadline {
                    sets += 1;
                    let at = origin.elapsed().as_micros() as u64;
                    room.sent_at.store(at, Ordering::Release);
                    if w.set("v", sets).await.is_err() {
                        break;
                    }
                    let target = sets * per_room as u64;
                    while room.received.load(Ordering::Relaxed) < target {
                        let wait = room.progress.notified();
                        if tokio::time::timeout(Duration::from_secs(2), wait)
                            .await
                            .is_err()
                        {
                            return sets;
                        }
                    }
                }
                sets
            })
        })
        .collect();
    let mut sets = 0;
    for t in tasks {
        sets += t.await.unwrap_or(0);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let srv2 = sample(servers)?;
    let delivered: u64 = state
        .iter()
        .map(|r| r.received.load(Ordering::Relaxed))
        .sum();
    let mut latencies = Latencies::default();
    for r in &state {
        if let Ok(mut l) = r.latencies.lock() {
            latencies.extend(std::mem::take(&mut *l));
        }
    }
    let cpu = (srv2.cpu - srv1.cpu).as_secs_f64();
    let system = (srv2.system.saturating_sub(srv1.system)).as_secs_f64();
    let figures = Figures {
        delivered_per_sec: delivered as f64 / elapsed,
        cpu_us_per_message: cpu * 1e6 / delivered.max(1) as f64,
        system_us_per_message: system * 1e6 / delivered.max(1) as f64,
        kib_per_client: per_conn_kib(srv0.rss_kib, srv1.rss_kib, total + rooms),
        p50: latencies.quantile(0.50),
        p99: latencies.quantile(0.99),
        sets,
    };
    println!(
        "broadcast [{label}]: {rooms} rooms x {per_room} clients (+1 writer each), {elapsed:.1} s"
    );
    println!(
        "  {:.0} messages delivered/s ({delivered} deliveries of {sets} sets, {:.0} sets/s)",
        figures.delivered_per_sec,
        sets as f64 / elapsed
    );
    println!(
        "  server CPU {cpu:.2} s: {:.2} us per delivered message ({:.2} us of it in the kernel)",
        figures.cpu_us_per_message, figures.system_us_per_message,
    );
    println!(
        "  server memory per client: {:.1} KiB after connect, peak RSS {}",
        figures.kib_per_client,
        Mib(srv2.hwm_kib)
    );
    println!(
        "  delivery latency (set written -> client event): p50 {}, p99 {}",
        Ms(figures.p50),
        Ms(figures.p99)
    );
    drop((listeners, writers));
    Ok(figures)
}

/// The room of the `i`-th listener as `run` connected them (node by node).
fn i_room(i: usize, total: usize, nodes: usize, rooms: usize) -> usize {
    let mut start = 0;
    for k in 0..nodes {
        let count = (total + nodes - 1 - k) / nodes;
        if i < start + count {
            return ((i - start) * nodes + k) % rooms;
        }
        start += count;
    }
    i % rooms
}

fn sample(servers: &[ServerChild]) -> anyhow::Result<super::metrics::ProcSample> {
    let mut sum = super::metrics::ProcSample {
        cpu: Duration::ZERO,
        system: Duration::ZERO,
        rss_kib: 0,
        hwm_kib: 0,
    };
    for s in servers {
        let one = s.sample()?;
        sum.cpu += one.cpu;
        sum.system += one.system;
        sum.rss_kib += one.rss_kib;
        sum.hwm_kib += one.hwm_kib;
    }
    Ok(sum)
}

// --- `--nodes N` ----------------------------------------------------------------------
// `--scenario broadcast --nodes N`: the broadcast load on one server alone, then on 1, 2,
// … N servers sharing every room through a `redis-server` started for the run (loopback,
// no persistence). Listeners are spread over the nodes, the writers sit on the first, so
// from 2 nodes on most deliveries cross Redis. Printed as ratios against the lone server
// of the same run: the cost of going through Redis.

/// Run the comparison for up to `max_nodes` nodes.
pub async fn broadcast_nodes(
    rooms: usize,
    per_room: usize,
    duration: Duration,
    max_nodes: usize,
) -> anyhow::Result<()> {
    let (rooms, per_room, max_nodes) = (rooms.max(1), per_room.max(1), max_nodes.max(1));
    let connections = rooms * (per_room + 1) + 16;
    let alone = {
        let server = ServerChild::spawn(connections).await?;
        run(
            "1 node, no Redis",
            std::slice::from_ref(&server),
            rooms,
            per_room,
            duration,
        )
        .await?
    };
    let mut rows = Vec::new();
    for n in 1..=max_nodes {
        // A fresh Redis per phase: the killed nodes of the last phase would still count
        // against `--max-connections` until their heartbeats expire (6 s), and their
        // rooms would be in the next phase's snapshots.
        let redis = ServerChild::redis().await?;
        let extra = ["--redis".to_owned(), redis.url.clone()];
        let mut servers = Vec::new();
        for _ in 0..n {
            servers.push(ServerChild::spawn_with(connections, &extra).await?);
        }
        let label = format!("{n} node(s) + Redis");
        let before = redis.sample()?.cpu;
        let figures = run(&label, &servers, rooms, per_room, duration).await?;
        let redis_cpu = (redis.sample()?.cpu - before).as_secs_f64();
        let redis_us_per_set = redis_cpu * 1e6 / figures.sets.max(1) as f64;
        println!("  redis-server CPU {redis_cpu:.2} s: {redis_us_per_set:.1} us per set (whole run, joins included)");
        drop(servers);
        rows.push((n, figures, redis_us_per_set));
    }
    println!("ratio against 1 node without Redis ({rooms} rooms x {per_room} clients):");
    println!("  nodes | delivered/s | server CPU per message | p50 latency | p99 latency | Redis CPU per set");
    for (n, f, redis_us) in &rows {
        println!(
            "  {n:>5} | {:>10.2}x | {:>21.2}x | {:>10.2}x | {:>10.2}x | {redis_us:.1} us",
            ratio(f.delivered_per_sec, alone.delivered_per_sec),
            ratio(f.cpu_us_per_message, alone.cpu_us_per_message),
            latency_ratio(f, &alone, |f| f.p50),
            latency_ratio(f, &alone, |f| f.p99),
        );
    }
    println!("  (server CPU sums every node; Redis's CPU is shown apart)");
    Ok(())
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

fn latency_ratio(f: &Figures, base: &Figures, q: impl Fn(&Figures) -> Option<Duration>) -> f64 {
    ratio(secs(q(f)), secs(q(base)))
}

/// A latency in seconds, NaN for none (so a ratio with it is NaN, printed as such).
fn secs(d: Option<Duration>) -> f64 {
    d.map_or(f64::NAN, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_no_rounds() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }

    /// One round's figures, all derived from its CPU per message and its p99.
    fn round(cpu: f64, p99_ms: u64) -> Figures {
        Figures {
            delivered_per_sec: cpu * 1000.0,
            cpu_us_per_message: cpu,
            system_us_per_message: cpu / 2.0,
            kib_per_client: cpu / 10.0,
            p50: None,
            p99: Some(Duration::from_millis(p99_ms)),
            sets: cpu as u64,
        }
    }

    #[test]
    fn the_spread_pairs_each_round_of_ours_with_turbowarps() {
        // Round ratios 0.5 and 0.25: the lowest and the highest, in that order.
        let (ours, theirs) = (
            [round(5.0, 1), round(3.0, 1)],
            [round(10.0, 1), round(12.0, 1)],
        );
        assert_eq!(spread(&ours, &theirs), ", rounds 0.25x to 0.50x");
        assert_eq!(spread(&ours[..1], &theirs[..1]), "");
    }

    #[test]
    fn the_medians_are_taken_figure_by_figure() {
        let s = medians(&[round(6.0, 90), round(5.0, 200), round(7.0, 80)]);
        assert_eq!(s.cpu_us_per_message, 6.0);
        assert_eq!(s.system_us_per_message, 3.0);
        assert_eq!(s.delivered_per_sec, 6000.0);
        assert_eq!(s.p99, Some(Duration::from_millis(90)));
        assert_eq!(s.p50, None);
        assert_eq!(s.sets, 6);
    }
}
