//! Putting requests together from their chunks (docs/protocol.md §A4.4 steps 4–7, §A4.5, B12):
//! parts by id in arrival order, the 35 most recently completed ids ignored, and parts of
//! unfinished requests dropped after a while.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How many completed ids are remembered to ignore replays (§4.4 step 4).
pub(crate) const DEDUPE_IDS: usize = 35;

/// What feeding a chunk produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Assembled {
    /// More chunks are needed.
    Pending,
    /// The id was completed recently: a replay, ignored.
    Duplicate,
    /// The whole request's digits.
    Complete(String),
}

#[derive(Debug)]
struct Parts {
    digits: String,
    last_seen: Instant,
}

/// Chunks of requests being received.
#[derive(Debug)]
pub(crate) struct Reassembly {
    parts: HashMap<String, Parts>,
    done: VecDeque<String>,
    expiry: Duration,
}

impl Reassembly {
    /// Parts untouched for `expiry` are dropped.
    pub(crate) fn new(expiry: Duration) -> Reassembly {
        Reassembly {
            parts: HashMap::new(),
            done: VecDeque::with_capacity(DEDUPE_IDS + 1),
            expiry,
        }
    }

    fn is_done(&self, id: &str) -> bool {
        self.done.iter().any(|d| d == id)
    }

    /// A non-final chunk of request `id`.
    pub(crate) fn part(&mut self, id: &str, digits: &str, now: Instant) -> Assembled {
        self.expire(now);
        if self.is_done(id) {
            return Assembled::Duplicate;
        }
        let parts = self.parts.entry(id.to_string()).or_insert(Parts {
            digits: String::new(),
            last_seen: now,
        });
        parts.digits.push_str(digits);
        parts.last_seen = now;
        Assembled::Pending
    }

    /// The final chunk of request `id`: the id counts as completed from now on (before any
    /// handler runs, as the reference).
    pub(crate) fn last(&mut self, id: &str, digits: &str, now: Instant) -> Assembled {
        self.expire(now);
        if self.is_done(id) {
            return Assembled::Duplicate;
        }
        self.done.push_front(id.to_string());
        self.done.truncate(DEDUPE_IDS);
        let mut whole = self.parts.remove(id).map(|p| p.digits).unwrap_or_default();
        whole.push_str(digits);
        Assembled::Complete(whole)
    }

    /// Drop parts untouched for longer than the expiry.
    fn expire(&mut self, now: Instant) {
        let expiry = self.expiry;
        self.parts
            .retain(|_, p| now.saturating_duration_since(p.last_seen) < expiry);
    }

    /// Requests with parts waiting.
    #[cfg(test)]
    fn pending(&self) -> usize {
        self.parts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_dedupe_and_expiry() {
        let t0 = Instant::now();
        let mut r = Reassembly::new(Duration::from_secs(60));
        assert_eq!(r.part("1", "21", t0), Assembled::Pending);
        assert_eq!(r.part("1", "22", t0), Assembled::Pending);
        assert_eq!(r.last("1", "23", t0), Assembled::Complete("212223".into()));
        assert_eq!(r.last("1", "23", t0), Assembled::Duplicate);
        assert_eq!(r.part("1", "23", t0), Assembled::Duplicate);
        // Only the 35 latest ids are remembered.
        for i in 2..=36 {
            assert!(matches!(
                r.last(&i.to_string(), "", t0),
                Assembled::Complete(_)
            ));
        }
        assert_eq!(r.last("1", "21", t0), Assembled::Complete("21".into()));
        // Parts of an abandoned request expire.
        r.part("x", "21", t0);
        assert_eq!(r.pending(), 1);
        let later = t0 + Duration::from_secs(61);
        assert_eq!(r.last("x", "22", later), Assembled::Complete("22".into()));
        assert_eq!(r.pending(), 0);
    }
}
