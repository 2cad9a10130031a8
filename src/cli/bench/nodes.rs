//! `--scenario broadcast --nodes N`: the broadcast load on one server alone, then on 1, 2,
//! … N servers sharing every room through a `redis-server` started for the run (loopback,
//! no persistence). Listeners are spread over the nodes, the writers sit on the first, so
//! from 2 nodes on most deliveries cross Redis. Printed as ratios against the lone server
//! of the same run: the cost of going through Redis.

use super::broadcast::{run, Figures};
use super::scale::ServerChild;
use anyhow::Context;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let redis = redis_server().await?;
    let mut rows = Vec::new();
    for n in 1..=max_nodes {
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
    let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    ratio(secs(q(f)), secs(q(base)))
}

/// `redis-server` on a free loopback port, without persistence, killed on drop.
async fn redis_server() -> anyhow::Result<ServerChild> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("starting redis-server (apt-get install redis-server)")?;
    let server = ServerChild::from_child(child, format!("redis://127.0.0.1:{port}/"));
    let deadline = Instant::now() + Duration::from_secs(15);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "redis-server did not listen on port {port} within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(server)
}
