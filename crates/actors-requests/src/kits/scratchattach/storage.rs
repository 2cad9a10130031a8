//! The CloudStorage kit's server (docs/protocol.md §A7): named databases as JSON files in
//! scratchattach's format, served as the kit's requests through an ordinary
//! [`Registry`](crate::Registry).
//!
//! Unlike the reference (which writes every 30 s and loses up to that much on a crash),
//! every change is written within [`StorageBuilder::flush_delay`] and on
//! [`CloudStorage::flush`] / drop, never half-written (temporary file, then rename). `set`
//! and a missing key get a reply (an empty list; `Error: Key … doesn't exist in database …`)
//! so that the kit does not wait for its 10 s timeout (B4).

mod json;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde_json::Value;

use crate::error::{RequestError, RequestErrorKind};
use crate::handler::Failure;
use crate::registry::Registry;
use json::Entries;

struct Database {
    name: String,
    entries: Entries,
    dirty: bool,
}

/// Flusher wake-ups: (something changed, stop).
#[derive(Default)]
struct Signal {
    state: Mutex<(bool, bool)>,
    wake: Condvar,
}

struct Inner {
    dir: PathBuf,
    databases: Mutex<Vec<Database>>,
    signal: Arc<Signal>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Settings of a [`CloudStorage`].
#[derive(Clone, Debug)]
pub struct StorageBuilder {
    dir: PathBuf,
    names: Vec<String>,
    flush_delay: Duration,
}

impl StorageBuilder {
    /// Serve a database `name`, stored as `<dir>/<name>.json` (registration order is the
    /// order of `database_names`).
    pub fn database(mut self, name: impl Into<String>) -> Self {
        self.names.push(name.into());
        self
    }

    /// Longest time between a change and its file being written (default 200 ms).
    pub fn flush_delay(mut self, delay: Duration) -> Self {
        self.flush_delay = delay;
        self
    }

    /// Load (or create as `{}`) every database file and start the flusher thread.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when a database name is bad or a file cannot be read, parsed or created.
    pub fn open(self) -> Result<CloudStorage, RequestError> {
        let mut databases = Vec::new();
        for name in self.names {
            if name.is_empty() || name.contains(['/', '\\', '&']) || name.starts_with('.') {
                return Err(RequestError::new(
                    RequestErrorKind::InvalidName,
                    format!("{name:?} cannot be a database name (a file name without / \\ & or a leading .)"),
                ));
            }
            let path = file_of(&self.dir, &name);
            let (entries, dirty) = match std::fs::read_to_string(&path) {
                Ok(text) => (
                    json::parse(&text).map_err(|e| storage_error(&path, e))?,
                    false,
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), true),
                Err(e) => return Err(storage_error(&path, e)),
            };
            databases.push(Database {
                name,
                entries,
                dirty,
            });
        }
        let inner = Arc::new(Inner {
            dir: self.dir,
            databases: Mutex::new(databases),
            signal: Arc::new(Signal::default()),
        });
        inner.write_dirty()?;
        let (weak, signal, delay) = (
            Arc::downgrade(&inner),
            inner.signal.clone(),
            self.flush_delay,
        );
        std::thread::Builder::new()
            .name("sa-storage-flush".into())
            .spawn(move || flusher(weak, signal, delay))
            .map_err(|e| {
                RequestError::new(RequestErrorKind::Storage, format!("flusher thread: {e}"))
            })?;
        Ok(CloudStorage {
            inner: Arc::new(Owner(inner)),
        })
    }
}

