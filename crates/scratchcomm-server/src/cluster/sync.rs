//! Sans-IO rules of the multi-node mode: what travels between nodes ([`Remote`], one line
//! format), in which order a node applies it ([`RoomSync`]: the room's sequence numbers),
//! and what a node keeps while Redis is away ([`Unpublished`]). No sockets, no clock.

use std::collections::{BTreeMap, HashMap};

/// What a change does to a room (its flag on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `s`: set `name` to `value`.
    Set,
    /// `r`: a set republished after an outage: a node whose room already holds this value
    /// does not send it to its clients again.
    Republished,
    /// `n`: rename `name` to the name in `value_json` (`rename`/`delete` enabled).
    Rename,
    /// `d`: delete `name` (`value_json` is empty).
    Delete,
}

impl Op {
    /// Its flag on the wire (also what the publish script is told).
    pub fn flag(self) -> char {
        match self {
            Op::Set => 's',
            Op::Republished => 'r',
            Op::Rename => 'n',
            Op::Delete => 'd',
        }
    }

    fn from_flag(flag: &str) -> Option<Op> {
        Some(match flag {
            "s" => Op::Set,
            "r" => Op::Republished,
            "n" => Op::Rename,
            "d" => Op::Delete,
            _ => return None,
        })
    }
}

/// One change of a room as Redis fans it out: the room's sequence number (Redis gives one
/// per change, in the order it applied them), who made it, and the change itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remote {
    /// The room's sequence number of this change (1, 2, ...).
    pub seq: u64,
    /// The node the change came from.
    pub node: String,
    /// The client on that node that made it (0: none, e.g. a resynchronisation).
    pub client: u64,
    /// What it does.
    pub op: Op,
    /// The variable's name as JSON (`"☁ a"`, with the quotes; empty for a missing name,
    /// which JSON cannot write).
    pub name_json: String,
    /// The value as JSON (`"12"` for a string, `12` for a number); the new name's JSON for
    /// a rename; empty for a delete.
    pub value_json: String,
}

impl Remote {
    /// The message body a node publishes (without the sequence number, which the Redis
    /// script puts in front): `NODE CLIENT FLAG\nNAME\nVALUE`. JSON text never holds a raw
    /// newline, so the three lines cannot be confused.
    pub fn body(node: &str, client: u64, op: Op, name_json: &str, value_json: &str) -> String {
        let flag = op.flag();
        format!("{node} {client} {flag}\n{name_json}\n{value_json}")
    }

    /// Parse `SEQ NODE CLIENT FLAG\nNAME\nVALUE`; `None` for anything else (logged and
    /// skipped by the caller: it was not written by this server).
    pub fn parse(payload: &str) -> Option<Remote> {
        let mut lines = payload.splitn(3, '\n');
        let head = lines.next()?;
        let name_json = lines.next()?.to_owned();
        let value_json = lines.next()?.to_owned();
        let mut fields = head.split(' ');
        let seq = fields.next()?.parse().ok()?;
        let node = fields.next()?.to_owned();
        let client = fields.next()?.parse().ok()?;
        let op = Op::from_flag(fields.next()?)?;
        if fields.next().is_some() || node.is_empty() {
            return None;
        }
        Some(Remote {
            seq,
            node,
            client,
            op,
            name_json,
            value_json,
        })
    }
}

/// What a node must do with its copy of a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Replace the room's variables with this snapshot (name JSON → value JSON), sending
    /// the clients whatever differs.
    Snapshot(Vec<(String, String)>),
    /// Apply this change and send it to the room's clients (except its maker).
    Apply(Remote),
    /// A change was missed (a gap in the sequence): take a snapshot again.
    Resync,
}

/// Where a node's copy of one room stands in the room's sequence of changes.
#[derive(Clone, Debug, Default)]
pub struct RoomSync {
    /// The sequence number applied last; `None` while the first snapshot is awaited.
    applied: Option<u64>,
    /// Changes received before the snapshot they may follow.
    waiting: BTreeMap<u64, Remote>,
}

