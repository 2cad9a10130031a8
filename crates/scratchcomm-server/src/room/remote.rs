//! Rooms in multi-node mode: the [`Relay`] through which a room's sets reach the other
//! nodes, and how a node applies what comes back (a change in the room's order, or a
//! snapshot after joining or after an outage). No IO here: the relay only queues.

use scratchcomm_wire::CloudValue;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::{ClientId, Outbox, Rooms};
use crate::message::VarKey;
use crate::protocol::{delete_frame, rename_frame, set_frame};

/// A change a client made to its room, as handed to the other nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<'a> {
    /// Set (or create) a variable.
    Set(&'a VarKey, &'a CloudValue),
    /// Rename a variable (`rename` enabled).
    Rename {
        /// The variable renamed.
        from: &'a VarKey,
        /// Its new name.
        to: &'a VarKey,
        /// Its value on this node (kept by the relay while the other nodes are away).
        value: Option<&'a CloudValue>,
    },
    /// Delete a variable (`delete` enabled).
    Delete(&'a VarKey),
}

/// The other nodes of a multi-node server (implemented over Redis by the cluster link).
/// Called under the room's lock, so it must not block: it queues.
pub trait Relay: Send + Sync + std::fmt::Debug {
    /// Hand a change made by `client` to the room's sequence. True: it will come back
    /// through [`Rooms::apply_remote`] (or `apply_rename`, `apply_delete`) in the room's
    /// order (on every node, this one included), so the caller does nothing more. False:
    /// the other nodes cannot be reached now; the caller applies it here at once, and the
    /// relay keeps it to publish later.
    fn publish(&self, project: &str, client: ClientId, change: Change<'_>) -> bool;

    /// The room of `project` now has `clients` clients on this node.
    fn members_changed(&self, project: &str, clients: usize);
}

/// What the other live nodes hold, as the last heartbeat counted it in Redis: their open
/// connections, and the rooms with clients there and none here.
#[derive(Debug, Default)]
pub(crate) struct Elsewhere {
    connections: AtomicUsize,
    rooms: AtomicUsize,
}

impl Elsewhere {
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    fn rooms(&self) -> usize {
        self.rooms.load(Ordering::Acquire)
    }
}

impl<O: Outbox> Rooms<O> {
    /// Record what the other nodes hold (`0, 0` while they cannot be counted).
    pub fn set_elsewhere(&self, connections: usize, rooms: usize) {
        self.elsewhere
            .connections
            .store(connections, Ordering::Release);
        self.elsewhere.rooms.store(rooms, Ordering::Release);
    }

    /// `(connections, rooms)` the other nodes hold, as last recorded.
    pub fn elsewhere(&self) -> (usize, usize) {
        (self.elsewhere.connections(), self.elsewhere.rooms())
    }

    /// Projects with clients on this node.
    pub fn active_rooms(&self) -> Vec<String> {
        self.rooms
            .iter()
            .filter(|r| !r.members.is_empty())
            .map(|r| r.key().clone())
            .collect()
    }

    /// Whether a client may join `project` under the rooms limit of all the nodes: a room
    /// that already has clients here or on another node may always be joined; one that
    /// would gain its first client only while fewer than `max_rooms` rooms have clients
    /// (here, plus those only elsewhere as last counted).
    pub(super) fn may_activate(&self, project: &str, max_rooms: usize) -> bool {
        let active_anywhere = self
            .rooms
            .get(project)
            .is_some_and(|r| !r.members.is_empty() || r.remote_members > 0);
        if active_anywhere {
            return true;
        }
        let here = self.rooms.iter().filter(|r| !r.members.is_empty()).count();
        here + self.elsewhere.rooms() < max_rooms
    }

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

    /// Apply a rename that came in the room's order and send it to the room's clients
    /// except `except`; nothing when the room has no variable `name`.
    pub fn apply_rename(&self, project: &str, except: ClientId, name: VarKey, new_name: VarKey) {
        self.with_room(project, |room| {
            let Some(value) = room.variables_mut().shift_remove(&name) else {
                return;
            };
            room.broadcast(except, &rename_frame(&name, &new_name));
            room.variables_mut().insert(new_name, value);
        });
    }

    /// Apply a delete that came in the room's order and send it to the room's clients
    /// except `except`; nothing when the room has no variable `name`.
    pub fn apply_delete(&self, project: &str, except: ClientId, name: &VarKey) {
        self.with_room(project, |room| {
            if room.variables_mut().shift_remove(name).is_some() {
                room.broadcast(except, &delete_frame(name));
            }
        });
    }

    /// The value of `name` in the room of `project`, if any.
    pub fn value_of(&self, project: &str, name: &VarKey) -> Option<CloudValue> {
        self.rooms
            .get(project)
            .and_then(|room| room.variables.get(name).cloned())
    }

