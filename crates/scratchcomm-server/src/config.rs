//! Server configuration: where to listen (and with which TLS files), limits, protocol
//! options, the project filter and where rooms are kept between runs.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::cluster::RedisConfig;
use crate::error::ServerError;
use crate::store::Storage;
use crate::tls::TlsFiles;

/// Everything a [`CloudServer`](crate::CloudServer) or an embedded [`CloudState`](crate::CloudState)
/// needs. `ServerConfig::default()` listens on `127.0.0.1` port 0 (a free port) with the
/// defaults named at each setter; change a setting with the chainable setter named after it
/// (`ServerConfig::default().port(8080).limits(limits)`). [`validate`](Self::validate),
/// which the server calls at start, names the first unusable setting.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) workers: usize,
    pub(crate) limits: Limits,
    pub(crate) max_value_chars: usize,
    pub(crate) max_name_chars: usize,
    pub(crate) require_cloud_prefix: bool,
    pub(crate) allow_rename_delete: bool,
    pub(crate) unique_usernames: bool,
    pub(crate) refuse_scratch_session_cookie: bool,
    pub(crate) require_user_agent: bool,
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) handshake_timeout: Option<Duration>,
    pub(crate) outbound_coalesce_bytes: usize,
    pub(crate) outbound_max_bytes: usize,
    pub(crate) outbound_max_lag: Duration,
    pub(crate) inbound_limit: Option<InboundLimit>,
    pub(crate) batch_bytes: usize,
    pub(crate) project_filter: ProjectFilter,
    pub(crate) storage: Storage,
    pub(crate) flush_interval: Duration,
    pub(crate) tls: Option<TlsFiles>,
    pub(crate) redis: Option<RedisConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".to_owned(),
            port: 0,
            workers: 2,
            limits: Limits::default(),
            max_value_chars: 100_000,
            max_name_chars: usize::MAX,
            require_cloud_prefix: false,
            allow_rename_delete: false,
            unique_usernames: false,
            refuse_scratch_session_cookie: true,
            require_user_agent: false,
            ping_interval: Duration::from_secs(30),
            ping_timeout: Duration::from_secs(30),
            handshake_timeout: Some(Duration::from_secs(10)),
            outbound_coalesce_bytes: 4 * 1024 * 1024,
            outbound_max_bytes: 4 * 1024 * 1024,
            outbound_max_lag: Duration::from_secs(15),
            inbound_limit: Some(InboundLimit::default()),
            batch_bytes: 16 * 1024,
            project_filter: ProjectFilter::allow_all(),
            storage: Storage::Memory,
            flush_interval: Duration::from_millis(500),
            tls: None,
            redis: None,
        }
    }
}

impl ServerConfig {
    /// Host name or IP address to bind (default `127.0.0.1`). A host name binds to the first
    /// address it resolves to.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// TCP port; 0 picks a free one (default 0). Read the result from
    /// `CloudServer::local_addr`.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Worker threads of the standalone server (default 2). Not used when embedded.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Rooms, clients and sizes (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Longest accepted value, in characters (default 100 000). Longer values are ignored
    /// like any other invalid value: not stored, not broadcast, the connection stays open.
    pub fn max_value_chars(mut self, chars: usize) -> Self {
        self.max_value_chars = chars;
        self
    }

    /// Longest accepted string variable name, in characters (default: no limit, as
    /// TurboWarp, whose 1 MiB message limit bounds names anyway). A longer name closes the
    /// connection with 4000.
    pub fn max_name_chars(mut self, chars: usize) -> Self {
        self.max_name_chars = chars;
        self
    }

    /// Require names to be strings starting with `"☁ "` and longer than it (default false:
    /// TurboWarp's server relays any name, its prefix rule applies only to renames it
    /// ignores). A bad name closes the connection with 4000.
    pub fn require_cloud_prefix(mut self, yes: bool) -> Self {
        self.require_cloud_prefix = yes;
        self
    }

