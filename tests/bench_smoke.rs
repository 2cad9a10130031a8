//! `scratchcomm bench` runs end to end on loopback (a small load, bounded in time) and
//! reports its baselines. Figures are not checked here: they are benchmarks, not tests.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `scratchcomm` with `args`, killing it after `limit`; returns (success, stdout).
fn run_bounded(args: &[&str], limit: Duration) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scratchcomm"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("scratchcomm starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("utf-8 output");
    (status.is_some_and(|s| s.success()), out)
}

/// `bench --scenario broadcast` with 2 rooms of 3 clients for `seconds` a window, plus
/// `extra`, bounded at two minutes.
fn small_broadcast(seconds: u32, extra: &[&str]) -> (bool, String) {
    let seconds = seconds.to_string();
    let mut args = vec!["bench", "--scenario", "broadcast", "--rooms", "2"];
    args.extend(["--per-room", "3", "--seconds", &seconds]);
    args.extend(extra);
    run_bounded(&args, Duration::from_secs(120))
}

/// Whether `redis-server` can be started (the scenarios start their own; tools/test-all.sh
/// installs it). Missing under CI fails the test; elsewhere the caller skips.
fn redis_server_installed() -> bool {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "redis-server is missing under CI"
    );
    eprintln!("skipped: redis-server is not installed");
    false
}

#[test]
fn request_load_reports_requests_and_both_baselines() {
    let (ok, out) = run_bounded(
        &["bench", "--clients", "4", "--seconds", "1", "--rate", "20"],
        Duration::from_secs(120),
    );
    assert!(ok, "bench failed or timed out:\n{out}");
    assert!(out.contains("4 clients, insecure"), "{out}");
    assert!(out.contains(" 0 errors"), "{out}");
    // The set fan-out measured on the same 4 clients: 20 probes x 4 deliveries.
    assert!(out.contains("(80 of 80 deliveries)"), "{out}");
    assert!(out.contains("x the p99 of one set's delivery"), "{out}");
    assert!(out.contains("plain TCP on this machine"), "{out}");
    assert!(out.contains("x plain TCP's"), "{out}");
}

#[test]
fn spread_load_probes_every_room() {
    let (ok, out) = run_bounded(
        &[
            "bench",
            "--clients",
            "6",
            "--bot-rooms",
            "3",
            "--seconds",
            "1",
            "--rate",
            "10",
        ],
        Duration::from_secs(120),
    );
    assert!(ok, "bench failed or timed out:\n{out}");
    assert!(out.contains("over 3 projects served by one bot"), "{out}");
    assert!(out.contains(" 0 errors"), "{out}");
    // 20 probes, one room after the other, each reaching that room's 2 clients.
    assert!(out.contains("(40 of 40 deliveries)"), "{out}");
}

#[test]
fn broadcast_against_turbowarp_reports_both_servers_and_ratios() {
    // TurboWarp's server comes from ../shared/peers (skipped outside CI when missing).
    let peer = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/peers/turbowarp-cloud-server-a0b29ec.tar.gz");
    if !peer.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: it belongs beside the repository in ../shared/",
            peer.display()
        );
        eprintln!("skipped: {} is missing", peer.display());
        return;
    }
    let (ok, out) = small_broadcast(1, &["--against-turbowarp", "--rounds", "2"]);
    assert!(ok, "bench failed or timed out:\n{out}");
    // Two rounds, the servers taking turns, then the medians and the rounds' spread.
    assert_eq!(out.matches("broadcast [ours]").count(), 2, "{out}");
    assert_eq!(out.matches("broadcast [TurboWarp]").count(), 2, "{out}");
    // Both servers are connected first; ours goes first in round 1, TurboWarp's in round 2.
    assert!(out.contains("round 1 of 2:\nbroadcast [ours]"), "{out}");
    assert!(
        out.contains("round 2 of 2:\nbroadcast [TurboWarp]"),
        "{out}"
    );
    assert!(out.contains("medians of 2 rounds: ours "), "{out}");
    assert!(out.contains("us of it in the kernel"), "{out}");
    assert!(out.contains(", rounds "), "{out}");
    assert!(
        out.contains("broadcast [ours]: 2 rooms x 3 clients"),
        "{out}"
    );
    assert!(
        out.contains("broadcast [TurboWarp]: 2 rooms x 3 clients"),
        "{out}"
    );
    assert!(out.contains("us per delivered message"), "{out}");
    assert!(out.contains("server CPU per delivered message:"), "{out}");
    assert!(out.contains("p99:"), "{out}");
    // Every writer's sets reached all of its room's listeners.
    assert!(!out.contains("stopped early"), "{out}");
}

#[test]
fn broadcast_at_a_rate_sets_no_faster_than_asked() {
    let (ok, out) = small_broadcast(2, &["--rate", "10"]);
    assert!(ok, "bench failed or timed out:\n{out}");
    assert!(out.contains("at most 10 sets/s per room"), "{out}");
    // "(N deliveries of S sets, ...)": 2 rooms x 10 sets/s x 2 s, the first at once.
    let sets: u64 = out
        .split(" deliveries of ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no set count in:\n{out}"));
    assert!((20..=42).contains(&sets), "{sets} sets in:\n{out}");
    // Every listener got every set.
    let deliveries = format!("({} deliveries of {sets} sets", sets * 3);
    assert!(out.contains(&deliveries), "{out}");
    assert!(!out.contains("stopped early"), "{out}");
}

#[test]
fn fleet_takeover_reports_the_clean_and_the_crash_handover() {
    if !redis_server_installed() {
        return;
    }
    let (ok, out) = run_bounded(
        &[
            "bench",
            "--scenario",
            "fleet-takeover",
            "--projects",
            "6",
            "--ttl-ms",
            "1500",
        ],
        Duration::from_secs(180),
    );
    assert!(ok, "bench failed or timed out:\n{out}");
    assert!(
        out.contains("3 members, 6 projects, lease ttl 1500 ms"),
        "{out}"
    );
    assert!(out.contains("clean stop (SIGTERM)"), "{out}");
    assert!(out.contains("kill -9"), "{out}");
    assert_eq!(out.matches("newcomer holds").count(), 2, "{out}");
    assert!(
        out.contains("x the clean handover's time after kill -9"),
        "{out}"
    );
}

#[test]
fn broadcast_over_nodes_reports_a_ratio_per_node_count() {
    if !redis_server_installed() {
        return;
    }
    let (ok, out) = small_broadcast(1, &["--nodes", "3"]);
    assert!(ok, "bench failed or timed out:\n{out}");
    for n in 1..=3 {
        assert!(
            out.contains(&format!("broadcast [{n} node(s) + Redis]")),
            "{out}"
        );
    }
    assert!(
        out.contains("ratio against 1 node without Redis (2 rooms x 3 clients)"),
        "{out}"
    ); // Listeners spread over the nodes are counted in their own rooms.
    assert!(!out.contains("stopped early"), "{out}");
}
