//! Sans-IO protocol logic of one connection (TurboWarp cloud-server protocol).
//!
//! [`ClientState::on_frame`] is fed one received text frame and the shared [`Rooms`]; it
//! updates room state, queues broadcasts to the other members' outboxes, and returns what
//! the connection itself must do ([`Action`]). No sockets, no clock.
//!
//! Rules (TurboWarp's, see the crate docs for the few choices of our own):
//! * a frame holds one or more JSON objects separated by `"\n"`; each needs a string `method`;
//! * the first message must be `handshake` with `project_id` (string or non-negative
//!   integer) and `user`; anything else first, a second handshake, bad JSON or an unknown
//!   method close with 4000; a bad username with 4002; a filtered project with 4004;
//!   a full server or room with 4003;
//! * on join the client gets one frame with every variable (nothing when there are none);
//! * `set`/`create` store and forward `{"method":"set",..}` to the *other* members; values
//!   that are not numerals (or too long) are ignored silently;
//! * `rename`/`delete` (when enabled) change the room and are forwarded as well.

use scratchcomm_wire::{is_numeral, CloseCode, CloudValue, ProjectId, CLOUD_PREFIX};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

use crate::config::ServerConfig;
use crate::room::{ClientId, JoinRefusal, Member, Outbox, Rooms};

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

#[derive(Deserialize)]
struct Incoming<'a> {
    method: String,
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    value: Option<&'a RawValue>,
    #[serde(borrow, default)]
    new_name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    user: Option<&'a RawValue>,
    #[serde(borrow, default)]
    project_id: Option<&'a RawValue>,
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
        let mut actions = Vec::new();
        for piece in frame.split('\n').filter(|p| !p.trim().is_empty()) {
            match self.on_message(piece, rooms, config, own) {
                Ok(Some(reply)) => actions.push(Action::Reply(reply)),
                Ok(None) => {}
                Err(close) => {
                    actions.push(close);
                    break;
                }
            }
        }
        actions
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
        let msg: Incoming<'_> = serde_json::from_str(text).map_err(|e| {
            Action::close(CloseCode::PROTOCOL_ERROR, format!("malformed message: {e}"))
        })?;
        if msg.method == "handshake" {
            return self.handshake(&msg, rooms, config, own);
        }
        let Some(joined) = &self.joined else {
            return Err(Action::close(
                CloseCode::PROTOCOL_ERROR,
                "the first message must be a handshake",
            ));
        };
        let project = joined.project.clone();
        match msg.method.as_str() {
            "set" | "create" => self.set(&project, &msg, rooms, config),
            "rename" | "delete" if !config.allow_rename_delete => Ok(None),
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
        let project = parse_project_id(msg.project_id)
            .ok_or_else(|| Action::close(CloseCode::PROTOCOL_ERROR, "invalid project id"))?;
        if config.project_filter.is_blocked(&project) {
            return Err(Action::close(
                CloseCode::PROJECT_UNAVAILABLE,
                "project unavailable",
            ));
        }
        let user = msg
            .user
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
                JoinRefusal::RoomFull => Action::close(CloseCode::OVERLOADED, "room full"),
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
        let name = valid_name(msg.name, config)?;
        let Some(value) = msg.value.and_then(|v| valid_value(v, config)) else {
            return Ok(None); // invalid values are ignored, as TurboWarp does
        };
        let frame = set_frame(&name, &value);
        let id = self.id;
        let max_vars = config.limits.max_variables_per_room;
        self.in_room(rooms, project, |room| {
            let vars = room.variables_mut();
            if !vars.contains_key(&name) && vars.len() >= max_vars {
                return Err(Action::close(CloseCode::OVERLOADED, "too many variables"));
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
        let name = valid_name(msg.name, config)?;
        let new_name = valid_name(msg.new_name, config)?;
        let frame = format!(
            "{{\"method\":\"rename\",\"name\":{},\"new_name\":{}}}",
            json_str(&name),
            json_str(&new_name)
        );
        let id = self.id;
        self.in_room(rooms, project, |room| {
            let vars = room.variables_mut();
            let Some(value) = vars.remove(&name) else {
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
        let name = valid_name(msg.name, config)?;
        let frame = format!("{{\"method\":\"delete\",\"name\":{}}}", json_str(&name));
        let id = self.id;
        self.in_room(rooms, project, |room| {
            if room.variables_mut().remove(&name).is_none() {
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

/// `{"method":"set","name":..,"value":..}` with the value in its original JSON form.
pub fn set_frame(name: &str, value: &CloudValue) -> String {
    format!(
        "{{\"method\":\"set\",\"name\":{},\"value\":{}}}",
        json_str(name),
        value_json(value)
    )
}

fn dump_frame(vars: &BTreeMap<String, CloudValue>) -> Option<String> {
    if vars.is_empty() {
        return None;
    }
    let lines: Vec<String> = vars.iter().map(|(n, v)| set_frame(n, v)).collect();
    Some(lines.join("\n"))
}

fn value_json(value: &CloudValue) -> String {
    if value.was_string() {
        json_str(value.as_str())
    } else {
        value.as_str().to_owned()
    }
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn json_string(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<String>(raw.get()).ok()
}

/// A project id: a JSON string accepted by [`ProjectId::new`], or a non-negative integer.
fn parse_project_id(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?.get().trim();
    let text = if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).ok()?
    } else if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.to_owned()
    } else {
        return None;
    };
    ProjectId::new(text).ok().map(|p| p.as_str().to_owned())
}

/// 1 to 20 characters of `A-Z a-z 0-9 _ -`.
pub fn is_valid_username(user: &str) -> bool {
    (1..=20).contains(&user.len())
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn valid_name(raw: Option<&RawValue>, config: &ServerConfig) -> Result<String, Action> {
    let bad = || Action::close(CloseCode::PROTOCOL_ERROR, "invalid variable name");
    let name = raw.and_then(json_string).ok_or_else(bad)?;
    let chars = name.chars().count();
    let prefix_ok = !config.require_cloud_prefix
        || (name.starts_with(CLOUD_PREFIX) && chars > CLOUD_PREFIX.chars().count());
    if name.is_empty() || chars > config.max_name_chars || !prefix_ok {
        return Err(bad());
    }
    Ok(name)
}

/// A numeral (JSON number or numeric string per `is_numeral`) or the empty string (which
/// TurboWarp accepts), at most `max_value_chars` long. Anything else is `None`.
fn valid_value(raw: &RawValue, config: &ServerConfig) -> Option<CloudValue> {
    let value = CloudValue::from_raw_json(raw.get()).ok()?;
    let text = value.as_str();
    let numeric = is_numeral(text) || (value.was_string() && text.is_empty());
    (numeric && text.chars().count() <= config.max_value_chars).then_some(value)
}

#[cfg(test)]
mod tests;
