//! Multi-node mode: any number of servers share every room through Redis
//! ([`ServerConfig::redis`](crate::ServerConfig::redis), `scratchcomm serve --redis URL`).
//!
//! # How it works
//! * **One order per room.** A node does not apply a client's `set` itself: it hands it to
//!   Redis, where one Lua script stores it in the room's hash, gives it the room's next
//!   sequence number and publishes it on the room's channel, atomically. Every node holding
//!   the room (the maker's included) applies what the channel brings in sequence order and
//!   sends it to its own clients (never back to the maker), so every client of the room, on
//!   any node, sees the room's sets in one order.
//! * **The variables live in Redis** (`scratchcomm:{PROJECT}:v`, name JSON → value JSON).
//!   A node that gets the first client of a room subscribes to its channel and then reads a
//!   snapshot (variables and sequence number in one script), so the join dump is complete
//!   whichever node a client joins; changes that arrive meanwhile wait for it
//!   ([`sync::RoomSync`]). Killing every node loses nothing Redis kept.
//! * **Losing Redis.** The node keeps serving: sets are applied locally at once (as a
//!   single node does) and kept, latest value per variable ([`sync::Unpublished`]); the
//!   outage is logged and shown by `GET /health`. When Redis is back the node republishes
//!   what it kept, then takes a snapshot of every room it holds and sends its clients what
//!   differs. Two nodes that set the same variable during the outage end with the value
//!   Redis applied last.
//! * **Limits across nodes.** Variables per room: the publish script refuses a new
//!   variable beyond `max_variables_per_room` (exact; a node that saw the room full closes
//!   the client with 4000 as usual, one that did not drops the set). Clients per room: each
//!   node records its count in Redis and every join counts the clients of the other live
//!   nodes (approximate: two nodes admitting at the same moment may overshoot by one each).
//!   Rooms and connections: every heartbeat (2 s) a node writes its open connections and
//!   the set of its rooms with clients, both living three heartbeats, and learns what the
//!   other live nodes hold: their connections, and the rooms with clients there and none
//!   here. `max_connections` then counts every node's connections, `max_rooms` every room
//!   with clients on any node (joining a room that has clients on another node is no new
//!   room). Approximate: the counts are up to one heartbeat old, so nodes admitting at
//!   the same time may overshoot; a stopped node takes its share out at once
//!   (`CloudState::close_all`), a dead node's share expires with its key (at most 6 s);
//!   while Redis is away a node counts only its own. Each node also holds at most
//!   `max_rooms` rooms, dropping empty ones first, as a single server does.
//! * **Every change goes through the room's order**: sets, `rename`/`delete` (off by
//!   default, as in TurboWarp) and variables without a name alike. The publish script
//!   applies a rename or delete to the room's hash, or drops it when Redis no longer has
//!   the variable (a client whose node still showed it is not closed, unlike on a single
//!   node). A missing name is stored and sent as the empty field (JSON cannot write it).
//!   While Redis is away a node keeps a delete as a tombstone (a rename as a delete and a
//!   set) and publishes it when Redis is back; with rename/delete enabled a snapshot also
//!   drops, and tells the clients about, the variables Redis no longer has.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

use crate::error::ServerError;
use crate::outbox::ChannelOutbox;
use crate::protocol::value_json;
use crate::room::{Change, ClientId, Relay, Rooms};

mod alone;
mod link;
mod scripts;
pub mod sync;

use sync::{Op, Unpublished};

/// How long a joining client waits at most for its room's snapshot from Redis.
const ENSURE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where the nodes meet ([`ServerConfig::redis`](crate::ServerConfig::redis)).
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    url: String,
    node: Option<String>,
}

