//! `--scenario broadcast`: rooms × clients listening, one closed-loop writer per room
//! (set, wait until every client of the room saw it, set the next; `closed_loop.rs`). The
//! server runs as a child process so its CPU time and memory are its own;
//! `--against-turbowarp` runs the same load against TurboWarp's own cloud-server
//! (`tools/peers/turbowarp.sh`) in the same run and prints the ratios. `--nodes N` runs it
//! on one server alone and then on 1..=N servers sharing the rooms through a
//! `redis-server` of its own (below): listeners spread over the nodes, writers on the
//! first, ratios against the lone server.

use super::closed_loop::Fleet;
use super::metrics::Ms;
use super::scale::{met, ServerChild};
use std::time::Duration;

/// TurboWarp's server pings every client every 30 s (`ConnectionManager.js`); ours does
/// the same in `--against-turbowarp`, so both pay for keepalive alike.
const TURBOWARP_PING_SECS: &str = "30";

/// What one window of load on one server measured.
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

/// Runs the broadcast load against our server and, with `against_turbowarp`, against
/// TurboWarp's, printing the figures of each and the ratios.
///
/// Both servers are started and get all their clients first; then each of the `rounds`
/// is a window of load on one server right after a window on the other, in the order
/// ours–TurboWarp, TurboWarp–ours, … So the two windows of a round are seconds apart,
/// and a drift of the machine's speed during the run falls on both servers alike
/// (rounds used to start and connect a server each, 20 s and more apart, and the ratio
/// of single rounds varied from 0.42× to 0.58× on a busy two-core machine). The ratios
/// are those of the medians, with the spread of the rounds' own ratios.
pub async fn broadcast(
    rooms: usize,
    per_room: usize,
    duration: Duration,
    against_turbowarp: bool,
    rounds: usize,
    rate: f64,
) -> anyhow::Result<()> {
    let (rooms, per_room, rounds) = (rooms.max(1), per_room.max(1), rounds.max(1));
    let connections = rooms * (per_room + 1) + 16;
    let ping = ["--ping-interval".to_owned(), TURBOWARP_PING_SECS.to_owned()];
    let ours_server = ServerChild::spawn_with(connections, &ping).await?;
    let ours_fleet = Fleet::connect("ours", std::slice::from_ref(&ours_server), rooms, per_room);
    let ours_fleet = ours_fleet.await?;
    let their_server = match against_turbowarp {
        true => Some(ServerChild::turbowarp().await?),
        false => None,
    };
    let their_fleet = match &their_server {
        Some(server) => {
            let servers = std::slice::from_ref(server);
            Some(Fleet::connect("TurboWarp", servers, rooms, per_room).await?)
        }
        None => None,
    };
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        if rounds > 1 {
            println!("round {round} of {rounds}:");
        }
        match &their_fleet {
            None => ours.push(ours_fleet.window(duration, rate).await?),
            Some(their_fleet) if round % 2 == 1 => {
                ours.push(ours_fleet.window(duration, rate).await?);
                theirs.push(their_fleet.window(duration, rate).await?);
            }
            Some(their_fleet) => {
                theirs.push(their_fleet.window(duration, rate).await?);
                ours.push(ours_fleet.window(duration, rate).await?);
            }
        }
    }
    drop((ours_fleet, their_fleet));
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
        let servers = std::slice::from_ref(&server);
        let fleet = Fleet::connect("1 node, no Redis", servers, rooms, per_room).await?;
        fleet.window(duration, 0.0).await?
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
        let fleet = Fleet::connect(&label, &servers, rooms, per_room).await?;
        let figures = fleet.window(duration, 0.0).await?;
        drop(fleet);
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
