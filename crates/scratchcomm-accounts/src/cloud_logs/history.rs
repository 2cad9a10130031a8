//! Sans-IO bookkeeping for "who set this value" (docs/protocol.md §1.7, user lookup): the
//! event's *age* is the number of events with the same variable and value received after
//! it; the setter is the log entry at that position among the entries with that value.

use super::LogEntry;
use scratchcomm_wire::CloudValue;
use std::collections::{HashMap, VecDeque};

/// How many recent sets per variable are remembered. The lookup reads at most 100 log
/// entries of a variable, so an event older than the last 100 sets of its variable can no
/// longer be found: keeping more would not help.
pub const HISTORY_PER_VARIABLE: usize = 100;

/// A received set event, remembered so its age can be computed later (lazily, when the
/// user is asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetTicket {
    /// Full variable name (with `☁ `).
    pub name: String,
    /// The value the event carried.
    pub value: CloudValue,
    seq: u64,
}

/// The recent set events per variable, in the order this process received them.
/// Bounded: the newest 100 sets per variable name.
#[derive(Debug, Clone, Default)]
pub struct SetHistory {
    next_seq: u64,
    per_name: HashMap<String, VecDeque<(u64, CloudValue)>>,
    capacity: usize,
}

impl SetHistory {
    /// An empty history keeping the newest 100 sets per variable.
    pub fn new() -> SetHistory {
        SetHistory::with_capacity(HISTORY_PER_VARIABLE)
    }

    /// An empty history keeping `capacity` sets per variable (at least 1).
    pub fn with_capacity(capacity: usize) -> SetHistory {
        SetHistory {
            next_seq: 0,
            per_name: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// Record a received set of `full_name` to `value`; keep the ticket to ask for its age.
    pub fn record(&mut self, full_name: &str, value: &CloudValue) -> SetTicket {
        let seq = self.next_seq;
        self.next_seq += 1;
        let sets = self.per_name.entry(full_name.to_owned()).or_default();
        if sets.len() == self.capacity {
            sets.pop_front();
        }
        sets.push_back((seq, value.clone()));
        SetTicket {
            name: full_name.to_owned(),
            value: value.clone(),
            seq,
        }
    }

    /// The event's age: how many sets of the same variable with the same value were
    /// received after it. `None` when the event fell out of the bounded history (it is too
    /// old to be found in the logs: the lookup would fail as "event expired").
    pub fn age(&self, ticket: &SetTicket) -> Option<usize> {
        let sets = self.per_name.get(&ticket.name)?;
        let oldest = sets.front()?.0;
        if ticket.seq < oldest {
            return None;
        }
        Some(
            sets.iter()
                .filter(|(seq, v)| *seq > ticket.seq && same_value(v, &ticket.value))
                .count(),
        )
    }
}

/// Whether a logged value equals an event's value: same text, or both numerals with the
/// same numeric value (the logs may write `1.50` where the event had `1.5`).
pub fn same_value(a: &CloudValue, b: &CloudValue) -> bool {
    if a.as_str() == b.as_str() {
        return true;
    }
    if a.is_numeral() && b.is_numeral() {
        if let (Ok(x), Ok(y)) = (a.as_str().parse::<f64>(), b.as_str().parse::<f64>()) {
            return x == y && x.is_finite();
        }
    }
    false
}

/// The setter of an event: among `entries` (newest first, one variable), the entry at
/// position `age` among those whose value equals `value`.
pub fn pick_setter<'a>(
    entries: &'a [LogEntry],
    value: &CloudValue,
    age: usize,
) -> Option<&'a LogEntry> {
    entries
        .iter()
        .filter(|e| same_value(&e.value, value))
        .nth(age)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> CloudValue {
        CloudValue::new(s)
    }

    fn entry(user: &str, value: &str, ts: u64) -> LogEntry {
        LogEntry {
            user: user.into(),
            verb: None,
            name: "☁ a".into(),
            value: v(value),
            timestamp_ms: ts,
        }
    }

    #[test]
    fn age_counts_later_sets_with_the_same_value_only() {
        let mut h = SetHistory::new();
        let first = h.record("☁ a", &v("1"));
        let _other_value = h.record("☁ a", &v("2"));
        let _other_var = h.record("☁ b", &v("1"));
        let second = h.record("☁ a", &v("1"));
        assert_eq!(h.age(&first), Some(1));
        assert_eq!(h.age(&second), Some(0));
        let third = h.record("☁ a", &v("1.0"));
        assert_eq!(h.age(&first), Some(2), "numerically equal values count");
        assert_eq!(h.age(&third), Some(0));
    }

    #[test]
    fn old_events_expire_from_the_bounded_history() {
        let mut h = SetHistory::with_capacity(3);
        let old = h.record("☁ a", &v("1"));
        for _ in 0..3 {
            h.record("☁ a", &v("9"));
        }
        assert_eq!(h.age(&old), None);
        let unknown = SetHistory::new().age(&old);
        assert_eq!(unknown, None);
    }

    #[test]
    fn picks_the_entry_at_the_age_among_equal_values() {
        // Newest first: bob set 5 last, alice before him, carol set 5 first.
        let logs = vec![
            entry("bob", "5", 30),
            entry("dave", "6", 25),
            entry("alice", "5.0", 20),
            entry("carol", "5", 10),
        ];
        assert_eq!(pick_setter(&logs, &v("5"), 0).unwrap().user, "bob");
        assert_eq!(pick_setter(&logs, &v("5"), 1).unwrap().user, "alice");
        assert_eq!(pick_setter(&logs, &v("5"), 2).unwrap().user, "carol");
        assert!(pick_setter(&logs, &v("5"), 3).is_none());
        assert!(pick_setter(&logs, &v("7"), 0).is_none());
        assert!(!same_value(&v("nan"), &v("nan ")));
        assert!(same_value(&v("abc"), &v("abc")));
    }
}
