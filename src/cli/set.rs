//! `scratchcomm set`: set one cloud variable — or, with `--stdin`, every value read from
//! standard input, one per line, in order, on one connection — and exit once all are written.

use super::watch::TargetArgs;
use actors_cloud::{CloudHandle, CloudValue, ConnectionConfig};
use clap::Args;
use std::io::BufRead;

/// Arguments of `scratchcomm set`.
#[derive(Args, Debug)]
pub struct SetArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Variable name (the `☁ ` prefix is added).
    pub name: String,
    /// The value (a plain decimal unless --strings on a host that takes strings; `-5` works).
    #[arg(
        allow_hyphen_values = true,
        required_unless_present = "stdin",
        conflicts_with = "stdin"
    )]
    pub value: Option<String>,
    /// Set the values read from standard input instead, one per line, in order, on one
    /// connection that reconnects as needed; exit 0 once all are written. A value the host
    /// would not relay stops with an error naming its line (earlier lines are written).
    #[arg(long)]
    pub stdin: bool,
}

/// Run `scratchcomm set`.
pub fn run(args: SetArgs) -> anyhow::Result<()> {
    let cfg = args.target.config()?.receive_updates(false);
    let name = scratchcomm_wire::VarName::new(&args.name)?;
    match args.value {
        Some(value) => {
            // Check name and value before connecting: a bad one never opens a socket.
            let value = CloudValue::new(value);
            cfg.rules().check(name.short(), &value)?;
            let cfg = cfg.reconnect(false);
            actix_rt::System::new().block_on(async move {
                let handle = CloudHandle::connect(cfg).await?;
                let result = handle.set(&args.name, value).await;
                handle.stop().await;
                result?;
                Ok(())
            })
        }
        None => set_lines(cfg, &args.name, std::io::BufReader::new(std::io::stdin())),
    }
}

/// Set every line of `input` (without its line ending) as a value of `name`, in order.
fn set_lines(
    cfg: ConnectionConfig,
    name: &str,
    input: impl BufRead + Send + 'static,
) -> anyhow::Result<()> {
    let cfg = cfg.reconnect(true);
    let rules = cfg.rules().clone();
    let short = scratchcomm_wire::VarName::new(name)?.short().to_owned();
    // Lines are read on their own thread, so a slow producer never blocks the connection.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<String>>(256);
    std::thread::spawn(move || {
        for line in input.lines() {
            let end = line.is_err();
            if tx.blocking_send(line).is_err() || end {
                break;
            }
        }
    });
    let name = name.to_owned();
    actix_rt::System::new().block_on(async move {
        let handle = CloudHandle::connect(cfg).await?;
        let mut result = Ok(());
        let mut number = 0usize;
        while let Some(line) = rx.recv().await {
            number += 1;
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    result = Err(anyhow::anyhow!("reading standard input: {e}"));
                    break;
                }
            };
            let value = CloudValue::new(line.strip_suffix('\r').unwrap_or(&line));
            if let Err(e) = rules.check(&short, &value) {
                result = Err(anyhow::anyhow!("line {number}: {e}"));
                break;
            }
            if let Err(e) = handle.set(&name, value).await {
                result = Err(anyhow::anyhow!("line {number}: {e}"));
                break;
            }
        }
        handle.stop().await;
        result
    })
}
