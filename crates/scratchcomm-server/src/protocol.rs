//! Sans-IO protocol logic of one connection (TurboWarp cloud-server protocol).
//!
//! [`ClientState::on_frame`] is fed one received text frame and the shared [`Rooms`]; it
//! updates room state, queues broadcasts to the other members' outboxes, and returns what
//! the connection itself must do ([`Action`]). No sockets, no clock.
//!
//! Rules (TurboWarp's, see the crate docs for the few choices of our own):
//! * a frame is exactly one JSON object with a string `method` ([`Incoming`]); anything
//!   else (several messages in one frame, bad JSON, an array) closes with 4000;
//! * the first message must be `handshake` with `project_id` (any JSON value, read as
//!   JavaScript's `String()`) and `user`; a set/create/unknown method first, a second
//!   handshake or an unknown method close with 4000; a bad username with 4002; a filtered
//!   project with 4004; too many rooms with 4003, a full room with 4000;
//! * on join the client gets one frame with every variable in creation order (nothing when
//!   there are none);
//! * `set`/`create` store and forward `{"method":"set",..}` to the *other* members; names
//!   are taken as they come ([`VarKey`]); values that are neither plain decimals nor finite
//!   numbers (or too long) are ignored silently; one variable beyond the room's limit
//!   closes with 4000;
//! * `rename`/`delete` are ignored (TurboWarp's default), also before the handshake;
//!   when enabled they change the room and are forwarded.

use scratchcomm_wire::{CloseCode, CloudValue, CLOUD_PREFIX};
use serde_json::value::RawValue;

use crate::config::ServerConfig;
use crate::message::{self, json_str, json_string, Incoming, VarKey};
use crate::room::{Change, ClientId, JoinRefusal, Member, Outbox, Rooms, Variables};

/// What the connection must do after a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this text frame to this client (before anything queued later).
    Reply(String),
    /// Close the connection with this code and reason; nothing after it is processed.
    Close {
        /// Websocket close code.
        code: CloseCode,
        /// Human-readable reason (kept short).
        reason: String,
    },
}

impl Action {
    fn close(code: CloseCode, reason: impl Into<String>) -> Self {
        let mut reason: String = reason.into();
        // A close frame's reason must fit in 123 bytes.
        while reason.len() > 120 {
            reason.pop();
        }
        Action::Close { code, reason }
    }
}

#[derive(Clone, Debug)]
struct Joined {
    project: String,
}

/// Protocol state of one connection.
#[derive(Clone, Debug)]
pub struct ClientState {
    id: ClientId,
    joined: Option<Joined>,
}

impl ClientState {
    /// A connection that has not sent its handshake yet.
    pub fn new(id: ClientId) -> Self {
        ClientState { id, joined: None }
    }

    /// The connection id.
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// The project joined, once the handshake succeeded.
    pub fn project(&self) -> Option<&str> {
        self.joined.as_ref().map(|j| j.project.as_str())
    }

    /// Handle one received frame. `own` is this client's outbox (registered in the room
    /// on handshake). Stops at the first [`Action::Close`].
    pub fn on_frame<O: Outbox>(
        &mut self,
        frame: &str,
        rooms: &Rooms<O>,
        config: &ServerConfig,
        own: &O,
    ) -> Vec<Action> {
        match self.on_message(frame, rooms, config, own) {
            Ok(Some(reply)) => vec![Action::Reply(reply)],
            Ok(None) => Vec::new(),
            Err(close) => vec![close],
        }
    }

    /// Leave the room (call once the connection is gone).
    pub fn on_disconnect<O: Outbox>(&mut self, rooms: &Rooms<O>) {
        if let Some(j) = self.joined.take() {
            rooms.leave(&j.project, self.id);
        }
    }

