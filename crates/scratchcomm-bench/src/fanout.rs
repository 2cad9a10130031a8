//! The baseline a request's latency is compared with, measured in the same run on the same
//! client connections just before the load: how long one set takes to reach the
//! connections of its room. The protocol sends every set to the whole room (§1) and a
//! request is at least two sets (the client's packet, the bot's reply), so with N clients
//! in one room each request costs 2N deliveries that the server, the kernel and the load
//! generator's own N connections all have to make on this machine's cores.
//!
//! The floor of the same fan-out, plain TCP with nothing of ours in it, is measured here too.

use super::bots::{connect_cloud, project_of};
use super::metrics::{Latencies, Ms};
use actors_cloud::{CloudHandle, EventType};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The variable the probe sets (not one the socket protocol uses).
const PROBE_VAR: &str = "bench_probe";
/// Probe sets per run.
const PROBES: usize = 20;
/// Time between two probe sets: far more than one fan-out takes, so they never overlap.
const GAP: Duration = Duration::from_millis(100);

/// Arrival times of the probe sets at every client connection that listens.
#[derive(Clone, Debug, Default)]
pub struct FanoutProbe {
    arrivals: Arc<Mutex<Vec<(usize, Instant)>>>,
    listeners: Arc<Mutex<Vec<usize>>>,
}

/// What the probe measured.
#[derive(Debug, Default)]
pub struct Fanout {
    /// Latency of every delivery (one probe set at one client connection).
    pub deliveries: Latencies,
    /// Per probe set, the time until the last connection of its room had it.
    pub whole_room: Latencies,
    /// Deliveries expected and made.
    pub expected: usize,
    /// Deliveries recorded.
    pub received: usize,
}

impl FanoutProbe {
    /// Records probe sets arriving at `cloud`, a connection in room `room` (of the
    /// rooms the load spreads its clients over).
    pub fn listen(&self, cloud: &CloudHandle, room: usize) {
        if let Ok(mut l) = self.listeners.lock() {
            l.push(room);
        }
        let arrivals = self.arrivals.clone();
        cloud.on(EventType::Set, move |event| {
            if event.name == PROBE_VAR {
                let k = event.value.as_ref().and_then(|v| v.as_str().parse().ok());
                if let (Some(k), Ok(mut a)) = (k, arrivals.lock()) {
                    a.push((k, Instant::now()));
                }
            }
            Ok(())
        });
    }

    /// Sets the probe variable [`PROBES`] times, [`GAP`] apart, one room after the other
    /// (`rooms` projects named after `project`), and collects the arrivals.
    pub async fn run(&self, url: &str, project: &str, rooms: usize) -> anyhow::Result<Fanout> {
        let rooms = rooms.max(1);
        let mut writers = Vec::new();
        for r in 0..rooms.min(PROBES) {
            let room = project_of(project, rooms, r);
            writers.push(connect_cloud(url, &room, &format!("probe{r}")).await?);
        }
        let mut sent = Vec::with_capacity(PROBES);
        for k in 0..PROBES {
            let writer = &writers[k % writers.len()];
            sent.push(Instant::now());
            // Values 1..=PROBES: numerals, and each differs from the one before.
            writer.set(PROBE_VAR, (k + 1).to_string()).await?;
            tokio::time::sleep(GAP).await;
        }
        tokio::time::sleep(GAP * 3).await;
        for w in writers {
            w.stop().await;
        }
        let arrivals = std::mem::take(&mut *self.arrivals.lock().expect("probe lock"));
        let listeners = self.listeners.lock().expect("probe lock").clone();
        Ok(measure(&sent, &arrivals, &listeners, rooms))
    }
}

/// Delivery latencies from send times (probe `k` was sent at `sent[k]` to room
/// `k % rooms`) and arrivals `(k + 1, when)`; `listeners` holds the room of every
/// listening connection.
pub(super) fn measure(
    sent: &[Instant],
    arrivals: &[(usize, Instant)],
    listeners: &[usize],
    rooms: usize,
) -> Fanout {
    let mut fanout = Fanout::default();
    let mut last = vec![None::<Duration>; sent.len()];
    for &(value, at) in arrivals {
        let Some(k) = value.checked_sub(1).filter(|k| *k < sent.len()) else {
            continue;
        };
        let latency = at.saturating_duration_since(sent[k]);
        fanout.deliveries.push(latency);
        fanout.received += 1;
        last[k] = Some(last[k].map_or(latency, |l: Duration| l.max(latency)));
    }
    for (k, l) in last.into_iter().enumerate() {
        fanout.expected += listeners.iter().filter(|r| **r == k % rooms).count();
        if let Some(l) = l {
            fanout.whole_room.push(l);
        }
    }
    fanout
}

