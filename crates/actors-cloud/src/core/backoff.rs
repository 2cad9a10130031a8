//! Reconnect delays: exponential backoff with jitter and a configurable cap.

use std::time::Duration;

/// How long to wait before reconnect attempt `n` (0-based).
///
/// The delay before attempt `n` is `initial * factor^n`, capped at `max`; close code 4003
/// (server overloaded) multiplies it by `slow_factor` and waits at least `slow_min` (the
/// cap still applies, raised to `slow_min` when that is larger). Jitter then scales the
/// delay into `[delay * (1 - jitter), delay]` so many clients cut off together do not
/// return together.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BackoffPolicy {
    pub(crate) initial: Duration,
    pub(crate) factor: u32,
    pub(crate) max: Duration,
    pub(crate) slow_factor: u32,
    pub(crate) slow_min: Duration,
    pub(crate) jitter: f64,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) fast_max: Duration,
    pub(crate) fast_for: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            initial: Duration::from_millis(250),
            factor: 2,
            max: Duration::from_secs(10),
            slow_factor: 4,
            slow_min: Duration::from_secs(5),
            jitter: 0.5,
            max_attempts: None,
            fast_max: Duration::from_secs(2),
            fast_for: Duration::from_secs(30),
        }
    }
}

impl BackoffPolicy {
    /// Delay before the first reconnect attempt (default 250 ms).
    pub fn initial(mut self, value: Duration) -> Self {
        self.initial = value;
        self
    }

    /// Growth per attempt (default 2).
    pub fn factor(mut self, value: u32) -> Self {
        self.factor = value;
        self
    }

    /// Longest delay (default 10 s).
    pub fn max(mut self, value: Duration) -> Self {
        self.max = value;
        self
    }

    /// Multiplier for "overloaded" closes (default 4).
    pub fn slow_factor(mut self, value: u32) -> Self {
        self.slow_factor = value;
        self
    }

    /// Shortest delay after an "overloaded" close (default 5 s).
    pub fn slow_min(mut self, value: Duration) -> Self {
        self.slow_min = value;
        self
    }

    /// Fraction of the delay that is random, 0.0..=1.0 (default 0.5).
    pub fn jitter(mut self, value: f64) -> Self {
        self.jitter = value;
        self
    }

    /// Give up after this many failed attempts in a row; `None` = never give up (the
    /// default).
    pub fn max_attempts(mut self, value: Option<u32>) -> Self {
        self.max_attempts = value;
        self
    }

    /// Longest delay while an outage is young (shorter than `fast_for`), so a client is
    /// back within about this long of a server that was down briefly (default 2 s).
    pub fn fast_max(mut self, value: Duration) -> Self {
        self.fast_max = value;
        self
    }

    /// How long an outage counts as young (default 30 s).
    pub fn fast_for(mut self, value: Duration) -> Self {
        self.fast_for = value;
        self
    }
}

impl BackoffPolicy {
    /// Check the policy.
    ///
    /// # Errors
    ///
    /// A [`CloudError`](crate::CloudError) of kind `InvalidConfig` when the jitter is not
    /// within `0.0..=1.0`.
    pub fn validate(&self) -> Result<(), crate::CloudError> {
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(crate::CloudError::config(format!(
                "backoff jitter {} must be within 0.0..=1.0",
                self.jitter
            )));
        }
        Ok(())
    }

    /// The delay before attempt `attempt`; `slow` for "overloaded" closes; `random` is a
    /// uniform draw in `[0, 1)` (injected so tests control it).
    pub fn delay(&self, attempt: u32, slow: bool, random: f64) -> Duration {
        let factor = f64::from(self.factor.max(1));
        let exp = factor.powi(attempt.min(64) as i32);
        let mut cap = self.max;
        let mut base = self.initial.as_secs_f64() * exp;
        if slow {
            base = (base * f64::from(self.slow_factor.max(1))).max(self.slow_min.as_secs_f64());
            cap = cap.max(self.slow_min);
        }
        let base = base.min(cap.as_secs_f64());
        let jitter = self.jitter.clamp(0.0, 1.0);
        let random = random.clamp(0.0, 1.0);
        let mut secs = base * (1.0 - jitter * (1.0 - random));
        if slow {
            secs = secs.max(self.slow_min.as_secs_f64());
        }
        Duration::from_secs_f64(secs.max(0.0))
    }

    /// The delay before attempt `attempt` of an outage that began `outage` ago: like
    /// [`delay`](Self::delay), with the cap lowered to `fast_max` while the outage is
    /// younger than `fast_for`.
    pub fn delay_in_outage(
        &self,
        attempt: u32,
        outage: Duration,
        slow: bool,
        random: f64,
    ) -> Duration {
        if outage < self.fast_for {
            let fast = self.max(self.fast_max.min(self.max));
            fast.delay(attempt, slow, random)
        } else {
            self.delay(attempt, slow, random)
        }
    }

    /// Whether another attempt is allowed after `failed` failures in a row.
    pub fn allows(&self, failed: u32) -> bool {
        match self.max_attempts {
            Some(m) => failed < m,
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn grows_exponentially_until_the_cap() {
        let p = BackoffPolicy::default().jitter(0.0);
        let delays: Vec<_> = (0..10).map(|n| p.delay(n, false, 0.3)).collect();
        assert_eq!(&delays[..4], &[ms(250), ms(500), ms(1000), ms(2000)]);
        assert_eq!(delays[9], Duration::from_secs(10));
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(p.delay(1000, false, 0.0), Duration::from_secs(10));
    }

    #[test]
    fn cap_is_configurable() {
        let p = BackoffPolicy::default().max(ms(700));
        for n in 0..20 {
            assert!(p.delay(n, false, 0.99) <= ms(700));
        }
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = BackoffPolicy::default();
        for n in 0..8 {
            let full = p.delay(n, false, 1.0);
            let low = p.delay(n, false, 0.0);
            assert_eq!(low, full.mul_f64(0.5));
            for r in [0.1, 0.5, 0.9] {
                let d = p.delay(n, false, r);
                assert!(d >= low && d <= full, "{d:?} not in [{low:?}, {full:?}]");
            }
        }
    }

    #[test]
    fn overloaded_backs_off_longer() {
        let p = BackoffPolicy::default();
        for n in 0..6 {
            assert!(p.delay(n, true, 0.5) > p.delay(n, false, 0.5));
            assert!(p.delay(n, true, 1.0) >= Duration::from_secs(5));
        }
        let tight = BackoffPolicy::default().max(ms(100));
        assert_eq!(tight.delay(0, true, 1.0), Duration::from_secs(5));
    }

    #[test]
    fn young_outages_retry_at_most_fast_max_apart() {
        let p = BackoffPolicy::default();
        let young = Duration::from_secs(29);
        let old = Duration::from_secs(30);
        for n in 0..40 {
            assert!(p.delay_in_outage(n, young, false, 1.0) <= Duration::from_secs(2));
            assert_eq!(
                p.delay_in_outage(n, old, false, 0.4),
                p.delay(n, false, 0.4)
            );
        }
        assert_eq!(
            p.delay_in_outage(20, old, false, 1.0),
            Duration::from_secs(10)
        );
        // "Overloaded" keeps its 5 s floor even in a young outage.
        assert!(p.delay_in_outage(0, young, true, 0.0) >= Duration::from_secs(5));
    }

    #[test]
    fn attempts_limit() {
        let p = BackoffPolicy::default().max_attempts(Some(3));
        assert!(p.allows(2));
        assert!(!p.allows(3));
        assert!(BackoffPolicy::default().allows(u32::MAX));
    }
}
