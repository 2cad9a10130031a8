//! A request bot for a project running the Advanced CloudRequests sprite.
//!
//! ```text
//! cargo run -p actors-requests --example request_bot -- ws://127.0.0.1:PORT/ 123456 [KEYFILE] [SECONDS]
//! ```
//!
//! KEYFILE holds a key string (`ECxxxxx1[...]` / `RSAxxxx1[...]`, e.g. from `scratchcomm
//! keygen`) for secure clients; `-` or nothing serves insecure clients only. Requests: `ping`,
//! `add a b`, `echo …` (replies what it got, Python style), `whoami`, and `test` (the request
//! the shipped project sends on the green flag, §9 C8).

use std::sync::Arc;
use std::time::Duration;

use actors_cloud::{CloudHandle, ConnectionConfig};
use actors_requests::{Caller, Kwargs, Registry, RequestBot, Rest, Value};
use actors_security::keys::Security;
use actors_socket::server::KeyExchange;
use actors_socket::SocketConfig;

fn requests() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong").inline(true);
    // Rust prints 5.0 as `5`, like Scratch.
    r.request("add", |a: f64, b: f64| a + b);
    r.request("echo", |args: Rest<Value>, kwargs: Kwargs| {
        let args: Vec<String> = args.0.iter().map(Value::repr).collect();
        let kwargs: Vec<String> = kwargs
            .0
            .iter()
            .map(|(k, v)| format!("{k}={}", v.repr()))
            .collect();
        format!("args=[{}] kwargs=[{}]", args.join(", "), kwargs.join(", "))
    });
    r.request("whoami", |c: Caller| {
        format!("{} {}", c.client_id, c.username.unwrap_or_default())
    });
    r.request("test", |args: Rest<String>| {
        format!("test received {}", args.0.join(" "))
    });
    r
}

#[actix_rt::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let mut argv = std::env::args().skip(1);
    let (Some(url), Some(project)) = (argv.next(), argv.next()) else {
        eprintln!("usage: request_bot <ws-url> <project-id> [keyfile|-] [seconds]");
        std::process::exit(2);
    };
    let security = match argv.next().filter(|k| k != "-") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)?;
            Some(Arc::new(Security::from_key_string(text.trim())?) as Arc<dyn KeyExchange>)
        }
        None => None,
    };
    let seconds: u64 = argv.next().map(|s| s.parse()).transpose()?.unwrap_or(3600);
    let cloud = CloudHandle::connect(ConnectionConfig::custom(&url, &project)).await?;
    let config = SocketConfig {
        security,
        ..SocketConfig::default()
    };
    let bot = RequestBot::builder(requests()).listen_on(&cloud, config)?;
    tracing::info!(%url, %project, seconds, "request bot running");
    bot.run_for(Duration::from_secs(seconds)).await;
    Ok(())
}
