//! [`Batch`]: changes not yet written, coalesced per variable. Plain data, no IO.

use scratchcomm_wire::CloudValue;
use std::collections::BTreeMap;

/// What changed in one room since the last write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomChanges {
    /// The room was dropped: every variable it had before the changes below is gone.
    pub cleared: bool,
    /// The latest state of each changed variable: `Some` = set to this value, `None` =
    /// deleted (or renamed away).
    pub variables: BTreeMap<String, Option<CloudValue>>,
}

impl RoomChanges {
    fn is_empty(&self) -> bool {
        !self.cleared && self.variables.is_empty()
    }

    /// These changes followed by `newer`.
    fn then(mut self, newer: RoomChanges) -> RoomChanges {
        if newer.cleared {
            return newer;
        }
        self.variables.extend(newer.variables);
        self
    }
}

/// Changes of many rooms, each variable's latest state only: setting a variable a thousand
/// times between two writes leaves one entry. Applying a batch gives the same state as
/// applying every change it absorbed, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    rooms: BTreeMap<String, RoomChanges>,
    entries: usize,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Record that `name` of `project` now holds `value`.
    pub fn set(&mut self, project: &str, name: &str, value: &CloudValue) {
        self.put(project, name, Some(value.clone()));
    }

    /// Record that `name` of `project` was deleted (or renamed to another name).
    pub fn delete(&mut self, project: &str, name: &str) {
        self.put(project, name, None);
    }

    /// Record that the room of `project` was dropped with all its variables.
    pub fn clear(&mut self, project: &str) {
        let room = self.room(project);
        let dropped = room.variables.len();
        room.variables.clear();
        room.cleared = true;
        self.entries -= dropped;
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Changed variables plus cleared rooms: what a write will touch.
    pub fn len(&self) -> usize {
        self.entries + self.rooms.values().filter(|r| r.cleared).count()
    }

    /// The changes, per project id, ordered by id.
    pub fn rooms(&self) -> impl Iterator<Item = (&str, &RoomChanges)> {
        self.rooms.iter().map(|(p, r)| (p.as_str(), r))
    }

    /// These changes followed by `newer` (used to put back a batch whose write failed,
    /// under the changes made since).
    pub fn then(mut self, newer: Batch) -> Batch {
        for (project, changes) in newer.rooms {
            let merged = match self.rooms.remove(&project) {
                Some(older) => older.then(changes),
                None => changes,
            };
            if !merged.is_empty() {
                self.rooms.insert(project, merged);
            }
        }
        self.entries = self.rooms.values().map(|r| r.variables.len()).sum();
        self
    }

    fn put(&mut self, project: &str, name: &str, state: Option<CloudValue>) {
        let room = self.room(project);
        let added = match room.variables.get_mut(name) {
            Some(slot) => {
                *slot = state;
                false
            }
            None => {
                room.variables.insert(name.to_owned(), state);
                true
            }
        };
        if added {
            self.entries += 1;
        }
    }

    fn room(&mut self, project: &str) -> &mut RoomChanges {
        if !self.rooms.contains_key(project) {
            self.rooms
                .insert(project.to_owned(), RoomChanges::default());
        }
        self.rooms.get_mut(project).expect("inserted above")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> CloudValue {
        CloudValue::new(text)
    }

    fn changes(batch: &Batch, project: &str) -> RoomChanges {
        batch
            .rooms()
            .find(|(p, _)| *p == project)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    }

    #[test]
    fn repeated_sets_coalesce_to_the_latest_value() {
        let mut b = Batch::new();
        for i in 0..1000 {
            b.set("1", "☁ a", &v(&i.to_string()));
        }
        b.set("2", "☁ a", &v("5"));
        assert_eq!(b.len(), 2);
        assert_eq!(changes(&b, "1").variables["☁ a"], Some(v("999")));
    }

    #[test]
    fn delete_after_set_and_set_after_delete() {
        let mut b = Batch::new();
        b.set("1", "☁ a", &v("1"));
        b.delete("1", "☁ a");
        b.delete("1", "☁ b");
        b.set("1", "☁ b", &v("2"));
        let r = changes(&b, "1");
        assert_eq!(r.variables["☁ a"], None);
        assert_eq!(r.variables["☁ b"], Some(v("2")));
        assert!(!r.cleared);
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn clear_drops_earlier_changes_but_keeps_later_ones() {
        let mut b = Batch::new();
        b.set("1", "☁ a", &v("1"));
        b.clear("1");
        assert_eq!(b.len(), 1);
        b.set("1", "☁ b", &v("2"));
        let r = changes(&b, "1");
        assert!(r.cleared);
        assert_eq!(r.variables.len(), 1);
        assert_eq!(r.variables["☁ b"], Some(v("2")));
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn then_lets_newer_changes_win() {
        let mut older = Batch::new();
        older.set("1", "☁ a", &v("1"));
        older.set("1", "☁ b", &v("1"));
        older.set("2", "☁ a", &v("1"));
        let mut newer = Batch::new();
        newer.set("1", "☁ a", &v("2"));
        newer.clear("2");
        newer.set("3", "☁ a", &v("3"));
        let merged = older.then(newer);
        let one = changes(&merged, "1");
        assert_eq!(one.variables["☁ a"], Some(v("2")));
        assert_eq!(one.variables["☁ b"], Some(v("1")));
        let two = changes(&merged, "2");
        assert!(two.cleared && two.variables.is_empty());
        assert_eq!(changes(&merged, "3").variables["☁ a"], Some(v("3")));
        assert_eq!(merged.len(), 4);
    }

    #[test]
    fn a_cleared_room_followed_by_sets_stays_cleared() {
        let mut older = Batch::new();
        older.clear("1");
        let mut newer = Batch::new();
        newer.set("1", "☁ a", &v("7"));
        let merged = older.then(newer);
        let r = changes(&merged, "1");
        assert!(r.cleared);
        assert_eq!(r.variables["☁ a"], Some(v("7")));
        assert!(Batch::new().then(Batch::new()).is_empty());
    }
}
