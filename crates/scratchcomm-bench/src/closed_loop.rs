//! The broadcast load itself: rooms × clients listening on one or more servers, one writer
//! per room, connected once ([`Fleet::connect`]) and then driven in closed-loop windows
//! ([`Fleet::window`]: set, wait until every client of the room saw it, set the next).
//! A fleet stays connected between windows, so `--against-turbowarp` can keep both
//! servers loaded with clients and switch the load between them without a pause.

use super::broadcast::Figures;
use super::metrics::{Latencies, Mib, Ms, ProcSample};
use super::raw_listener;
use super::scale::{connect_many, per_conn_kib, ServerChild};
use actors_cloud::CloudHandle;
use anyhow::Context;
use futures_util::{stream, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One room's counters, shared by its listeners and its writer.
struct Room {
    /// Sets received by the room's listeners since the fleet connected.
    received: AtomicU64,
    /// The count of `received` at which the writer's current set has reached every
    /// listener: the listener that makes it so wakes the writer.
    target: AtomicU64,
    progress: Notify,
    /// When the current set was written, as µs since the fleet's origin.
    sent_at: AtomicU64,
    /// Sets written to the room since the fleet connected (the value of the last one).
    written: AtomicU64,
    latencies: Mutex<Latencies>,
}

/// Clients connected to `servers` and listening: `per_room` listeners in each of `rooms`
/// rooms (spread over the servers round-robin) and a writer per room on the first.
pub(super) struct Fleet<'a> {
    label: String,
    servers: &'a [ServerChild],
    per_room: usize,
    /// The listeners' tasks (each owns its socket), ended when the fleet is dropped.
    listening: Vec<JoinHandle<anyhow::Result<()>>>,
    writers: Vec<CloudHandle>,
    rooms: Vec<Arc<Room>>,
    origin: Instant,
    /// The servers' memory growth per connected client.
    kib_per_client: f64,
}

impl<'a> Fleet<'a> {
    /// Connects every client and starts its listening task.
    pub(super) async fn connect(
        label: &str,
        servers: &'a [ServerChild],
        rooms: usize,
        per_room: usize,
    ) -> anyhow::Result<Fleet<'a>> {
        let total = rooms * per_room;
        let nodes = servers.len().max(1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = sample(servers)?;
        let mut streams = Vec::with_capacity(total);
        for (k, server) in servers.iter().enumerate() {
            let count = (total + nodes - 1 - k) / nodes;
            let url = server.url.as_str();
            // Each listener comes with the index of its room.
            let joined: Vec<anyhow::Result<(usize, TcpStream)>> = stream::iter(0..count)
                .map(|i| async move {
                    let room = (i * nodes + k) % rooms;
                    let user = format!("user{k}x{i}");
                    let tcp = raw_listener::join(url, &format!("room{room}"), &user)
                        .await
                        .with_context(|| format!("listener {i} of {url}"))?;
                    Ok((room, tcp))
                })
                .buffered(128)
                .collect()
                .await;
            for stream in joined {
                streams.push(stream?);
            }
        }
        let writers = connect_many(&servers[0].url, rooms, |i| format!("room{i}"), None).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after = sample(servers)?;
        let origin = Instant::now();
        let state: Vec<Arc<Room>> = (0..rooms)
            .map(|_| {
                Arc::new(Room {
                    received: AtomicU64::new(0),
                    target: AtomicU64::new(u64::MAX),
                    progress: Notify::new(),
                    sent_at: AtomicU64::new(0),
                    written: AtomicU64::new(0),
                    latencies: Mutex::new(Latencies::default()),
                })
            })
            .collect();
        let mut listening = Vec::with_capacity(total);
        for (room, tcp) in streams {
            let room = state[room].clone();
            listening.push(actix_rt::spawn(raw_listener::listen(tcp, move || {
                let now = origin.elapsed().as_micros() as u64;
                let sent = room.sent_at.load(Ordering::Acquire);
                let latency = Duration::from_micros(now.saturating_sub(sent));
                if let Ok(mut l) = room.latencies.lock() {
                    l.push(latency);
                }
                let n = room.received.fetch_add(1, Ordering::AcqRel) + 1;
                if n >= room.target.load(Ordering::Acquire) {
                    room.progress.notify_one();
                }
            })));
        }
        Ok(Fleet {
            label: label.to_owned(),
            servers,
            per_room,
            listening,
            writers,
            rooms: state,
            origin,
            kib_per_client: per_conn_kib(before.rss_kib, after.rss_kib, total + rooms),
        })
    }

