//! Keeping rooms' variables across restarts: the [`RoomStore`] interface, its backends
//! ([`SqliteStore`], [`MemoryStore`]) and the write-behind that feeds them. What a store is
//! given and when is documented on [`RoomStore`].

use scratchcomm_wire::CloudValue;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::ServerError;

mod batch;
mod load;
mod memory;
mod redis;
mod sqlite;
mod write_behind;

pub use self::redis::RedisStore;
pub use batch::{Batch, RoomChanges};
pub(crate) use load::admit;
pub use memory::MemoryStore;
pub use sqlite::SqliteStore;
pub(crate) use write_behind::{Pending, WriteBehind};

/// What a [`RoomStore`] method returns: a boxed future, so that backends doing network IO
/// (a Redis backend, say) can implement the trait as well as ones doing blocking file IO.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ServerError>> + Send + 'a>>;

/// The variables of one room as a store keeps them (full names, with the `☁ ` prefix).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredRoom {
    /// The project id.
    pub project: String,
    /// Every variable of the room.
    pub variables: BTreeMap<String, CloudValue>,
}

/// Where rooms' variables are kept between runs. The server calls [`load`](Self::load)
/// once at start, then [`write`](Self::write) from its write-behind thread (never from a
/// connection), one call at a time, and [`close`](Self::close) once on a clean stop. The
/// futures run on a runtime of the server's (they may use `tokio::task::spawn_blocking`).
///
/// # How changes reach the store
/// The hot path never waits for a store. When a variable is set, created, renamed or
/// deleted, the room records the change in a [`Batch`] held in memory, under the room's
/// lock (a mutex and a map insert; nothing else). Repeated changes of the same variable
/// coalesce: only its latest value is kept. A background thread takes the batch every
/// [`ServerConfig::flush_interval`](crate::ServerConfig::flush_interval) (default 500 ms)
/// and hands it to the store in one [`RoomStore::write`] call, which must apply it all or
/// nothing (the SQLite backend uses one transaction). A clean stop writes what is left.
///
/// **Durability window:** a change is in the store at most one `flush_interval` plus the
/// time of that write after it was made; with the default interval and the SQLite backend
/// that is well under 1 s. A crash (`kill -9`, power loss with the SQLite backend's
/// `synchronous=FULL`) loses at most the changes of that window, never part of a batch: the
/// store holds the state of some moment, never a mixture. A write that fails (disk full, ...)
/// is logged and retried at the next interval, with newer changes taking precedence.
///
/// # What a store holds
/// The variables of every room the server holds (rooms without variables are not stored).
/// When the server drops an empty room to make space for a new one
/// ([`Limits::max_rooms`](crate::Limits::max_rooms)), the room is removed from the store
/// too: after a restart the server holds what it held before. At start the server loads
/// every stored room ([`RoomStore::load`]); the current limits apply to what is loaded
/// (rooms beyond `max_rooms`, variables beyond `max_variables_per_room`, values longer than
/// `max_value_chars`, names or values the server would refuse are not loaded, logged, and
/// left untouched in the store).
pub trait RoomStore: Send + Sync + 'static {
    /// Every stored room.
    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>>;
    /// Apply `batch` entirely or not at all. Within a room: when
    /// [`RoomChanges::cleared`] is set, first remove all its variables; then set or delete
    /// the listed variables.
    fn write(&self, batch: Arc<Batch>) -> StoreFuture<'_, ()>;
    /// Release the store (after the last write).
    fn close(&self) -> StoreFuture<'_, ()>;
    /// What this store is, for log and error messages (e.g. `data file "/var/cloud.db"`).
    fn describe(&self) -> String;
}

/// Where a server keeps its rooms ([`ServerConfig::storage`](crate::ServerConfig::storage)).
#[derive(Clone, Default)]
pub enum Storage {
    /// In memory only: a restarted server starts with empty rooms (the default).
    #[default]
    Memory,
    /// An SQLite file (created if missing), see [`SqliteStore`].
    Sqlite(PathBuf),
    /// A Redis server (`redis://HOST:PORT/`), see [`RedisStore`]: one server keeping its
    /// rooms in Redis. For several servers sharing rooms use
    /// [`ServerConfig::redis`](crate::ServerConfig::redis) instead.
    Redis(String),
    /// A store of your own.
    Custom(Arc<dyn RoomStore>),
}

impl Storage {
    /// [`Storage::Sqlite`] with the file at `path` (created if missing).
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Storage::Sqlite(path.into())
    }

    /// Open the configured store; `None` for [`Storage::Memory`]. Blocking (opens the file).
    pub(crate) fn open(&self) -> Result<Option<Arc<dyn RoomStore>>, ServerError> {
        Ok(match self {
            Storage::Memory => None,
            Storage::Sqlite(path) => Some(Arc::new(SqliteStore::open(path)?)),
            Storage::Redis(url) => Some(Arc::new(RedisStore::open(url)?)),
            Storage::Custom(store) => Some(Arc::clone(store)),
        })
    }

    /// Whether anything is persisted.
    pub fn is_persistent(&self) -> bool {
        !matches!(self, Storage::Memory)
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Storage::Memory => f.write_str("Memory"),
            Storage::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Storage::Redis(url) => f
                .debug_tuple("Redis")
                .field(&crate::cluster::RedisConfig::new(url.as_str()).redacted_url())
                .finish(),
            Storage::Custom(store) => write!(f, "Custom({})", store.describe()),
        }
    }
}

/// A value as the JSON text it is sent as (`"12"` for a string, `12` for a number); what
/// stores keep, read back with [`CloudValue::from_raw_json`].
pub fn value_to_json(value: &CloudValue) -> String {
    if value.was_string() {
        serde_json::Value::from(value.as_str()).to_string()
    } else {
        value.as_str().to_owned()
    }
}
