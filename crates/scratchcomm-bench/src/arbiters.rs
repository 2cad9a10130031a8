//! Many projects, each with its own request bot and clients, spread over actix arbiters
//! (one thread each): the same load on one arbiter and on one arbiter per core, with the
//! ratio of the two measured in the same run.

use super::bots::start_bot;
use super::clients::{close_clients, connect_clients, warm_up};
use super::load::{drive, LoadResult, LoadSpec};
use super::metrics::{Ms, ProcSample};
use super::requests::{mode_name, spacing, spec};
use super::{scale, BenchArgs};
use actix_rt::Arbiter;
use actors_cloud::RateLimit;
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Barrier};

/// Longest wait for every project to be set up.
const SETUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `projects` projects (a bot and `spec.clients` clients each) on `arbiters`
/// arbiters; returns the combined result.
pub async fn run_spread(
    url: &str,
    tag: &str,
    projects: usize,
    arbiters: usize,
    spacing: Duration,
    spec: &LoadSpec,
) -> anyhow::Result<LoadResult> {
    let arbiters = arbiters.max(1);
    let barrier = Arc::new(Barrier::new(projects + 1));
    let mut threads = Vec::new();
    let mut replies = Vec::new();
    for a in 0..arbiters {
        let arbiter = Arbiter::new();
        let mine: Vec<String> = (0..projects)
            .filter(|p| p % arbiters == a)
            .map(|p| format!("{tag}-p{p}"))
            .collect();
        for project in mine {
            let (tx, rx) = oneshot::channel();
            let (url, spec, barrier) = (url.to_owned(), spec.clone(), barrier.clone());
            arbiter.spawn_fn(move || {
                actix_rt::spawn(async move {
                    let _ = tx.send(one_project(url, project, spec, spacing, barrier).await);
                });
            });
            replies.push(rx);
        }
        threads.push(arbiter);
    }
    // Everyone set up (or failed), then the load starts on every arbiter at once.
    tokio::time::timeout(SETUP_TIMEOUT, barrier.wait())
        .await
        .context("projects were not set up in time")?;
    let mut total = LoadResult::default();
    for rx in replies {
        let r = rx.await.context("an arbiter stopped")??;
        total.completed += r.completed;
        total.errors += r.errors;
        total.latencies.extend(r.latencies);
        total.connect_time = total.connect_time.max(r.connect_time);
        // All start at the barrier, so the slowest project's time is the run's.
        total.elapsed = total.elapsed.max(r.elapsed);
    }
    for arbiter in threads {
        arbiter.stop();
        let _ = arbiter.join();
    }
    Ok(total)
}

async fn one_project(
    url: String,
    project: String,
    spec: LoadSpec,
    spacing: Duration,
    barrier: Arc<Barrier>,
) -> anyhow::Result<LoadResult> {
    let started = Instant::now();
    let setup = async {
        let bot = start_bot(&url, &project, spec.secure, RateLimit::unlimited(), spacing).await?;
        let clients = connect_clients(
            &url,
            &project,
            spec.clients,
            spec.secure,
            &bot.public_data,
            false,
            1,
            None,
        )
        .await?;
        let (clients, _) = warm_up(clients, &spec).await?;
        anyhow::Ok((bot, clients))
    }
    .await;
    let connect_time = started.elapsed();
    barrier.wait().await;
    let (bot, clients) = setup?;
    let mut result = drive(&clients, &spec).await;
    result.connect_time = connect_time;
    close_clients(clients).await;
    bot.bot.stop().await;
    Ok(result)
}

/// `--scenario arbiters`: the same load on one arbiter, then on `--arbiters` (one per core).
pub(crate) async fn spread(args: &BenchArgs, duration: Duration) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let wide = args.arbiters.unwrap_or(cores).max(1);
    let projects = args.projects.max(1);
    let clients = projects * (args.clients.max(1) + 1);
    let server = scale::ServerChild::spawn(clients + 64).await?;
    let spec = spec(args, args.secure, duration)?;
    println!(
        "{projects} projects x ({} clients + 1 bot), {}, {} s, server in a child process",
        spec.clients,
        mode_name(args.secure),
        args.seconds
    );
    let mut rates = Vec::new();
    for (tag, n) in [("one", 1), ("wide", wide)] {
        let own0 = ProcSample::own()?;
        let mut r = run_spread(&server.url, tag, projects, n, spacing(args), &spec).await?;
        let own1 = ProcSample::own()?;
        println!(
            "  {n} arbiter(s): {:.1} requests/s  p50 {}  p99 {}  ({} errors; CPU {:.2} s)",
            r.rps(),
            Ms(r.latencies.quantile(0.5)),
            Ms(r.latencies.quantile(0.99)),
            r.errors,
            (own1.cpu - own0.cpu).as_secs_f64()
        );
        rates.push(r.rps());
    }
    println!(
        "ratio: {:.2} requests/s with {wide} arbiters vs 1",
        rates[1] / rates[0].max(1e-9)
    );
    Ok(())
}