    /// One closed-loop window of `duration`: every writer sets, waits until its room's
    /// listeners all saw the set, and sets again, at most `rate` times per second when
    /// `rate` > 0 (the rooms' writers spread over one interval). Prints and returns what
    /// it measured.
    pub(super) async fn window(&self, duration: Duration, rate: f64) -> anyhow::Result<Figures> {
        let interval = (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
        for room in &self.rooms {
            if let Ok(mut l) = room.latencies.lock() {
                *l = Latencies::default();
            }
        }
        let received = || -> u64 {
            let rooms = self.rooms.iter();
            rooms.map(|r| r.received.load(Ordering::Acquire)).sum()
        };
        let srv1 = sample(self.servers)?;
        let received_before = received();
        let start = Instant::now();
        let deadline = start + duration;
        let rooms = self.rooms.len();
        let tasks: Vec<_> = (self.writers.iter().zip(&self.rooms).enumerate())
            .map(|(i, (w, room))| {
                let (w, room) = (w.clone(), room.clone());
                let (origin, per_room) = (self.origin, self.per_room as u64);
                actix_rt::spawn(async move {
                    let mut sets = 0u64;
                    let spread = |iv: Duration| iv.mul_f64(i as f64 / rooms as f64);
                    let mut next = start + interval.map_or(Duration::ZERO, spread);
                    while Instant::now() < deadline {
                        if let Some(interval) = interval {
                            tokio::time::sleep_until(next.into()).await;
                            next = (next + interval).max(Instant::now());
                            if Instant::now() >= deadline {
                                break;
                            }
                        }
                        sets += 1;
                        let target = room.received.load(Ordering::Acquire) + per_room;
                        room.target.store(target, Ordering::Release);
                        let at = origin.elapsed().as_micros() as u64;
                        room.sent_at.store(at, Ordering::Release);
                        // Counted on from the last window, so every set is a new value.
                        let value = room.written.fetch_add(1, Ordering::Relaxed) + 1;
                        if w.set("v", value).await.is_err() {
                            break;
                        }
                        while room.received.load(Ordering::Acquire) < target {
                            let wait = room.progress.notified();
                            if tokio::time::timeout(Duration::from_secs(2), wait)
                                .await
                                .is_err()
                            {
                                return (sets, true);
                            }
                        }
                    }
                    room.target.store(u64::MAX, Ordering::Release);
                    (sets, false)
                })
            })
            .collect();
        let (mut sets, mut gave_up) = (0, 0);
        for t in tasks {
            let (written, stuck) = t.await.unwrap_or((0, true));
            sets += written;
            gave_up += usize::from(stuck);
        }
        let elapsed = start.elapsed().as_secs_f64();
        let srv2 = sample(self.servers)?;
        let delivered = received() - received_before;
        let mut latencies = Latencies::default();
        for r in &self.rooms {
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
            kib_per_client: self.kib_per_client,
            p50: latencies.quantile(0.50),
            p99: latencies.quantile(0.99),
            sets,
        };
        let (label, rooms, per_room) = (&self.label, self.rooms.len(), self.per_room);
        let paced = match interval {
            Some(_) => format!(", at most {rate} sets/s per room"),
            None => String::new(),
        };
        println!(
            "broadcast [{label}]: {rooms} rooms x {per_room} clients (+1 writer each){paced}, \
             {elapsed:.1} s"
        );
        println!(
            "  {:.0} messages delivered/s ({delivered} deliveries of {sets} sets, {:.0} sets/s)",
            figures.delivered_per_sec,
            sets as f64 / elapsed
        );
        if gave_up > 0 {
            println!(
                "  {gave_up} of {rooms} writers stopped early: a set did not reach every \
                 listener of the room within 2 s"
            );
        }
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
        Ok(figures)
    }
}

impl Drop for Fleet<'_> {
    fn drop(&mut self) {
        self.listening.iter().for_each(JoinHandle::abort);
    }
}

/// The servers' CPU and memory, summed.
fn sample(servers: &[ServerChild]) -> anyhow::Result<ProcSample> {
    let mut sum = ProcSample {
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
