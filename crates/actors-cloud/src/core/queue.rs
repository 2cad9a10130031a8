//! The outgoing queue: client operations in the order they were accepted.
//!
//! Nothing accepted is dropped. With coalescing on (opt-in), a set whose variable already
//! has a set waiting in the queue replaces that value in place and joins its waiters, so a
//! burst of updates to one variable costs one message; it never jumps over a rename,
//! delete or create of the same variable.

use scratchcomm_wire::{ClientMessage, CloudValue, VarName};
use std::collections::VecDeque;

/// Identifies one accepted operation, so its caller can be told when it was written.
pub type OpId = u64;

/// One client operation (docs/protocol.md §1.2; create/rename/delete are TurboWarp extensions
/// that servers may ignore).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// Set a variable.
    #[allow(missing_docs)]
    Set { name: VarName, value: CloudValue },
    /// Create a variable.
    #[allow(missing_docs)]
    Create { name: VarName, value: CloudValue },
    /// Rename a variable.
    #[allow(missing_docs)]
    Rename { name: VarName, new_name: VarName },
    /// Delete a variable.
    #[allow(missing_docs)]
    Delete { name: VarName },
}

impl Op {
    /// The variable the operation addresses.
    pub fn name(&self) -> &VarName {
        match self {
            Op::Set { name, .. }
            | Op::Create { name, .. }
            | Op::Rename { name, .. }
            | Op::Delete { name } => name,
        }
    }

    /// The wire message for this operation.
    pub fn to_message(&self, user: &str, project_id: &serde_json::Value) -> ClientMessage {
        let user = user.to_owned();
        let project_id = project_id.clone();
        match self {
            Op::Set { name, value } => ClientMessage::Set {
                name: name.full().to_owned(),
                value: value.clone(),
                user,
                project_id,
            },
            Op::Create { name, value } => ClientMessage::Create {
                name: name.full().to_owned(),
                value: value.clone(),
                user,
                project_id,
            },
            Op::Rename { name, new_name } => ClientMessage::Rename {
                name: name.full().to_owned(),
                new_name: new_name.full().to_owned(),
                user,
                project_id,
            },
            Op::Delete { name } => ClientMessage::Delete {
                name: name.full().to_owned(),
                user,
                project_id,
            },
        }
    }
}

/// An operation waiting to be written, with everyone waiting for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    /// What to send.
    pub op: Op,
    /// The accepted operations this message fulfils (more than one after coalescing).
    pub ids: Vec<OpId>,
}

/// FIFO of pending operations.
#[derive(Debug, Default)]
pub struct OutQueue {
    items: VecDeque<Pending>,
    coalesce: bool,
}

impl OutQueue {
    /// An empty queue; `coalesce` enables replacing superseded sets.
    pub fn new(coalesce: bool) -> Self {
        OutQueue {
            items: VecDeque::new(),
            coalesce,
        }
    }

    /// Append `op`; returns `true` when it was merged into an earlier set instead.
    pub fn push(&mut self, op: Op, id: OpId) -> bool {
        if self.coalesce {
            if let Op::Set { name, value } = &op {
                let earlier = self.items.iter_mut().rev().find(|p| p.op.name() == name);
                if let Some(p) = earlier {
                    if let Op::Set { value: v, .. } = &mut p.op {
                        *v = value.clone();
                        p.ids.push(id);
                        return true;
                    }
                }
            }
        }
        self.items.push_back(Pending { op, ids: vec![id] });
        false
    }

    /// Put back an operation that could not be written (it goes first again).
    pub fn push_front(&mut self, pending: Pending) {
        self.items.push_front(pending);
    }

    /// Take the next operation.
    pub fn pop_front(&mut self) -> Option<Pending> {
        self.items.pop_front()
    }

    /// Take everything (to fail it on a final stop).
    pub fn drain(&mut self) -> impl Iterator<Item = Pending> + '_ {
        self.items.drain(..)
    }

    /// Number of queued messages.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, v: &str) -> Op {
        Op::Set {
            name: VarName::new(name).unwrap(),
            value: v.into(),
        }
    }

    #[test]
    fn keeps_order_without_coalescing() {
        let mut q = OutQueue::new(false);
        for (i, v) in ["1", "2", "3"].into_iter().enumerate() {
            assert!(!q.push(set("a", v), i as u64));
        }
        let vals: Vec<_> = q.drain().map(|p| p.op).collect();
        assert_eq!(vals, vec![set("a", "1"), set("a", "2"), set("a", "3")]);
    }

    #[test]
    fn coalesces_superseded_sets_in_place() {
        let mut q = OutQueue::new(true);
        q.push(set("a", "1"), 1);
        q.push(set("b", "1"), 2);
        assert!(q.push(set("a", "2"), 3));
        assert_eq!(q.len(), 2);
        let first = q.pop_front().unwrap();
        assert_eq!(first.op, set("a", "2"));
        assert_eq!(first.ids, vec![1, 3]);
    }

    #[test]
    fn never_coalesces_across_other_operations() {
        let mut q = OutQueue::new(true);
        q.push(set("a", "1"), 1);
        q.push(
            Op::Delete {
                name: VarName::new("a").unwrap(),
            },
            2,
        );
        assert!(!q.push(set("a", "2"), 3));
        assert_eq!(q.len(), 3);
    }
}
