//! `scratchcomm serve`: run the embedded cloud server (TurboWarp protocol) until Ctrl-C or
//! SIGTERM. The first stdout line is `listening on ws://HOST:PORT/` (`wss://` with
//! `--tls-cert`/`--tls-key`). With `--data FILE` rooms' variables are kept in that SQLite
//! file and survive a restart, even after a crash (all but the last `--flush-ms`). With
//! `--redis URL` any number of servers share every room through that Redis, where the
//! variables live (see `scratchcomm_server::cluster`); `GET /health` reports whether Redis
//! is reachable.

use anyhow::Context;
use clap::Args;
use scratchcomm_server::{
    CloudServer, Limits, ProjectFilter, RedisConfig, ServerConfig, Storage, TlsFiles,
};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Options of `scratchcomm serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address or host name to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// TCP port (0 picks a free one; the URL printed shows which).
    #[arg(long, default_value = "9080")]
    pub port: String,
    /// Most rooms (projects) held at once.
    #[arg(long, value_name = "N")]
    pub max_rooms: Option<usize>,
    /// Most clients in one room.
    #[arg(long, value_name = "N")]
    pub max_clients_per_room: Option<usize>,
    /// Most open connections on the server.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Most variables in one room.
    #[arg(long, value_name = "N")]
    pub max_variables: Option<usize>,
    /// Largest accepted frame in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_message_bytes: Option<usize>,
    /// Longest accepted value in characters.
    #[arg(long, value_name = "CHARS")]
    pub max_value_chars: Option<usize>,
    /// Apply and forward `rename` and `delete` messages (by default they are ignored, as
    /// TurboWarp's server does).
    #[arg(long)]
    pub rename_delete: bool,
    /// Seconds between keepalive pings (a client silent for as long after one is dropped).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub ping_interval: u64,
    /// Close a connection that sends no handshake within this many seconds with 4000
    /// (0 waits forever).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub handshake_timeout: u64,
    /// Refuse this project id with close code 4004 (repeatable).
    #[arg(long = "block", value_name = "PROJECT_ID")]
    pub blocked: Vec<String>,
    /// Keep every room's variables in this SQLite file (created if missing) so a restarted
    /// server still has them. Without it nothing is kept.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Write changes to the --data file at least this often, in milliseconds: the
    /// durability window, what a crash can lose at most.
    #[arg(long, value_name = "MS", default_value_t = 500, requires = "data")]
    pub flush_ms: u64,
    /// Multi-node mode: share every room with the other servers using this Redis
    /// (`redis://[:PASSWORD@]HOST:PORT/`), where the rooms' variables live.
    #[arg(
        long,
        value_name = "URL",
        env = "SCRATCHCOMM_REDIS",
        conflicts_with = "data"
    )]
    pub redis: Option<String>,
    /// This node's name in Redis (default: random); unique among the nodes.
    #[arg(long, value_name = "NAME", requires = "redis")]
    pub node: Option<String>,
    /// Serve wss:// with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// Run the server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = config_from(&args)?;
    actix_rt::System::new().block_on(async move {
        let server = CloudServer::start(config).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.url())?;
        out.flush()?;
        drop(out);
        let signal = shutdown_signal().await;
        let stored = server.stop_and_store().await;
        signal.context("cannot wait for Ctrl-C/SIGTERM")?;
        stored.context("stopped, but the last changes could not be stored")
    })
}

