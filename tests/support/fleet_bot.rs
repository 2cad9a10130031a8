//! Fleet tests' parts: `examples/request_bot` processes in fleet mode (their stdout event
//! lines collected) and checker clients that ask `pid SEQ` of one project again and again,
//! recording which process answered and when.
#![allow(dead_code)]

use scratchcommunication::cloud::{CloudHandle, ConnectionConfig, RateLimit};
use scratchcommunication::socket::{ConnectMode, PacketSize, ScratchClient};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// `target/<profile>/examples/request_bot`, built by `cargo test` (every target of the
/// package, examples included) before the tests run.
pub fn bot_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let bin = dir.join("examples").join("request_bot");
    assert!(
        bin.exists(),
        "{} is missing: `cargo test` builds it; with a test filter run `cargo build --example \
         request_bot` first",
        bin.display()
    );
    bin
}

/// One fleet event line of a bot: `fleet KIND PROJECT TOKEN UNIX_MS [REASON]`.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: String,
    pub project: String,
    pub token: u64,
    pub at: u64,
    pub rest: String,
}

/// A request_bot process in fleet mode; SIGKILLed on drop.
pub struct Bot {
    pub child: Child,
    pub pid: u32,
    pub events: Arc<Mutex<Vec<Event>>>,
    _dir: tempfile::TempDir,
}

impl Bot {
    pub fn start(server: &str, redis: &str, projects: &[String], ttl_ms: u64) -> Bot {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(bot_binary())
            .args([
                "--host",
                server,
                "--security",
                "none",
                "--sets-per-second",
                "0",
            ])
            .args(["--fleet-redis", redis, "--fleet-name", "test"])
            .arg("--fleet-projects")
            .arg(projects.join(","))
            .arg("--fleet-ttl-ms")
            .arg(ttl_ms.to_string())
            .arg("--public-data-out")
            .arg(dir.path().join("public.json"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("FLEET_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("starting examples/request_bot");
        let pid = child.id();
        let events = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().expect("piped stdout");
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let parts: Vec<&str> = line.splitn(6, ' ').collect();
                if parts.len() >= 5 && parts[0] == "fleet" {
                    sink.lock().unwrap().push(Event {
                        kind: parts[1].to_owned(),
                        project: parts[2].to_owned(),
                        token: parts[3].parse().unwrap_or(0),
                        at: parts[4].parse().unwrap_or(0),
                        rest: parts.get(5).unwrap_or(&"").to_string(),
                    });
                }
            }
        });
        Bot {
            child,
            pid,
            events,
            _dir: dir,
        }
    }

    /// Projects held now according to its events (gained and not lost since).
    pub fn held(&self) -> Vec<String> {
        let mut held = std::collections::BTreeSet::new();
        for e in self.events.lock().unwrap().iter() {
            match e.kind.as_str() {
                "gained" => {
                    held.insert(e.project.clone());
                }
                "lost" => {
                    held.remove(&e.project);
                }
                _ => {}
            }
        }
        held.into_iter().collect()
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal (`STOP`, `CONT`, `TERM`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid.to_string())
            .status()
            .expect("kill(1)");
        assert!(status.success(), "kill -{name} {}", self.pid);
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a checker saw: one entry per request.
#[derive(Clone, Debug)]
pub struct Answer {
    /// When the request was sent (ms since the Unix epoch).
    pub asked: u64,
    /// When its answer (or the miss) was seen.
    pub at: u64,
    /// The answering process, or None (no reply in time).
    pub pid: Option<u32>,
    /// A reply whose tag was not the request's own (a late or second answer).
    pub mismatch: bool,
}

/// Asks `pid SEQ` in project `project` until `stop`, reconnecting its session after two
/// requests without a reply.
pub async fn check(
    server: String,
    project: String,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Answer>>>,
) {
    let config = ConnectionConfig::custom(&server, &project).rate_limit(RateLimit::unlimited());
    // `ScratchClient::close` stops its connection too: a new session gets a new one.
    let mut client: Option<ScratchClient> = None;
    let mut misses = 0;
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if client.is_none() {
            if let Ok(cloud) = CloudHandle::connect(config.clone()).await {
                match ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(220))
                    .await
                {
                    Ok(c) => client = Some(c),
                    Err(_) => cloud.stop().await,
                }
            }
        }
        let Some(c) = client.as_ref() else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        seq += 1;
        let tag = format!("{project}x{seq}");
        let asked = unix_ms();
        let reply = c
            .request(
                "pid",
                std::slice::from_ref(&tag),
                Duration::from_millis(1000),
            )
            .await;
        let answer = match reply {
            Ok(text) => {
                misses = 0;
                let (pid, got) = text.split_once(':').unwrap_or((text.as_str(), ""));
                Answer {
                    asked,
                    at: unix_ms(),
                    pid: pid.parse().ok(),
                    mismatch: got != tag,
                }
            }
            Err(e) => {
                if std::env::var_os("FLEET_LOG").is_some() {
                    eprintln!("checker {project}: {e}");
                }
                misses += 1;
                if misses >= 2 {
                    if let Some(c) = client.take() {
                        c.close().await;
                    }
                    misses = 0;
                }
                Answer {
                    asked,
                    at: unix_ms(),
                    pid: None,
                    mismatch: false,
                }
            }
        };
        log.lock().unwrap().push(answer);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    if let Some(c) = client {
        c.close().await;
    }
}
