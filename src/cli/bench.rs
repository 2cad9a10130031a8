//! `scratchcomm bench`.

use clap::Args;

#[derive(Args, Debug)]
pub struct BenchArgs {}

pub fn run(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("`scratchcomm bench` is not implemented yet")
}
