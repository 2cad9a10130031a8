//! Key fragments (§3.5 step 2), stored per client (compatible with the sprite, §9 S8).
//!
//! Memory is bounded by [`FragmentLimits`]: at most `per_client` fragments per client
//! (oldest dropped first, like the reference's 100), at most `max_total` fragments and
//! `max_total_chars` characters over all clients (the globally oldest fragment is evicted
//! first). Fragments are removed once a handshake used them.

use crate::error::Rejection;
use crate::types::ClientId;
use std::collections::{HashMap, VecDeque};

/// Bounds of the fragment store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentLimits {
    pub(crate) per_client: usize,
    pub(crate) max_total: usize,
    pub(crate) max_total_chars: usize,
}

impl Default for FragmentLimits {
    fn default() -> Self {
        FragmentLimits {
            per_client: 100,
            max_total: 4_096,
            max_total_chars: 4 << 20,
        }
    }
}

impl FragmentLimits {
    /// Fragments kept per client (default 100; the reference keeps 100 in total).
    pub fn per_client(mut self, value: usize) -> Self {
        self.per_client = value;
        self
    }

    /// Fragments kept over all clients (default 4,096).
    pub fn max_total(mut self, value: usize) -> Self {
        self.max_total = value;
        self
    }

    /// Characters kept over all clients (default 4 Mi).
    pub fn max_total_chars(mut self, value: usize) -> Self {
        self.max_total_chars = value;
        self
    }
}

/// Per-client key fragment store with global eviction by age.
#[derive(Debug, Default)]
pub struct FragmentStore {
    limits: FragmentLimits,
    by_client: HashMap<ClientId, HashMap<String, (u64, String)>>,
    /// (sequence, client, fragment id) in storage order; stale entries are skipped lazily.
    order: VecDeque<(u64, ClientId, String)>,
    next_seq: u64,
    total: usize,
    total_chars: usize,
}

impl FragmentStore {
    /// An empty store with these bounds.
    pub fn new(limits: FragmentLimits) -> Self {
        FragmentStore {
            limits,
            ..Default::default()
        }
    }

    /// Number of stored fragments over all clients.
    pub fn len(&self) -> usize {
        self.total
    }

