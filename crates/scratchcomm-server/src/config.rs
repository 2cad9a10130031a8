//! Server configuration: where to listen (and with which TLS files), limits, protocol
//! options, the project filter and where rooms are kept between runs.

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cluster::RedisConfig;
use crate::store::Storage;
use crate::tls::TlsFiles;

/// Everything a [`CloudServer`](crate::CloudServer) or an embedded [`CloudState`](crate::CloudState)
/// needs. `ServerConfig::default()` listens on `127.0.0.1` port 0 (a free port) with the
/// limits below; change fields directly or with the `with_*` helpers.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Host name or IP address to bind (default `127.0.0.1`). A host name binds to the first
    /// address it resolves to.
    pub host: String,
    /// TCP port; 0 picks a free one (default 0). Read the result from `CloudServer::local_addr`.
    pub port: u16,
    /// Worker threads of the standalone server (default 2). Not used when embedded.
    pub workers: usize,
    /// Rooms, clients and sizes.
    pub limits: Limits,
    /// Longest accepted value, in characters (default 100 000). Longer values are ignored
    /// like any other invalid value: not stored, not broadcast, the connection stays open.
    pub max_value_chars: usize,
    /// Longest accepted string variable name, in characters (default: no limit, as
    /// TurboWarp, whose 1 MiB message limit bounds names anyway). A longer name closes the
    /// connection with 4000.
    pub max_name_chars: usize,
    /// Require names to be strings starting with `"☁ "` and longer than it (default false:
    /// TurboWarp's server relays any name, its prefix rule applies only to renames it
    /// ignores). A bad name closes the connection with 4000.
    pub require_cloud_prefix: bool,
    /// Apply `rename` and `delete` messages and forward them to the room's other clients
    /// (default false: ignored, also before the handshake, as TurboWarp does with its
    /// default `enableRename`/`enableDelete` off).
    pub allow_rename_delete: bool,
    /// Refuse a handshake whose username is already used in the room with 4002 (default
    /// false: the reference library's default name `player1000` is shared by many bots).
    pub unique_usernames: bool,
    /// Refuse, with 4005 as TurboWarp does, a client whose `Cookie` header carries a Scratch
    /// session (`scratchsessionsid=`): such a client leaks its user's login (default true).
    pub refuse_scratch_session_cookie: bool,
    /// Refuse a client without a `User-Agent` header with 4006 "identify yourself", as
    /// TurboWarp's public server does (default false).
    pub require_user_agent: bool,
    /// Send a websocket ping this long after the last ping (default 30 s).
    pub ping_interval: Duration,
    /// Drop a client that sent nothing (no pong, no message) for this long after a ping
    /// (default 30 s).
    pub ping_timeout: Duration,
    /// Close a connection that has not completed its handshake this long after it opened,
    /// with 4000 "no handshake in time" (default 10 s; `None` waits forever). Pings and
    /// pongs do not count. TurboWarp's cloud-server gives up on such a connection after
    /// 30 to 60 s (its 30 s check runs every 30 s) and drops the TCP connection without a
    /// close frame; we send a close frame with TurboWarp's protocol-violation code so a
    /// client can tell what happened.
    pub handshake_timeout: Option<Duration>,
    /// While more than this many bytes wait to be sent to one client, a `set` superseded by
    /// a later set of the same variable is dropped from its queue: a lagging client gets the
    /// latest value of every variable, which is all a Scratch project reads. Default 4 MiB,
    /// the same as [`outbound_max_bytes`](Self::outbound_max_bytes), so sets are dropped only
    /// where the client would otherwise be closed: a bot that reads every set (a cloud
    /// socket's FROM_CLIENT, which all its clients write) loses none while it merely lags —
    /// TurboWarp's server never drops a set either. Below this every set is delivered.
    pub outbound_coalesce_bytes: usize,
    /// A client that, after coalescing, still has more than this many bytes waiting is too
    /// slow and is closed with 1013 (default 4 MiB). This bounds the server's memory per
    /// client; a burst of another client cannot reach it as long as this client reads,
    /// because superseded sets are dropped and a room holds at most
    /// `max_variables_per_room` variables.
    pub outbound_max_bytes: usize,
    /// A client whose oldest unsent update is older than this (it has not read for that
    /// long, e.g. its TCP window stays closed) is too slow and is closed with 1013
    /// (default 15 s).
    pub outbound_max_lag: Duration,
    /// Per-connection inbound rate limit (default [`InboundLimit::default`]; `None`:
    /// unlimited, as TurboWarp's server). A client over its limit is throttled: the server
    /// stops reading its connection until its allowance is back, so TCP slows it down;
    /// it is not closed and nobody else notices.
    pub inbound_limit: Option<InboundLimit>,
    /// When several frames wait in a client's queue, send them as one frame of
    /// newline-separated messages, up to about this many bytes (default 16 KiB; 0 sends every
    /// message alone). Nothing waits for a batch to fill: only what is already queued is
    /// joined, as TurboWarp's server does with `bufferSends`.
    pub batch_bytes: usize,
    /// Projects refused with 4004.
    pub project_filter: ProjectFilter,
    /// Where rooms' variables are kept between runs (default [`Storage::Memory`]: nowhere,
    /// a restarted server starts empty). With [`Storage::Sqlite`] a restarted server, even
    /// after a crash, gives joining clients the variables it had. See [`crate::store`].
    pub storage: Storage,
    /// How often changes are written to the store (default 500 ms). This is the
    /// durability window: a change is in the store at most this long (plus the time of the
    /// write) after it was made; a crash loses at most the changes of the last window.
    /// A clean stop writes everything. Not used with [`Storage::Memory`].
    pub flush_interval: Duration,
    /// Serve `wss://` with this certificate and key (default `None`: plain `ws://`).
    pub tls: Option<TlsFiles>,
    /// Multi-node mode (default `None`: this server alone): every server given the same
    /// Redis shares every room, and the rooms' variables live in Redis (so `storage` must
    /// stay [`Storage::Memory`]). See [`crate::cluster`].
    pub redis: Option<RedisConfig>,
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
    /// Same config on another host.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Same config on another port (0 = any free port).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Same config with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Same config with another keepalive: ping every `interval`, drop after `timeout`.
    pub fn with_keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.ping_interval = interval;
        self.ping_timeout = timeout;
        self
    }

    /// Same config with another handshake timeout (`None` waits forever).
    pub fn with_handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Same config keeping rooms in the SQLite file at `path` (created if missing).
    pub fn with_data_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.storage = Storage::Sqlite(path.into());
        self
    }

    /// Same config serving `wss://` with the PEM certificate chain at `cert` and the
    /// private key at `key`.
    pub fn with_tls(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.tls = Some(TlsFiles::new(cert, key));
        self
    }

    /// Same config sharing its rooms with every other server on the Redis at `url`
    /// (`redis://HOST:PORT/`).
    pub fn with_redis(mut self, url: impl Into<String>) -> Self {
        self.redis = Some(RedisConfig::new(url));
        self
    }

    /// Same config with another project filter.
    pub fn with_project_filter(mut self, filter: ProjectFilter) -> Self {
        self.project_filter = filter;
        self
    }
}

