//! [`RedisStore`]: a [`RoomStore`] in Redis, for a single server that keeps its rooms there
//! (`Storage::Redis`). It uses the same hashes as the multi-node mode (`scratchcomm:{P}:v`,
//! name JSON → value JSON, see `cluster.rs`), so a server that kept its rooms in Redis
//! can later run as one of several nodes on the same Redis and find them.

use redis::aio::MultiplexedConnection;
use scratchcomm_wire::CloudValue;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::{value_to_json, Batch, RoomStore, StoreFuture, StoredRoom};
use crate::cluster::RedisConfig;
use crate::error::ServerError;
use crate::message::json_str;

/// Each call to Redis gets this long.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Rooms kept in Redis. Every call opens its own connection (the write-behind calls it
/// from its own thread, at most once per flush interval).
#[derive(Clone, Debug)]
pub struct RedisStore {
    client: redis::Client,
    described: String,
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://HOST:PORT/`); only the URL is checked here.
    ///
    /// # Errors
    ///
    /// A [`ServerError`] of kind [`Store`](crate::ServerErrorKind::Store) when the URL is
    /// not one Redis accepts.
    pub fn open(url: &str) -> Result<RedisStore, ServerError> {
        let described = format!("Redis at {}", RedisConfig::new(url).redacted_url());
        let client = redis::Client::open(url).map_err(|e| ServerError::store(&described, e))?;
        Ok(RedisStore { client, described })
    }

    fn fail(&self, reason: impl ToString) -> ServerError {
        ServerError::store(&self.described, reason.to_string())
    }

    async fn connect(&self) -> Result<MultiplexedConnection, ServerError> {
        match tokio::time::timeout(TIMEOUT, self.client.get_multiplexed_async_connection()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(self.fail(e)),
            Err(_) => Err(self.fail("no connection within 5 s")),
        }
    }

    async fn call<T: redis::FromRedisValue>(
        &self,
        conn: &mut MultiplexedConnection,
        cmd: &redis::Cmd,
    ) -> Result<T, ServerError> {
        match tokio::time::timeout(TIMEOUT, cmd.query_async(conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.fail(e)),
            Err(_) => Err(self.fail("no answer within 5 s")),
        }
    }

    async fn load_all(&self) -> Result<Vec<StoredRoom>, ServerError> {
        let mut conn = self.connect().await?;
        let mut keys: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        // Bounded: SCAN returns every key within a finite number of calls.
        for _ in 0..1_000_000 {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg("scratchcomm:{*}:v")
                .arg("COUNT")
                .arg(1000);
            let (next, found): (u64, Vec<String>) = self.call(&mut conn, &scan).await?;
            keys.extend(found);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        keys.sort();
        keys.dedup();
        let mut rooms = Vec::new();
        for key in keys {
            let Some(project) = key
                .strip_prefix("scratchcomm:{")
                .and_then(|k| k.strip_suffix("}:v"))
            else {
                continue;
            };
            let mut get = redis::cmd("HGETALL");
            get.arg(&key);
            let fields: Vec<(String, String)> = self.call(&mut conn, &get).await?;
            let variables: BTreeMap<String, CloudValue> = fields
                .into_iter()
                .filter_map(|(name, value)| {
                    let name: String = serde_json::from_str(&name).ok()?;
                    Some((name, CloudValue::from_raw_json(&value).ok()?))
                })
                .collect();
            if !variables.is_empty() {
                rooms.push(StoredRoom {
                    project: project.to_owned(),
                    variables,
                });
            }
        }
        Ok(rooms)
    }

    async fn write_batch(&self, batch: Arc<Batch>) -> Result<(), ServerError> {
        let mut conn = self.connect().await?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (project, changes) in batch.rooms() {
            let key = format!("scratchcomm:{{{project}}}:v");
            if changes.cleared {
                pipe.cmd("DEL").arg(&key).ignore();
            }
            for (name, state) in &changes.variables {
                match state {
                    Some(value) => pipe
                        .cmd("HSET")
                        .arg(&key)
                        .arg(json_str(name))
                        .arg(value_to_json(value))
                        .ignore(),
                    None => pipe.cmd("HDEL").arg(&key).arg(json_str(name)).ignore(),
                };
            }
        }
        match tokio::time::timeout(TIMEOUT, pipe.query_async::<()>(&mut conn)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.fail(e)),
            Err(_) => Err(self.fail("no answer within 5 s")),
        }
    }
}

impl RoomStore for RedisStore {
    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        Box::pin(self.load_all())
    }

    fn write(&self, batch: Arc<Batch>) -> StoreFuture<'_, ()> {
        Box::pin(self.write_batch(batch))
    }

    fn close(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        self.described.clone()
    }
}