    /// Stores `fid -> frag` for `client`. A fragment id the client already has is refused
    /// (first wins).
    pub fn store(&mut self, client: ClientId, fid: &str, frag: &str) -> Result<(), Rejection> {
        if frag.len() > self.limits.max_total_chars {
            return Err(Rejection::TooLarge);
        }
        let entry = self.by_client.entry(client).or_default();
        if entry.contains_key(fid) {
            return Err(Rejection::DuplicateFragment);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        entry.insert(fid.to_owned(), (seq, frag.to_owned()));
        self.order.push_back((seq, client, fid.to_owned()));
        self.total += 1;
        self.total_chars += frag.len();
        self.enforce_per_client(client);
        while self.total > self.limits.max_total || self.total_chars > self.limits.max_total_chars {
            if !self.evict_oldest(None) {
                break;
            }
        }
        self.compact_order();
        Ok(())
    }

    /// Joins the fragments `fids` of `client` in order; `None` when one is missing.
    pub fn join(&self, client: ClientId, fids: &[&str]) -> Option<String> {
        let map = self.by_client.get(&client)?;
        let mut joined = String::new();
        for fid in fids {
            joined.push_str(&map.get(*fid)?.1);
        }
        Some(joined)
    }

    /// Removes the named fragments of `client` (after a successful handshake).
    pub fn remove(&mut self, client: ClientId, fids: &[&str]) {
        if let Some(map) = self.by_client.get_mut(&client) {
            for fid in fids {
                if let Some((_, frag)) = map.remove(*fid) {
                    self.total -= 1;
                    self.total_chars -= frag.len();
                }
            }
            if map.is_empty() {
                self.by_client.remove(&client);
            }
        }
        self.compact_order();
    }

    fn enforce_per_client(&mut self, client: ClientId) {
        let count = self.by_client.get(&client).map_or(0, HashMap::len);
        if count > self.limits.per_client {
            self.evict_oldest(Some(client));
        }
    }

    /// Evicts the oldest live fragment (of `only` if given). Returns false if none.
    fn evict_oldest(&mut self, only: Option<ClientId>) -> bool {
        let victim = self.order.iter().find_map(|(seq, cid, fid)| {
            if only.is_some_and(|o| o != *cid) {
                return None;
            }
            let live = self
                .by_client
                .get(cid)
                .and_then(|m| m.get(fid))
                .is_some_and(|(s, _)| s == seq);
            live.then(|| (*cid, fid.clone()))
        });
        match victim {
            Some((cid, fid)) => {
                self.remove(cid, &[fid.as_str()]);
                true
            }
            None => false,
        }
    }

    /// Drops stale entries from the front of the order queue, and rebuilds it when it holds
    /// many stale entries, so it stays proportional to the live fragments.
    fn compact_order(&mut self) {
        let live = |by: &HashMap<ClientId, HashMap<String, (u64, String)>>,
                    (seq, cid, fid): &(u64, ClientId, String)| {
            by.get(cid)
                .and_then(|m| m.get(fid))
                .is_some_and(|(s, _)| s == seq)
        };
        while let Some(front) = self.order.front() {
            if live(&self.by_client, front) {
                break;
            }
            self.order.pop_front();
        }
        if self.order.len() > 2 * self.total + 64 {
            let by = &self.by_client;
            self.order.retain(|e| live(by, e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(n: u32) -> ClientId {
        ClientId::from_number(n).unwrap()
    }

    #[test]
    fn first_wins_and_join_in_order() {
        let mut s = FragmentStore::new(FragmentLimits::default());
        s.store(cid(1), "11111", "12").unwrap();
        s.store(cid(1), "22222", "34").unwrap();
        assert_eq!(
            s.store(cid(1), "11111", "99"),
            Err(Rejection::DuplicateFragment)
        );
        // Another client may use the same fragment id.
        s.store(cid(2), "11111", "77").unwrap();
        assert_eq!(s.join(cid(1), &["22222", "11111"]).unwrap(), "3412");
        assert_eq!(s.join(cid(2), &["11111"]).unwrap(), "77");
        assert!(s.join(cid(1), &["33333"]).is_none());
        s.remove(cid(1), &["11111", "22222"]);
        assert!(s.join(cid(1), &["11111"]).is_none());
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn bounded_per_client_and_total() {
        let limits = FragmentLimits {
            per_client: 3,
            max_total: 5,
            max_total_chars: 1_000,
        };
        let mut s = FragmentStore::new(limits);
        for i in 0..10 {
            s.store(cid(1), &format!("{i:05}"), "1").unwrap();
        }
        assert_eq!(s.len(), 3);
        assert!(s.join(cid(1), &["00009", "00008", "00007"]).is_some());
        assert!(s.join(cid(1), &["00006"]).is_none());
        for c in 2..20 {
            s.store(cid(c), "00000", "1").unwrap();
        }
        assert_eq!(s.len(), 5);
        assert!(s.join(cid(19), &["00000"]).is_some());
        assert!(s.join(cid(1), &["00009"]).is_none());
        assert!(s.order.len() <= 2 * s.len() + 64);
    }

    #[test]
    fn bounded_chars() {
        let limits = FragmentLimits {
            per_client: 100,
            max_total: 100,
            max_total_chars: 10,
        };
        let mut s = FragmentStore::new(limits);
        s.store(cid(1), "00001", "123456").unwrap();
        s.store(cid(2), "00001", "123456").unwrap();
        assert!(s.join(cid(1), &["00001"]).is_none());
        assert!(s.join(cid(2), &["00001"]).is_some());
        assert_eq!(
            s.store(cid(3), "00001", "12345678901"),
            Err(Rejection::TooLarge)
        );
    }
}
