//! Per-connection rate limit for everything sent after the handshake (docs/protocol.md §1.6).
//!
//! Two rules combine: at most `max_per_second` messages in any sliding one-second window,
//! and at least `min_interval` between two messages. Scratch uses both (10 per second,
//! 100 ms apart, because Scratch drops a second update that comes faster); TurboWarp uses
//! 10 per second; custom hosts choose, up to unlimited. The limiter only answers "when may
//! the next message go"; the connection core queues messages in order and never drops one.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// How fast a connection may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub(crate) max_per_second: Option<u32>,
    pub(crate) min_interval: Duration,
}

impl RateLimit {
    /// Scratch: 10 per second and at least 100 ms apart.
    pub const fn scratch() -> Self {
        RateLimit {
            max_per_second: Some(10),
            min_interval: Duration::from_millis(100),
        }
    }

    /// TurboWarp: 10 per second.
    pub const fn turbowarp() -> Self {
        RateLimit {
            max_per_second: Some(10),
            min_interval: Duration::ZERO,
        }
    }

    /// At most `n` messages per second (no spacing rule). `0` is treated as 1.
    pub const fn per_second(n: u32) -> Self {
        RateLimit {
            max_per_second: Some(if n == 0 { 1 } else { n }),
            min_interval: Duration::ZERO,
        }
    }

    /// No limit at all (local servers, tests).
    pub const fn unlimited() -> Self {
        RateLimit {
            max_per_second: None,
            min_interval: Duration::ZERO,
        }
    }

    /// Least time between two messages (a spacing rule on top of the window).
    pub const fn min_interval(mut self, min_interval: Duration) -> Self {
        self.min_interval = min_interval;
        self
    }

    /// Most messages in any one-second window; `None` = no window limit.
    pub const fn max_per_second(mut self, max: Option<u32>) -> Self {
        self.max_per_second = max;
        self
    }

    /// The window limit, as set by [`max_per_second`](Self::max_per_second).
    pub const fn get_max_per_second(&self) -> Option<u32> {
        self.max_per_second
    }

    /// The spacing rule, as set by [`min_interval`](Self::min_interval).
    pub const fn get_min_interval(&self) -> Duration {
        self.min_interval
    }
}

/// Remembers recent send times and tells when the next send is allowed.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    recent: VecDeque<Instant>,
}

impl RateLimiter {
    /// A limiter with no history.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            recent: VecDeque::new(),
        }
    }

    /// The earliest instant the next message may be sent; at or before `now` means "now".
    pub fn next_allowed(&mut self, now: Instant) -> Instant {
        self.forget_old(now);
        let mut at = now;
        if let Some(&last) = self.recent.back() {
            at = at.max(last + self.limit.min_interval);
        }
        if let Some(max) = self.limit.max_per_second {
            if self.recent.len() >= max as usize {
                // The oldest send in the window must leave it first.
                let oldest = self.recent[self.recent.len() - max as usize];
                at = at.max(oldest + WINDOW);
            }
        }
        at
    }

    /// Whether a message may be sent at `now`.
    #[cfg(test)]
    pub fn ready(&mut self, now: Instant) -> bool {
        self.next_allowed(now) <= now
    }

    /// Record that a message was sent at `at`.
    pub fn record(&mut self, at: Instant) {
        self.recent.push_back(at);
        self.forget_old(at);
    }

    fn forget_old(&mut self, now: Instant) {
        let keep = self.limit.max_per_second.unwrap_or(1).max(1) as usize;
        while self.recent.len() > keep {
            self.recent.pop_front();
        }
        while let Some(&first) = self.recent.front() {
            if self.recent.len() > 1 && first + WINDOW <= now {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Send `n` messages as early as the limiter allows, starting at `t0`; return offsets.
    fn schedule(limit: RateLimit, n: usize) -> Vec<Duration> {
        let t0 = Instant::now();
        let mut lim = RateLimiter::new(limit);
        let mut now = t0;
        let mut out = Vec::new();
        for _ in 0..n {
            let at = lim.next_allowed(now);
            assert!(at >= now);
            now = at;
            lim.record(now);
            out.push(now - t0);
        }
        out
    }

    #[test]
    fn scratch_spaces_sets_100ms_apart() {
        let times = schedule(RateLimit::scratch(), 25);
        // Reference vector: sets at 0.0, 0.1, 0.2 s.
        assert_eq!(&times[..3], &[0, 100, 200].map(Duration::from_millis));
        for w in times.windows(2) {
            assert_eq!(w[1] - w[0], Duration::from_millis(100));
        }
    }

    #[test]
    fn turbowarp_allows_bursts_of_ten_per_second() {
        let times = schedule(RateLimit::turbowarp(), 25);
        assert!(times[..10].iter().all(|t| t.is_zero()));
        assert!(times[10..20].iter().all(|t| *t == Duration::from_secs(1)));
        assert_eq!(times[20], Duration::from_secs(2));
    }

    #[test]
    fn sliding_window_never_exceeds_limit() {
        let limit = RateLimit::per_second(3).min_interval(Duration::from_millis(50));
        let times = schedule(limit, 40);
        for (i, t) in times.iter().enumerate() {
            let in_window = times[..=i]
                .iter()
                .filter(|s| *t - **s < Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 3,
                "send {i} at {t:?} has {in_window} in window"
            );
        }
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(50));
        }
    }

    #[test]
    fn unlimited_never_waits() {
        let times = schedule(RateLimit::unlimited(), 1000);
        assert!(times.iter().all(|t| t.is_zero()));
    }

    #[test]
    fn idle_time_restores_the_budget() {
        let t0 = Instant::now();
        let mut lim = RateLimiter::new(RateLimit::scratch());
        lim.record(t0);
        assert!(!lim.ready(t0 + Duration::from_millis(99)));
        assert!(lim.ready(t0 + Duration::from_millis(100)));
        assert!(lim.ready(t0 + Duration::from_secs(60)));
    }
}
