//! Per-connection inbound rate limit, sans-IO: token buckets fed a clock.
//!
//! The session charges every frame it read (its messages and bytes); when a bucket is
//! overdrawn, [`Allowance::charge`] says until when the session must stop reading. Not
//! reading lets TCP push back on the sender alone: no other connection is slowed, nothing
//! is closed.

use std::time::{Duration, Instant};

use crate::config::InboundLimit;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
}

impl Bucket {
    fn full(rate: f64, burst: f64) -> Self {
        Bucket {
            tokens: burst,
            rate,
            burst,
        }
    }

    fn refill(&mut self, secs: f64) {
        self.tokens = (self.tokens + secs * self.rate).min(self.burst);
    }

    /// Seconds until the bucket is no longer overdrawn.
    fn debt_secs(&self) -> f64 {
        if self.tokens >= 0.0 {
            0.0
        } else {
            -self.tokens / self.rate
        }
    }
}

/// What one connection may still send.
#[derive(Clone, Debug)]
pub struct Allowance {
    messages: Bucket,
    bytes: Bucket,
    last: Instant,
}

impl Allowance {
    /// Full buckets at `now`.
    pub fn new(limit: &InboundLimit, now: Instant) -> Self {
        Allowance {
            messages: Bucket::full(limit.messages_per_sec, limit.message_burst),
            bytes: Bucket::full(limit.bytes_per_sec, limit.byte_burst),
            last: now,
        }
    }

    /// Charge a frame of `messages` messages and `bytes` bytes read at `now`. Returns when
    /// reading may resume if the connection is now over its limit, `None` if it may go on.
    pub fn charge(&mut self, messages: usize, bytes: usize, now: Instant) -> Option<Instant> {
        let secs = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.messages.refill(secs);
        self.bytes.refill(secs);
        self.messages.tokens -= messages as f64;
        self.bytes.tokens -= bytes as f64;
        let wait = self.messages.debt_secs().max(self.bytes.debt_secs());
        (wait > 0.0).then(|| now + Duration::from_secs_f64(wait))
    }
}

/// Messages in a frame as the protocol counts them (non-blank newline-separated pieces).
pub fn message_count(frame: &str) -> usize {
    frame
        .split('\n')
        .filter(|piece| !piece.trim().is_empty())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> InboundLimit {
        InboundLimit::default()
            .messages_per_sec(100.0)
            .message_burst(10.0)
            .bytes_per_sec(1000.0)
            .byte_burst(500.0)
    }

    #[test]
    fn a_burst_passes_then_the_rate_applies() {
        let t0 = Instant::now();
        let mut a = Allowance::new(&limit(), t0);
        for _ in 0..10 {
            assert_eq!(a.charge(1, 10, t0), None);
        }
        // the 11th message overdraws by one: 10 ms at 100/s
        let resume = a.charge(1, 10, t0).expect("throttled");
        assert_eq!(resume - t0, Duration::from_millis(10));
        // after waiting, one more message passes
        assert_eq!(a.charge(0, 0, resume), None);
        // a long pause refills only up to the burst
        let later = resume + Duration::from_secs(60);
        for _ in 0..10 {
            assert_eq!(a.charge(1, 1, later), None);
        }
        assert!(a.charge(1, 1, later).is_some());
    }

    #[test]
    fn bytes_limit_on_their_own_and_a_big_frame_is_still_read() {
        let t0 = Instant::now();
        let mut a = Allowance::new(&limit(), t0);
        // one frame of 1,500 bytes: 1,000 bytes of debt at 1,000 bytes/s
        let resume = a.charge(1, 1500, t0).expect("throttled");
        assert_eq!(resume - t0, Duration::from_secs(1));
    }

    #[test]
    fn messages_are_counted_like_the_protocol() {
        assert_eq!(message_count("a"), 1);
        assert_eq!(message_count("a\nb\n\n  \nc\n"), 3);
        assert_eq!(message_count(""), 0);
    }
}
