//! Per-client replay guard of the server (§7.4, §9 S7/C9).
//!
//! Accepts a salt `s` when `s < now + 30 s` and either `s > last` or `s == last` with a body
//! not seen at that salt. Equal salts are what the sprite produces for two packets sent in
//! the same centisecond (§5.5); an exact replay of an accepted packet still has an equal salt
//! *and* an identical body, so it stays rejected. The state only advances on
//! [`ReplayGuard::commit`], i.e. after decryption succeeded, so a tampered packet cannot
//! block the genuine client.

use crate::error::Rejection;
use crate::types::{Centis, FUTURE_WINDOW};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Most bodies remembered for one salt value (more packets in one centisecond than this
/// from one client are not produced by the sprite).
const SEEN_PER_SALT: usize = 32;

/// Replay state of one secure client.
#[derive(Debug, Clone)]
pub struct ReplayGuard {
    last: Centis,
    seen_at_last: Vec<u64>,
}

impl ReplayGuard {
    /// A guard that accepts salts from `floor` on (the connect salt of the client).
    pub fn new(floor: Centis) -> Self {
        ReplayGuard {
            last: floor,
            seen_at_last: Vec::new(),
        }
    }

    /// The last accepted salt.
    pub fn last(&self) -> Centis {
        self.last
    }

    /// Checks `salt` and `body` without changing state.
    pub fn check(&self, salt: Centis, body: &str, now: Centis) -> Result<(), Rejection> {
        if salt >= now.saturating_add(FUTURE_WINDOW) {
            return Err(Rejection::FutureSalt);
        }
        if salt < self.last {
            return Err(Rejection::StaleSalt);
        }
        if salt == self.last && self.seen_at_last.contains(&body_hash(body)) {
            return Err(Rejection::Replayed);
        }
        Ok(())
    }

    /// Records an accepted packet.
    pub fn commit(&mut self, salt: Centis, body: &str) {
        if salt > self.last {
            self.last = salt;
            self.seen_at_last.clear();
        }
        if salt == self.last {
            if self.seen_at_last.len() >= SEEN_PER_SALT {
                self.seen_at_last.remove(0);
            }
            self.seen_at_last.push(body_hash(body));
        }
    }
}

fn body_hash(body: &str) -> u64 {
    let mut h = DefaultHasher::new();
    body.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_salt_new_body_ok_replay_rejected() {
        let mut g = ReplayGuard::new(100);
        assert_eq!(g.check(99, "a", 200), Err(Rejection::StaleSalt));
        g.check(100, "a", 200).unwrap();
        g.commit(100, "a");
        assert_eq!(g.check(100, "a", 200), Err(Rejection::Replayed));
        g.check(100, "b", 200).unwrap();
        g.commit(100, "b");
        g.check(150, "a", 200).unwrap();
        g.commit(150, "a");
        assert_eq!(g.check(100, "c", 200), Err(Rejection::StaleSalt));
        assert_eq!(g.last(), 150);
    }

    #[test]
    fn future_window() {
        let g = ReplayGuard::new(0);
        assert_eq!(g.check(3_100, "a", 100), Err(Rejection::FutureSalt));
        g.check(3_099, "a", 100).unwrap();
    }
}