    /// Apply `rename` and `delete` messages and forward them to the room's other clients
    /// (default false: ignored, also before the handshake, as TurboWarp does with its
    /// default `enableRename`/`enableDelete` off).
    pub fn allow_rename_delete(mut self, yes: bool) -> Self {
        self.allow_rename_delete = yes;
        self
    }

    /// Refuse a handshake whose username is already used in the room with 4002 (default
    /// false: the reference library's default name `player1000` is shared by many bots).
    pub fn unique_usernames(mut self, yes: bool) -> Self {
        self.unique_usernames = yes;
        self
    }

    /// Refuse, with 4005 as TurboWarp does, a client whose `Cookie` header carries a Scratch
    /// session (`scratchsessionsid=`): such a client leaks its user's login (default true).
    pub fn refuse_scratch_session_cookie(mut self, yes: bool) -> Self {
        self.refuse_scratch_session_cookie = yes;
        self
    }

    /// Refuse a client without a `User-Agent` header with 4006 "identify yourself", as
    /// TurboWarp's public server does (default false).
    pub fn require_user_agent(mut self, yes: bool) -> Self {
        self.require_user_agent = yes;
        self
    }

    /// Send a websocket ping this long after the last ping (default 30 s).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Drop a client that sent nothing (no pong, no message) for this long after a ping
    /// (default 30 s).
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// Close a connection that has not completed its handshake this long after it opened,
    /// with 4000 "no handshake in time" (default 10 s; `None` waits forever). Pings and
    /// pongs do not count. TurboWarp's cloud-server gives up on such a connection after
    /// 30 to 60 s (its 30 s check runs every 30 s) and drops the TCP connection without a
    /// close frame; we send a close frame with TurboWarp's protocol-violation code so a
    /// client can tell what happened.
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// While more than this many bytes wait to be sent to one client, a `set` superseded by
    /// a later set of the same variable is dropped from its queue: a lagging client gets the
    /// latest value of every variable, which is all a Scratch project reads. Default 4 MiB,
    /// the same as [`outbound_max_bytes`](Self::outbound_max_bytes), so sets are dropped only
    /// where the client would otherwise be closed: a bot that reads every set (a cloud
    /// socket's FROM_CLIENT, which all its clients write) loses none while it merely lags —
    /// TurboWarp's server never drops a set either. Below this every set is delivered.
    pub fn outbound_coalesce_bytes(mut self, bytes: usize) -> Self {
        self.outbound_coalesce_bytes = bytes;
        self
    }

    /// A client that, after coalescing, still has more than this many bytes waiting is too
    /// slow and is closed with 1013 (default 4 MiB). This bounds the server's memory per
    /// client; a burst of another client cannot reach it as long as this client reads,
    /// because superseded sets are dropped and a room holds at most
    /// `max_variables_per_room` variables.
    pub fn outbound_max_bytes(mut self, bytes: usize) -> Self {
        self.outbound_max_bytes = bytes;
        self
    }

    /// A client whose oldest unsent update is older than this (it has not read for that
    /// long, e.g. its TCP window stays closed) is too slow and is closed with 1013
    /// (default 15 s).
    pub fn outbound_max_lag(mut self, lag: Duration) -> Self {
        self.outbound_max_lag = lag;
        self
    }

    /// Per-connection inbound rate limit (default [`InboundLimit::default`]; `None`:
    /// unlimited, as TurboWarp's server). A client over its limit is throttled: the server
    /// stops reading its connection until its allowance is back, so TCP slows it down;
    /// it is not closed and nobody else notices.
    pub fn inbound_limit(mut self, limit: Option<InboundLimit>) -> Self {
        self.inbound_limit = limit;
        self
    }

    /// When several frames wait in a client's queue, send them as one frame of
    /// newline-separated messages, up to about this many bytes (default 16 KiB; 0 sends every
    /// message alone). Nothing waits for a batch to fill: only what is already queued is
    /// joined, as TurboWarp's server does with `bufferSends`.
    pub fn batch_bytes(mut self, bytes: usize) -> Self {
        self.batch_bytes = bytes;
        self
    }