impl Fanout {
    /// One line for the report.
    pub fn summary(&mut self) -> String {
        format!(
            "one set reaches a connection of its room in p50 {}  p99 {}; the whole room in p50 {} \
             ({} of {} deliveries)",
            Ms(self.deliveries.quantile(0.5)),
            Ms(self.deliveries.quantile(0.99)),
            Ms(self.whole_room.quantile(0.5)),
            self.received,
            self.expected,
        )
    }

    /// `latency` as a multiple of this baseline's p99 delivery latency.
    pub fn ratio(&mut self, latency: Option<Duration>) -> Option<f64> {
        let base = self.deliveries.quantile(0.99)?.as_secs_f64();
        Some(latency?.as_secs_f64() / base.max(1e-6))
    }
}

// --- the floor --------------------------------------------------------------------------
// The machine's floor for a room fan-out, measured in the same run: plain tokio TCP on
// loopback, no websocket, no JSON, no actors. One thread writes a small message to N
// sockets (like a server worker broadcasting a set), the bench's own thread reads them
// (like the load generator's N client connections). Whatever our stack adds to a room
// fan-out is the difference to this.

/// Rounds (one message to every socket each), [`GAP`] apart like the probe sets.
const ROUNDS: usize = PROBES;
/// Bytes per message: about one set frame.
const MESSAGE: usize = 100;

/// Delivers [`ROUNDS`] messages to each of `n` loopback sockets and times every delivery.
pub async fn raw_tcp_floor(n: usize) -> anyhow::Result<Fanout> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut readers = Vec::with_capacity(n);
    let mut writers = Vec::with_capacity(n);
    for _ in 0..n {
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let (client, (server, _)) = (client?, accepted?);
        client.set_nodelay(true)?;
        server.set_nodelay(true)?;
        readers.push(client);
        writers.push(server.into_std()?);
    }
    let sent: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let arrivals: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
    let mut tasks = Vec::with_capacity(n);
    for mut r in readers {
        let arrivals = arrivals.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = [0u8; MESSAGE];
            for _ in 0..ROUNDS {
                if r.read_exact(&mut buf).await.is_err() {
                    return;
                }
                let at = Instant::now();
                if let Ok(mut a) = arrivals.lock() {
                    a.push((usize::from(buf[0]) + 1, at));
                }
            }
        }));
    }
    let writer_sent = sent.clone();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let mut socks = Vec::with_capacity(writers.len());
            for w in writers {
                socks.push(TcpStream::from_std(w)?);
            }
            for round in 0..ROUNDS {
                let msg = [round as u8; MESSAGE];
                writer_sent.lock().expect("floor lock").push(Instant::now());
                for s in &mut socks {
                    s.write_all(&msg).await?;
                }
                tokio::time::sleep(GAP).await;
            }
            Ok(())
        })
    });
    for t in tasks {
        tokio::time::timeout(GAP * (ROUNDS as u32 + 50), t).await??;
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("floor writer panicked"))??;
    let sent = sent.lock().expect("floor lock").clone();
    let arrivals = arrivals.lock().expect("floor lock").clone();
    Ok(super::fanout::measure(&sent, &arrivals, &vec![0; n], 1))
}

/// A one-line summary of a floor measurement.
pub fn summary(f: &mut Fanout) -> String {
    format!(
        "plain TCP on this machine (same run): one message reaches a socket in p50 {}  p99 {}; all {} in p50 {}",
        super::metrics::Ms(f.deliveries.quantile(0.5)),
        super::metrics::Ms(f.deliveries.quantile(0.99)),
        f.expected / ROUNDS.max(1),
        super::metrics::Ms(f.whole_room.quantile(0.5)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_per_delivery_and_per_room() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let sent = [t0, t0 + ms(100)];
        // Two rooms with two listeners each; probe 1 (value 1) goes to room 0, probe 2 to
        // room 1. One delivery of probe 2 is missing; value 9 was never sent.
        let listeners = [0, 0, 1, 1];
        let arrivals = [
            (1, t0 + ms(2)),
            (1, t0 + ms(5)),
            (2, t0 + ms(103)),
            (9, t0 + ms(1)),
        ];
        let mut f = measure(&sent, &arrivals, &listeners, 2);
        assert_eq!((f.received, f.expected), (3, 4));
        assert_eq!(f.deliveries.quantile(0.5), Some(ms(3)));
        assert_eq!(f.deliveries.quantile(1.0), Some(ms(5)));
        assert_eq!(f.whole_room.quantile(1.0), Some(ms(5)));
        assert_eq!(f.whole_room.quantile(0.0), Some(ms(3)));
        assert!((f.ratio(Some(ms(10))).unwrap() - 2.0).abs() < 1e-9);
        assert_eq!(Fanout::default().ratio(Some(ms(1))), None);
    }
}
