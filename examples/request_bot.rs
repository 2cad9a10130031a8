//! A complete cloud-request bot: the one the interop suite runs the real client sprite
//! against, and a template for your own.
//!
//! ```text
//! cargo run --example request_bot -- --host ws://127.0.0.1:9080/ --project-id 1 \
//!     --security ec --public-data-out public.json [--packet-size 220]
//! ```
//!
//! Fleet mode: several processes given the same projects share them through leases in
//! Redis, each project served by exactly one live process (a killed one's projects are
//! taken over within the lease time, 5 s by default):
//!
//! ```text
//! cargo run --example request_bot -- --host ws://127.0.0.1:9080/ --security none \
//!     --fleet-redis redis://127.0.0.1:6379/ --fleet-projects 1,2,3,4 --public-data-out p.json
//! ```
//!
//! It then prints one line per fleet event on stdout: `fleet gained|lost|fenced PROJECT
//! TOKEN UNIX_MS [REASON]`.
//!
//! When it is ready to serve it writes `--public-data-out` atomically (temporary file, then
//! rename) with the public data the Scratch project needs (`{}` without security). It stops
//! cleanly on SIGTERM or Ctrl-C.
//!
//! Requests: `ping` → `pong`; `add a b` → the sum (whole numbers without `.0`); `echo s` →
//! `s`; `long n` → the first n characters of the 91-character table repeated; `concat …` →
//! every argument joined; `d x` → `x` doubled (a number) or repeated (text), to show the
//! sprite's single-character join (`d7`); `pid [tag]` → this process's id (`4242` or
//! `4242:tag`), to see which process of a fleet answered.

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_fleet::{serve_requests, FleetConfig, FleetEvent};
use actors_requests::{ErrorMessage, Registry, RequestBot, Rest};
use actors_security::read_key_file;
use actors_security::Security;
use actors_security::TABLE;
use actors_socket::{PacketSize, SocketConfig};
use anyhow::Context;
use clap::{Parser, ValueEnum};
use scratchcomm_wire::ProjectId;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "A cloud-request bot for the Advanced CloudRequests sprite")]
struct Args {
    /// Cloud server URL (ws:// or wss://, TurboWarp protocol).
    #[arg(long)]
    host: String,
    /// Project id (room) on that server (or `--fleet-projects`).
    #[arg(long, required_unless_present = "fleet_projects")]
    project_id: Option<String>,
    /// Key exchange for secure clients; `none` accepts insecure clients only.
    #[arg(long, value_enum, default_value_t = SecurityArg::Ec)]
    security: SecurityArg,
    /// Use this key file (from `scratchcomm keygen --out FILE`) instead of a fresh key;
    /// its scheme overrides `--security`.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Where to write the public data (JSON) once ready.
    #[arg(long)]
    public_data_out: PathBuf,
    /// Packet size (digits per TO_CLIENT chunk); default AUTO: 98,800 on custom hosts, like
    /// the original library for every TurboWarp-style connection.
    #[arg(long)]
    packet_size: Option<usize>,
    /// Cloud sets per second, spaced evenly (the sprite sees only the latest value of each
    /// TO_CLIENT variable, so keep this at 10 for real sprites); 0 = unlimited.
    #[arg(long, default_value_t = 10)]
    sets_per_second: u32,
    /// Fleet mode: share `--fleet-projects` with the other processes given the same list,
    /// through leases in this Redis.
    #[arg(long, requires = "fleet_projects")]
    fleet_redis: Option<String>,
    /// Fleet mode: every project of the fleet, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        requires = "fleet_redis",
        conflicts_with = "project_id"
    )]
    fleet_projects: Vec<String>,
    /// Fleet mode: the fleet's name (processes of one fleet share it).
    #[arg(long, default_value = "request_bot")]
    fleet_name: String,
    /// Fleet mode: lease time in milliseconds; a dead process's projects are free after
    /// at most this long.
    #[arg(long, default_value_t = 5000)]
    fleet_ttl_ms: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SecurityArg {
    None,
    Ec,
    Rsa,
}

fn registry() -> Registry {
    let mut requests = Registry::new();
    requests.request("ping", || "pong");
    requests.request("add", |a: f64, b: f64| number_text(a + b));
    requests.request("echo", |s: String| s);
    requests.request("long", |n: i64| {
        if !(0..=1_000_000).contains(&n) {
            return Err(ErrorMessage::new("n must be between 0 and 1000000"));
        }
        Ok(TABLE.chars().cycle().take(n as usize).collect::<String>())
    });
    requests.request("concat", |parts: Rest<String>| parts.0.concat());
    // A one-character name: the sprite joins `d` and `7` without a space (`d7`, §9 C3).
    requests.request("d", |x: String| match x.parse::<f64>() {
        Ok(n) => number_text(n * 2.0),
        Err(_) => x.repeat(2),
    });
    requests.request("pid", |tag: Option<String>| match tag {
        Some(tag) => format!("{}:{tag}", std::process::id()),
        None => std::process::id().to_string(),
    });
    requests
}

