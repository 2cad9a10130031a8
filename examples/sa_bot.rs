//! A bot for scratchattach's Scratch kits (the "Cloud Requests" sprite of
//! `CloudRequests_Template.sb3` or `CloudStorage_Template.sb3`): the one the interop suite
//! and the bench run the real kits against, and a template for your own.
//!
//! ```text
//! cargo run --example sa_bot -- --host ws://127.0.0.1:9080/ --project-id 1 \
//!     --kind requests|storage --ready-file ready.json --db-dir ./db \
//!     [--length-limit N] [--rate SECONDS]
//! ```
//!
//! Once it has joined the room it writes `--ready-file` atomically (temporary file, then
//! rename) containing `{}`. It stops cleanly on SIGTERM or Ctrl-C (database files flushed).
//!
//! Kind `requests`: `ping` → `pong`; `add a b` → the sum (a number reply when it is a
//! non-negative integer); `echo s` → `s`; `long n` → the first n characters of
//! `abc…xyzABC…XYZ0123456789` repeated; any other name → no reply, as the reference.
//! Kind `storage`: the CloudStorage kit's requests over one database `testdb`, stored as
//! `<db-dir>/testdb.json`.

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_requests::py_float_repr;
use actors_requests::{CloudStorage, ErrorMessage, Registry, SaBot, SaConfig};
use anyhow::Context;
use clap::{Parser, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "A bot for scratchattach's Cloud Requests and Cloud Storage kits")]
struct Args {
    /// Cloud server URL (ws:// or wss://, TurboWarp protocol; no account needed).
    #[arg(long)]
    host: String,
    /// Project id (room) on that server.
    #[arg(long)]
    project_id: String,
    /// Which kit the project contains.
    #[arg(long, value_enum)]
    kind: Kind,
    /// Written atomically with `{}` once the bot is in the room.
    #[arg(long)]
    ready_file: PathBuf,
    /// Where the storage kit's databases live (`testdb.json`).
    #[arg(long, default_value = ".")]
    db_dir: PathBuf,
    /// Largest value the bot may set (default: the host's, 100000).
    #[arg(long)]
    length_limit: Option<usize>,
    /// Least time between two of the bot's sets, in seconds (default: 0, the host's).
    #[arg(long)]
    rate: Option<f64>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Requests,
    Storage,
}

const ALNUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn requests() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong");
    r.request("add", |a: String, b: String| {
        match (a.trim().parse::<i128>(), b.trim().parse::<i128>()) {
            (Ok(x), Ok(y)) => Ok(x.saturating_add(y).to_string()),
            _ => match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) => Ok(py_float_repr(x + y)),
                _ => Err(ErrorMessage::new(format!("cannot add {a:?} and {b:?}"))),
            },
        }
    });
    r.request("echo", |s: String| s);
    r.request("long", |n: usize| {
        if n > 1_000_000 {
            return Err(ErrorMessage::new("n must be at most 1000000"));
        }
        Ok(ALNUM.chars().cycle().take(n).collect::<String>())
    });
    r
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let mut config = SaConfig::turbowarp();
    if let Some(limit) = args.length_limit {
        config = config.length_limit(limit);
    }
    if let Some(rate) = args.rate {
        config = config.spacing(
            Duration::try_from_secs_f64(rate)
                .with_context(|| format!("--rate {rate} is not a number of seconds"))?,
        );
    }
    config.validate().context("--length-limit")?;
    let storage = match args.kind {
        Kind::Requests => None,
        Kind::Storage => Some(
            CloudStorage::builder(&args.db_dir)
                .database("testdb")
                .open()
                .with_context(|| format!("opening databases in {}", args.db_dir.display()))?,
        ),
    };
    let registry = storage
        .as_ref()
        .map_or_else(requests, CloudStorage::registry);
    // The bot paces its own sets (SaConfig); the connection adds no limit of its own.
    let cloud = CloudHandle::connect(
        ConnectionConfig::custom(&args.host, &args.project_id)
            .username("sa_bot")
            .rate_limit(RateLimit::unlimited()),
    )
    .await
    .with_context(|| format!("connecting to {}", args.host))?;
    let bot = SaBot::builder(registry).config(config).start(&cloud)?;
    write_atomically(&args.ready_file, "{}")?;
    eprintln!(
        "sa_bot: serving the {:?} kit in project {} on {}",
        args.kind, args.project_id, args.host
    );

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
        _ = bot.wait() => {},
    }
    bot.stop().await;
    if let Some(storage) = storage {
        storage.flush()?;
    }
    eprintln!("sa_bot: stopped");
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
            eprintln!("sa_bot: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::requests;
    use actors_requests::{Caller, Dispatcher};

    #[test]
    fn handlers() {
        let d = Dispatcher::new(requests());
        let reply = |text: &str| {
            let fut = d.dispatch(Caller::new("1", None), text);
            futures_util::FutureExt::now_or_never(fut)
                .unwrap()
                .0
                .unwrap()
        };
        assert_eq!(reply("add \"2\" \"40\""), "42");
        assert_eq!(reply("add \"1.5\" \"2\""), "3.5");
        assert_eq!(reply("long 64"), format!("{}ab", super::ALNUM));
    }
}
