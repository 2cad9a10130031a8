//! [`SqliteStore`]: rooms' variables in one SQLite file (rusqlite with SQLite bundled, so no
//! system library is needed).
//!
//! One table, `variables(project, name, value)`, the value kept as the JSON text it is sent
//! as (`"12"` or `12`), so its type survives. The file is in WAL mode with
//! `synchronous=FULL`: each batch is one transaction, so a crash (or `kill -9`) at any
//! moment leaves the file as of the last committed batch, never half a batch; a committed
//! batch survives a power loss too. The file is locked exclusively while a server uses it,
//! so a second server on the same file is refused instead of mixing writes.

use rusqlite::{params, Connection, OpenFlags};
use scratchcomm_wire::CloudValue;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{value_to_json, Batch, RoomStore, StoreFuture, StoredRoom};
use crate::error::ServerError;

/// The format this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS variables (
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (project, name)
) WITHOUT ROWID;
PRAGMA user_version = 1;";

/// Rooms kept in an SQLite file. See [`RoomStore`](crate::RoomStore) for when changes are
/// written.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Arc<Mutex<Option<Connection>>>,
}

impl SqliteStore {
    /// Open (or create) the file at `path`, check it is this server's format and lock it.
    /// Errors name the path and say what is wrong (a directory, a folder that does not
    /// exist, no permission, not an SQLite file, another program's database, in use by
    /// another server).
    ///
    /// # Errors
    ///
    /// A [`ServerError`] of kind [`Store`](crate::ServerErrorKind::Store), as above.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, ServerError> {
        let path = path.as_ref().to_path_buf();
        let fail = |reason: String| store_error(&path, reason);
        if path.as_os_str().is_empty() {
            return Err(fail("the path is empty".to_owned()));
        }
        if path.is_dir() {
            return Err(fail("it is a directory, not a file".to_owned()));
        }
        // Let the operating system say what is wrong with the path (missing folder, no
        // permission, ...): SQLite would only say "unable to open database file".
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| fail(format!("cannot open it for writing: {e}")))?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| fail(format!("cannot open it: {e}")))?;
        prepare(&conn).map_err(fail)?;
        Ok(SqliteStore {
            path,
            conn: Arc::new(Mutex::new(Some(conn))),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `job` on the connection in a blocking thread.
    fn with_conn<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<'_, T> {
        let conn = Arc::clone(&self.conn);
        Box::pin(async move {
            let result = tokio::task::spawn_blocking(move || {
                let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
                match guard.as_mut() {
                    Some(conn) => job(conn).map_err(|e| e.to_string()),
                    None => Err("it is already closed".to_owned()),
                }
            })
            .await
            .unwrap_or_else(|e| Err(format!("the store task failed: {e}")));
            result.map_err(|reason| store_error(&self.path, reason))
        })
    }
}

/// Lock the file, switch it to WAL and check or create the schema.
fn prepare(conn: &Connection) -> Result<(), String> {
    let sqlite = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => "it is not an SQLite database".to_owned(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "it is in use by another server or program".to_owned()
        }
        _ => e.to_string(),
    };
    conn.busy_timeout(Duration::from_millis(200))
        .map_err(sqlite)?;
    // Held from the first read on: a second server on this file gets "busy".
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(sqlite)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
        .map_err(sqlite)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!(
            "cannot switch it to WAL mode (it stays in {mode:?})"
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sqlite)?;
    match version {
        0 => {
            let tables: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
                .map_err(sqlite)?;
            if tables > 0 {
                return Err(
                    "it is an SQLite database of another program (no scratchcomm tables)"
                        .to_owned(),
                );
            }
            conn.execute_batch(SCHEMA).map_err(sqlite)
        }
        SCHEMA_VERSION => Ok(()),
        other => Err(format!(
            "it has format version {other}; this build reads version {SCHEMA_VERSION}"
        )),
    }
}

fn store_error(path: &Path, reason: String) -> ServerError {
    ServerError::store(format!("data file {path:?}"), reason)
}

impl RoomStore for SqliteStore {
    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        let path = self.path.clone();
        self.with_conn(move |conn| {
            let mut stmt =
                conn.prepare("SELECT project, name, value FROM variables ORDER BY project, name")?;
            let mut rows = stmt.query([])?;
            let mut rooms: Vec<StoredRoom> = Vec::new();
            while let Some(row) = rows.next()? {
                let project: String = row.get(0)?;
                let name: String = row.get(1)?;
                let json: String = row.get(2)?;
                let Ok(value) = CloudValue::from_raw_json(&json) else {
                    tracing::warn!(?path, %project, %name, "skipping a stored value that is not JSON");
                    continue;
                };
                match rooms.last_mut() {
                    Some(room) if room.project == project => {
                        room.variables.insert(name, value);
                    }
                    _ => rooms.push(StoredRoom {
                        project,
                        variables: [(name, value)].into_iter().collect(),
                    }),
                }
            }
            Ok(rooms)
        })
    }

    fn write(&self, batch: Arc<Batch>) -> StoreFuture<'_, ()> {
        self.with_conn(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut clear = tx.prepare_cached("DELETE FROM variables WHERE project = ?1")?;
                let mut delete =
                    tx.prepare_cached("DELETE FROM variables WHERE project = ?1 AND name = ?2")?;
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO variables (project, name, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (project, name) DO UPDATE SET value = excluded.value",
                )?;
                for (project, changes) in batch.rooms() {
                    if changes.cleared {
                        clear.execute(params![project])?;
                    }
                    for (name, state) in &changes.variables {
                        match state {
                            Some(value) => {
                                upsert.execute(params![project, name, value_to_json(value)])?
                            }
                            None => delete.execute(params![project, name])?,
                        };
                    }
                }
            }
            tx.commit()
        })
    }

    fn close(&self) -> StoreFuture<'_, ()> {
        let conn = Arc::clone(&self.conn);
        let path = self.path.clone();
        Box::pin(async move {
            let taken = conn.lock().unwrap_or_else(|e| e.into_inner()).take();
            match taken {
                // Closing checkpoints the WAL into the main file and releases the lock.
                Some(conn) => conn
                    .close()
                    .map_err(|(_, e)| store_error(&path, format!("cannot close it: {e}"))),
                None => Ok(()),
            }
        })
    }

    fn describe(&self) -> String {
        format!("data file {:?}", self.path)
    }
}

#[cfg(test)]
mod tests;
