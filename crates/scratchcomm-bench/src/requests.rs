//! The default scenario, `requests`: N clients looping one request against a bot in a child
//! process (ours, and the original Python library's with `--against-original`), with the
//! plain-TCP floor of the same fan-out measured in the same run.

use crate::bots::{self, BotProcess, Impl};
use crate::fanout as floor;
use crate::load::{self, LoadResult, LoadSpec};
use crate::metrics::{Mib, ProcSample};
use crate::BenchArgs;
use scratchcomm_server::{CloudServer, Limits, ServerConfig};
use std::time::Duration;

pub(crate) fn spec(args: &BenchArgs, secure: bool, duration: Duration) -> anyhow::Result<LoadSpec> {
    let (request, expected) = match args.request.as_str() {
        "ping" => (("ping".to_owned(), vec![]), "pong"),
        "add" => (
            ("add".to_owned(), vec!["2".to_owned(), "3".to_owned()]),
            "5",
        ),
        other => anyhow::bail!("unknown --request {other:?}: use ping or add"),
    };
    Ok(LoadSpec {
        clients: args.clients.max(1),
        secure,
        duration,
        rate: args.rate,
        // The original answers about 10 requests/s in all: leave room for its queue.
        timeout: Duration::from_secs(10).max(Duration::from_millis(200) * args.clients as u32),
        request,
        expected: expected.to_owned(),
        rooms: args.bot_rooms.max(1),
        gentle: false,
    })
}

pub(crate) fn spacing(args: &BenchArgs) -> Duration {
    Duration::from_millis(args.spacing_ms)
}

fn modes(args: &BenchArgs) -> Vec<bool> {
    if args.both {
        vec![false, true]
    } else {
        vec![args.secure]
    }
}

pub(crate) fn mode_name(secure: bool) -> &'static str {
    if secure {
        "secure"
    } else {
        "insecure"
    }
}

pub(crate) async fn requests(args: &BenchArgs, duration: Duration) -> anyhow::Result<()> {
    let n = args.clients.max(1);
    anyhow::ensure!(
        !(args.against_original && args.bot_rooms > 1),
        "--against-original runs with --bot-rooms 1 only (the original bot listens on one project)"
    );
    let limits = Limits::default()
        .max_connections(2 * n + 64)
        .max_clients_per_room(2 * n + 64)
        .max_rooms(args.bot_rooms.max(1) * 2 + 64);
    let server = CloudServer::start(ServerConfig::default().limits(limits)).await?;
    let url = server.url();
    println!("embedded server {url}; packet size {}", bots::PACKET_SIZE);
    let mut last_ratio = None;
    for secure in modes(args) {
        let spec = spec(args, secure, duration)?;
        println!(
            "\n{} clients{}, {}, `{} {}`, {} s, {}:",
            spec.clients,
            match spec.rooms {
                1 => String::new(),
                r => format!(" over {r} projects served by one bot"),
            },
            mode_name(secure),
            spec.request.0,
            spec.request.1.join(" "),
            args.seconds,
            if spec.rate > 0.0 {
                format!("{} requests/s per client", spec.rate)
            } else {
                "closed loop".to_owned()
            }
        );
        let ours = phase(Impl::Ours, &url, secure, spacing(args), &spec).await?;
        if args.against_original {
            let gentle = LoadSpec {
                gentle: true,
                ..spec.clone()
            };
            let theirs = phase(Impl::Original, &url, secure, Duration::ZERO, &gentle).await?;
            let ratio = ours.rps() / theirs.rps().max(1e-9);
            println!(
                "  ratio ({}): {ratio:.1} requests/s vs original",
                mode_name(secure)
            );
            last_ratio = Some(ratio);
        }
    }
    server.stop().await;
    if let Some(ratio) = last_ratio {
        println!("ratio: {ratio:.1} requests/s vs original");
    }
    Ok(())
}

/// One load run against a bot in a child process; prints its lines.
async fn phase(
    which: Impl,
    url: &str,
    secure: bool,
    spacing: Duration,
    spec: &LoadSpec,
) -> anyhow::Result<LoadResult> {
    let tag = match which {
        Impl::Ours => "rust",
        Impl::Original => "original",
    };
    let project = format!("{tag}-{}-{}", mode_name(secure), std::process::id());
    let bot = BotProcess::spawn(which, url, &project, secure, spacing, spec.rooms).await?;
    let mut result = load::run_load(url, &project, &bot.public_data, spec, Some(bot.pid())).await?;
    let (bot_end, own_end) = (bot.sample()?, ProcSample::own()?);
    drop(bot);
    println!("  {:<24}{}", which.label(), result.summary());
    if which == Impl::Ours {
        // The same fan-out with nothing of ours in it: plain TCP to as many sockets as one
        // room has connections.
        let per_room = spec.clients.div_ceil(spec.rooms.max(1));
        let mut floor = floor::raw_tcp_floor(per_room).await?;
        println!("      {}", floor::summary(&mut floor));
        if let Some(f) = result.fanout.as_mut() {
            let ours = f.deliveries.quantile(0.99);
            if let Some(r) = floor.ratio(ours) {
                println!("      one set's delivery p99 = {r:.2} x plain TCP's");
            }
        }
    }
    let cpu = result.bot_cpu.unwrap_or_default().as_secs_f64();
    let wall = result.window.as_secs_f64().max(1e-9);
    println!(
        "  {:<24}bot CPU {cpu:.2} s ({:.0}% of a core, {:.1} µs per request), bot peak memory {}; \
         load process (server + clients) CPU {:.2} s ({:.0}%), peak {}",
        "",
        100.0 * cpu / wall,
        1e6 * cpu / result.completed.max(1) as f64,
        Mib(bot_end.hwm_kib),
        result.load_cpu.as_secs_f64(),
        100.0 * result.load_cpu.as_secs_f64() / wall,
        Mib(own_end.hwm_kib),
    );
    Ok(result)
}