/// At most this many changes wait for a snapshot; more means the snapshot is lost, and
/// the oldest are dropped (the snapshot will hold their effect).
const MAX_WAITING: usize = 10_000;

impl RoomSync {
    /// A room whose snapshot is being taken.
    pub fn loading() -> Self {
        RoomSync::default()
    }

    /// Whether the room is in step with Redis.
    #[cfg(test)]
    pub fn is_live(&self) -> bool {
        self.applied.is_some()
    }

    /// Forget where we were (Redis was away): changes wait for the next snapshot.
    pub fn reset(&mut self) {
        self.applied = None;
        self.waiting.clear();
    }

    /// A change arrived from Redis.
    pub fn on_remote(&mut self, remote: Remote) -> Vec<Step> {
        match self.applied {
            None => {
                self.waiting.insert(remote.seq, remote);
                while self.waiting.len() > MAX_WAITING {
                    self.waiting.pop_first();
                }
                Vec::new()
            }
            Some(applied) if remote.seq <= applied => Vec::new(),
            Some(applied) if remote.seq == applied + 1 => {
                self.applied = Some(remote.seq);
                vec![Step::Apply(remote)]
            }
            Some(_) => {
                // A gap: wait for a new snapshot, keeping this change for after it.
                self.reset();
                self.waiting.insert(remote.seq, remote);
                vec![Step::Resync]
            }
        }
    }

    /// A snapshot taken at sequence number `seq` arrived: apply it, then every waiting
    /// change that follows it.
    pub fn on_snapshot(&mut self, seq: u64, variables: Vec<(String, String)>) -> Vec<Step> {
        let mut steps = vec![Step::Snapshot(variables)];
        let mut applied = seq;
        for (s, remote) in std::mem::take(&mut self.waiting) {
            if s <= applied {
                continue;
            }
            if s != applied + 1 {
                // Still a gap after the snapshot: something is lost, take another.
                self.applied = None;
                steps.push(Step::Resync);
                return steps;
            }
            applied = s;
            steps.push(Step::Apply(remote));
        }
        self.applied = Some(applied);
        steps
    }
}

/// The changes of one room kept while Redis was away: `(name JSON, value JSON)`, `None`
/// for a deleted variable.
pub type Kept = Vec<(String, Option<String>)>;

/// Changes made while Redis was away, to publish when it is back: the latest value of each
/// variable per room (`None`: deleted), in the order of their latest change. A rename is
/// recorded as a delete of the old name and a set of the new one.
#[derive(Clone, Debug, Default)]
pub struct Unpublished {
    rooms: HashMap<String, indexmap::IndexMap<String, Option<String>>>,
}

impl Unpublished {
    /// Record a set of `name_json` to `value_json` in `project`.
    pub fn record(&mut self, project: &str, name_json: &str, value_json: &str) {
        self.put(project, name_json, Some(value_json.to_owned()));
    }

    /// Record that `name_json` was deleted in `project`.
    pub fn record_delete(&mut self, project: &str, name_json: &str) {
        self.put(project, name_json, None);
    }

    fn put(&mut self, project: &str, name_json: &str, value_json: Option<String>) {
        let room = self.rooms.entry(project.to_owned()).or_default();
        room.shift_remove(name_json);
        room.insert(name_json.to_owned(), value_json);
    }

    /// How many variables wait.
    pub fn len(&self) -> usize {
        self.rooms.values().map(|r| r.len()).sum()
    }

