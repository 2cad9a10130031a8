//! `--scenario sa-requests`: scratchattach's kit. N sprite models (each on its own cloud
//! connection) loop `add&k&3` over `☁ TO_HOST` against an `SaBot` in a child process and
//! against scratchattach 2.2.6 (`python/sa_reference_bot.py`, venv `target/sa-venv`)
//! on the same embedded server, same run; prints requests/s, the latency the sprite sees
//! (request set → final FROM_HOST packet received) and the ratio.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actors_cloud::{CloudHandle, EventKind};
use actors_requests::{sa_encode, Registry, SaBot, SaConfig};
use anyhow::Context;
use scratchcomm_server::{CloudServer, Limits, ServerConfig};

use super::bots::{checkout_file, connect_cloud, target_dir};
use super::metrics::{Latencies, Ms};

/// The bot's request: `add a b` → the sum.
fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("add", |a: i64, b: i64| a + b);
    r
}

/// The child process: an `SaBot` on `url`/`project`; writes `{}` to `ready` when serving.
pub async fn serve_child(url: &str, project: &str, ready: &Path) -> anyhow::Result<()> {
    let cloud = connect_cloud(url, project, "sabench").await?;
    let bot = SaBot::builder(registry())
        .config(SaConfig::turbowarp())
        .start(&cloud)?;
    std::fs::write(ready, "{}")?;
    bot.wait().await;
    Ok(())
}

/// A bot process, killed when dropped.
struct BotChild(Child);

impl Drop for BotChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start a bot process and wait (without blocking the embedded server) for its ready file.
async fn spawn(cmd: &mut Command, ready: &Path, what: &str) -> anyhow::Result<BotChild> {
    let _ = std::fs::remove_file(ready);
    let child = BotChild(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {what}"))?,
    );
    let started = Instant::now();
    while !ready.exists() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "{what} was not ready in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(child)
}

/// scratchattach 2.2.6 in `target/sa-venv` (made with pip if missing).
fn reference_python() -> anyhow::Result<PathBuf> {
    let venv = target_dir()?.join("sa-venv");
    let py = venv.join("bin/python");
    let ok = |py: &Path| {
        Command::new(py)
            .args(["-c", "import scratchattach"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ok(&py) {
        eprintln!("setting up scratchattach 2.2.6 in {}...", venv.display());
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()?;
        anyhow::ensure!(made.success(), "python3 -m venv failed");
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "scratchattach==2.2.6"])
            .status()?;
        anyhow::ensure!(pip.success(), "pip install scratchattach==2.2.6 failed");
    }
    Ok(py)
}

/// One phase: `clients` sprite models against the bot in `project` for `duration`.
async fn load(
    url: &str,
    project: &str,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<(u64, u64, Duration, Latencies)> {
    let next_id = Arc::new(AtomicU32::new(1));
    let mut tasks = Vec::new();
    for i in 0..clients {
        let cloud = connect_cloud(url, project, &format!("sprite{i}")).await?;
        let next_id = next_id.clone();
        tasks.push(actix_rt::spawn(async move {
            sprite_loop(cloud, next_id, duration).await
        }));
    }
    let (mut done, mut errors, mut lat) = (0, 0, Latencies::default());
    let started = Instant::now();
    for t in tasks {
        let (d, e, l) = t.await?;
        done += d;
        errors += e;
        lat.extend(l);
    }
    Ok((done, errors, started.elapsed(), lat))
}

/// What one sprite does: a request, wait for its whole reply, the next.
async fn sprite_loop(
    cloud: CloudHandle,
    next_id: Arc<AtomicU32>,
    duration: Duration,
) -> (u64, u64, Latencies) {
    let mut events = cloud.events();
    let (mut done, mut errors, mut lat) = (0, 0, Latencies::default());
    let end = Instant::now() + duration;
    while Instant::now() < end {
        let n = next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:05}0", 10_000 + n % 90_000);
        let k = n % 1000;
        let value = format!("{}.{id}", sa_encode(&format!("add&{k}&3")));
        let want = format!("{}.{id}3222", k + 3);
        let sent = Instant::now();
        if cloud.set("TO_HOST", value.as_str()).await.is_err() {
            errors += 1;
            continue;
        }
        let got = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(e) = events.next_event().await {
                if e.kind == EventKind::Set && e.value.as_ref().is_some_and(|v| v.as_str() == want)
                {
                    return true;
                }
            }
            false
        })
        .await;
        match got {
            Ok(true) => {
                done += 1;
                lat.push(sent.elapsed());
            }
            _ => errors += 1,
        }
    }
    cloud.stop().await;
    (done, errors, lat)
}

/// `--scenario sa-requests`.
pub async fn sa_requests(clients: usize, duration: Duration) -> anyhow::Result<()> {
    let limits = Limits::default()
        .max_connections(2 * clients + 64)
        .max_clients_per_room(2 * clients + 64);
    let server = CloudServer::start(ServerConfig::default().limits(limits)).await?;
    let url = server.url();
    let dir = std::env::temp_dir().join(format!("scratchcomm-sa-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    println!(
        "embedded server {url}; {clients} sprite models looping `add&k&3`, {} s each",
        duration.as_secs_f64()
    );
    let mut rates = Vec::new();
    for which in ["sa_bot (Rust)", "scratchattach 2.2.6 (Python)"] {
        let project = format!("{}", 300_000 + rates.len());
        let ready = dir.join(format!("{project}.ready"));
        let _child = if rates.is_empty() {
            let mut c = Command::new(std::env::current_exe()?);
            c.args([
                "bench",
                "--scenario",
                "sa-bot",
                "--url",
                &url,
                "--project",
                &project,
                "--public-data-out",
            ])
            .arg(&ready);
            spawn(&mut c, &ready, which).await?
        } else {
            let mut c = Command::new(reference_python()?);
            c.arg(checkout_file("python/sa_reference_bot.py")?)
                .args(["--host", &url, "--project-id", &project, "--ready-file"])
                .arg(&ready);
            spawn(&mut c, &ready, which).await?
        };
        let (done, errors, elapsed, mut lat) = load(&url, &project, clients, duration).await?;
        let rps = done as f64 / elapsed.as_secs_f64();
        println!(
            "{which}: {done} requests, {errors} errors, {rps:.1} requests/s, sprite-view latency p50 {} p99 {}",
            Ms(lat.quantile(0.5)),
            Ms(lat.quantile(0.99))
        );
        rates.push(rps);
    }
    if rates[1] > 0.0 {
        println!(
            "ratio: {:.1}x requests/s vs scratchattach 2.2.6",
            rates[0] / rates[1]
        );
    }
    server.stop().await;
    Ok(())
}
