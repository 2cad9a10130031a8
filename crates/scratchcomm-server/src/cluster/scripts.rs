//! What the link sends to Redis: the Lua scripts that keep a room's order, variables and
//! client counts, the key names, and how a stored name and value are read back.
//!
//! Keys of the room `P` (the `{P}` hash tag keeps a room's keys on one Redis Cluster slot):
//! `scratchcomm:{P}:v` (hash: name JSON → value JSON), `scratchcomm:{P}:seq` (the room's
//! last sequence number), `scratchcomm:{P}:n` (hash: node → its clients in the room),
//! channel `scratchcomm:{P}:c`. `scratchcomm:node:NODE` (the node's open connections) and
//! `scratchcomm:node:NODE:rooms` (set of its rooms with clients) live three heartbeats
//! unless renewed; `scratchcomm:nodes` is the set of nodes seen.

use redis::aio::MultiplexedConnection;
use redis::{Script, Value};
use scratchcomm_wire::CloudValue;
use serde_json::value::RawValue;
use std::time::Duration;

use crate::message::{self, VarKey};
use crate::outbox::ChannelOutbox;
use crate::room::Rooms;

/// Why Redis counts as unreachable.
pub(super) type Lost = String;

/// Every Redis call is given this long before Redis counts as unreachable.
pub(super) const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Heartbeat (and liveness check) period; a node's key lives three periods.
pub(super) const HEARTBEAT: Duration = Duration::from_secs(2);
/// Most sets sent in one pipeline.
pub(super) const MAX_BATCH: usize = 512;

/// KEYS: vars, seq. ARGV: channel, op flag, name, value (new name for `n`), body, max
/// variables. Applies the change to the room's hash, gives it the room's next number and
/// publishes it; or refuses it (0, nothing published): a set of a variable beyond the
/// limit, a rename or delete of a variable the room does not have.
pub(super) const PUBLISH: &str = r"
local op = ARGV[2]
if op == 'd' then
  if redis.call('HDEL', KEYS[1], ARGV[3]) == 0 then return 0 end
elseif op == 'n' then
  local value = redis.call('HGET', KEYS[1], ARGV[3])
  if not value then return 0 end
  redis.call('HDEL', KEYS[1], ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[4], value)
else
  if redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return 0 end
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
end
local seq = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], seq .. ' ' .. ARGV[5])
return seq";

/// Clients of the room on the other live nodes. KEYS: counts. ARGV: our node, node-key prefix.
pub(super) const OTHERS: &str = r"
local counts = redis.call('HGETALL', KEYS[1])
local others = 0
for i = 1, #counts, 2 do
  if counts[i] ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. counts[i]) == 1 then others = others + tonumber(counts[i + 1]) end
end
return others";

/// KEYS: vars, seq, counts. ARGV: as OTHERS. The room's variables and number, in one step.
pub(super) const SNAPSHOT: &str = r"
local counts = redis.call('HGETALL', KEYS[3])
local others = 0
for i = 1, #counts, 2 do
  if counts[i] ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. counts[i]) == 1 then others = others + tonumber(counts[i + 1]) end
end
return {tonumber(redis.call('GET', KEYS[2]) or '0'), redis.call('HGETALL', KEYS[1]), others}";

pub(super) const NODE_PREFIX: &str = "scratchcomm:node:";

pub(super) fn key(project: &str, what: &str) -> String {
    format!("scratchcomm:{{{project}}}:{what}")
}

/// The project of a room's channel name.
pub(super) fn project_of(channel: &str) -> Option<&str> {
    channel.strip_prefix("scratchcomm:{")?.strip_suffix("}:c")
}

/// Add one PUBLISH script call (by its hash) to `pipe`; its reply is ignored (0 when the
/// script refused the change).
pub(super) fn add_publish(
    pipe: &mut redis::Pipeline,
    script: &str,
    project: &str,
    (flag, name, value): (char, &str, &str),
    body: &str,
    max_variables: usize,
) {
    pipe.cmd("EVALSHA")
        .arg(script)
        .arg(2)
        .arg(key(project, "v"))
        .arg(key(project, "seq"))
        .arg(key(project, "c"))
        .arg(flag.to_string())
        .arg(name)
        .arg(value)
        .arg(body)
        .arg(max_variables)
        .ignore();
}

/// Clients of the room of `project` on the other live nodes (`others` is the OTHERS script).
pub(super) async fn others(
    conn: &mut MultiplexedConnection,
    others: &Script,
    node: &str,
    project: &str,
) -> Result<usize, Lost> {
    timed(
        others
            .key(key(project, "n"))
            .arg(node)
            .arg(NODE_PREFIX)
            .invoke_async(conn),
    )
    .await
}

/// Record that `node` has `clients` clients in the room of `project`.
pub(super) async fn write_members(
    conn: &mut MultiplexedConnection,
    node: &str,
    project: &str,
    clients: usize,
) -> Result<(), Lost> {
    let mut cmd = if clients == 0 {
        redis::cmd("HDEL")
    } else {
        redis::cmd("HSET")
    };
    cmd.arg(key(project, "n")).arg(node);
    if clients > 0 {
        cmd.arg(clients);
    }
    timed(cmd.query_async::<Value>(conn)).await.map(drop)
}

