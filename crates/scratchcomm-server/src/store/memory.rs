//! [`MemoryStore`]: a [`RoomStore`] in memory, for tests and for servers restarted inside
//! one process.

use scratchcomm_wire::CloudValue;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Batch, RoomStore, StoreFuture, StoredRoom};

type Rooms = BTreeMap<String, BTreeMap<String, CloudValue>>;

/// A store that keeps rooms in memory. Clones share the same rooms, so a server started
/// again with a clone of the store (`Storage::Custom(Arc::new(store.clone()))`) finds what
/// the previous one wrote.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    rooms: Arc<Mutex<Rooms>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Every room's variables as last written.
    pub fn snapshot(&self) -> Rooms {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Rooms> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl RoomStore for MemoryStore {
    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        let rooms = self
            .lock()
            .iter()
            .map(|(project, variables)| StoredRoom {
                project: project.clone(),
                variables: variables.clone(),
            })
            .collect();
        Box::pin(async move { Ok(rooms) })
    }

    fn write(&self, batch: Arc<Batch>) -> StoreFuture<'_, ()> {
        let mut rooms = self.lock();
        for (project, changes) in batch.rooms() {
            let room = rooms.entry(project.to_owned()).or_default();
            if changes.cleared {
                room.clear();
            }
            for (name, state) in &changes.variables {
                match state {
                    Some(value) => room.insert(name.clone(), value.clone()),
                    None => room.remove(name),
                };
            }
            if room.is_empty() {
                rooms.remove(project);
            }
        }
        Box::pin(async { Ok(()) })
    }

    fn close(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        "in-memory store".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_apply_clear_then_changes_and_load_returns_them() {
        let store = MemoryStore::new();
        let mut b = Batch::new();
        b.set("1", "☁ a", &CloudValue::new("1"));
        b.set("1", "☁ b", &CloudValue::new("2"));
        b.set("2", "☁ a", &CloudValue::new("3"));
        store.write(Arc::new(b)).await.unwrap();
        let mut b = Batch::new();
        b.clear("1");
        b.set("1", "☁ c", &CloudValue::new("4"));
        b.delete("2", "☁ a");
        store.clone().write(Arc::new(b)).await.unwrap();
        let loaded = store.load().await.unwrap();
        assert_eq!(loaded.len(), 1, "room 2 has no variables left: {loaded:?}");
        assert_eq!(loaded[0].project, "1");
        let names: Vec<_> = loaded[0].variables.keys().cloned().collect();
        assert_eq!(names, vec!["☁ c".to_owned()]);
    }
}
