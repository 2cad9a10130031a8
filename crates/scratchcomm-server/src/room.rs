//! Room state shared by all connections: variables and members per project id.
//!
//! Plain data behind a [`DashMap`]; nothing here does IO. Members are reached through an
//! [`Outbox`], which the server implements with a bounded channel and tests with a vector.
//! When the server has a store, every change of a room's [`Variables`] (and the dropping of
//! a room) is recorded in its pending batch, which the store's write-behind writes later.

use dashmap::DashMap;
use indexmap::IndexMap;
use scratchcomm_wire::CloudValue;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::config::Limits;
use crate::message::VarKey;
use crate::outbox::Update;
use crate::store::Pending;

mod remote;
mod variables;

use remote::Elsewhere;
pub use remote::{Change, Relay};
pub(crate) use variables::Journal;
pub use variables::Variables;

/// Identifies one connection for the lifetime of the server.
pub type ClientId = u64;

/// Where frames for one client go. `offer` must not block: it queues the frame or
/// returns false when the client cannot take it (queue full or gone). A member whose
/// outbox refuses a frame is removed from its room at once; the outbox itself is then
/// responsible for disconnecting the client (see `session.rs`).
pub trait Outbox: Clone {
    /// Queue one text frame; false if the client cannot take it.
    fn offer(&self, frame: &str) -> bool;

    /// Queue one update shared by the room's members (the server's outbox uses its variable
    /// to coalesce superseded sets for a lagging receiver); by default its frame is offered.
    fn offer_update(&self, update: &Update) -> bool {
        self.offer(update.frame())
    }

    /// A hint that an update follows: bring what [`offer_update`](Self::offer_update)
    /// reads into the processor's cache, without changing anything. By default nothing.
    fn warm(&self) {}
}

/// One connected client inside a room.
#[derive(Clone, Debug)]
pub struct Member<O> {
    /// The connection.
    pub id: ClientId,
    /// The username from the handshake.
    pub user: String,
    /// Where its frames go.
    pub outbox: O,
}

/// The state of one project: its variables (full names, e.g. with the `☁ ` prefix) and
/// members.
#[derive(Debug)]
pub struct Room<O> {
    variables: Variables,
    members: Vec<Member<O>>,
    /// Clients of this room on the other nodes (multi-node mode; as last counted).
    remote_members: usize,
}

impl<O> Default for Room<O> {
    fn default() -> Self {
        Room::new(None)
    }
}

impl<O> Room<O> {
    fn new(journal: Option<Journal>) -> Self {
        Room {
            variables: Variables::new(journal),
            members: Vec::new(),
            remote_members: 0,
        }
    }
}

impl<O: Outbox> Room<O> {
    /// Current variables, in creation order.
    pub fn variables(&self) -> &Variables {
        &self.variables
    }

    /// Mutable access to the variables (used by the protocol logic); changes made through
    /// it are recorded for the store.
    pub fn variables_mut(&mut self) -> &mut Variables {
        &mut self.variables
    }

    /// Connected clients.
    pub fn members(&self) -> &[Member<O>] {
        &self.members
    }

    /// Whether `id` is (still) a member.
    pub fn has_member(&self, id: ClientId) -> bool {
        self.members.iter().any(|m| m.id == id)
    }

    /// Send `frame` (a rename, delete or anything that supersedes nothing) to every member
    /// except `except`. Members that cannot take it are removed; their ids are returned.
    pub fn broadcast(&mut self, except: ClientId, frame: &str) -> Vec<ClientId> {
        self.broadcast_update(except, &Update::other(frame))
    }

    /// Send the `set` frame of variable `name` to every member except `except`, like
    /// [`broadcast`](Self::broadcast); a later set of `name` may supersede it for a member
    /// that lags behind.
    pub fn broadcast_set(&mut self, except: ClientId, name: &VarKey, frame: &str) -> Vec<ClientId> {
        // Keyed by the name's JSON text, so the string "5" and the number 5 stay apart.
        let key = name.json().unwrap_or_else(|| "undefined".to_owned());
        self.broadcast_update(except, &Update::set(&key, frame))
    }