/// A number as a person writes it: `5`, not `5.0`.
fn number_text(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let security = match (&args.key_file, args.security) {
        (Some(path), _) => Some(
            read_key_file(path).with_context(|| format!("reading key file {}", path.display()))?,
        ),
        (None, SecurityArg::None) => None,
        (None, SecurityArg::Ec) => Some(Security::generate_ec()),
        (None, SecurityArg::Rsa) => Some(Security::generate_rsa()),
    };
    let public_data = security
        .as_ref()
        .map(Security::public_data)
        .unwrap_or_default();
    let rate = match args.sets_per_second {
        0 => RateLimit::unlimited(),
        n => RateLimit::per_second(n).min_interval(Duration::from_millis(1000 / n as u64)),
    };
    let connection = {
        let host = args.host.clone();
        move |project: &str| {
            ConnectionConfig::custom(&host, project)
                .username("request_bot")
                .rate_limit(rate)
        }
    };
    let mut config = SocketConfig::default().packet_size(
        args.packet_size
            .map(PacketSize::Fixed)
            .unwrap_or(PacketSize::Auto),
    );
    if let Some(key) = security {
        config = config.security(Arc::new(key));
    }
    if let Some(redis) = &args.fleet_redis {
        return serve_fleet(&args, redis, connection, config, &public_data).await;
    }
    let project_id = args.project_id.clone().unwrap_or_default();
    // A server that is not up yet is waited for (retries with backoff, each logged).
    let cloud = CloudHandle::connect(connection(&project_id))
        .await
        .with_context(|| format!("connecting to {}", args.host))?;
    let bot = RequestBot::builder(registry()).listen_on(&cloud, config)?;
    write_atomically(
        &args.public_data_out,
        &serde_json::to_string_pretty(&public_data)?,
    )?;
    eprintln!(
        "request_bot: serving project {} on {}",
        project_id, args.host
    );

    // Server restarts and reconnects do not end the bot; only a signal or a fatal error
    // (e.g. a close code that cannot heal) does.
    let ended = tokio::select! {
        signal = terminated() => signal.map_err(anyhow::Error::from),
        reason = bot.wait() => reason.map_err(anyhow::Error::from),
    };
    bot.stop().await;
    eprintln!("request_bot: stopped");
    ended.context("the bot stopped for good")?;
    Ok(())
}

/// SIGTERM or Ctrl-C.
async fn terminated() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => Ok(()),
        r = tokio::signal::ctrl_c() => r,
    }
}

fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Fleet mode: serve the projects this process holds a lease of, printing every event.
async fn serve_fleet(
    args: &Args,
    redis: &str,
    connection: impl Fn(&str) -> ConnectionConfig + 'static,
    config: SocketConfig,
    public_data: &impl serde::Serialize,
) -> anyhow::Result<()> {
    let projects = args
        .fleet_projects
        .iter()
        .map(|p| ProjectId::new(p.trim()))
        .collect::<Result<Vec<_>, _>>()
        .context("--fleet-projects")?;
    let fleet_config = FleetConfig::new(redis, projects)
        .ttl(Duration::from_millis(args.fleet_ttl_ms))
        .name(args.fleet_name.clone());
    let fleet = serve_requests(
        fleet_config,
        move |p| connection(p.as_str()),
        registry,
        move || config.clone(),
    )?;
    let mut events = fleet.events();
    write_atomically(
        &args.public_data_out,
        &serde_json::to_string_pretty(public_data)?,
    )?;
    eprintln!(
        "request_bot: fleet member {} of {} projects on {}",
        fleet.member(),
        args.fleet_projects.len(),
        args.host
    );
    let print = async move {
        while let Some(event) = events.next_event().await {
            let line = match event {
                FleetEvent::Gained { project, token } => {
                    format!("fleet gained {} {token} {}", project.as_str(), unix_ms())
                }
                FleetEvent::Lost {
                    project,
                    token,
                    reason,
                } => format!(
                    "fleet lost {} {token} {} {reason:?}",
                    project.as_str(),
                    unix_ms()
                ),
                FleetEvent::Fenced { project, token } => {
                    format!("fleet fenced {} {token} {}", project.as_str(), unix_ms())
                }
                FleetEvent::StartFailed { project, error } => {
                    format!("fleet failed {} 0 {} {error}", project.as_str(), unix_ms())
                }
                FleetEvent::Lagged { missed } => {
                    eprintln!("request_bot: {missed} fleet events were missed (reader too slow)");
                    continue;
                }
            };
            println!("{line}");
        }
    };
    tokio::select! {
        _ = print => {},
        signal = terminated() => signal?,
    }
    fleet.stop().await;
    eprintln!("request_bot: left the fleet");
    Ok(())
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match actix_rt::System::new().block_on(serve(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("request_bot: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::number_text;

    #[test]
    fn whole_numbers_have_no_fraction() {
        assert_eq!(number_text(5.0), "5");
        assert_eq!(number_text(2.75), "2.75");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
    }
}
