//! Request latency of a request bot, in bounded memory: a count and a sum over every
//! request served, and a ring of the latest [`Latency::WINDOW`] samples for percentiles.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::collections::VecDeque;
use std::time::Duration;

/// Latency statistics (what [`RequestEvent::Served`](actors_requests::RequestEvent::Served)
/// reports: from a message being received to its reply being sent). Serialized as
/// `{count, last_ms, mean_ms, p50_ms, p99_ms, window}`; the times are milliseconds
/// (`null` before the first request), the mean over every request, the percentiles over
/// the latest `window` ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Latency {
    count: u64,
    total_micros: u128,
    last_micros: Option<u64>,
    window: VecDeque<u64>,
}

impl Latency {
    /// How many of the latest samples the percentiles are computed over.
    pub const WINDOW: usize = 512;

    /// Record one request's latency.
    pub fn record(&mut self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.count += 1;
        self.total_micros += u128::from(micros);
        self.last_micros = Some(micros);
        if self.window.len() == Self::WINDOW {
            self.window.pop_front();
        }
        self.window.push_back(micros);
    }

    /// Requests recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The latest latency.
    pub fn last(&self) -> Option<Duration> {
        self.last_micros.map(Duration::from_micros)
    }

    /// The mean over every recorded request.
    pub fn mean(&self) -> Option<Duration> {
        let mean = self.total_micros.checked_div(u128::from(self.count))?;
        Some(Duration::from_micros(
            u64::try_from(mean).unwrap_or(u64::MAX),
        ))
    }

    /// The `p`-th percentile (0–100, nearest rank) of the latest [`Latency::WINDOW`]
    /// samples.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.window.is_empty() {
            return None;
        }
        let mut sorted: Vec<u64> = self.window.iter().copied().collect();
        sorted.sort_unstable();
        let p = p.clamp(0.0, 100.0);
        // Nearest rank: the smallest sample with at least p% of the samples at or below.
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        let index = rank.saturating_sub(1).min(sorted.len() - 1);
        Some(Duration::from_micros(sorted[index]))
    }

    /// Samples the percentiles are currently computed over.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }
}

fn ms(d: Option<Duration>) -> Option<f64> {
    // Two decimals are plenty for a dashboard and keep the JSON short.
    d.map(|d| (d.as_secs_f64() * 100_000.0).round() / 100.0)
}

impl Serialize for Latency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Latency", 6)?;
        s.serialize_field("count", &self.count)?;
        s.serialize_field("last_ms", &ms(self.last()))?;
        s.serialize_field("mean_ms", &ms(self.mean()))?;
        s.serialize_field("p50_ms", &ms(self.percentile(50.0)))?;
        s.serialize_field("p99_ms", &ms(self.percentile(99.0)))?;
        s.serialize_field("window", &self.window.len())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms_(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn empty_is_null_in_json() {
        let l = Latency::default();
        assert_eq!((l.last(), l.mean(), l.percentile(50.0)), (None, None, None));
        assert_eq!(
            serde_json::to_value(&l).unwrap(),
            serde_json::json!({"count": 0, "last_ms": null, "mean_ms": null,
                               "p50_ms": null, "p99_ms": null, "window": 0})
        );
    }

    #[test]
    fn last_mean_and_nearest_rank_percentiles() {
        let mut l = Latency::default();
        for n in 1..=100 {
            l.record(ms_(n));
        }
        l.record(Duration::from_micros(1500));
        assert_eq!(l.last(), Some(Duration::from_micros(1500)));
        assert_eq!(l.count(), 101);
        // (5050 + 1.5) / 101 ms
        assert_eq!(l.mean(), Some(Duration::from_micros(50_014)));
        assert_eq!(l.percentile(50.0), Some(ms_(50)));
        assert_eq!(l.percentile(99.0), Some(ms_(99)));
        assert_eq!(l.percentile(100.0), Some(ms_(100)));
        assert_eq!(l.percentile(0.0), Some(ms_(1)));
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(json["last_ms"], 1.5);
        assert_eq!(json["mean_ms"], 50.01);
        assert_eq!(json["p50_ms"], 50.0);
    }

    #[test]
    fn memory_is_bounded_and_percentiles_follow_the_latest_samples() {
        let mut l = Latency::default();
        for _ in 0..Latency::WINDOW {
            l.record(ms_(1000));
        }
        for _ in 0..Latency::WINDOW {
            l.record(ms_(2));
        }
        assert_eq!(l.window_len(), Latency::WINDOW);
        assert_eq!(l.count(), 2 * Latency::WINDOW as u64);
        assert_eq!(
            l.percentile(99.0),
            Some(ms_(2)),
            "old samples left the window"
        );
        assert_eq!(l.mean(), Some(ms_(501)), "the mean covers every request");
    }
}
