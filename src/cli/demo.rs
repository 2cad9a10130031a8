//! `scratchcomm demo`: the main job on the embedded default, with no account and no
//! internet. It starts the embedded cloud server, a request bot with an EC key behind a
//! cloud socket, and three clients that do exactly what the Scratch sprite does (two secure,
//! one insecure), prints their conversation, and serves the live dashboard meanwhile.

use actors_cloud::{CloudHandle, ConnectionConfig, RateLimit};
use actors_requests::{Caller, Registry, RequestBot, Rest};
use actors_security::Security;
use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig, SocketHandle};
use anyhow::Context;
use clap::Args;
use scratchcomm_dashboard::{serve_dashboard, Dashboard, Source};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PROJECT: &str = "demo";
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the server, bot and dashboard running after the conversation (until Ctrl-C).
    #[arg(long)]
    pub stay: bool,
    /// Port of the embedded cloud server (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Port of the dashboard (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub dashboard_port: u16,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    actix_rt::System::new().block_on(demo(args))
}

fn bot_requests() -> Registry {
    let mut requests = Registry::new();
    requests.request("ping", || "pong");
    requests.request("add", |a: f64, b: f64| a + b);
    requests.request("reverse", |s: String| s.chars().rev().collect::<String>());
    requests.request("shout", |words: Rest<String>| {
        words.0.join(" ").to_uppercase()
    });
    requests.request("whoami", |c: Caller| {
        format!(
            "client {} ({})",
            c.client_id,
            c.username.as_deref().unwrap_or("no username on this host")
        )
    });
    requests
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let server = CloudServer::start(ServerConfig::default().port(args.port))
        .await
        .context("starting the embedded cloud server")?;
    let url = server.url();
    println!("cloud server   {url}  (TurboWarp protocol, project id {PROJECT:?})");

    let bot_cloud = connect(&url, "bot").await?;
    let security = Security::generate_ec();
    let public_data = security.public_data();
    let socket = SocketHandle::listen_on(
        &bot_cloud,
        SocketConfig::default().security(Arc::new(security)),
    );
    let bot = RequestBot::builder(bot_requests())
        .cascade_stop(false)
        .start(socket.clone())?;

    let dashboard = Dashboard::new(bot_cloud.clone()).title("scratchcomm demo");
    dashboard.attach(Source::Socket {
        id: "bot socket".into(),
        handle: socket.clone(),
    });
    let running = serve_dashboard(&format!("127.0.0.1:{}", args.dashboard_port), dashboard)
        .await
        .context("starting the dashboard")?;
    println!("dashboard      {}", running.url());
    println!("bot public data (what a Scratch project stores):");
    for (name, value) in &public_data {
        println!("    {name} = {value}");
    }
    println!();

    let secure = ConnectMode::Secure(public_data);
    let conversations = [
        (
            "alice",
            secure.clone(),
            vec![
                ("ping", vec![]),
                ("add", vec!["2", "3.5"]),
                ("whoami", vec![]),
            ],
        ),
        (
            "bob",
            secure,
            vec![
                ("reverse", vec!["secure sockets!"]),
                ("shout", vec!["hello", "scratch"]),
            ],
        ),
        (
            "carol",
            ConnectMode::Insecure,
            vec![("ping", vec![]), ("nosuchrequest", vec![])],
        ),
    ];
    let mut tasks = Vec::new();
    for (who, mode, requests) in conversations {
        let url = url.clone();
        tasks.push(actix_rt::spawn(async move {
            client_session(&url, who, mode, requests).await
        }));
    }
    for task in tasks {
        for line in task.await.context("a client task failed")?? {
            println!("{line}");
        }
    }

    if args.stay {
        println!("\nrunning; press Ctrl-C to stop");
        tokio::signal::ctrl_c().await?;
    }
    bot.stop().await;
    socket.stop().await;
    bot_cloud.stop().await;
    running.stop().await;
    server.stop().await;
    println!("\ndemo finished");
    Ok(())
}

async fn connect(url: &str, username: &str) -> anyhow::Result<CloudHandle> {
    CloudHandle::connect(
        ConnectionConfig::custom(url, PROJECT)
            .username(username)
            .rate_limit(RateLimit::unlimited()),
    )
    .await
    .with_context(|| format!("connecting {username} to {url}"))
}

async fn client_session(
    url: &str,
    who: &str,
    mode: ConnectMode,
    requests: Vec<(&str, Vec<&str>)>,
) -> anyhow::Result<Vec<String>> {
    let cloud = connect(url, who).await?;
    let kind = match mode {
        ConnectMode::Secure(_) => "secure, EC x25519",
        ConnectMode::Insecure => "insecure",
    };
    let started = Instant::now();
    let client = ScratchClient::connect(&cloud, mode, PacketSize::Fixed(220)).await?;
    let mut lines = vec![format!(
        "{who:<6} connected ({kind}) as client {} in {} ms",
        client.client_id(),
        started.elapsed().as_millis()
    )];
    for (name, args) in requests {
        let started = Instant::now();
        let reply = client.request(name, &args, REPLY_TIMEOUT).await;
        let shown = format!("{name} {}", args.join(" "));
        lines.push(match reply {
            Ok(reply) => format!(
                "{who:<6} → {:<28} ← {reply:?}  ({} ms)",
                shown.trim(),
                started.elapsed().as_millis()
            ),
            Err(e) => format!("{who:<6} → {:<28} ✗ {e}", shown.trim()),
        });
    }
    client.close().await;
    cloud.stop().await;
    Ok(lines)
}