    fn on_message<O: Outbox>(
        &mut self,
        text: &str,
        rooms: &Rooms<O>,
        config: &ServerConfig,
        own: &O,
    ) -> Result<Option<String>, Action> {
        let msg = Incoming::parse(text).map_err(|e| Action::close(CloseCode::PROTOCOL_ERROR, e))?;
        match msg.method() {
            "handshake" => return self.handshake(&msg, rooms, config, own),
            "rename" | "delete" if !config.allow_rename_delete => return Ok(None),
            _ => {}
        }
        let Some(joined) = &self.joined else {
            return Err(Action::close(
                CloseCode::PROTOCOL_ERROR,
                "the first message must be a handshake",
            ));
        };
        let project = joined.project.clone();
        match msg.method() {
            "set" | "create" => self.set(&project, &msg, rooms, config),
            "rename" => self.rename(&project, &msg, rooms, config),
            "delete" => self.delete(&project, &msg, rooms, config),
            other => Err(Action::close(
                CloseCode::PROTOCOL_ERROR,
                format!("unknown method {other:?}"),
            )),
        }
    }

    fn handshake<O: Outbox>(
        &mut self,
        msg: &Incoming<'_>,
        rooms: &Rooms<O>,
        config: &ServerConfig,
        own: &O,
    ) -> Result<Option<String>, Action> {
        if self.joined.is_some() {
            return Err(Action::close(CloseCode::PROTOCOL_ERROR, "second handshake"));
        }
        let project = message::room_id(msg.get("project_id"))
            .ok_or_else(|| Action::close(CloseCode::PROTOCOL_ERROR, "invalid project id"))?;
        if config.project_filter.is_blocked(&project) {
            return Err(Action::close(
                CloseCode::PROJECT_UNAVAILABLE,
                "project unavailable",
            ));
        }
        let user = msg
            .get("user")
            .and_then(json_string)
            .filter(|u| is_valid_username(u))
            .ok_or_else(|| Action::close(CloseCode::USERNAME, "invalid username"))?;
        let member = Member {
            id: self.id,
            user,
            outbox: own.clone(),
        };
        let dump = rooms
            .join(
                &project,
                member,
                &config.limits,
                config.unique_usernames,
                dump_frame,
            )
            .map_err(|refusal| match refusal {
                JoinRefusal::TooManyRooms => Action::close(CloseCode::OVERLOADED, "server full"),
                JoinRefusal::RoomFull => Action::close(CloseCode::PROTOCOL_ERROR, "room full"),
                JoinRefusal::UsernameTaken => Action::close(CloseCode::USERNAME, "username taken"),
            })?;
        self.joined = Some(Joined { project });
        Ok(dump)
    }

    fn set<O: Outbox>(
        &mut self,
        project: &str,
        msg: &Incoming<'_>,
        rooms: &Rooms<O>,
        config: &ServerConfig,
    ) -> Result<Option<String>, Action> {
        let name = valid_name(msg.get("name"), config)?;
        let Some(value) = message::value(msg.get("value"), config.max_value_chars) else {
            return Ok(None); // invalid values are ignored, as TurboWarp does
        };
        let frame = set_frame(&name, &value);
        let id = self.id;
        let max_vars = config.limits.max_variables_per_room;
        self.in_room(rooms, project, |room| {
            let vars = room.variables_mut();
            if !vars.contains_key(&name) && vars.len() >= max_vars {
                return Err(Action::close(
                    CloseCode::PROTOCOL_ERROR,
                    "too many variables",
                ));
            }
            if let Some(relay) = rooms.relay() {
                // Multi-node: the set comes back in the room's order, on every node.
                if relay.publish(project, id, Change::Set(&name, &value)) {
                    return Ok(None);
                }
            }
            room.broadcast_set(id, &name, &frame);
            room.variables_mut().insert(name, value);
            Ok(None)
        })
    }

    fn rename<O: Outbox>(
        &mut self,
        project: &str,
        msg: &Incoming<'_>,
        rooms: &Rooms<O>,
        config: &ServerConfig,
    ) -> Result<Option<String>, Action> {
        let name = valid_name(msg.get("name"), config)?;
        let new_name = valid_name(msg.get("new_name"), config)?;
        let frame = rename_frame(&name, &new_name);
        let id = self.id;
        self.in_room(rooms, project, |room| {
            // Multi-node: Redis decides in the room's order (a rename of a variable that
            // no longer exists there is dropped), and it comes back on every node.
            let value = room.variables().get(&name).cloned();
            let change = Change::Rename {
                from: &name,
                to: &new_name,
                value: value.as_ref(),
            };
            if rooms
                .relay()
                .is_some_and(|r| r.publish(project, id, change))
            {
                return Ok(None);
            }
            let vars = room.variables_mut();
            let Some(value) = vars.shift_remove(&name) else {
                return Err(Action::close(
                    CloseCode::PROTOCOL_ERROR,
                    "rename of a variable that does not exist",
                ));
            };
            vars.insert(new_name, value);
            room.broadcast(id, &frame);
            Ok(None)
        })
    }