    /// Projects refused with 4004 (default: none).
    pub fn project_filter(mut self, filter: ProjectFilter) -> Self {
        self.project_filter = filter;
        self
    }

    /// Where rooms' variables are kept between runs (default [`Storage::Memory`]: nowhere,
    /// a restarted server starts empty). With [`Storage::Sqlite`] a restarted server, even
    /// after a crash, gives joining clients the variables it had. See
    /// [`RoomStore`](crate::RoomStore).
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// How often changes are written to the store (default 500 ms). This is the
    /// durability window: a change is in the store at most this long (plus the time of the
    /// write) after it was made; a crash loses at most the changes of the last window.
    /// A clean stop writes everything. Not used with [`Storage::Memory`].
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Serve `wss://` with this certificate and key (default: plain `ws://`).
    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// Multi-node mode (default: this server alone): every server given the same Redis
    /// shares every room, and the rooms' variables live in Redis (so
    /// [`storage`](Self::storage) must stay [`Storage::Memory`]). See
    /// [Several nodes sharing rooms](crate#several-nodes-sharing-rooms).
    pub fn redis(mut self, redis: RedisConfig) -> Self {
        self.redis = Some(redis);
        self
    }

    /// The address to bind, as set by [`host`](Self::host).
    pub fn get_host(&self) -> &str {
        &self.host
    }

    /// The port to bind, as set by [`port`](Self::port) (0: any free port).
    pub fn get_port(&self) -> u16 {
        self.port
    }

    /// The limits, as set by [`limits`](Self::limits).
    pub fn get_limits(&self) -> &Limits {
        &self.limits
    }

    /// The handshake timeout, as set by [`handshake_timeout`](Self::handshake_timeout).
    pub fn get_handshake_timeout(&self) -> Option<Duration> {
        self.handshake_timeout
    }

    /// Where rooms are kept, as set by [`storage`](Self::storage).
    pub fn get_storage(&self) -> &Storage {
        &self.storage
    }

    /// The store's write interval, as set by [`flush_interval`](Self::flush_interval).
    pub fn get_flush_interval(&self) -> Duration {
        self.flush_interval
    }

    /// The TLS files, as set by [`tls`](Self::tls) (`None`: plain `ws://`).
    pub fn get_tls(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// The Redis of the nodes, as set by [`redis`](Self::redis) (`None`: this server
    /// alone).
    pub fn get_redis(&self) -> Option<&RedisConfig> {
        self.redis.as_ref()
    }

    /// Check that the settings can work together.
    ///
    /// # Errors
    ///
    /// [`ServerError`] of kind [`Config`](crate::ServerErrorKind::Config) naming the first
    /// unusable setting (a zero size, interval or worker count, a non-positive inbound rate,
    /// a URL Redis does not accept, a store beside Redis).
    pub fn validate(&self) -> Result<(), ServerError> {
        first_failed(&[
            (
                self.outbound_max_bytes > 0,
                "outbound_max_bytes must be at least 1",
            ),
            (
                !self.outbound_max_lag.is_zero(),
                "outbound_max_lag must be longer than zero",
            ),
        ])?;
        if let Some(limit) = &self.inbound_limit {
            limit.validate()?;
        }
        first_failed(&[(self.workers > 0, "workers must be at least 1")])?;
        self.limits.validate()?;
        first_failed(&[
            (
                !self.ping_interval.is_zero(),
                "ping_interval must be longer than zero",
            ),
            (
                !self.ping_timeout.is_zero(),
                "ping_timeout must be longer than zero",
            ),
            (
                !self.flush_interval.is_zero(),
                "flush_interval must be longer than zero",
            ),
            (
                self.redis.is_none() || !self.storage.is_persistent(),
                "with redis the rooms live in Redis: use no other storage",
            ),
        ])?;
        match &self.redis {
            Some(redis) => redis.validate(),
            None => Ok(()),
        }
    }
}

/// `Err` with the text of the first check that failed.
fn first_failed(checks: &[(bool, &'static str)]) -> Result<(), ServerError> {
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, why)) => Err(ServerError::invalid_config(*why)),
        None => Ok(()),
    }
}

