//! `scratchcomm keygen`.

use clap::Args;

#[derive(Args, Debug)]
pub struct KeygenArgs {}

pub fn run(_args: KeygenArgs) -> anyhow::Result<()> {
    anyhow::bail!("`scratchcomm keygen` is not implemented yet")
}
