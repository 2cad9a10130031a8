//! `scratchcomm bench`: load generator and scale measurements on loopback. Not published:
//! a development tool of the repository, run through the `scratchcomm` command, whose
//! `bench` subcommand is [`BenchArgs`] handed to [`run`].
//!
//! Child processes are the running executable itself (`scratchcomm bench --scenario bot`,
//! `… fleet-member`, `… sa-bot`, and `scratchcomm serve` for the server of the scale
//! scenarios), so that a bot's or server's CPU time and memory are its own; the host binary
//! must therefore be `scratchcomm`. Files from the checkout (the Python reference bots in
//! this crate's `python/`, `tools/python-reference/setup.sh`, `tools/peers/turbowarp.sh`)
//! are found by paths fixed at build time; a binary run away from its checkout says which
//! file is missing.
//!
//! The default scenario (`requests`) starts the embedded cloud server, a request bot (in a
//! child process, so its CPU time and peak memory are its own) and N [`ScratchClient`]s
//! (each on its own cloud connection, rate limits off) that loop one request for S seconds,
//! and prints requests/s, p50/p99 latency, CPU and peak memory. `--against-original` runs
//! the same load against the original Python library's bot (`python/original_bot.py` in this crate)
//! on the same server and ends with `ratio: X requests/s vs original`.
//!
//! Other scenarios: `idle-connections` (memory per idle connection), `broadcast` (server
//! messages/s with many rooms), `arbiters` (projects spread over one arbiter per core),
//! `goodput` (a long secure reply under Scratch's rate limits), `fleet-takeover` (a bot
//! fleet's takeover time after a clean stop and after `kill -9`). Results and the commands
//! that produced them: `docs/performance.md`.
//!
//! [`ScratchClient`]: actors_socket::ScratchClient

mod arbiters;
mod bots;
mod broadcast;
mod clients;
mod closed_loop;
mod fanout;
mod fleet;
mod goodput;
mod load;
mod metrics;
mod raw_listener;
mod requests;
mod sa;
mod scale;

use clap::{Args, ValueEnum};
use requests::spacing;
use std::path::PathBuf;
use std::time::Duration;

/// What to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// N clients looping requests against one bot (and the original with --against-original).
    Requests,
    /// --count idle cloud connections over --projects rooms: memory per connection.
    IdleConnections,
    /// --rooms × --per-room clients, one writer per room: broadcast messages/s, memory.
    Broadcast,
    /// --projects projects (bot + --clients clients each) on 1 arbiter vs one per core.
    Arbiters,
    /// A --chars long secure reply with Scratch's rate limits: fraction of the maximum.
    Goodput,
    /// --clients sprite models of scratchattach's kit looping requests against sa_bot and
    /// scratchattach 2.2.6, same server, same run: requests/s, sprite-view latency, ratio.
    SaRequests,
    /// --members fleet members (child processes) over --projects projects with leases in
    /// Redis: time until a stopped / killed member's projects answer again; a newcomer.
    FleetTakeover,
    /// (internal) One fleet member: the child process of `fleet-takeover`.
    #[value(hide = true)]
    FleetMember,
    /// (internal) Run only a request bot: the child process of `requests`.
    #[value(hide = true)]
    Bot,
    /// (internal) Run only a scratchattach-kit bot: the child process of `sa-requests`.
    #[value(hide = true)]
    SaBot,
}

