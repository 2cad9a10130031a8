//! The request bots under load: ours in this process ([`start_bot`]), ours in a child
//! process, and the original Python library's in a child process ([`BotProcess`]). Child
//! processes let the bot's own CPU time and peak memory be read apart from the load.

use super::metrics::ProcSample;
use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_requests::{ErrorMessage, Registry, RequestBot};
use actors_security::Security;
use actors_security::TABLE;
use actors_socket::CloudLink;
use actors_socket::{PacketSize, SocketConfig, SocketHandle};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Packet size of every bot and client in the benchmarks (Scratch's, §3.7).
pub const PACKET_SIZE: usize = 220;
/// How long a child bot may take to become ready (the original waits 5.5 s by design).
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// The requests every benchmark bot answers (the same as `python/original_bot.py`).
pub fn registry() -> Registry {
    let mut requests = Registry::new();
    requests.request("ping", || "pong");
    requests.request("add", |a: f64, b: f64| number_text(a + b));
    requests.request("long", |n: i64| {
        if !(0..=1_000_000).contains(&n) {
            return Err(ErrorMessage::new("n must be between 0 and 1000000"));
        }
        Ok(TABLE.chars().cycle().take(n as usize).collect::<String>())
    });
    requests
}

/// `5`, not `5.0` (what the Python bot's `number_text` prints too).
fn number_text(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// A bot running in this process.
pub struct InProcessBot {
    /// The bot (stops its socket and connection when stopped).
    pub bot: RequestBot,
    /// What a project stores for secure clients (empty when insecure).
    pub public_data: BTreeMap<String, String>,
}

/// Connects to `url`/`project` and starts a request bot there (EC key when `secure`),
/// its connection limited to `rate` and its TO_CLIENT sets at least `spacing` apart (the
/// library's default, 100 ms, is what real sprites need; benchmark clients see every set).
pub async fn start_bot(
    url: &str,
    project: &str,
    secure: bool,
    rate: RateLimit,
    spacing: Duration,
) -> anyhow::Result<InProcessBot> {
    start_bot_on(url, &[project.to_owned()], secure, rate, spacing).await
}

/// [`start_bot`] with one socket listening on several projects (one cloud connection each).
pub async fn start_bot_on(
    url: &str,
    projects: &[String],
    secure: bool,
    rate: RateLimit,
    spacing: Duration,
) -> anyhow::Result<InProcessBot> {
    let security = secure.then(Security::generate_ec);
    let public_data = security
        .as_ref()
        .map(Security::public_data)
        .unwrap_or_default();
    let mut clouds = Vec::new();
    for project in projects {
        let cloud = CloudHandle::connect(
            ConnectionConfig::custom(url, project)
                .username("bench_bot")
                .rate_limit(rate),
        )
        .await
        .with_context(|| format!("connecting the bot to {url} project {project}"))?;
        clouds.push(cloud);
    }
    let mut config = SocketConfig::default()
        .packet_size(PacketSize::Fixed(PACKET_SIZE))
        .to_client_spacing(spacing);
    if let Some(key) = security {
        config = config.security(Arc::new(key));
    }
    let links: Vec<Arc<dyn CloudLink>> = clouds
        .iter()
        .map(|c| Arc::new(c.clone()) as Arc<dyn CloudLink>)
        .collect();
    let mut builder = RequestBot::builder(registry());
    for cloud in clouds {
        builder = builder.also_stop(cloud);
    }
    let bot = builder.start(SocketHandle::listen(links, config))?;
    Ok(InProcessBot { bot, public_data })
}

/// The project of client `i` when a bot listens on `rooms` projects named after `base`.
pub fn project_of(base: &str, rooms: usize, i: usize) -> String {
    if rooms <= 1 {
        base.to_owned()
    } else {
        format!("{base}-r{}", i % rooms)
    }
}

/// One cloud connection for a client or a bot, rate limits off, no reconnect.
pub async fn connect_cloud(url: &str, project: &str, user: &str) -> anyhow::Result<CloudHandle> {
    CloudHandle::connect(
        ConnectionConfig::custom(url, project)
            .username(user)
            .rate_limit(RateLimit::unlimited())
            .reconnect(false),
    )
    .await
    .with_context(|| format!("connecting {user} to {url} project {project}"))
}

/// Body of the hidden `bench --scenario bot` child: serve until killed.
pub async fn serve_child(
    url: &str,
    project: &str,
    rooms: usize,
    secure: bool,
    spacing: Duration,
    out: &Path,
) -> anyhow::Result<()> {
    let projects: Vec<String> = (0..rooms.max(1))
        .map(|i| project_of(project, rooms, i))
        .collect();
    let bot = start_bot_on(url, &projects, secure, RateLimit::unlimited(), spacing).await?;
    write_atomically(out, &serde_json::to_string(&bot.public_data)?)?;
    let _ = bot.bot.wait().await;
    Ok(())
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// Which implementation a child bot runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// This library (`scratchcomm bench --scenario bot`).
    Ours,
    /// scratchcommunication 3.0.0 (`python/original_bot.py`).
    Original,
}

impl Impl {
    /// Name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Impl::Ours => "scratchcomm (Rust)",
            Impl::Original => "original 3.0.0 (Python)",
        }
    }
}

