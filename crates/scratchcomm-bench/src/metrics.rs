//! Measurements of a running process (CPU time, resident memory) and latency statistics.
//!
//! CPU time is `utime + stime` from `/proc/<pid>/stat` (the same counters `getrusage`
//! reports, readable for child processes too); memory is `VmRSS` / `VmHWM` from
//! `/proc/<pid>/status`. Linux only, like the rest of the load generator.

use anyhow::Context;
use std::fmt;
use std::time::Duration;

/// CPU time and memory of one process at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcSample {
    /// User + system CPU time so far.
    pub cpu: Duration,
    /// The system (kernel) part of [`cpu`](Self::cpu): for a server on loopback mostly the
    /// TCP sends, including the receiving socket's side, which runs in the sender's context.
    pub system: Duration,
    /// Resident set size now, in KiB.
    pub rss_kib: u64,
    /// Peak resident set size so far (`VmHWM`), in KiB.
    pub hwm_kib: u64,
}

impl ProcSample {
    /// This process.
    pub fn own() -> anyhow::Result<ProcSample> {
        Self::of("self")
    }

    /// Process `pid`.
    pub fn pid(pid: u32) -> anyhow::Result<ProcSample> {
        Self::of(&pid.to_string())
    }

    fn of(which: &str) -> anyhow::Result<ProcSample> {
        let stat = std::fs::read_to_string(format!("/proc/{which}/stat"))
            .with_context(|| format!("reading /proc/{which}/stat"))?;
        let status = std::fs::read_to_string(format!("/proc/{which}/status"))
            .with_context(|| format!("reading /proc/{which}/status"))?;
        let (user, system) = cpu_of_stat(&stat)?;
        Ok(ProcSample {
            cpu: user + system,
            system,
            rss_kib: status_kib(&status, "VmRSS:").unwrap_or(0),
            hwm_kib: status_kib(&status, "VmHWM:").unwrap_or(0),
        })
    }
}

/// Clock ticks per second of `/proc/*/stat` (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
const CLOCK_TICKS: u64 = 100;

/// `(utime, stime)` of a `/proc/<pid>/stat` line. The command name (field 2) may contain
/// spaces and parentheses, so fields are counted after its closing `)`.
fn cpu_of_stat(stat: &str) -> anyhow::Result<(Duration, Duration)> {
    let after = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .context("no ')' in /proc stat line")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state(3) ppid(4) ... utime is field 14, stime field 15 (1-based).
    let tick = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("field {} missing in /proc stat line", i + 3))
    };
    let time = |ticks: u64| Duration::from_millis(ticks * 1000 / CLOCK_TICKS);
    Ok((time(tick(11)?), time(tick(12)?)))
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Latencies of completed requests, in microseconds.
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    micros: Vec<u64>,
    sorted: bool,
}

impl Latencies {
    /// Records one latency.
    pub fn push(&mut self, d: Duration) {
        self.micros.push(d.as_micros().min(u64::MAX as u128) as u64);
        self.sorted = false;
    }

    /// Adds every latency of `other`.
    pub fn extend(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
        self.sorted = false;
    }

    /// The `q`-quantile (0.0..=1.0, nearest rank), `None` when empty.
    pub fn quantile(&mut self, q: f64) -> Option<Duration> {
        if self.micros.is_empty() {
            return None;
        }
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.micros.len() as f64).ceil() as usize).max(1);
        Some(Duration::from_micros(self.micros[rank - 1]))
    }
}

/// A duration as milliseconds with three decimals, `-` for none.
pub struct Ms(pub Option<Duration>);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "{:.3} ms", d.as_secs_f64() * 1000.0),
            None => f.write_str("-"),
        }
    }
}

/// KiB as MiB with one decimal.
pub struct Mib(pub u64);

impl fmt::Display for Mib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} MiB", self.0 as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_line_with_spaces_in_the_name() {
        let line = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 5 0 0";
        let (user, system) = cpu_of_stat(line).unwrap();
        assert_eq!(
            (user, system),
            (Duration::from_millis(2500), Duration::from_millis(500))
        );
        assert!(cpu_of_stat("garbage").is_err());
    }

    #[test]
    fn status_fields() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(1024));
        assert_eq!(status_kib(status, "VmHWM:"), Some(2048));
        assert_eq!(status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let mut l = Latencies::default();
        assert_eq!(l.quantile(0.5), None);
        for ms in (1..=100).rev() {
            l.push(Duration::from_millis(ms));
        }
        assert_eq!(l.quantile(0.5), Some(Duration::from_millis(50)));
        assert_eq!(l.quantile(0.99), Some(Duration::from_millis(99)));
        assert_eq!(l.quantile(1.0), Some(Duration::from_millis(100)));
        assert_eq!(l.quantile(0.0), Some(Duration::from_millis(1)));
    }

    #[test]
    fn own_process_is_readable() {
        let s = ProcSample::own().unwrap();
        assert!(s.rss_kib > 0 && s.hwm_kib >= s.rss_kib);
    }
}