    fn delete<O: Outbox>(
        &mut self,
        project: &str,
        msg: &Incoming<'_>,
        rooms: &Rooms<O>,
        config: &ServerConfig,
    ) -> Result<Option<String>, Action> {
        let name = valid_name(msg.get("name"), config)?;
        let frame = delete_frame(&name);
        let id = self.id;
        self.in_room(rooms, project, |room| {
            let change = Change::Delete(&name);
            if rooms
                .relay()
                .is_some_and(|r| r.publish(project, id, change))
            {
                return Ok(None);
            }
            if room.variables_mut().shift_remove(&name).is_none() {
                return Err(Action::close(
                    CloseCode::PROTOCOL_ERROR,
                    "delete of a variable that does not exist",
                ));
            }
            room.broadcast(id, &frame);
            Ok(None)
        })
    }

    /// Run `f` on our room if we are still a member; a client dropped for being too slow
    /// is told so.
    fn in_room<O: Outbox>(
        &self,
        rooms: &Rooms<O>,
        project: &str,
        f: impl FnOnce(&mut crate::room::Room<O>) -> Result<Option<String>, Action>,
    ) -> Result<Option<String>, Action> {
        let id = self.id;
        rooms
            .with_room(project, |room| {
                if room.has_member(id) {
                    f(room)
                } else {
                    Err(too_slow())
                }
            })
            .unwrap_or_else(|| Err(too_slow()))
    }
}

/// The close sent to a client whose outbound queue overflowed: 1013 "try again later".
pub fn too_slow() -> Action {
    Action::close(CloseCode(1013), "client too slow to receive updates")
}

/// `{"method":"set","name":..,"value":..}` with the value in its JSON form (a missing name
/// is left out, as `JSON.stringify` does).
pub fn set_frame(name: &VarKey, value: &CloudValue) -> String {
    format!(
        "{{\"method\":\"set\"{},\"value\":{}}}",
        name.member("name"),
        value_json(value)
    )
}

/// The `rename` frame forwarded to the other clients.
pub(crate) fn rename_frame(name: &VarKey, new_name: &VarKey) -> String {
    format!(
        "{{\"method\":\"rename\"{}{}}}",
        name.member("name"),
        new_name.member("new_name")
    )
}

/// The `delete` frame forwarded to the other clients.
pub(crate) fn delete_frame(name: &VarKey) -> String {
    format!("{{\"method\":\"delete\"{}}}", name.member("name"))
}

fn dump_frame(vars: &Variables) -> Option<String> {
    if vars.is_empty() {
        return None;
    }
    let lines: Vec<String> = vars.iter().map(|(n, v)| set_frame(n, v)).collect();
    Some(lines.join("\n"))
}

pub(crate) fn value_json(value: &CloudValue) -> String {
    if value.was_string() {
        json_str(value.as_str())
    } else {
        value.as_str().to_owned()
    }
}

/// 1 to 20 characters of `A-Z a-z 0-9 _ -`.
pub fn is_valid_username(user: &str) -> bool {
    (1..=20).contains(&user.len())
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The variable a `name` member names. TurboWarp takes any name; the optional checks of
/// [`ServerConfig::require_cloud_prefix`] and [`ServerConfig::max_name_chars`] apply to
/// string names. Objects and arrays as names close with 4000 (see the crate docs).
pub(crate) fn valid_name(raw: Option<&RawValue>, config: &ServerConfig) -> Result<VarKey, Action> {
    let bad = || Action::close(CloseCode::PROTOCOL_ERROR, "invalid variable name");
    let name = VarKey::from_member(raw).ok_or_else(bad)?;
    if name.is_string() && name.as_str().chars().count() > config.max_name_chars {
        return Err(bad());
    }
    if config.require_cloud_prefix {
        let text = name.as_str();
        let prefixed = name.is_string() && text.starts_with(CLOUD_PREFIX) && text != CLOUD_PREFIX;
        if !prefixed {
            return Err(bad());
        }
    }
    Ok(name)
}

#[cfg(test)]
mod tests;
