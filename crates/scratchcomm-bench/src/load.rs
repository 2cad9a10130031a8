//! The request load: N [`ScratchClient`]s, each on its own cloud connection (one project
//! instance each, as in Scratch), looping one request for a fixed time against a bot.

use super::clients::{close_clients, connect_clients, warm_up};
use super::fanout::{Fanout, FanoutProbe};
use super::metrics::{Latencies, Ms, ProcSample};
use actors_socket::{ScratchClient, SocketErrorKind};
use futures_util::{stream, StreamExt};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What each client does.
#[derive(Clone, Debug)]
pub struct LoadSpec {
    /// Number of clients.
    pub clients: usize,
    /// Secure (EC) clients, else insecure.
    pub secure: bool,
    /// How long the clients keep sending.
    pub duration: Duration,
    /// Requests per second per client; 0 = closed loop (next request when the reply came).
    pub rate: f64,
    /// Longest wait for one reply (a timed-out request counts as an error).
    pub timeout: Duration,
    /// Request name and arguments (`add`: the first argument is replaced per request, see
    /// [`nth_request`](Self::nth_request)).
    pub request: (String, Vec<String>),
    /// The reply every request must get (`add`: computed per request).
    pub expected: String,
    /// Projects the clients are spread over (round robin), all served by the one bot.
    pub rooms: usize,
    /// Connect and warm up one client at a time, 20 ms apart. The original drops secure
    /// packets of different clients in the same centisecond (§9 S7), handshakes included.
    pub gentle: bool,
}

impl LoadSpec {
    /// Arguments and expected reply of request `k` of client `client`. `add` requests
    /// differ from each other (`add <client*10^7 + k> 3`): two identical requests in the
    /// same centisecond look like a replay to a secure bot, and two identical replies in a
    /// row on one TO_CLIENT variable look unchanged to a client (§4) and are lost.
    pub fn nth_request(&self, client: usize, k: u64) -> (Vec<String>, String) {
        if self.request.0 != "add" {
            return (self.request.1.clone(), self.expected.clone());
        }
        let a = client as u64 * 10_000_000 + k;
        (vec![a.to_string(), "3".to_owned()], (a + 3).to_string())
    }
}

/// Outcome of one load run.
#[derive(Debug, Default)]
pub struct LoadResult {
    /// Replies equal to the expected one.
    pub completed: u64,
    /// Timeouts, send failures and wrong replies.
    pub errors: u64,
    /// From the start signal until the last correct reply (a request still waiting for
    /// its timeout at the end does not stretch the run; it counts as an error).
    pub elapsed: Duration,
    /// Time to connect every client (cloud connection + socket connect).
    pub connect_time: Duration,
    /// Latency of every correct reply.
    pub latencies: Latencies,
    /// Clients left out because their first request got no correct reply.
    pub left_out: usize,
    /// Clients whose connection closed during the load (they stop sending).
    pub dropped: usize,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
    /// Wall time of the load itself (until every client's last request ended).
    pub window: Duration,
    /// CPU time of this process (server + clients) during `window`.
    pub load_cpu: Duration,
    /// CPU time of the bot process during `window`, when it runs in a child process.
    pub bot_cpu: Option<Duration>,
    /// The set fan-out baseline measured on the same clients before the load.
    pub fanout: Option<Fanout>,
}