    /// Make the room of `project` hold `snapshot` (nothing when this node does not hold
    /// the room: see [`hold`](Rooms::hold)): each variable whose value differs is set and sent to every client of the
    /// room. With `prune` (rename and delete enabled: Redis is the only truth) variables
    /// the snapshot lacks are deleted and the clients told; without it they are kept (no
    /// client can delete a variable, so only a Redis that lost its data lacks one).
    /// `remote_members` is the room's client count on the other nodes.
    pub fn apply_snapshot(
        &self,
        project: &str,
        snapshot: Vec<(VarKey, CloudValue)>,
        remote_members: usize,
        prune: bool,
    ) {
        self.with_room(project, |room| {
            room.remote_members = remote_members;
            if prune {
                let gone: Vec<VarKey> = room
                    .variables()
                    .keys()
                    .filter(|k| !snapshot.iter().any(|(name, _)| name == *k))
                    .cloned()
                    .collect();
                for name in gone {
                    room.variables_mut().shift_remove(&name);
                    room.broadcast(0, &delete_frame(&name));
                }
            }
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
        fn publish(&self, project: &str, client: ClientId, change: Change<'_>) -> bool {
            self.0
                .lock()
                .unwrap()
                .push(format!("{project} {client} {change:?}"));
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
        let limits = Limits::default().max_clients_per_room(2);
        assert!(rooms.hold("p", 1));
        rooms.apply_snapshot(
            "p",
            vec![(VarKey::string("☁ a"), CloudValue::new("1"))],
            1,
            false,
        );
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
        rooms.apply_snapshot(
            "p",
            vec![(VarKey::string("☁ a"), CloudValue::new("3"))],
            0,
            false,
        );
        assert_eq!(a.take().len(), 1);
        assert_eq!(b.take().len(), 1);
        // Renames and deletes in the room's order; the maker is skipped, a missing name
        // changes nothing.
        rooms.apply_remote("p", 0, VarKey::string("☁ b"), CloudValue::new("4"), false);
        rooms.apply_rename("p", 2, VarKey::string("☁ a"), VarKey::string("☁ c"));
        rooms.apply_rename("p", 0, VarKey::string("☁ none"), VarKey::string("☁ d"));
        rooms.apply_delete("p", 0, &VarKey::string("☁ none"));
        let rename = "{\"method\":\"rename\",\"name\":\"☁ a\",\"new_name\":\"☁ c\"}";
        assert_eq!(a.take()[1], rename);
        assert_eq!(b.take().len(), 1, "only the set: the rename was b's own");
        assert_eq!(
            rooms.value_of("p", &VarKey::string("☁ c")),
            Some(CloudValue::new("3"))
        );
        // A pruning snapshot (rename/delete enabled) drops what Redis lacks.
        rooms.apply_snapshot(
            "p",
            vec![(VarKey::string("☁ c"), CloudValue::new("3"))],
            0,
            true,
        );
        assert_eq!(a.take(), vec!["{\"method\":\"delete\",\"name\":\"☁ b\"}"]);
        assert_eq!(rooms.variables("p").unwrap().len(), 1);
        rooms.leave("p", 1);
        assert_eq!(
            *log.0.lock().unwrap(),
            vec!["p has 1", "p has 2", "p has 1"]
        );
        assert_eq!(rooms.local_member_counts(), vec![("p".to_owned(), 1)]);
    }

    #[test]
    fn rooms_and_connections_count_what_the_other_nodes_hold() {
        use crate::room::JoinRefusal;
        let rooms = Rooms::<Recorder>::default();
        rooms.set_relay(Arc::new(Log::default()));
        let limits = Limits::default().max_rooms(2);
        let m = |id| Member {
            id,
            user: format!("u{id}"),
            outbox: Recorder::new(),
        };
        rooms.set_elsewhere(2, 1);
        assert_eq!(rooms.elsewhere(), (2, 1));
        rooms.join("a", m(1), &limits, false, |_| None).unwrap();
        // A second room here would make three with the one only elsewhere.
        let refused = rooms.join("b", m(2), &limits, false, |_| None);
        assert_eq!(refused, Err(JoinRefusal::TooManyRooms));
        // A room with clients on another node is not a new one.
        assert!(rooms.hold("c", 2));
        rooms.set_remote_members("c", 1);
        rooms.join("c", m(3), &limits, false, |_| None).unwrap();
        assert_eq!(rooms.active_rooms().len(), 2);
        // Connections: 2 elsewhere, so one more fits under 3.
        assert!(rooms.try_open_connection(3));
        assert!(!rooms.try_open_connection(3));
        rooms.set_elsewhere(0, 0);
        assert!(rooms.try_open_connection(3));
        rooms.leave("a", 1);
        rooms.join("b", m(2), &limits, false, |_| None).unwrap();
    }
}
