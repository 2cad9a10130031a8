//! `scratchcomm serve`.

use clap::Args;

#[derive(Args, Debug)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("`scratchcomm serve` is not implemented yet")
}
