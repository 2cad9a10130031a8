//! Scale scenarios against the embedded server running in a child process (`scratchcomm
//! serve`), so the server's memory and CPU are read apart from the clients': many idle
//! project connections, and broadcast throughput with many rooms.

use super::metrics::{Mib, ProcSample};
use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use anyhow::Context;
use futures_util::{stream, StreamExt};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The embedded server in a child process; killed when dropped.
pub struct ServerChild {
    child: Child,
    /// `ws://127.0.0.1:PORT/`.
    pub url: String,
}

impl ServerChild {
    /// Starts `scratchcomm serve` on a free loopback port sized for `connections`.
    pub async fn spawn(connections: usize) -> anyhow::Result<ServerChild> {
        Self::spawn_with(connections, &[]).await
    }

    /// [`spawn`](Self::spawn) with more arguments for `serve` (e.g. `--redis URL`, or
    /// `--ping-interval S` for pings every S seconds instead of none during a run).
    pub async fn spawn_with(connections: usize, extra: &[String]) -> anyhow::Result<ServerChild> {
        let n = connections.to_string();
        let has_ping = extra.iter().any(|a| a == "--ping-interval");
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(["--max-connections", &n, "--max-rooms", &n])
            .args(["--max-clients-per-room", &n])
            // No keepalive pings during a run unless the caller asks for them.
            .args(["--ping-interval", "600"].iter().filter(|_| !has_ping))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting `scratchcomm serve`")?;
        let stdout = child.stdout.take().context("no stdout of the server")?;
        let line = tokio::time::timeout(
            Duration::from_secs(20),
            tokio::task::spawn_blocking(move || {
                let mut line = String::new();
                std::io::BufReader::new(stdout)
                    .read_line(&mut line)
                    .map(|_| line)
            }),
        )
        .await
        .context("the server did not print its URL within 20 s")???;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line of the server: {line:?}"))?
            .to_owned();
        Ok(ServerChild { child, url })
    }

    /// TurboWarp's own cloud-server (`tools/peers/turbowarp.sh run PORT`, which execs
    /// node, so the child's pid is the server's) on a free loopback port.
    pub async fn turbowarp() -> anyhow::Result<ServerChild> {
        let port = free_port()?;
        let script = super::bots::checkout_file("tools/peers/turbowarp.sh")?;
        let mut command = Command::new("bash");
        command.arg(&script).args(["run", &port.to_string()]);
        let what = format!("TurboWarp's server ({})", script.display());
        let url = format!("ws://127.0.0.1:{port}/");
        Self::listening(command, port, url, &what, Duration::from_secs(120)).await
    }

    /// A `redis-server` on a free loopback port, without persistence, killed on drop.
    pub async fn redis() -> anyhow::Result<ServerChild> {
        let port = free_port()?;
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        let what = "redis-server (apt-get install redis-server, or pass --redis)";
        let url = format!("redis://127.0.0.1:{port}/");
        Self::listening(command, port, url, what, Duration::from_secs(15)).await
    }

    /// Starts `command`, told to listen on loopback `port`, and waits until the port takes
    /// connections; an error naming `what` when it cannot start or `limit` passes.
    async fn listening(
        mut command: Command,
        port: u16,
        url: String,
        what: &str,
        limit: Duration,
    ) -> anyhow::Result<ServerChild> {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {what}"))?;
        let server = ServerChild { child, url };
        let deadline = Instant::now() + limit;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "{what} did not listen on port {port} within {limit:?} (see its stderr)"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(server)
    }

