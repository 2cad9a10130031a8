//! `scratchcomm watch`.

use clap::Args;

#[derive(Args, Debug)]
pub struct WatchArgs {}

pub fn run(_args: WatchArgs) -> anyhow::Result<()> {
    anyhow::bail!("`scratchcomm watch` is not implemented yet")
}