impl RedisConfig {
    /// Nodes meeting at `url`: `redis://[:PASSWORD@]HOST:PORT[/DB]` (shown without the
    /// password in logs).
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            node: None,
        }
    }

    /// This node's name in Redis (default: random); unique among the nodes.
    pub fn node(mut self, name: impl Into<String>) -> Self {
        self.node = Some(name.into());
        self
    }

    /// This node's name, as set by [`node`](Self::node) (`None`: a random one).
    pub fn get_node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// Check that the URL is one Redis accepts (nothing is connected).
    ///
    /// # Errors
    ///
    /// [`ServerError`] of kind [`Config`](crate::ServerErrorKind::Config) when the URL is
    /// not a `redis://`, `rediss://` or `unix://` URL.
    pub fn validate(&self) -> Result<(), ServerError> {
        use redis::IntoConnectionInfo;
        match self.url.as_str().into_connection_info() {
            Ok(_) => Ok(()),
            Err(_) => Err(ServerError::invalid_config(
                "the redis URL must be redis://HOST:PORT/, rediss://… or unix://…",
            )),
        }
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted_url(&self) -> String {
        match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}***{}", &self.url[..scheme + 3], &self.url[at..])
            }
            _ => self.url.clone(),
        }
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.redacted_url())
            .field("node", &self.node)
            .finish()
    }
}

/// Whether Redis is reachable, as `GET /health` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisHealth {
    /// True while Redis answers.
    pub up: bool,
    /// How long it has been in this state.
    pub for_ms: u128,
    /// Sets made during an outage, waiting to be published.
    pub unpublished: usize,
    /// Why Redis is unreachable (while down).
    pub error: Option<String>,
    /// This node's name.
    pub node: String,
    /// Rooms this node follows in Redis (those it has clients in).
    pub rooms_followed: usize,
    /// Open connections on the other live nodes, as last counted (every heartbeat, 2 s);
    /// `max_connections` counts them too.
    pub other_connections: usize,
    /// Rooms with clients on other live nodes and none here, as last counted; `max_rooms`
    /// counts them too.
    pub other_rooms: usize,
}

#[derive(Debug)]
enum Command {
    Publish {
        project: String,
        client: ClientId,
        op: Op,
        name_json: String,
        value_json: String,
    },
    Ensure {
        project: String,
        done: oneshot::Sender<()>,
    },
    Members {
        project: String,
        clients: usize,
    },
    /// The server stops: take this node's share out of the counts now.
    Leave,
    /// The server's state is gone (no session can send anything any more): finish what is
    /// queued before this, then end the link, its connections and its thread.
    Stop,
}

/// Whether sets go to Redis; changed only with `unpublished` locked, so that no set is
/// recorded after the link took the record.
#[derive(Debug, Default)]
struct Gate {
    up: bool,
    unpublished: Unpublished,
}

#[derive(Debug)]
struct Status {
    up: bool,
    since: Instant,
    error: Option<String>,
}

/// What the sessions and the link share.
#[derive(Debug)]
struct Shared {
    node: String,
    commands: mpsc::UnboundedSender<Command>,
    gate: Mutex<Gate>,
    status: Mutex<Status>,
    followed: Arc<AtomicUsize>,
}

impl Shared {
    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Relay for Shared {
    fn publish(&self, project: &str, client: ClientId, change: Change<'_>) -> bool {
        let (op, name_json, value) = match change {
            Change::Set(name, value) => (Op::Set, scripts::wire_name(name), value_json(value)),
            Change::Rename { from, to, .. } => {
                (Op::Rename, scripts::wire_name(from), scripts::wire_name(to))
            }
            Change::Delete(name) => (Op::Delete, scripts::wire_name(name), String::new()),
        };
        let mut gate = self.gate();
        if gate.up {
            let sent = self.commands.send(Command::Publish {
                project: project.to_owned(),
                client,
                op,
                name_json: name_json.clone(),
                value_json: value.clone(),
            });
            if sent.is_ok() {
                return true;
            }
        }
        // The caller applies it here; keep its effect for when Redis is back.
        match change {
            Change::Set(..) => gate.unpublished.record(project, &name_json, &value),
            Change::Delete(_) => gate.unpublished.record_delete(project, &name_json),
            Change::Rename { value: old, .. } => {
                gate.unpublished.record_delete(project, &name_json);
                if let Some(old) = old {
                    gate.unpublished.record(project, &value, &value_json(old));
                }
            }
        }
        false
    }

    fn members_changed(&self, project: &str, clients: usize) {
        let _ = self.commands.send(Command::Members {
            project: project.to_owned(),
            clients,
        });
    }
}

/// The running link of one node to Redis.
#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    shared: Arc<Shared>,
    rooms: Arc<Rooms<ChannelOutbox>>,
}

