//! The Redis side of a fleet: key names and the scripts behind each [`Action`](crate::Action).
//! Every command is one Lua script, so each check-and-change is atomic in Redis.
//!
//! Keys (prefix `scratchcomm:fleet:<fleet name>`):
//! * `…:members` — sorted set: member id → when its heartbeat expires (Redis's clock);
//! * `…:lease:<project>` — `"<member>:<token>"` with `PX ttl`;
//! * `…:fence:<project>` — the last fencing token given out for the project (`INCR`).

use crate::error::{FleetError, FleetErrorKind};
use crate::lease::{Grant, MemberId};
use redis::aio::ConnectionManager;
use redis::Script;
use scratchcomm_wire::ProjectId;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

/// `SET lease NX PX ttl` with a fresh token from `INCR fence`: the token (> 0), or, when
/// taken, minus the milliseconds until the key expires (0 if unknown).
const ACQUIRE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  local left = redis.call('PTTL', KEYS[1])
  if left > 0 then return -left end
  return 0
end
local token = redis.call('INCR', KEYS[2])
if redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'NX', 'PX', ARGV[2]) then
  return token
end
return 0";

/// Compare-and-extend: 1 if the lease still holds our value and was extended.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

/// Compare-and-delete: 1 if our lease was deleted.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// Announce a member until now + ttl (Redis's clock), drop expired ones, count the rest.
const HEARTBEAT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])";

fn script(cell: &'static OnceLock<Script>, code: &str) -> &'static Script {
    cell.get_or_init(|| Script::new(code))
}

/// The Redis commands of one member of one fleet.
#[derive(Clone)]
pub(crate) struct Store {
    prefix: String,
    member: MemberId,
    ttl_ms: u64,
    member_ttl_ms: u64,
    timeout: Duration,
}

impl Store {
    pub(crate) fn new(
        fleet: &str,
        member: MemberId,
        ttl: Duration,
        member_ttl: Duration,
        timeout: Duration,
    ) -> Store {
        Store {
            prefix: format!("scratchcomm:fleet:{fleet}"),
            member,
            ttl_ms: ttl.as_millis() as u64,
            member_ttl_ms: member_ttl.as_millis() as u64,
            timeout,
        }
    }

    pub(crate) fn lease_key(&self, project: &ProjectId) -> String {
        format!("{}:lease:{}", self.prefix, project.as_str())
    }

    fn fence_key(&self, project: &ProjectId) -> String {
        format!("{}:fence:{}", self.prefix, project.as_str())
    }

    fn members_key(&self) -> String {
        format!("{}:members", self.prefix)
    }

    fn value(&self, token: u64) -> String {
        format!("{}:{token}", self.member)
    }

    async fn bounded<T>(
        &self,
        what: &str,
        op: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, FleetError> {
        match tokio::time::timeout(self.timeout, op).await {
            Ok(result) => {
                result.map_err(|e| FleetError::new(FleetErrorKind::Redis, format!("{what}: {e}")))
            }
            Err(_) => Err(FleetError::new(
                FleetErrorKind::Redis,
                format!("{what}: no reply within {:?}", self.timeout),
            )),
        }
    }

    /// Live members, this one included.
    pub(crate) async fn heartbeat(&self, mut con: ConnectionManager) -> Result<usize, FleetError> {
        static S: OnceLock<Script> = OnceLock::new();
        let mut call = script(&S, HEARTBEAT).key(self.members_key());
        call.arg(self.member.as_str()).arg(self.member_ttl_ms);
        self.bounded("heartbeat", call.invoke_async::<usize>(&mut con))
            .await
    }

    /// The fencing token, or when the other member's key expires.
    pub(crate) async fn acquire(
        &self,
        mut con: ConnectionManager,
        project: &ProjectId,
    ) -> Result<Grant, FleetError> {
        static S: OnceLock<Script> = OnceLock::new();
        let mut call = script(&S, ACQUIRE).key(self.lease_key(project));
        call.key(self.fence_key(project))
            .arg(self.member.as_str())
            .arg(self.ttl_ms);
        let reply: i64 = self
            .bounded("acquire", call.invoke_async::<i64>(&mut con))
            .await?;
        Ok(match reply {
            token if token > 0 => Grant::Token(token as u64),
            0 => Grant::Taken { expires_in: None },
            left => Grant::Taken {
                expires_in: Some(Duration::from_millis(left.unsigned_abs())),
            },
        })
    }

    /// Whether the lease was still ours and is extended.
    pub(crate) async fn renew(
        &self,
        mut con: ConnectionManager,
        project: &ProjectId,
        token: u64,
    ) -> Result<bool, FleetError> {
        static S: OnceLock<Script> = OnceLock::new();
        let mut call = script(&S, RENEW).key(self.lease_key(project));
        call.arg(self.value(token)).arg(self.ttl_ms);
        let n: u64 = self
            .bounded("renew", call.invoke_async::<u64>(&mut con))
            .await?;
        Ok(n == 1)
    }

    /// Deletes the lease if it is still ours.
    pub(crate) async fn release(
        &self,
        mut con: ConnectionManager,
        project: &ProjectId,
        token: u64,
    ) -> Result<bool, FleetError> {
        static S: OnceLock<Script> = OnceLock::new();
        let mut call = script(&S, RELEASE).key(self.lease_key(project));
        call.arg(self.value(token));
        let n: u64 = self
            .bounded("release", call.invoke_async::<u64>(&mut con))
            .await?;
        Ok(n == 1)
    }

    /// Leaves the membership at once (a clean stop), so the others count one less now.
    pub(crate) async fn leave(&self, mut con: ConnectionManager) -> Result<(), FleetError> {
        let mut cmd = redis::cmd("ZREM");
        cmd.arg(self.members_key()).arg(self.member.as_str());
        self.bounded("leave", cmd.query_async::<u64>(&mut con))
            .await
            .map(|_| ())
    }
}