/// How much one connection may send: a token bucket of messages (each newline-separated
/// message of a frame counts) and one of bytes, each refilled continuously at its rate up to
/// its burst. The defaults are far above what Scratch sends (at most about 10 sets per
/// second per project) and let a bot burst: a client of TurboWarp's server is never
/// throttled by them in practice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InboundLimit {
    pub(crate) messages_per_sec: f64,
    pub(crate) message_burst: f64,
    pub(crate) bytes_per_sec: f64,
    pub(crate) byte_burst: f64,
}

impl Default for InboundLimit {
    fn default() -> Self {
        InboundLimit {
            messages_per_sec: 20_000.0,
            message_burst: 20_000.0,
            bytes_per_sec: 8.0 * 1024.0 * 1024.0,
            byte_burst: 16.0 * 1024.0 * 1024.0,
        }
    }
}

impl InboundLimit {
    /// Sustained messages per second (default 20,000: a request bot of this workspace sets
    /// up to about 13,000 values per second on loopback, see docs/performance.md).
    pub fn messages_per_sec(mut self, rate: f64) -> Self {
        self.messages_per_sec = rate;
        self
    }

    /// Messages that may arrive at once after a quiet period (default 20,000).
    pub fn message_burst(mut self, burst: f64) -> Self {
        self.message_burst = burst;
        self
    }

    /// Sustained bytes per second (default 8 MiB).
    pub fn bytes_per_sec(mut self, rate: f64) -> Self {
        self.bytes_per_sec = rate;
        self
    }

    /// Bytes that may arrive at once (default 16 MiB). A frame larger than what is left is
    /// still read whole; the connection then waits until the allowance is positive again.
    pub fn byte_burst(mut self, burst: f64) -> Self {
        self.byte_burst = burst;
        self
    }

    /// Check that the rates and bursts are usable.
    ///
    /// # Errors
    ///
    /// [`ServerError`] of kind [`Config`](crate::ServerErrorKind::Config) when a rate is not
    /// positive or a burst is below 1.
    pub fn validate(&self) -> Result<(), ServerError> {
        first_failed(&[(
            self.messages_per_sec > 0.0
                && self.bytes_per_sec > 0.0
                && self.message_burst >= 1.0
                && self.byte_burst >= 1.0,
            "inbound_limit rates and bursts must be positive",
        )])
    }
}

/// Capacity limits. Too many rooms or connections close the connection with 4003
/// (overloaded); a full room or one variable too many close it with 4000, as TurboWarp does;
/// a frame larger than `max_message_bytes` closes it with 1009 (too big).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub(crate) max_rooms: usize,
    pub(crate) max_clients_per_room: usize,
    pub(crate) max_connections: usize,
    pub(crate) max_variables_per_room: usize,
    pub(crate) max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rooms: 1024,
            max_clients_per_room: 128,
            max_connections: 4096,
            max_variables_per_room: 128,
            max_message_bytes: 1024 * 1024,
        }
    }
}

impl Limits {
    /// Rooms (projects) held at once (default 1024). Rooms stay after their last client
    /// leaves, so a reconnecting client finds its variables; empty rooms are dropped only
    /// when a new room would exceed this limit (and then removed from the store too, if
    /// the server has one).
    pub fn max_rooms(mut self, n: usize) -> Self {
        self.max_rooms = n;
        self
    }

    /// Clients in one room (default 128, as TurboWarp).
    pub fn max_clients_per_room(mut self, n: usize) -> Self {
        self.max_clients_per_room = n;
        self
    }

    /// Open websocket connections on the whole server (default 4096).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Variables in one room (default 128, as TurboWarp); creating one more closes with 4000.
    pub fn max_variables_per_room(mut self, n: usize) -> Self {
        self.max_variables_per_room = n;
        self
    }

    /// Largest received frame in bytes, after joining continuation frames (default 1 MiB,
    /// what TurboWarp's server allows).
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// Check that the limits are usable.
    ///
    /// # Errors
    ///
    /// [`ServerError`] of kind [`Config`](crate::ServerErrorKind::Config) when
    /// `max_message_bytes` is zero.
    pub fn validate(&self) -> Result<(), ServerError> {
        first_failed(&[(
            self.max_message_bytes > 0,
            "max_message_bytes must be at least 1",
        )])
    }
}

