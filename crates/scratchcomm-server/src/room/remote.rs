//! Rooms in multi-node mode: the [`Relay`] through which a room's sets reach the other
//! nodes, and how a node applies what comes back (a change in the room's order, or a
//! snapshot after joining or after an outage). No IO here: the relay only queues.

use scratchcomm_wire::CloudValue;
use std::sync::Arc;

use super::{ClientId, Outbox, Rooms};
use crate::message::VarKey;
use crate::protocol::set_frame;

/// The other nodes of a multi-node server (implemented over Redis by the cluster link).
/// Called under the room's lock, so it must not block: it queues.
pub trait Relay: Send + Sync + std::fmt::Debug {
    /// Hand a set made by `client` to the room's sequence. True: it will come back through
    /// [`Rooms::apply_remote`] in the room's order (on every node, this one included), so
    /// the caller does nothing more. False: the other nodes cannot be reached now; the
    /// caller applies it here at once, and the relay keeps it to publish later.
    fn publish_set(
        &self,
        project: &str,
        client: ClientId,
        name_json: &str,
        value_json: &str,
    ) -> bool;

    /// The room of `project` now has `clients` clients on this node.
    fn members_changed(&self, project: &str, clients: usize);
}

impl<O: Outbox> Rooms<O> {
    /// Use `relay` for every room from now on (once; later calls are ignored).
    pub fn set_relay(&self, relay: Arc<dyn Relay>) {
        let _ = self.relay.set(relay);
    }

    /// The relay to the other nodes, in multi-node mode.
    pub fn relay(&self) -> Option<&Arc<dyn Relay>> {
        self.relay.get()
    }

    /// Apply a set that came in the room's order: store it and send it to the room's
    /// clients except `except` (its maker, if it is one of ours). With `unless_equal`
    /// (a value republished after an outage) nothing is sent when the room already holds
    /// it. Remote sets pass the variable limit: the room's sequence already took them.
    /// Nothing happens when this node does not hold the room.
    pub fn apply_remote(
        &self,
        project: &str,
        except: ClientId,
        name: VarKey,
        value: CloudValue,
        unless_equal: bool,
    ) {
        self.with_room(project, |room| {
            if unless_equal && room.variables().get(&name) == Some(&value) {
                return;
            }
            let frame = set_frame(&name, &value);
            room.broadcast_set(except, &name, &frame);
            room.variables_mut().insert(name, value);
        });
    }

    /// Make the room of `project` hold `snapshot` (creating it if this node has no such
    /// room): each variable whose value differs is set and sent to every client of the
    /// room; variables the snapshot lacks are kept. `remote_members` is the room's client
    /// count on the other nodes.
    pub fn apply_snapshot(
        &self,
        project: &str,
        snapshot: Vec<(VarKey, CloudValue)>,
        remote_members: usize,
    ) {
        if !self.rooms.contains_key(project) {
            self.rooms
                .entry(project.to_owned())
                .or_insert_with(|| self.new_room(project));
        }
        self.with_room(project, |room| {
            room.remote_members = remote_members;
            for (name, value) in snapshot {
                if room.variables().get(&name) == Some(&value) {
                    continue;
                }
                let frame = set_frame(&name, &value);
                room.broadcast_set(0, &name, &frame);
                room.variables_mut().insert(name, value);
            }
        });
    }

    /// Record the room's client count on the other nodes.
    pub fn set_remote_members(&self, project: &str, remote_members: usize) {
        self.with_room(project, |room| room.remote_members = remote_members);
    }

    /// Projects held and their client counts on this node.
    pub fn local_member_counts(&self) -> Vec<(String, usize)> {
        self.rooms
            .iter()
            .map(|r| (r.key().clone(), r.members.len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;
    use crate::room::{Member, Recorder};
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Log(Mutex<Vec<String>>, bool);

    impl Relay for Log {
        fn publish_set(&self, project: &str, client: ClientId, name: &str, value: &str) -> bool {
            self.0
                .lock()
                .unwrap()
                .push(format!("{project} {client} {name}={value}"));
            self.1
        }
        fn members_changed(&self, project: &str, clients: usize) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{project} has {clients}"));
        }
    }

    #[test]
    fn remote_sets_and_snapshots_reach_local_members_and_counts_limit_joins() {
        let rooms = Rooms::<Recorder>::default();
        let log = Arc::new(Log::default());
        rooms.set_relay(log.clone());
        let a = Recorder::new();
        let member = |id, o: &Recorder| Member {
            id,
            user: "u".into(),
            outbox: o.clone(),
        };
        let limits = Limits {
            max_clients_per_room: 2,
            ..Limits::default()
        };
        rooms.apply_snapshot("p", vec![(VarKey::string("☁ a"), CloudValue::new("1"))], 1);
        rooms
            .join("p", member(1, &a), &limits, false, |_| None)
            .unwrap();
        let b = Recorder::new();
        assert!(rooms
            .join("p", member(2, &b), &limits, false, |_| None)
            .is_err());
        rooms.set_remote_members("p", 0);
        rooms
            .join("p", member(2, &b), &limits, false, |_| None)
            .unwrap();
        rooms.apply_remote("p", 2, VarKey::string("☁ a"), CloudValue::new("2"), false);
        assert_eq!(
            a.take(),
            vec!["{\"method\":\"set\",\"name\":\"☁ a\",\"value\":\"2\"}"]
        );
        assert!(
            b.take().is_empty(),
            "the maker does not get its own set back"
        );
        rooms.apply_remote("p", 0, VarKey::string("☁ a"), CloudValue::new("2"), true);
        assert!(
            a.take().is_empty(),
            "a republished value the room holds is not sent again"
        );
        rooms.apply_snapshot("p", vec![(VarKey::string("☁ a"), CloudValue::new("3"))], 0);
        assert_eq!(a.take().len(), 1);
        assert_eq!(b.take().len(), 1);
        rooms.leave("p", 1);
        assert_eq!(
            *log.0.lock().unwrap(),
            vec!["p has 1", "p has 2", "p has 1"]
        );
        assert_eq!(rooms.local_member_counts(), vec![("p".to_owned(), 1)]);
    }
}
