//! An actix-web app with its own routes that mounts the live dashboard over a Sky of two
//! projects on an embedded cloud server (started in-process), prints the URLs and runs until
//! Ctrl-C.
//!
//! ```text
//! cargo run -p scratchcomm-dashboard --example embed_actix_web -- [--port 8080] [--tick]
//! ```
//!
//! * `--port N`: HTTP port of the app (default 8080; 0 picks a free one).
//! * `--tick`: a simulated player sets `☁ clock` on the first project every second, so
//!   the page has something to show without another client.
//! * `--client`: a simulated sprite client (what the "Advanced CloudRequests" sprite does)
//!   calls the request bot of the second project every two seconds.
//!
//! The Sky member of the second project also runs a request bot (`ping`, `add a b`) over a
//! cloud socket; its clients and request errors are on the page too.
//!
//! Open the printed dashboard URL, then change a variable from another connection, e.g.
//! `cargo run -q -- set --host ws://127.0.0.1:PORT/ --project 1001 score 42`, or use the
//! form on the page.

use actix_web::{web, App, HttpResponse, HttpServer};
use actors_cloud::{CloudHandle, ConnectionConfig, SkyHandle};
use actors_requests::{Registry, RequestBot};
use actors_socket::{ConnectMode, PacketSize, ScratchClient, SocketConfig, SocketHandle};
use scratchcomm_dashboard::{Dashboard, Source};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::time::Duration;

/// The two projects the app's Sky is connected to.
const PROJECTS: [&str; 2] = ["1001", "1002"];

struct Options {
    port: u16,
    tick: bool,
    client: bool,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        port: 8080,
        tick: false,
        client: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let v = args.next().ok_or("--port needs a number")?;
                opts.port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port number"))?;
            }
            "--tick" => opts.tick = true,
            "--client" => opts.client = true,
            "-h" | "--help" => {
                return Err("usage: embed_actix_web [--port N] [--tick] [--client]".into())
            }
            other => {
                return Err(format!(
                "unknown argument {other:?}; usage: embed_actix_web [--port N] [--tick] [--client]"
            ))
            }
        }
    }
    Ok(opts)
}

/// The app's own home page: the dashboard is one part of a bigger app.
async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><title>My bot</title><h1>My bot</h1>\
         <p>Everything is fine. See the <a href=\"/dashboard/\">cloud dashboard</a>.</p>",
        )
}

/// A simulated player on its own connection, setting `☁ clock` every second.
fn spawn_ticker(url: String) {
    actix_rt::spawn(async move {
        let cfg = ConnectionConfig::custom(&url, PROJECTS[0]).username("ticker");
        let Ok(player) = CloudHandle::connect(cfg).await else {
            eprintln!("ticker: could not connect");
            return;
        };
        let mut tick = actix_rt::time::interval(Duration::from_secs(1));
        for n in 0u64.. {
            tick.tick().await;
            if player.set("clock", n).await.is_err() {
                return;
            }
        }
    });
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}

/// The request bot: answers `ping` and `add a b` over a cloud socket on `cloud`.
fn start_request_bot(cloud: &CloudHandle) -> std::io::Result<RequestBot> {
    let mut registry = Registry::new();
    registry.request("ping", || "pong");
    registry
        .request("add", |a: f64, b: f64| a + b)
        .params(["a", "b"]);
    let socket = SocketHandle::listen_on(cloud, SocketConfig::default());
    RequestBot::start(socket, registry)
        .map_err(|e| std::io::Error::other(format!("request bot: {e}")))
}

/// A simulated sprite client on its own connection, calling `add` every two seconds.
fn spawn_sprite_client(url: String) {
    actix_rt::spawn(async move {
        let cfg = ConnectionConfig::custom(&url, PROJECTS[1]).username("sprite");
        let Ok(cloud) = CloudHandle::connect(cfg).await else {
            eprintln!("sprite client: could not connect");
            return;
        };
        let Ok(client) =
            ScratchClient::connect(&cloud, ConnectMode::Insecure, PacketSize::Fixed(220)).await
        else {
            eprintln!("sprite client: the socket handshake failed");
            return;
        };
        let mut tick = actix_rt::time::interval(Duration::from_secs(2));
        for n in 0u64.. {
            tick.tick().await;
            let args = [n.to_string(), "1".to_owned()];
            if client
                .request("add", &args, Duration::from_secs(10))
                .await
                .is_err()
            {
                eprintln!("sprite client: no reply; stopping");
                return;
            }
        }
    });
}

fn main() -> std::io::Result<()> {
    let opts = match options() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    actix_rt::System::new().block_on(run(opts))
}

async fn run(opts: Options) -> std::io::Result<()> {
    // 1. The cloud server, in-process (a real app would talk to Scratch or TurboWarp).
    let server = CloudServer::start(ServerConfig::default())
        .await
        .map_err(|e| std::io::Error::other(format!("cloud server: {e}")))?;
    let cloud_url = server.url();

    // 2. The app's bots: a Sky with one connection per project.
    let sky = SkyHandle::start(1024);
    let mut sources = Vec::new();
    for project in PROJECTS {
        let cfg = ConnectionConfig::custom(&cloud_url, project).username(format!("bot{project}"));
        let source = sky
            .connect(cfg)
            .await
            .map_err(|e| std::io::Error::other(format!("connect to project {project}: {e}")))?;
        sky.set(&source, "score", 0)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        sources.push(source);
    }
    let member = sky
        .member(&sources[1])
        .ok_or_else(|| std::io::Error::other("Sky member missing"))?;
    let bot = start_request_bot(&member)?;
    if opts.tick {
        spawn_ticker(cloud_url.clone());
    }
    if opts.client {
        spawn_sprite_client(cloud_url.clone());
    }

    // 3. The dashboard over the Sky, mounted with one call next to the app's own routes.
    let dashboard = Dashboard::new(&sky)
        .at("/dashboard")
        .title("My bot: cloud dashboard");
    dashboard.attach(Source::Requests {
        id: format!("bot{}", PROJECTS[1]),
        bot: bot.clone(),
    });
    let app_dashboard = dashboard.clone();
    let http = HttpServer::new(move || {
        App::new()
            .route("/", web::get().to(home))
            .route(
                "/health",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
            .configure(app_dashboard.configure())
    })
    .workers(2)
    .disable_signals()
    .bind(("127.0.0.1", opts.port))?;
    let port = http.addrs()[0].port();
    let http = http.run();
    let http_handle = http.handle();
    let http_task = actix_rt::spawn(http);

    println!("cloud server: {cloud_url}");
    println!("app: http://127.0.0.1:{port}/");
    println!("dashboard: http://127.0.0.1:{port}{}/", dashboard.path());
    println!("projects: {}", PROJECTS.join(", "));
    println!("press Ctrl-C to stop");

    shutdown_signal().await?;
    println!("stopping");
    dashboard.close_streams(); // open live streams would hold up the graceful stop
    http_handle.stop(true).await;
    let _ = http_task.await;
    bot.stop_with(false).await;
    sky.stop().await;
    server.stop().await;
    Ok(())
}