impl Cluster {
    /// Start the link for `rooms` on a thread of its own; it connects in the background
    /// (until then the node serves alone, as during an outage). Only a malformed URL fails.
    pub(crate) fn start(
        redis: &RedisConfig,
        rooms: Arc<Rooms<ChannelOutbox>>,
        config: &crate::config::ServerConfig,
    ) -> Result<Cluster, ServerError> {
        let client = redis::Client::open(redis.url.as_str()).map_err(|e| {
            ServerError::store(format!("Redis at {}", redis.redacted_url()), e.to_string())
        })?;
        let node = redis.node.clone().unwrap_or_else(random_node_name);
        let (commands, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            node: node.clone(),
            commands,
            gate: Mutex::new(Gate::default()),
            status: Mutex::new(Status {
                up: false,
                since: Instant::now(),
                error: Some("not connected yet".to_owned()),
            }),
            followed: Arc::new(AtomicUsize::new(0)),
        });
        rooms.set_relay(shared.clone());
        let for_health = Arc::clone(&rooms);
        let mut link = link::Link::new(client, redis.redacted_url(), node, rooms, config);
        link.followed = Arc::clone(&shared.followed);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServerError::start)?;
        let for_link = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("scratchcomm-redis".to_owned())
            .spawn(move || runtime.block_on(link.run(for_link, rx)))
            .map_err(ServerError::start)?;
        Ok(Cluster {
            shared,
            rooms: for_health,
        })
    }

    /// Make sure this node holds the room of `project` in step with Redis (subscribed, its
    /// snapshot applied, the other nodes' client count known) before a client joins it.
    /// Returns at once while Redis is away, and after [`ENSURE_TIMEOUT`] at most.
    pub(crate) async fn ensure_room(&self, project: &str) {
        if !self.shared.gate().up {
            return;
        }
        let (done, wait) = oneshot::channel();
        let asked = self.shared.commands.send(Command::Ensure {
            project: project.to_owned(),
            done,
        });
        if asked.is_ok() {
            let _ = tokio::time::timeout(ENSURE_TIMEOUT, wait).await;
        }
    }

    /// The server is stopping: the other nodes stop counting this node's connections and
    /// rooms at once (instead of when its heartbeat expires).
    pub(crate) fn leave(&self) {
        let _ = self.shared.commands.send(Command::Leave);
    }

    /// The server's state is being dropped: the link ends once it has sent what is queued.
    /// (The rooms hold the link's sender, so the link cannot see the end by itself.)
    pub(crate) fn stop(&self) {
        let _ = self.shared.commands.send(Command::Stop);
    }

    /// Whether Redis is reachable now, and since when.
    pub(crate) fn health(&self) -> RedisHealth {
        let unpublished = self.shared.gate().unpublished.len();
        let (other_connections, other_rooms) = self.rooms.elsewhere();
        let status = self.shared.status();
        RedisHealth {
            up: status.up,
            for_ms: status.since.elapsed().as_millis(),
            unpublished,
            error: status.error.clone(),
            node: self.shared.node.clone(),
            rooms_followed: self.shared.followed.load(Ordering::Relaxed),
            other_connections,
            other_rooms,
        }
    }
}

fn random_node_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        let c = RedisConfig::new("redis://:s3cret@10.0.0.1:6379/0");
        assert_eq!(c.redacted_url(), "redis://***@10.0.0.1:6379/0");
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(
            RedisConfig::new("redis://h:1/").redacted_url(),
            "redis://h:1/"
        );
        assert_ne!(random_node_name(), random_node_name());
    }
}