fn file_of(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

fn storage_error(path: &Path, e: impl std::fmt::Display) -> RequestError {
    RequestError::new(
        RequestErrorKind::Storage,
        format!("{}: {e}", path.display()),
    )
}

/// Write changed databases `delay` after the first change, until the storage is gone.
fn flusher(storage: Weak<Inner>, signal: Arc<Signal>, delay: Duration) {
    loop {
        let mut state = lock(&signal.state);
        while !state.0 && !state.1 {
            state = signal.wake.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if !state.1 {
            // Gather the changes of the next `delay` into one write (stop cuts it short).
            state = signal
                .wake
                .wait_timeout_while(state, delay, |s| !s.1)
                .map(|(s, _)| s)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        let stop = state.1;
        state.0 = false;
        drop(state);
        let Some(inner) = storage.upgrade() else {
            return;
        };
        if let Err(e) = inner.write_dirty() {
            tracing::error!(error = %e, "could not write a database file");
        }
        if stop {
            return;
        }
    }
}

impl Inner {
    /// Write every changed database (temporary file, then rename).
    fn write_dirty(&self) -> Result<(), RequestError> {
        let mut databases = lock(&self.databases);
        for db in databases.iter_mut().filter(|db| db.dirty) {
            let path = file_of(&self.dir, &db.name);
            let tmp = self.dir.join(format!(".{}.json.tmp", db.name));
            std::fs::write(&tmp, json::dump(&db.entries)).map_err(|e| storage_error(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| storage_error(&path, e))?;
            db.dirty = false;
        }
        Ok(())
    }
}

/// What the clones of a [`CloudStorage`] share. Dropping the last one writes what is left on
/// the dropping thread, before the drop returns (the flusher thread holds the storage only
/// weakly, and only while it writes, so it must not be the one to write last).
struct Owner(Arc<Inner>);

impl std::ops::Deref for Owner {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Err(e) = self.0.write_dirty() {
            tracing::error!(error = %e, "could not write a database file on drop");
        }
        lock(&self.0.signal.state).1 = true;
        self.0.signal.wake.notify_all();
    }
}

/// Named databases served to the CloudStorage kit. Clones share them.
#[derive(Clone)]
pub struct CloudStorage {
    inner: Arc<Owner>,
}

impl std::fmt::Debug for CloudStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudStorage")
            .field("dir", &self.inner.dir)
            .field("databases", &self.names())
            .finish()
    }
}

/// The reference's reply for a database that does not exist.
fn no_database(db: &str) -> String {
    format!("Error: Database {db} doesn't exist")
}

impl CloudStorage {
    /// Databases stored as JSON files in `dir`.
    pub fn builder(dir: impl Into<PathBuf>) -> StorageBuilder {
        StorageBuilder {
            dir: dir.into(),
            names: Vec::new(),
            flush_delay: Duration::from_millis(200),
        }
    }

    /// The database names, in registration order.
    pub fn names(&self) -> Vec<String> {
        lock(&self.inner.databases)
            .iter()
            .map(|d| d.name.clone())
            .collect()
    }

    fn with_db<T>(&self, db: &str, f: impl FnOnce(&mut Database) -> T) -> Option<T> {
        lock(&self.inner.databases)
            .iter_mut()
            .find(|d| d.name == db)
            .map(f)
    }

    /// The keys of `db` in insertion order (`None`: no such database).
    pub fn keys(&self, db: &str) -> Option<Vec<String>> {
        self.with_db(db, |d| d.entries.iter().map(|(k, _)| k.clone()).collect())
    }

    /// The value of `key` in `db` as the kit gets it (`None`: no such database or key).
    pub fn get(&self, db: &str, key: &str) -> Option<String> {
        self.with_db(db, |d| {
            d.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| json::text(v))
        })
        .flatten()
    }

    /// Store `value` under `key` in `db`; written to its file within the flush delay.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when `db` is not one of the storage's databases.
    pub fn set(&self, db: &str, key: &str, value: &str) -> Result<(), RequestError> {
        let value = Value::String(value.to_string());
        self.with_db(db, |d| {
            match d.entries.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => d.entries.push((key.to_string(), value)),
            }
            d.dirty = true;
        })
        .ok_or_else(|| RequestError::new(RequestErrorKind::Storage, no_database(db)))?;
        lock(&self.inner.signal.state).0 = true;
        self.inner.signal.wake.notify_all();
        Ok(())
    }

    /// Write every changed database now.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when a database file cannot be written.
    pub fn flush(&self) -> Result<(), RequestError> {
        self.inner.write_dirty()
    }

    /// The kit's requests over these databases: `ping`, `database_names`, `keys&db`,
    /// `get&db&key`, `set&db&key&value`. Add your own requests to the registry as usual.
    pub fn registry(&self) -> Registry {
        let mut r = Registry::new();
        r.request("ping", || "Database backend is running")
            .inline(true);
        let s = self.clone();
        r.request("database_names", move || s.names()).inline(true);
        let s = self.clone();
        r.request("keys", move |db: String| {
            s.keys(&db).ok_or_else(|| no_database(&db))
        })
        .inline(true);
        let s = self.clone();
        r.request("get", move |db: String, key: String| {
            if s.keys(&db).is_none() {
                return no_database(&db);
            }
            s.get(&db, &key)
                .unwrap_or_else(|| format!("Error: Key {key} doesn't exist in database {db}"))
        })
        .inline(true);
        let s = self.clone();
        r.request("set", move |db: String, key: String, value: String| {
            s.set(&db, &key, &value)
                .map(|()| Vec::<String>::new())
                .map_err(|e| Failure::new(e.detail()))
        })
        .inline(true);
        r
    }
}

#[cfg(test)]
mod tests;
