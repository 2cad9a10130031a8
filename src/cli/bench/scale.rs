//! Scale scenarios against the embedded server running in a child process (`scratchcomm
//! serve`), so the server's memory and CPU are read apart from the clients': many idle
//! project connections, and broadcast throughput with many rooms.

use super::metrics::{Mib, ProcSample};
use actors_cloud::{CloudHandle, ConnectionConfig, EventKind, RateLimit};
use anyhow::Context;
use futures_util::{stream, StreamExt};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The embedded server in a child process; killed when dropped.
pub struct ServerChild {
    child: Child,
    /// `ws://127.0.0.1:PORT/`.
    pub url: String,
}

impl ServerChild {
    /// Starts `scratchcomm serve` on a free loopback port sized for `connections`.
    pub async fn spawn(connections: usize) -> anyhow::Result<ServerChild> {
        let n = connections.to_string();
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(["--max-connections", &n, "--max-rooms", &n])
            .args(["--max-clients-per-room", &n, "--ping-interval", "600"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting `scratchcomm serve`")?;
        let stdout = child.stdout.take().context("no stdout of the server")?;
        let line = tokio::time::timeout(
            Duration::from_secs(20),
            tokio::task::spawn_blocking(move || {
                let mut line = String::new();
                std::io::BufReader::new(stdout)
                    .read_line(&mut line)
                    .map(|_| line)
            }),
        )
        .await
        .context("the server did not print its URL within 20 s")???;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line of the server: {line:?}"))?
            .to_owned();
        Ok(ServerChild { child, url })
    }

    /// CPU and memory of the server process.
    pub fn sample(&self) -> anyhow::Result<ProcSample> {
        ProcSample::pid(self.child.id())
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect_many(
    url: &str,
    n: usize,
    project_of: impl Fn(usize) -> String,
    event_capacity: Option<usize>,
) -> anyhow::Result<Vec<CloudHandle>> {
    let results: Vec<anyhow::Result<CloudHandle>> = stream::iter(0..n)
        .map(|i| {
            let mut config = ConnectionConfig::custom(url, &project_of(i))
                .username(format!("user{i}"))
                .rate_limit(RateLimit::unlimited())
                .reconnect(false);
            if let Some(cap) = event_capacity {
                config = config.event_capacity(cap);
            }
            async move {
                CloudHandle::connect(config)
                    .await
                    .with_context(|| format!("connection {i}"))
            }
        })
        .buffer_unordered(128)
        .collect()
        .await;
    results.into_iter().collect()
}

fn per_conn_kib(before: u64, after: u64, n: usize) -> f64 {
    after.saturating_sub(before) as f64 / n.max(1) as f64
}

/// `count` idle cloud connections spread over `projects` rooms: memory per connection on
/// the client side (this process) and on the server side (the child).
pub async fn idle_connections(
    count: usize,
    projects: usize,
    event_capacity: Option<usize>,
) -> anyhow::Result<()> {
    if let Some(limit) = open_files_limit() {
        anyhow::ensure!(
            (count as u64) + 256 <= limit,
            "{count} connections need about {} file descriptors in this process, the limit \
             is {limit} (raise it with `ulimit -n`)",
            count + 256
        );
    }
    let server = ServerChild::spawn(count + 16).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (own0, srv0) = (ProcSample::own()?, server.sample()?);
    let started = Instant::now();
    let projects = projects.max(1);
    let conns = connect_many(
        &server.url,
        count,
        |i| format!("idle{}", i % projects),
        event_capacity,
    )
    .await?;
    let connect_time = started.elapsed();
    // Idle: nothing is sent; let buffers settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (own1, srv1) = (ProcSample::own()?, server.sample()?);
    let client_kib = per_conn_kib(own0.rss_kib, own1.rss_kib, conns.len());
    let server_kib = per_conn_kib(srv0.rss_kib, srv1.rss_kib, conns.len());
    println!(
        "idle connections: {} open over {projects} projects in {:.1} s (event capacity {})",
        conns.len(),
        connect_time.as_secs_f64(),
        event_capacity.map_or("default".to_owned(), |c| c.to_string()),
    );
    println!(
        "  client side (CloudHandle actors, this process): {client_kib:.1} KiB per connection  (RSS {} -> {})",
        Mib(own0.rss_kib),
        Mib(own1.rss_kib)
    );
    println!(
        "  server side (scratchcomm serve, child process): {server_kib:.1} KiB per connection  (RSS {} -> {})",
        Mib(srv0.rss_kib),
        Mib(srv1.rss_kib)
    );
    println!(
        "  target <= 20 KB (19.5 KiB) per idle connection: client {}, server {}",
        met(client_kib <= 19.53),
        met(server_kib <= 19.53)
    );
    drop(server);
    drop(conns);
    Ok(())
}

/// The soft limit on open files of this process (`/proc/self/limits`), if readable.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// "met" / "not met".
pub fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

struct Room {
    received: AtomicU64,
    progress: Notify,
}

/// `rooms` × `per_room` listening clients plus one writer per room; each writer sets its
/// variable, waits until every client of its room saw the value, and sets the next one.
pub async fn broadcast(rooms: usize, per_room: usize, duration: Duration) -> anyhow::Result<()> {
    let (rooms, per_room) = (rooms.max(1), per_room.max(1));
    let total = rooms * per_room;
    let server = ServerChild::spawn(total + rooms + 16).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let srv0 = server.sample()?;
    let listeners =
        connect_many(&server.url, total, |i| format!("room{}", i % rooms), None).await?;
    let writers = connect_many(&server.url, rooms, |i| format!("room{i}"), None).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let srv1 = server.sample()?;
    let state: Vec<Arc<Room>> = (0..rooms)
        .map(|_| {
            Arc::new(Room {
                received: AtomicU64::new(0),
                progress: Notify::new(),
            })
        })
        .collect();
    for (i, c) in listeners.iter().enumerate() {
        let room = state[i % rooms].clone();
        let per_room = per_room as u64;
        let mut events = c.events();
        actix_rt::spawn(async move {
            while let Some(e) = events.next().await {
                if matches!(e.kind, EventKind::Set) {
                    let n = room.received.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % per_room == 0 {
                        room.progress.notify_one();
                    }
                }
            }
        });
    }
    let own0 = ProcSample::own()?;
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
    let delivered: u64 = state
        .iter()
        .map(|r| r.received.load(Ordering::Relaxed))
        .sum();
    let (own1, srv2) = (ProcSample::own()?, server.sample()?);
    println!("broadcast: {rooms} rooms x {per_room} clients (+1 writer each), {elapsed:.1} s");
    println!(
        "  {:.0} messages delivered/s ({delivered} deliveries of {sets} sets, {:.0} sets/s)",
        delivered as f64 / elapsed,
        sets as f64 / elapsed
    );
    println!(
        "  server memory per client: {:.1} KiB idle after connect, peak RSS {}",
        per_conn_kib(srv0.rss_kib, srv1.rss_kib, total + rooms),
        Mib(srv2.hwm_kib)
    );
    println!(
        "  CPU during the run: server {:.2} s, clients (this process) {:.2} s, of {elapsed:.1} s wall",
        (srv2.cpu - srv1.cpu).as_secs_f64(),
        (own1.cpu - own0.cpu).as_secs_f64()
    );
    drop(server);
    drop((listeners, writers));
    Ok(())
}