/// How much one connection may send: a token bucket of messages (each newline-separated
/// message of a frame counts) and one of bytes, each refilled continuously at its rate up to
/// its burst. The defaults are far above what Scratch sends (at most about 10 sets per
/// second per project) and let a bot burst: a client of TurboWarp's server is never
/// throttled by them in practice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InboundLimit {
    /// Sustained messages per second (default 20,000: a request bot of this workspace sets
    /// up to about 13,000 values per second on loopback, see docs/performance.md).
    pub messages_per_sec: f64,
    /// Messages that may arrive at once after a quiet period (default 20,000).
    pub message_burst: f64,
    /// Sustained bytes per second (default 8 MiB).
    pub bytes_per_sec: f64,
    /// Bytes that may arrive at once (default 16 MiB). A frame larger than what is left is
    /// still read whole; the connection then waits until the allowance is positive again.
    pub byte_burst: f64,
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

/// Capacity limits. Too many rooms or connections close the connection with 4003
/// (overloaded); a full room or one variable too many close it with 4000, as TurboWarp does;
/// a frame larger than `max_message_bytes` closes it with 1009 (too big).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rooms (projects) held at once (default 1024). Rooms stay after their last client
    /// leaves, so a reconnecting client finds its variables; empty rooms are dropped only
    /// when a new room would exceed this limit (and then removed from the store too, if
    /// the server has one).
    pub max_rooms: usize,
    /// Clients in one room (default 128, as TurboWarp).
    pub max_clients_per_room: usize,
    /// Open websocket connections on the whole server (default 4096).
    pub max_connections: usize,
    /// Variables in one room (default 128, as TurboWarp); creating one more closes with 4000.
    pub max_variables_per_room: usize,
    /// Largest received frame in bytes, after joining continuation frames (default 1 MiB,
    /// what TurboWarp's server allows).
    pub max_message_bytes: usize,
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
        let c = c.with_data_file("/tmp/x.db").with_tls("c.pem", "k.pem");
        assert!(format!("{:?}", c.storage).contains("x.db"));
        assert_eq!(c.tls, Some(TlsFiles::new("c.pem", "k.pem")));
    }

    #[test]
    fn filters() {
        let f = ProjectFilter::block_list(["13", "x"]);
        assert!(f.is_blocked("13"));
        assert!(!f.is_blocked("14"));
        let g = ProjectFilter::blocked_when(|id| id.starts_with('9'));
        assert!(g.is_blocked("99"));
        assert!(!g.is_blocked("19"));
        let c = ServerConfig::default().with_port(9).with_project_filter(g);
        assert_eq!(c.port, 9);
        assert!(c.project_filter.is_blocked("9"));
    }
}