/// A bot in a child process; killed when dropped.
pub struct BotProcess {
    child: Child,
    /// The bot's public data (empty when insecure).
    pub public_data: BTreeMap<String, String>,
}

impl BotProcess {
    /// Starts a bot of `which` on `url`/`project` and waits until it is ready.
    pub async fn spawn(
        which: Impl,
        url: &str,
        project: &str,
        secure: bool,
        spacing: Duration,
        rooms: usize,
    ) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("scratchcomm-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let out = dir.join(format!("{project}.json"));
        let log = dir.join(format!("{project}.log"));
        let _ = std::fs::remove_file(&out);
        let mut cmd = match which {
            Impl::Ours => {
                let mut c = Command::new(std::env::current_exe()?);
                c.args([
                    "bench",
                    "--scenario",
                    "bot",
                    "--url",
                    url,
                    "--project",
                    project,
                ]);
                if secure {
                    c.arg("--secure");
                }
                c.arg("--spacing-ms").arg(spacing.as_millis().to_string());
                c.arg("--bot-rooms").arg(rooms.to_string());
                c.arg("--public-data-out").arg(&out);
                c
            }
            Impl::Original => {
                let mut c = Command::new(python()?);
                c.arg(checkout_file("python/original_bot.py")?);
                c.args([
                    "--host",
                    url,
                    "--project-id",
                    project,
                    "--packet-size",
                    "220",
                ]);
                c.args(["--security", if secure { "ec" } else { "none" }]);
                c.arg("--public-data-out").arg(&out);
                c
            }
        };
        let stderr = std::fs::File::create(&log)?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let child = cmd
            .spawn()
            .with_context(|| format!("starting the {} bot", which.label()))?;
        let mut bot = BotProcess {
            child,
            public_data: BTreeMap::new(),
        };
        let started = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&out) {
                bot.public_data = serde_json::from_str(&text).context("bot public data")?;
                return Ok(bot);
            }
            if let Some(status) = bot.child.try_wait()? {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                anyhow::bail!("the {} bot exited with {status}:\n{log}", which.label());
            }
            if started.elapsed() > READY_TIMEOUT {
                anyhow::bail!(
                    "the {} bot was not ready within {READY_TIMEOUT:?}",
                    which.label()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Process id of the bot.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time and memory of the bot process so far.
    pub fn sample(&self) -> anyhow::Result<ProcSample> {
        ProcSample::pid(self.child.id())
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file of the source checkout this binary was built from, `relative` to the workspace
/// root (two folders above this crate's, a path fixed at build time: nothing is searched
/// at run time). Errors, naming the file, when the binary runs away from that checkout.
pub fn checkout_file(relative: &str) -> anyhow::Result<PathBuf> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = match relative.strip_prefix("python/") {
        // The bench's own scripts sit in this crate.
        Some(_) => crate_dir.join(relative),
        None => crate_dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(crate_dir)
            .join(relative),
    };
    anyhow::ensure!(
        path.exists(),
        "{} is missing: this scenario needs the source checkout `scratchcomm` was built \
         from (build it there, e.g. `cargo run --release -- bench ...`)",
        path.display()
    );
    Ok(path)
}

/// The workspace's `target/` folder, for the reference venvs.
pub fn target_dir() -> anyhow::Result<PathBuf> {
    Ok(checkout_file("Cargo.toml")?.with_file_name("target"))
}

/// The reference venv's python, created with `tools/python-reference/setup.sh` if missing.
fn python() -> anyhow::Result<PathBuf> {
    let setup = checkout_file("tools/python-reference/setup.sh")?;
    let venv = match std::env::var_os("PYREF_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir()?.join("pyref-venv"),
    };
    let py = venv.join("bin/python");
    let ready = py.exists()
        && Command::new(&py)
            .args(["-c", "import scratchcommunication.cloud_socket"])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if !ready {
        eprintln!("setting up the original library (tools/python-reference/setup.sh)...");
        let status = Command::new("bash")
            .arg(&setup)
            .env("PYREF_VENV", &venv)
            .status()
            .context("running tools/python-reference/setup.sh")?;
        anyhow::ensure!(
            status.success(),
            "tools/python-reference/setup.sh failed: {status}"
        );
    }
    Ok(py)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_spread_round_robin_over_the_bot_projects() {
        assert_eq!(project_of("p", 1, 5), "p");
        assert_eq!(project_of("p", 0, 5), "p");
        assert_eq!(project_of("p", 3, 0), "p-r0");
        assert_eq!(project_of("p", 3, 4), "p-r1");
    }

    #[test]
    fn whole_numbers_without_a_fraction() {
        assert_eq!(number_text(5.0), "5");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(-3.0), "-3");
    }
}
