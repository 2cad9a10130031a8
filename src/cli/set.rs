//! `scratchcomm set`: set one cloud variable and exit once it is written.

use super::watch::TargetArgs;
use actors_cloud::{CloudHandle, CloudValue};
use clap::Args;

/// Arguments of `scratchcomm set`.
#[derive(Args, Debug)]
pub struct SetArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Variable name (the `☁ ` prefix is added).
    pub name: String,
    /// The value (a numeral unless --strings on a host that takes strings; `-5` works).
    #[arg(allow_hyphen_values = true)]
    pub value: String,
}

/// Run `scratchcomm set`.
pub fn run(args: SetArgs) -> anyhow::Result<()> {
    let cfg = args
        .target
        .config()?
        .reconnect(false)
        .receive_updates(false);
    // Check name and value before connecting: a bad one never opens a socket.
    let value = CloudValue::new(args.value.clone());
    let name = scratchcomm_wire::VarName::new(&args.name)?;
    cfg.rules().check(name.short(), &value)?;
    actix_rt::System::new().block_on(async move {
        let handle = CloudHandle::connect(cfg).await?;
        let result = handle.set(&args.name, value).await;
        handle.stop().await;
        result?;
        Ok(())
    })
}
