//! [`Variables`]: a room's variables, recording every change for the store.

use scratchcomm_wire::CloudValue;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;

use crate::store::Pending;

/// Where a room's changes are recorded for the store: the room's project id and the
/// server's pending batch. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Journal {
    project: Arc<str>,
    pending: Arc<Pending>,
}

impl Journal {
    pub(crate) fn new(project: &str, pending: Arc<Pending>) -> Self {
        Journal {
            project: project.into(),
            pending,
        }
    }

    /// Record that the room was dropped with its variables.
    pub(crate) fn clear(&self) {
        self.pending.clear(&self.project);
    }
}

/// The variables of one room, by full name. Reads go through `Deref` to the map; changes
/// only through [`insert`](Self::insert) and [`remove`](Self::remove), which record them
/// for the server's store when it has one (no IO here: see [`crate::store`]).
#[derive(Debug, Default)]
pub struct Variables {
    map: BTreeMap<String, CloudValue>,
    journal: Option<Journal>,
}

impl Variables {
    pub(crate) fn new(journal: Option<Journal>) -> Self {
        Variables {
            map: BTreeMap::new(),
            journal,
        }
    }

    /// Where changes are recorded, if anywhere.
    pub(crate) fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    /// Fill with variables loaded from the store (not recorded: the store has them).
    pub(crate) fn restore(&mut self, map: BTreeMap<String, CloudValue>) {
        self.map = map;
    }

    /// Set `name` to `value`; the previous value, if any.
    pub fn insert(&mut self, name: String, value: CloudValue) -> Option<CloudValue> {
        if let Some(j) = &self.journal {
            j.pending.set(&j.project, &name, &value);
        }
        self.map.insert(name, value)
    }

    /// Remove `name`; its value, or `None` (nothing recorded) if there was no such variable.
    pub fn remove(&mut self, name: &str) -> Option<CloudValue> {
        let old = self.map.remove(name);
        if let (Some(_), Some(j)) = (&old, &self.journal) {
            j.pending.delete(&j.project, name);
        }
        old
    }
}

impl Deref for Variables {
    type Target = BTreeMap<String, CloudValue>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_recorded_only_with_a_journal() {
        let pending = Arc::new(Pending::default());
        let mut vars = Variables::new(Some(Journal::new("9", pending.clone())));
        vars.insert("☁ a".into(), CloudValue::new("1"));
        vars.insert("☁ b".into(), CloudValue::new("2"));
        assert_eq!(vars.remove("☁ b"), Some(CloudValue::new("2")));
        assert_eq!(vars.remove("☁ missing"), None);
        assert_eq!(vars.len(), 1);
        let batch = pending.take();
        let (project, changes) = batch.rooms().next().unwrap();
        assert_eq!(project, "9");
        assert_eq!(changes.variables["☁ a"], Some(CloudValue::new("1")));
        assert_eq!(changes.variables["☁ b"], None);
        assert_eq!(
            changes.variables.len(),
            2,
            "removing a missing name records nothing"
        );

        let mut plain = Variables::default();
        plain.insert("☁ a".into(), CloudValue::new("1"));
        assert!(pending.take().is_empty());
    }
}