fn config_from(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let port: u16 = args.port.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "invalid port {:?}: expected a number from 0 to 65535",
            args.port
        )
    })?;
    // Resolve now so a bad host is reported before anything starts.
    scratchcomm_server::resolve(&args.host, port)?;
    let mut limits = Limits::default();
    if let Some(n) = args.max_rooms {
        limits = limits.max_rooms(n);
    }
    if let Some(n) = args.max_clients_per_room {
        limits = limits.max_clients_per_room(n);
    }
    if let Some(n) = args.max_connections {
        limits = limits.max_connections(n);
    }
    if let Some(n) = args.max_variables {
        limits = limits.max_variables_per_room(n);
    }
    if let Some(n) = args.max_message_bytes {
        limits = limits.max_message_bytes(n);
    }
    let interval = Duration::from_secs(args.ping_interval.max(1));
    let mut config = ServerConfig::default()
        .host(args.host.clone())
        .port(port)
        .limits(limits)
        .ping_interval(interval)
        .ping_timeout(interval)
        .allow_rename_delete(args.rename_delete)
        .handshake_timeout(
            (args.handshake_timeout > 0).then(|| Duration::from_secs(args.handshake_timeout)),
        );
    if let Some(chars) = args.max_value_chars {
        config = config.max_value_chars(chars);
    }
    if !args.blocked.is_empty() {
        config = config.project_filter(ProjectFilter::block_list(args.blocked.iter().cloned()));
    }
    if let Some(file) = &args.data {
        if args.flush_ms == 0 {
            anyhow::bail!("--flush-ms must be at least 1");
        }
        config = config
            .storage(Storage::sqlite(file))
            .flush_interval(Duration::from_millis(args.flush_ms));
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config = config.tls(TlsFiles::new(cert, key));
    }
    if let Some(url) = &args.redis {
        let mut redis = RedisConfig::new(url.clone());
        if let Some(node) = &args.node {
            redis = redis.node(node.clone());
        }
        config = config.redis(redis);
    }
    Ok(config)
}

async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use actix_rt::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = actix_rt::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        actix_rt::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn config(argv: &[&str]) -> ServerConfig {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(argv.iter().copied()))
            .expect("valid arguments");
        config_from(&cli.args).expect("valid config")
    }

    #[test]
    fn handshake_timeout_defaults_to_ten_seconds_and_zero_disables_it() {
        assert_eq!(
            config(&["--port", "0"]).get_handshake_timeout(),
            Some(Duration::from_secs(10))
        );
        let c = config(&["--port", "0", "--handshake-timeout", "3"]);
        assert_eq!(c.get_handshake_timeout(), Some(Duration::from_secs(3)));
        let c = config(&["--port", "0", "--handshake-timeout", "0"]);
        assert_eq!(c.get_handshake_timeout(), None);
    }

    #[test]
    fn redis_flags() {
        let c = config(&["--redis", "redis://:pw@127.0.0.1:6379/", "--node", "a"]);
        let redis = c.get_redis().expect("multi-node");
        assert_eq!(redis.get_node(), Some("a"));
        assert!(!format!("{redis:?}").contains("pw"));
        let parse = |argv: &[&str]| {
            Cli::try_parse_from(std::iter::once("serve").chain(argv.iter().copied())).is_ok()
        };
        assert!(!parse(&["--redis", "redis://h/", "--data", "x.db"]));
        assert!(!parse(&["--node", "a"]), "a node name needs --redis");
    }

    #[test]
    fn data_and_tls_flags() {
        let c = config(&["--port", "0"]);
        assert!(!c.get_storage().is_persistent());
        assert!(c.get_tls().is_none());
        let c = config(&["--data", "/tmp/c.db", "--flush-ms", "200"]);
        assert!(format!("{:?}", c.get_storage()).contains("/tmp/c.db"));
        assert_eq!(c.get_flush_interval(), Duration::from_millis(200));
        let c = config(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]);
        assert_eq!(c.get_tls(), Some(&TlsFiles::new("c.pem", "k.pem")));
        let parse = |argv: &[&str]| {
            Cli::try_parse_from(std::iter::once("serve").chain(argv.iter().copied())).is_ok()
        };
        assert!(
            !parse(&["--tls-cert", "c.pem"]),
            "a certificate needs its key"
        );
        assert!(
            !parse(&["--tls-key", "k.pem"]),
            "a key needs its certificate"
        );
        assert!(!parse(&["--flush-ms", "5"]), "--flush-ms without --data");
    }
}