    /// CPU and memory of the server process.
    pub fn sample(&self) -> anyhow::Result<ProcSample> {
        ProcSample::pid(self.child.id())
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) async fn connect_many(
    url: &str,
    n: usize,
    project_of: impl Fn(usize) -> String,
    event_capacity: Option<usize>,
) -> anyhow::Result<Vec<CloudHandle>> {
    let results: Vec<anyhow::Result<CloudHandle>> = stream::iter(0..n)
        .map(|i| {
            let mut config = ConnectionConfig::custom(url, &project_of(i))
                .username(format!("user{i}"))
                .rate_limit(RateLimit::unlimited())
                .reconnect(false);
            if let Some(cap) = event_capacity {
                config = config.event_capacity(cap);
            }
            async move {
                CloudHandle::connect(config)
                    .await
                    .with_context(|| format!("connection {i}"))
            }
        })
        // In order: the i-th handle is the i-th connection (its project is `project_of(i)`).
        .buffered(128)
        .collect()
        .await;
    results.into_iter().collect()
}

pub(super) fn per_conn_kib(before: u64, after: u64, n: usize) -> f64 {
    after.saturating_sub(before) as f64 / n.max(1) as f64
}

/// `count` idle cloud connections spread over `projects` rooms: memory per connection on
/// the client side (this process) and on the server side (the child).
pub async fn idle_connections(
    count: usize,
    projects: usize,
    event_capacity: Option<usize>,
) -> anyhow::Result<()> {
    if let Some(limit) = open_files_limit() {
        anyhow::ensure!(
            (count as u64) + 256 <= limit,
            "{count} connections need about {} file descriptors in this process, the limit \
             is {limit} (raise it with `ulimit -n`)",
            count + 256
        );
    }
    let server = ServerChild::spawn(count + 16).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (own0, srv0) = (ProcSample::own()?, server.sample()?);
    let started = Instant::now();
    let projects = projects.max(1);
    let conns = connect_many(
        &server.url,
        count,
        |i| format!("idle{}", i % projects),
        event_capacity,
    )
    .await?;
    let connect_time = started.elapsed();
    // Idle: nothing is sent; let buffers settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (own1, srv1) = (ProcSample::own()?, server.sample()?);
    let client_kib = per_conn_kib(own0.rss_kib, own1.rss_kib, conns.len());
    let server_kib = per_conn_kib(srv0.rss_kib, srv1.rss_kib, conns.len());
    println!(
        "idle connections: {} open over {projects} projects in {:.1} s (event capacity {})",
        conns.len(),
        connect_time.as_secs_f64(),
        event_capacity.map_or("default".to_owned(), |c| c.to_string()),
    );
    println!(
        "  client side (CloudHandle actors, this process): {client_kib:.1} KiB per connection  (RSS {} -> {})",
        Mib(own0.rss_kib),
        Mib(own1.rss_kib)
    );
    println!(
        "  server side (scratchcomm serve, child process): {server_kib:.1} KiB per connection  (RSS {} -> {})",
        Mib(srv0.rss_kib),
        Mib(srv1.rss_kib)
    );
    println!(
        "  target <= 20 KB (19.5 KiB) per idle connection: client {}, server {}",
        met(client_kib <= 19.53),
        met(server_kib <= 19.53)
    );
    drop(server);
    drop(conns);
    Ok(())
}

/// The soft limit on open files of this process (`/proc/self/limits`), if readable.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// "met" / "not met".
pub fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// A loopback port that was free a moment ago, for a child server that cannot take port 0.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::connect_many;
    use scratchcomm_server::{CloudServer, ServerConfig};

    /// The broadcast bench pairs the i-th handle with the i-th project: connections that
    /// finish out of order must not come back out of order.
    #[actix_rt::test]
    async fn connect_many_returns_the_handles_in_the_order_asked() {
        let server = CloudServer::start(ServerConfig::default()).await.unwrap();
        let project_of = |i: usize| format!("{}", 1000 + i % 7);
        let handles = connect_many(&server.url(), 300, project_of, Some(4))
            .await
            .unwrap();
        for (i, handle) in handles.iter().enumerate() {
            assert_eq!(handle.project_id().to_string(), project_of(i), "handle {i}");
        }
        server.stop().await;
    }
}