/// Options of `scratchcomm bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Scenario::Requests)]
    pub scenario: Scenario,
    /// Socket clients (requests: in total; arbiters: per project).
    #[arg(long, default_value_t = 10)]
    pub clients: usize,
    /// Secure (EC) clients instead of insecure ones.
    #[arg(long)]
    pub secure: bool,
    /// Measure insecure and secure clients, one after the other.
    #[arg(long, conflicts_with = "secure")]
    pub both: bool,
    /// How long the load runs, in seconds.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Requests per second per client; 0 sends the next request as soon as the reply came.
    /// broadcast: sets per second per room at most; 0 sends the next set as soon as every
    /// listener of the room has the last one.
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Also run the same load against the original Python library 3.0.0 (a venv is set up
    /// with tools/python-reference/setup.sh if missing).
    #[arg(long)]
    pub against_original: bool,
    /// broadcast: also run the same load against TurboWarp's own cloud-server
    /// (`tools/peers/turbowarp.sh`, needs node/npm and ../shared/peers) and print ratios.
    #[arg(long)]
    pub against_turbowarp: bool,
    /// broadcast: rounds of the load, the servers (both connected from the start) taking
    /// turns back to back, ours first in odd rounds, TurboWarp's in even ones; figures and
    /// ratios are the medians of the rounds (a single run varies by about ±15 % on a busy
    /// machine).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub rounds: u32,
    /// Request of every client: `ping`, or `add` (`add <k> 3`, k different for every
    /// request so no two requests or replies are identical).
    #[arg(long, default_value = "add")]
    pub request: String,
    /// idle-connections: how many.
    #[arg(long, default_value_t = 10_000)]
    pub count: usize,
    /// idle-connections, arbiters: number of projects (rooms).
    #[arg(long, default_value_t = 100)]
    pub projects: usize,
    /// idle-connections: event buffer of each connection (default: the library's).
    #[arg(long)]
    pub event_capacity: Option<usize>,
    /// broadcast: rooms.
    #[arg(long, default_value_t = 100)]
    pub rooms: usize,
    /// broadcast: also run on 1..=N servers sharing the rooms through a redis-server of
    /// the run's own, and print ratios against one server without Redis.
    #[arg(long, value_name = "N")]
    pub nodes: Option<usize>,
    /// broadcast: listening clients per room.
    #[arg(long, default_value_t = 50)]
    pub per_room: usize,
    /// arbiters: arbiters of the spread run (default: one per core).
    #[arg(long)]
    pub arbiters: Option<usize>,
    /// Least time between two TO_CLIENT sets of our bot, in ms (requests, arbiters). 0
    /// (the default here) turns the spacing real sprites need off: benchmark clients see
    /// every set. 100 is the library's default.
    #[arg(long, default_value_t = 0)]
    pub spacing_ms: u64,
    /// requests: projects (rooms) the clients are spread over, all served by the one bot
    /// (one cloud connection per project). 1: every client in the bot's room.
    #[arg(long, default_value_t = 1)]
    pub bot_rooms: usize,
    /// fleet-takeover: fleet members at the start.
    #[arg(long, default_value_t = 3)]
    pub members: usize,
    /// fleet-takeover: lease time in ms (a killed member's projects are free after it).
    #[arg(long, default_value_t = 5000)]
    pub ttl_ms: u64,
    /// fleet-takeover: a running Redis (default: a redis-server started for the run).
    #[arg(long)]
    pub redis: Option<String>,
    /// goodput: characters of the reply.
    #[arg(long, default_value_t = 8_200)]
    pub chars: usize,
    /// (internal, bot) cloud server URL.
    #[arg(long, hide = true)]
    pub url: Option<String>,
    /// (internal, bot) project id.
    #[arg(long, hide = true)]
    pub project: Option<String>,
    /// (internal, bot) where to write the public data once ready.
    #[arg(long, hide = true)]
    pub public_data_out: Option<PathBuf>,
}

/// Runs the chosen scenario.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.seconds > 0.0 && args.seconds <= 600.0,
        "--seconds must be between 0 and 600, got {}",
        args.seconds
    );
    anyhow::ensure!(args.rate >= 0.0, "--rate must not be negative");
    let duration = Duration::from_secs_f64(args.seconds);
    actix_rt::System::new().block_on(async move {
        match args.scenario {
            Scenario::Requests => requests::requests(&args, duration).await,
            Scenario::IdleConnections => {
                scale::idle_connections(args.count, args.projects, args.event_capacity).await
            }
            Scenario::Broadcast if args.nodes.is_some() => {
                let nodes = args.nodes.unwrap_or(1);
                broadcast::broadcast_nodes(args.rooms, args.per_room, duration, nodes).await
            }
            Scenario::Broadcast => {
                let rounds = args.rounds as usize;
                let vs_tw = args.against_turbowarp;
                broadcast::broadcast(
                    args.rooms,
                    args.per_room,
                    duration,
                    vs_tw,
                    rounds,
                    args.rate,
                )
                .await
            }
            Scenario::Arbiters => arbiters::spread(&args, duration).await,
            Scenario::Goodput => goodput::goodput(args.chars).await,
            Scenario::FleetTakeover => {
                fleet::takeover(
                    args.members,
                    args.projects,
                    args.ttl_ms,
                    args.redis.as_deref(),
                )
                .await
            }
            Scenario::FleetMember => {
                let (Some(url), Some(redis)) = (&args.url, &args.redis) else {
                    anyhow::bail!("--scenario fleet-member needs --url and --redis");
                };
                fleet::member_child(
                    url,
                    redis,
                    args.projects,
                    Duration::from_millis(args.ttl_ms),
                )
                .await
            }
            Scenario::SaRequests => sa::sa_requests(args.clients.max(1), duration).await,
            Scenario::SaBot => {
                let (Some(url), Some(project), Some(ready)) =
                    (&args.url, &args.project, &args.public_data_out)
                else {
                    anyhow::bail!("--scenario sa-bot needs --url, --project and --public-data-out");
                };
                sa::serve_child(url, project, ready).await
            }
            Scenario::Bot => {
                let (Some(url), Some(project), Some(out)) =
                    (&args.url, &args.project, &args.public_data_out)
                else {
                    anyhow::bail!("--scenario bot needs --url, --project and --public-data-out");
                };
                bots::serve_child(
                    url,
                    project,
                    args.bot_rooms,
                    args.secure,
                    spacing(&args),
                    out,
                )
                .await
            }
        }
    })
}