    fn broadcast_update(&mut self, except: ClientId, update: &Update) -> Vec<ClientId> {
        let mut dropped = Vec::new();
        // First touch every member's outbox, then offer: the reads of this loop do not wait
        // for each other, so the members' cache misses overlap instead of each stalling a
        // `send` (half of the server's own CPU per delivery with 50 clients a room;
        // docs/performance.md, T29).
        for m in &self.members {
            m.outbox.warm();
        }
        self.members.retain(|m| {
            if m.id == except || m.outbox.offer_update(update) {
                true
            } else {
                dropped.push(m.id);
                false
            }
        });
        dropped
    }
}

/// Why a client could not join a room (all close with 4003 except `UsernameTaken`: 4002).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRefusal {
    /// The server already holds `max_rooms` rooms with clients in them.
    TooManyRooms,
    /// The room already has `max_clients_per_room` clients.
    RoomFull,
    /// Another member of the room uses this username.
    UsernameTaken,
}

/// All rooms of a server, plus the connection counter and id source.
#[derive(Debug)]
pub struct Rooms<O> {
    rooms: DashMap<String, Room<O>>,
    /// Serializes room creation so `max_rooms` is never overshot.
    create: Mutex<()>,
    connections: AtomicUsize,
    next_id: AtomicU64,
    /// Where changes are recorded when the server has a store.
    pending: Option<Arc<Pending>>,
    /// The other nodes, in multi-node mode (set once, when the cluster link starts).
    relay: OnceLock<Arc<dyn Relay>>,
    /// What the other nodes hold, as last counted (multi-node mode; zero otherwise).
    elsewhere: Elsewhere,
}

impl<O> Default for Rooms<O> {
    fn default() -> Self {
        Rooms {
            rooms: DashMap::new(),
            create: Mutex::new(()),
            connections: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            pending: None,
            relay: OnceLock::new(),
            elsewhere: Elsewhere::default(),
        }
    }
}

impl<O: Outbox> Rooms<O> {
    /// Rooms whose changes are recorded in `pending` for the store.
    pub(crate) fn recording(pending: Arc<Pending>) -> Self {
        Rooms {
            pending: Some(pending),
            ..Rooms::default()
        }
    }

    fn new_room(&self, project: &str) -> Room<O> {
        Room::new(
            self.pending
                .as_ref()
                .map(|p| Journal::new(project, Arc::clone(p))),
        )
    }

    /// Create the room of `project` with variables loaded from the store (at start, before
    /// any client joins; replaces a room of that id).
    pub(crate) fn restore(&self, project: &str, variables: IndexMap<VarKey, CloudValue>) {
        let mut room = self.new_room(project);
        room.variables.restore(variables);
        self.rooms.insert(project.to_owned(), room);
    }