type Predicate = dyn Fn(&str) -> bool + Send + Sync;

/// Decides which projects are unavailable (handshake refused with 4004).
#[derive(Clone)]
pub struct ProjectFilter {
    blocked: Option<Arc<Predicate>>,
}

impl ProjectFilter {
    /// Every project is available.
    pub fn allow_all() -> Self {
        ProjectFilter { blocked: None }
    }

    /// The listed project ids are unavailable.
    pub fn block_list<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let set: HashSet<String> = ids.into_iter().map(Into::into).collect();
        Self::blocked_when(move |id| set.contains(id))
    }

    /// Projects for which `is_blocked` returns true are unavailable.
    pub fn blocked_when(is_blocked: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        ProjectFilter {
            blocked: Some(Arc::new(is_blocked)),
        }
    }

    /// Whether `project_id` is refused.
    pub fn is_blocked(&self, project_id: &str) -> bool {
        self.blocked.as_ref().is_some_and(|f| f(project_id))
    }
}

impl Default for ProjectFilter {
    fn default() -> Self {
        Self::allow_all()
    }
}

impl fmt::Debug for ProjectFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.blocked {
            None => f.write_str("ProjectFilter(allow all)"),
            Some(_) => f.write_str("ProjectFilter(predicate)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_loopback_any_port() {
        let c = ServerConfig::default();
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.port, 0);
        assert_eq!(c.max_value_chars, 100_000);
        assert!(!c.allow_rename_delete);
        assert!(!c.require_cloud_prefix);
        assert_eq!(c.handshake_timeout, Some(Duration::from_secs(10)));
        assert!(!c.project_filter.is_blocked("1"));
        assert!(!c.storage.is_persistent());
        assert!(c.tls.is_none());
        let c = c
            .storage(Storage::sqlite("/tmp/x.db"))
            .tls(TlsFiles::new("c.pem", "k.pem"));
        assert!(format!("{:?}", c.get_storage()).contains("x.db"));
        assert_eq!(c.tls, Some(TlsFiles::new("c.pem", "k.pem")));
    }

    #[test]
    fn validate_names_the_bad_setting() {
        let why = |c: ServerConfig| c.validate().unwrap_err().to_string();
        assert!(ServerConfig::default().validate().is_ok());
        assert!(why(ServerConfig::default().workers(0)).contains("workers"));
        assert!(
            why(ServerConfig::default().limits(Limits::default().max_message_bytes(0)))
                .contains("max_message_bytes")
        );
        let slow = InboundLimit::default().messages_per_sec(0.0);
        assert!(slow.validate().is_err());
        assert!(why(ServerConfig::default().inbound_limit(Some(slow))).contains("inbound_limit"));
        assert!(ServerConfig::default()
            .inbound_limit(None)
            .validate()
            .is_ok());
        let bad_url = ServerConfig::default().redis(RedisConfig::new("http://127.0.0.1/"));
        assert_eq!(
            bad_url.validate().unwrap_err().kind(),
            crate::ServerErrorKind::Config
        );
        assert!(why(bad_url).contains("redis"));
        let both = ServerConfig::default()
            .redis(RedisConfig::new("redis://127.0.0.1:1/").node("a"))
            .storage(Storage::sqlite("x.db"));
        assert!(why(both).contains("no other storage"));
    }

    #[test]
    fn filters() {
        let f = ProjectFilter::block_list(["13", "x"]);
        assert!(f.is_blocked("13"));
        assert!(!f.is_blocked("14"));
        let g = ProjectFilter::blocked_when(|id| id.starts_with('9'));
        assert!(g.is_blocked("99"));
        assert!(!g.is_blocked("19"));
        let c = ServerConfig::default().port(9).project_filter(g);
        assert_eq!(c.port, 9);
        assert!(c.project_filter.is_blocked("9"));
    }
}
