//! [`Variables`]: a room's variables, recording every change for the store.

use indexmap::IndexMap;
use scratchcomm_wire::CloudValue;
use std::ops::Deref;
use std::sync::Arc;

use crate::message::VarKey;
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

/// The variables of one room by name, in the order they were created (the join dump's
/// order). Reads go through `Deref` to the map; changes only through
/// [`insert`](Self::insert) and [`shift_remove`](Self::shift_remove), which record them for
/// the server's store when it has one (no IO here: see `store.rs`). The store keys a
/// variable by its name's text ([`VarKey::stored`]); names that are not strings stay in
/// memory only.
#[derive(Debug, Default)]
pub struct Variables {
    map: IndexMap<VarKey, CloudValue>,
    journal: Option<Journal>,
}

impl Variables {
    pub(crate) fn new(journal: Option<Journal>) -> Self {
        Variables {
            map: IndexMap::new(),
            journal,
        }
    }

    /// Where changes are recorded, if anywhere.
    pub(crate) fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    /// Fill with variables loaded from the store (not recorded: the store has them).
    pub(crate) fn restore(&mut self, map: IndexMap<VarKey, CloudValue>) {
        self.map = map;
    }

    /// Set `name` to `value` (a new name goes last); the previous value, if any.
    pub fn insert(&mut self, name: VarKey, value: CloudValue) -> Option<CloudValue> {
        if let (Some(j), Some(stored)) = (&self.journal, name.stored()) {
            j.pending.set(&j.project, stored, &value);
        }
        self.map.insert(name, value)
    }

    /// Remove `name`, keeping the order of the others; its value, or `None` (nothing
    /// recorded) if there was no such variable.
    pub fn shift_remove(&mut self, name: &VarKey) -> Option<CloudValue> {
        let old = self.map.shift_remove(name);
        if let (Some(_), Some(j), Some(stored)) = (&old, &self.journal, name.stored()) {
            j.pending.delete(&j.project, stored);
        }
        old
    }
}

impl Deref for Variables {
    type Target = IndexMap<VarKey, CloudValue>;

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
        vars.insert(VarKey::string("☁ a"), CloudValue::new("1"));
        vars.insert(VarKey::string("☁ b"), CloudValue::new("2"));
        assert_eq!(
            vars.shift_remove(&VarKey::string("☁ b")),
            Some(CloudValue::new("2"))
        );
        assert_eq!(vars.shift_remove(&VarKey::string("☁ missing")), None);
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

        // A name that is not a string is kept, but not recorded.
        let number = serde_json::value::RawValue::from_string("5".into()).unwrap();
        vars.insert(
            VarKey::from_member(Some(&number)).unwrap(),
            CloudValue::new("3"),
        );
        assert_eq!(vars.len(), 2);
        assert!(pending.take().is_empty());

        let mut plain = Variables::default();
        plain.insert(VarKey::string("☁ a"), CloudValue::new("1"));
        assert!(pending.take().is_empty());
    }
}