    /// Whether nothing waits.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Take everything: `(project, [(name JSON, value JSON or None: deleted)])`.
    pub fn take(&mut self) -> Vec<(String, Kept)> {
        std::mem::take(&mut self.rooms)
            .into_iter()
            .map(|(p, vars)| (p, vars.into_iter().collect()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(seq: u64, value: &str) -> Remote {
        Remote {
            seq,
            node: "n1".into(),
            client: 3,
            op: Op::Set,
            name_json: "\"☁ a\"".into(),
            value_json: value.into(),
        }
    }

    #[test]
    fn payload_round_trip_and_garbage() {
        let body = Remote::body("n1", 3, Op::Set, "\"☁ a\"", "7");
        let r = Remote::parse(&format!("5 {body}")).unwrap();
        assert_eq!(r, remote(5, "7"));
        let body = Remote::body("n2", 0, Op::Republished, "\"x\\ny\"", "\"1\"");
        assert_eq!(
            Remote::parse(&format!("9 {body}")).unwrap().op,
            Op::Republished
        );
        let body = Remote::body("n2", 4, Op::Rename, "\"a\"", "\"b\"");
        let r = Remote::parse(&format!("10 {body}")).unwrap();
        assert_eq!((r.op, r.value_json.as_str()), (Op::Rename, "\"b\""));
        // A delete of a variable without a name: both lines empty.
        let body = Remote::body("n2", 4, Op::Delete, "", "");
        let r = Remote::parse(&format!("11 {body}")).unwrap();
        assert_eq!(
            (r.op, r.name_json.as_str(), r.value_json.as_str()),
            (Op::Delete, "", "")
        );
        for bad in [
            "",
            "x n 1 s\n\"a\"\n1",
            "1 n 1 q\n\"a\"\n1",
            "1 n 1 s\n\"a\"",
            "1  1 s\na\n1",
        ] {
            assert_eq!(Remote::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn changes_wait_for_the_snapshot_and_older_ones_are_skipped() {
        let mut sync = RoomSync::loading();
        assert!(sync.on_remote(remote(4, "4")).is_empty());
        assert!(sync.on_remote(remote(5, "5")).is_empty());
        assert!(!sync.is_live());
        let steps = sync.on_snapshot(4, vec![("\"☁ a\"".into(), "4".into())]);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1], Step::Apply(remote(5, "5")));
        assert!(sync.is_live());
        assert!(
            sync.on_remote(remote(5, "5")).is_empty(),
            "a duplicate is skipped"
        );
        assert_eq!(
            sync.on_remote(remote(6, "6")),
            vec![Step::Apply(remote(6, "6"))]
        );
    }

    #[test]
    fn a_gap_asks_for_a_snapshot_and_keeps_the_change() {
        let mut sync = RoomSync::loading();
        sync.on_snapshot(1, Vec::new());
        assert_eq!(sync.on_remote(remote(3, "3")), vec![Step::Resync]);
        assert!(!sync.is_live());
        let steps = sync.on_snapshot(2, Vec::new());
        assert_eq!(
            steps,
            vec![Step::Snapshot(Vec::new()), Step::Apply(remote(3, "3"))]
        );
        // A gap that the snapshot does not close asks again.
        let mut sync = RoomSync::loading();
        sync.on_remote(remote(9, "9"));
        let steps = sync.on_snapshot(7, Vec::new());
        assert_eq!(steps.last(), Some(&Step::Resync));
        assert!(!sync.is_live());
    }

    #[test]
    fn unpublished_keeps_the_latest_value_in_order() {
        let mut u = Unpublished::default();
        u.record("1", "\"a\"", "1");
        u.record("1", "\"b\"", "2");
        u.record("1", "\"a\"", "3");
        u.record("2", "\"a\"", "4");
        u.record_delete("2", "\"a\"");
        u.record_delete("2", "\"c\"");
        assert_eq!(u.len(), 4);
        let mut taken = u.take();
        taken.sort();
        assert_eq!(
            taken[0].1,
            vec![
                ("\"b\"".into(), Some("2".into())),
                ("\"a\"".into(), Some("3".into()))
            ]
        );
        assert_eq!(
            taken[1].1,
            vec![("\"a\"".into(), None), ("\"c\"".into(), None)]
        );
        assert!(u.is_empty());
    }
}
