//! [`CloudState`]: the shared state behind one cloud server (rooms, config, shutdown signal,
//! and the write-behind of its store, if it has one).

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use crate::cluster::{Cluster, RedisHealth};
use crate::config::ServerConfig;
use crate::error::ServerError;
use crate::outbox::ChannelOutbox;
use crate::room::Rooms;
use crate::store::{self, WriteBehind};

pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) rooms: Arc<Rooms<ChannelOutbox>>,
    pub(crate) shutdown: watch::Sender<bool>,
    store: Option<WriteBehind>,
    pub(crate) cluster: Option<Cluster>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Every session holds the state, so none is left to publish: end the Redis link,
        // which the rooms would otherwise keep alive (with its thread and connections).
        if let Some(cluster) = &self.cluster {
            cluster.stop();
        }
    }
}

/// The state of one cloud server: rooms, variables and connections. Cheap to clone; every
/// clone is the same server. Create one, then either let [`CloudServer`](crate::CloudServer)
/// run it, or mount it into your own actix-web `App` with [`configure`](crate::configure).
#[derive(Clone)]
pub struct CloudState {
    pub(crate) inner: Arc<Shared>,
}

impl CloudState {
    /// Check `config` and create the state: empty rooms, or with a persistent
    /// [`storage`](ServerConfig::storage) the rooms stored there. Opening and reading a
    /// store blocks (on a thread of its own, so this works inside or outside a runtime);
    /// in async code [`open`](Self::open) does the same without blocking.
    ///
    /// # Errors
    ///
    /// A [`ServerError`] when the config is unusable ([`ServerConfig::validate`]) or the
    /// store cannot be opened or read.
    pub fn new(config: ServerConfig) -> Result<Self, ServerError> {
        config.validate()?;
        if !config.storage.is_persistent() {
            return Self::assemble(config, Rooms::default(), None);
        }
        std::thread::scope(|scope| {
            let opening = scope.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(ServerError::start)?
                    .block_on(Self::open(config))
            });
            opening
                .join()
                .unwrap_or_else(|_| Err(ServerError::store("the store", "opening it panicked")))
        })
    }

    /// Like [`new`](Self::new), without blocking the runtime while the store is opened and
    /// its rooms are loaded. Call inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub async fn open(config: ServerConfig) -> Result<Self, ServerError> {
        config.validate()?;
        if !config.storage.is_persistent() {
            return Self::assemble(config, Rooms::default(), None);
        }
        let storage = config.storage.clone();
        let opened = tokio::task::spawn_blocking(move || storage.open())
            .await
            .map_err(|e| ServerError::start(std::io::Error::other(e)))??;
        let Some(backend) = opened else {
            return Self::assemble(config, Rooms::default(), None);
        };
        let stored = backend.load().await?;
        let loaded = store::admit(stored, &config);
        let described = backend.describe();
        let write_behind = WriteBehind::start(backend, config.flush_interval)?;
        let rooms = Rooms::recording(Arc::clone(write_behind.pending()));
        let variables: usize = loaded.iter().map(|(_, vars)| vars.len()).sum();
        for (project, vars) in &loaded {
            rooms.restore(project, vars.clone());
        }
        tracing::info!(store = %described, rooms = loaded.len(), variables, "rooms loaded");
        Self::assemble(config, rooms, Some(write_behind))
    }

    fn assemble(
        config: ServerConfig,
        rooms: Rooms<ChannelOutbox>,
        store: Option<WriteBehind>,
    ) -> Result<Self, ServerError> {
        let (shutdown, _) = watch::channel(false);
        let rooms = Arc::new(rooms);
        let cluster = match &config.redis {
            Some(redis) => Some(Cluster::start(redis, Arc::clone(&rooms), &config)?),
            None => None,
        };
        Ok(CloudState {
            inner: Arc::new(Shared {
                config,
                rooms,
                shutdown,
                store,
                cluster,
            }),
        })
    }

    /// In multi-node mode, whether Redis is reachable (`None` without `redis`).
    pub fn redis_health(&self) -> Option<RedisHealth> {
        self.inner.cluster.as_ref().map(Cluster::health)
    }

    /// Write every change made so far to the store now (nothing to do without one).
    ///
    /// # Errors
    ///
    /// A [`ServerError`] of kind [`Store`](crate::ServerErrorKind::Store) when the store
    /// refuses the write.
    pub async fn flush(&self) -> Result<(), ServerError> {
        match &self.inner.store {
            Some(store) => store.flush().await,
            None => Ok(()),
        }
    }

    /// Write what is left and close the store; call once, after the last client is gone
    /// ([`CloudServer::stop`](crate::CloudServer::stop) does). Changes made afterwards are
    /// not stored. Without a store this does nothing.
    ///
    /// # Errors
    ///
    /// A [`ServerError`] of kind [`Store`](crate::ServerErrorKind::Store) when the last
    /// write or closing the store fails.
    pub async fn close_store(&self) -> Result<(), ServerError> {
        match &self.inner.store {
            Some(store) => store.close().await,
            None => Ok(()),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// `(full name, value text)` of every variable of `project_id`, ordered by name;
    /// `None` if no client ever joined that project (or its empty room was dropped).
    pub fn variables(&self, project_id: &str) -> Option<Vec<(String, String)>> {
        self.inner.rooms.variables(project_id)
    }

    /// Open websocket connections.
    pub fn connection_count(&self) -> usize {
        self.inner.rooms.connection_count()
    }

    /// Rooms held (including empty rooms kept for reconnecting clients).
    pub fn room_count(&self) -> usize {
        self.inner.rooms.room_count()
    }

    /// Clients currently in the room of `project_id`.
    pub fn client_count(&self, project_id: &str) -> usize {
        self.inner.rooms.member_ids(project_id).len()
    }

    /// Close every connection with 1001 (going away) and refuse new ones the same way.
    /// Irreversible: a stopped state stays stopped.
    pub fn close_all(&self) {
        self.inner.shutdown.send_replace(true);
        if let Some(cluster) = &self.inner.cluster {
            cluster.leave();
        }
    }

    /// Whether [`close_all`](Self::close_all) was called.
    pub fn is_closed(&self) -> bool {
        *self.inner.shutdown.borrow()
    }

    /// Wait until no connection is open, at most `timeout`; true if none is left.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.connection_count() == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl std::fmt::Debug for CloudState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudState")
            .field("connections", &self.connection_count())
            .field("rooms", &self.room_count())
            .field("closed", &self.is_closed())
            .field("storage", &self.config().storage)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServerErrorKind;

    #[test]
    fn rejects_unusable_config() {
        let bad = ServerConfig::default().outbound_max_bytes(0);
        let err = CloudState::new(bad).unwrap_err();
        assert_eq!(err.kind(), ServerErrorKind::Config);
        assert!(err.to_string().contains("outbound_max_bytes"));
        let bad = ServerConfig::default()
            .ping_interval(Duration::ZERO)
            .ping_timeout(Duration::ZERO);
        assert!(CloudState::new(bad).is_err());
    }

    #[test]
    fn new_loads_a_store_outside_any_runtime_and_records_changes() {
        use crate::store::{Batch, MemoryStore, RoomStore, Storage};
        use scratchcomm_wire::CloudValue;

        let store = MemoryStore::new();
        let mut batch = Batch::new();
        batch.set("7", "☁ a", &CloudValue::new("1"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(store.write(Arc::new(batch))).unwrap();
        let config = ServerConfig::default().storage(Storage::Custom(Arc::new(store.clone())));
        let state = CloudState::new(config).expect("opened from a plain thread");
        assert_eq!(state.variables("7"), Some(vec![("☁ a".into(), "1".into())]));
        state.inner.rooms.with_room("7", |room| {
            room.variables_mut()
                .insert(crate::message::VarKey::string("☁ b"), CloudValue::new("2"));
        });
        rt.block_on(state.close_store()).unwrap();
        assert_eq!(store.snapshot()["7"].len(), 2);
        let bad = ServerConfig::default()
            .storage(Storage::sqlite("/nonexistent/x.db"))
            .flush_interval(Duration::ZERO);
        let err = CloudState::new(bad).unwrap_err();
        assert!(err.to_string().contains("flush_interval"), "{err}");
    }

    #[test]
    fn close_all_is_visible_to_every_clone() {
        let s = CloudState::new(ServerConfig::default()).unwrap();
        let t = s.clone();
        assert!(!t.is_closed());
        s.close_all();
        assert!(t.is_closed());
        assert_eq!(t.variables("1"), None);
        assert_eq!(t.room_count(), 0);
        assert!(format!("{t:?}").contains("closed: true"));
    }
}