    /// A fresh connection id.
    pub fn next_client_id(&self) -> ClientId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Count a new connection unless `max` are already open (in multi-node mode, on all
    /// the nodes together, as last counted).
    pub fn try_open_connection(&self, max: usize) -> bool {
        let others = self.elsewhere.connections();
        self.connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n.saturating_add(others) < max).then_some(n + 1)
            })
            .is_ok()
    }

    /// Forget one connection counted by [`try_open_connection`](Self::try_open_connection).
    pub fn close_connection(&self) {
        let _ = self
            .connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    /// Rooms currently held.
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Add `member` to the room of `project` (creating it if needed) and return, under the
    /// same lock, the frame with every current variable (`None` when the room has none).
    /// `dump` renders that frame from the variables.
    ///
    /// # Errors
    ///
    /// A `JoinRefusal` when the room is full or no new room may be made.
    pub fn join(
        &self,
        project: &str,
        member: Member<O>,
        limits: &Limits,
        unique_usernames: bool,
        dump: impl FnOnce(&Variables) -> Option<String>,
    ) -> Result<Option<String>, JoinRefusal> {
        if self.relay().is_some() && !self.may_activate(project, limits.max_rooms) {
            return Err(JoinRefusal::TooManyRooms);
        }
        if !self.hold(project, limits.max_rooms) {
            return Err(JoinRefusal::TooManyRooms);
        }
        let mut room = self
            .rooms
            .entry(project.to_owned())
            .or_insert_with(|| self.new_room(project));
        if room.members.len() + room.remote_members >= limits.max_clients_per_room {
            return Err(JoinRefusal::RoomFull);
        }
        if unique_usernames && room.members.iter().any(|m| m.user == member.user) {
            return Err(JoinRefusal::UsernameTaken);
        }
        let frame = dump(room.variables());
        room.members.push(member);
        if let Some(relay) = self.relay() {
            relay.members_changed(project, room.members.len());
        }
        Ok(frame)
    }

    /// Make sure this node holds a room for `project`, creating it if needed; when
    /// `max_rooms` are held, empty rooms are dropped first (and removed from the store, if
    /// the server has one). False: `max_rooms` rooms with clients are held.
    pub fn hold(&self, project: &str, max_rooms: usize) -> bool {
        if self.rooms.contains_key(project) {
            return true;
        }
        let _guard = self.create.lock().unwrap_or_else(|e| e.into_inner());
        if self.rooms.contains_key(project) {
            return true;
        }
        if self.rooms.len() >= max_rooms {
            self.rooms.retain(|_, room| {
                let keep = !room.members.is_empty();
                if let (false, Some(journal)) = (keep, room.variables.journal()) {
                    journal.clear(); // the store forgets it too
                }
                keep
            });
        }
        if self.rooms.len() >= max_rooms {
            return false;
        }
        self.rooms
            .insert(project.to_owned(), self.new_room(project));
        true
    }

    /// Remove client `id` from the room of `project` (no-op if it is not there). The room
    /// and its variables stay.
    pub fn leave(&self, project: &str, id: ClientId) {
        if let Some(mut room) = self.rooms.get_mut(project) {
            let before = room.members.len();
            room.members.retain(|m| m.id != id);
            if let (Some(relay), true) = (self.relay(), room.members.len() != before) {
                relay.members_changed(project, room.members.len());
            }
        }
    }

    /// Run `f` on the room of `project`, holding its lock; `None` if there is no such room.
    pub fn with_room<R>(&self, project: &str, f: impl FnOnce(&mut Room<O>) -> R) -> Option<R> {
        self.rooms.get_mut(project).map(|mut room| f(&mut room))
    }

    /// `(full name, value text)` of every variable of `project`, in creation order (a name
    /// that is not a JSON string in its JavaScript form: `5`, `null`, `undefined`).
    pub fn variables(&self, project: &str) -> Option<Vec<(String, String)>> {
        self.rooms.get(project).map(|room| {
            room.variables
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
                .collect()
        })
    }

    /// Members of `project` (ids), for tests and diagnostics.
    pub fn member_ids(&self, project: &str) -> Vec<ClientId> {
        self.rooms
            .get(project)
            .map(|room| room.members.iter().map(|m| m.id).collect())
            .unwrap_or_default()
    }
}

/// An outbox for unit tests: records frames and refuses them once `cap` are queued.
#[cfg(test)]
#[derive(Clone, Debug, Default)]
pub(crate) struct Recorder(
    pub(crate) std::sync::Arc<Mutex<Vec<String>>>,
    pub(crate) usize,
);

#[cfg(test)]
impl Recorder {
    /// Takes every frame.
    pub(crate) fn new() -> Self {
        Recorder::with_cap(usize::MAX)
    }

    /// Refuses frames once `cap` are queued.
    pub(crate) fn with_cap(cap: usize) -> Self {
        Recorder(Default::default(), cap)
    }

    /// The frames recorded so far, removing them.
    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[cfg(test)]
impl Outbox for Recorder {
    fn offer(&self, frame: &str) -> bool {
        let mut v = self.0.lock().unwrap();
        if v.len() >= self.1 {
            return false;
        }
        v.push(frame.to_owned());
        true
    }
}

#[cfg(test)]
mod tests;