impl LoadResult {
    /// Correct replies per second.
    pub fn rps(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// One line: requests/s, p50/p99, errors.
    pub fn summary(&mut self) -> String {
        format!(
            "{:>10.1} requests/s  p50 {}  p99 {}  ({} replies, {} errors, {:.1} s; connect {:.2} s{}{})",
            self.rps(),
            Ms(self.latencies.quantile(0.5)),
            Ms(self.latencies.quantile(0.99)),
            self.completed,
            self.errors,
            self.elapsed.as_secs_f64(),
            self.connect_time.as_secs_f64(),
            match self.left_out {
                0 => String::new(),
                n => format!("; {n} clients left out: no reply to their first request"),
            },
            match self.dropped {
                0 => String::new(),
                n => format!("; {n} clients disconnected during the load"),
            }
        ) + &self
            .first_error
            .as_ref()
            .map(|e| format!("\n      first error: {e}"))
            .unwrap_or_default()
            + &self.fanout_line()
    }

    /// The fan-out baseline and the request p99 as a multiple of it.
    fn fanout_line(&mut self) -> String {
        let p99 = self.latencies.quantile(0.99);
        let Some(f) = self.fanout.as_mut() else {
            return String::new();
        };
        format!(
            "\n      baseline (same clients, before the load): {}\n      request p99 = {} x the p99 of one set's delivery",
            f.summary(),
            f.ratio(p99).map_or("-".to_owned(), |r| format!("{r:.2}")),
        )
    }
}

/// Connects `spec.clients` clients to `project`, runs the load, closes them.
pub async fn run_load(
    url: &str,
    project: &str,
    public_data: &BTreeMap<String, String>,
    spec: &LoadSpec,
    bot_pid: Option<u32>,
) -> anyhow::Result<LoadResult> {
    let started = Instant::now();
    let probe = FanoutProbe::default();
    let clients = connect_clients(
        url,
        project,
        spec.clients,
        spec.secure,
        public_data,
        spec.gentle,
        spec.rooms,
        Some(&probe),
    )
    .await?;
    let connect_time = started.elapsed();
    let (clients, left_out) = warm_up(clients, spec).await?;
    // A reply that came after its warm-up gave up must not be taken for a load reply.
    stream::iter(&clients)
        .for_each_concurrent(None, |c| async move {
            while c.recv(Duration::from_millis(50)).await.is_ok() {}
        })
        .await;
    let fanout = probe.run(url, project, spec.rooms).await?;
    let sample = |pid: Option<u32>| pid.map(ProcSample::pid).transpose();
    let (own0, bot0, t0) = (ProcSample::own()?, sample(bot_pid)?, Instant::now());
    let mut result = drive(&clients, spec).await;
    let (own1, bot1) = (ProcSample::own()?, sample(bot_pid)?);
    result.window = t0.elapsed();
    result.load_cpu = own1.cpu.saturating_sub(own0.cpu);
    if let (Some(b0), Some(b1)) = (bot0, bot1) {
        result.bot_cpu = Some(b1.cpu.saturating_sub(b0.cpu));
    }
    result.connect_time = connect_time;
    result.left_out = left_out;
    result.fanout = Some(fanout);
    close_clients(clients).await;
    Ok(result)
}

/// Runs the load on clients already connected.
pub async fn drive(clients: &[ScratchClient], spec: &LoadSpec) -> LoadResult {
    let start = Instant::now();
    let deadline = start + spec.duration;
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (c, spec) = (c.clone(), spec.clone());
            // Paced clients start spread over one interval so they do not send in bursts.
            let offset = if spec.rate > 0.0 {
                Duration::from_secs_f64(i as f64 / clients.len() as f64 / spec.rate)
            } else {
                Duration::ZERO
            };
            actix_rt::spawn(client_loop(i, c, spec, start + offset, deadline))
        })
        .collect();
    let mut result = LoadResult::default();
    for t in tasks {
        if let Ok((ok, errors, lat, last, first_error, dropped)) = t.await {
            result.first_error = result.first_error.or(first_error);
            result.dropped += usize::from(dropped);
            result.completed += ok;
            result.errors += errors;
            result.latencies.extend(lat);
            if let Some(last) = last {
                result.elapsed = result.elapsed.max(last.saturating_duration_since(start));
            }
        } else {
            result.errors += 1;
        }
    }
    result
}

async fn client_loop(
    index: usize,
    c: ScratchClient,
    spec: LoadSpec,
    first: Instant,
    deadline: Instant,
) -> (u64, u64, Latencies, Option<Instant>, Option<String>, bool) {
    let (mut ok, mut errors, mut lat) = (0, 0, Latencies::default());
    let mut last: Option<Instant> = None;
    let mut first_error = None;
    let mut dropped = false;
    let interval = (spec.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / spec.rate));
    let mut next = first;
    for k in 1.. {
        if let Some(interval) = interval {
            if next >= deadline {
                break;
            }
            tokio::time::sleep_until(next.into()).await;
            next += interval;
        }
        if Instant::now() >= deadline {
            break;
        }
        let (args, expected) = spec.nth_request(index, k);
        let t = Instant::now();
        match c.request(&spec.request.0, &args, spec.timeout).await {
            Ok(reply) if reply == expected => {
                ok += 1;
                let now = Instant::now();
                last = Some(now);
                lat.push(now - t);
            }
            Err(e) if e.kind() == SocketErrorKind::Closed => {
                // The server dropped this client (too slow to read its room's traffic).
                errors += 1;
                dropped = true;
                first_error.get_or_insert_with(|| e.to_string());
                break;
            }
            other => {
                errors += 1;
                first_error.get_or_insert_with(|| match other {
                    Ok(reply) => format!("wrong reply {reply:?} (expected {expected:?})"),
                    Err(e) => e.to_string(),
                });
                // A late reply must not be taken for the next request's.
                while c.recv(Duration::from_millis(20)).await.is_ok() {}
            }
        }
    }
    (ok, errors, lat, last, first_error, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> LoadSpec {
        LoadSpec {
            clients: 2,
            secure: false,
            duration: Duration::from_secs(1),
            rate: 0.0,
            timeout: Duration::from_secs(1),
            request: (name.to_owned(), vec!["2".to_owned(), "3".to_owned()]),
            expected: "5".to_owned(),
            rooms: 1,
            gentle: false,
        }
    }

    #[test]
    fn add_requests_differ_per_client_and_per_request() {
        let s = spec("add");
        assert_eq!(
            s.nth_request(0, 0),
            (vec!["0".into(), "3".into()], "3".into())
        );
        assert_eq!(
            s.nth_request(7, 42),
            (vec!["70000042".into(), "3".into()], "70000045".into())
        );
        assert!(
            s.nth_request(1, 1) != s.nth_request(1, 2)
                && s.nth_request(1, 1) != s.nth_request(2, 1)
        );
    }

    #[test]
    fn other_requests_are_sent_as_given() {
        let s = spec("ping");
        assert_eq!(s.nth_request(3, 9), (s.request.1.clone(), "5".to_owned()));
    }

    #[test]
    fn rps_counts_correct_replies_over_the_window() {
        let r = LoadResult {
            completed: 500,
            elapsed: Duration::from_millis(2500),
            ..LoadResult::default()
        };
        assert!((r.rps() - 200.0).abs() < 1e-9);
        assert_eq!(LoadResult::default().rps(), 0.0);
    }
}