/// ARGV: our node, node-key prefix, ttl ms, our connections, our rooms with clients...
/// Says that the node lives (its key holds its connection count, its rooms' set lives as
/// long), and counts what the other live nodes hold: their connections, and the rooms with
/// clients there but none here. A node whose key expired is forgotten.
pub(super) const BEAT: &str = r"
local me = ARGV[2] .. ARGV[1]
redis.call('SET', me, ARGV[4], 'PX', ARGV[3])
redis.call('DEL', me .. ':rooms')
local mine = {}
for i = 5, #ARGV do mine[ARGV[i]] = true end
for i = 5, #ARGV, 1000 do
  redis.call('SADD', me .. ':rooms', unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('PEXPIRE', me .. ':rooms', ARGV[3])
redis.call('SADD', 'scratchcomm:nodes', ARGV[1])
local connections, rooms, seen = 0, 0, {}
for _, node in ipairs(redis.call('SMEMBERS', 'scratchcomm:nodes')) do
  if node ~= ARGV[1] then
    local open = redis.call('GET', ARGV[2] .. node)
    if not open then
      redis.call('SREM', 'scratchcomm:nodes', node)
    else
      connections = connections + (tonumber(open) or 0)
      for _, room in ipairs(redis.call('SMEMBERS', ARGV[2] .. node .. ':rooms')) do
        if not mine[room] and not seen[room] then
          seen[room] = true
          rooms = rooms + 1
        end
      end
    end
  end
end
return {connections, rooms}";

/// Say that `node` lives (for three heartbeat periods) with the connections and rooms with
/// clients of `rooms`; also checks that Redis answers. What the other nodes hold is
/// recorded in `rooms` ([`Rooms::set_elsewhere`]).
pub(super) async fn heartbeat(
    conn: &mut MultiplexedConnection,
    beat: &Script,
    node: &str,
    rooms: &Rooms<ChannelOutbox>,
) -> Result<(), Lost> {
    let ttl = (HEARTBEAT * 3).as_millis() as u64;
    let mut call = beat.prepare_invoke();
    call.arg(node)
        .arg(NODE_PREFIX)
        .arg(ttl)
        .arg(rooms.connection_count());
    for room in rooms.active_rooms() {
        call.arg(room);
    }
    let (connections, others): (usize, usize) = timed(call.invoke_async(conn)).await?;
    rooms.set_elsewhere(connections, others);
    Ok(())
}

/// Take `node` out of every count at once (the server stops).
pub(super) async fn leave(conn: &mut MultiplexedConnection, node: &str) -> Result<(), Lost> {
    let me = format!("{NODE_PREFIX}{node}");
    let mut pipe = redis::pipe();
    pipe.del(&me).del(format!("{me}:rooms"));
    pipe.srem("scratchcomm:nodes", node);
    timed(pipe.query_async::<Value>(conn)).await.map(drop)
}

/// Check that Redis answers.
pub(super) async fn ping(conn: &mut MultiplexedConnection) -> Result<(), Lost> {
    timed(redis::cmd("PING").query_async::<Value>(conn))
        .await
        .map(drop)
}

/// How a name is written in Redis (hash field, message line): its JSON text, or nothing
/// for a missing name (TurboWarp keeps a variable named `undefined` apart from every
/// string name, and JSON cannot write it).
pub(super) fn wire_name(name: &VarKey) -> String {
    name.json().unwrap_or_default()
}

/// A name as [`wire_name`] wrote it, read back with the protocol's rules.
pub(super) fn parse_name(name_json: &str) -> Option<VarKey> {
    if name_json.is_empty() {
        return VarKey::from_member(None);
    }
    let name = RawValue::from_string(name_json.to_owned()).ok()?;
    VarKey::from_member(Some(&name))
}

/// A name and value as stored in Redis (JSON texts), read back with the protocol's rules.
pub(super) fn parse(name_json: &str, value_json: &str) -> Option<(VarKey, CloudValue)> {
    let value = RawValue::from_string(value_json.to_owned()).ok()?;
    Some((
        parse_name(name_json)?,
        message::value(Some(&value), usize::MAX)?,
    ))
}

pub(super) async fn timed<T>(
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, Lost> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {CALL_TIMEOUT:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_channels_and_stored_values() {
        assert_eq!(key("12", "v"), "scratchcomm:{12}:v");
        assert_eq!(project_of(&key("a}b", "c")), Some("a}b"));
        assert_eq!(project_of("other:{1}:c"), None);
        let (name, value) = parse("\"☁ a\"", "\"007\"").unwrap();
        assert_eq!(name, VarKey::string("☁ a"));
        assert!(value.was_string());
        assert_eq!(parse("5", "1.50").unwrap().1.as_str(), "1.5");
        assert!(parse("{}", "1").is_none());
        let missing = VarKey::from_member(None).unwrap();
        assert_eq!(wire_name(&missing), "");
        assert_eq!(parse("", "3").unwrap().0, missing);
        assert_eq!(
            parse_name(&wire_name(&VarKey::string("☁ b"))),
            Some(VarKey::string("☁ b"))
        );
        assert!(parse("\"a\"", "\"1e5\"").is_none());
        assert!(parse("\"a\"", "not json").is_none());
    }
}
