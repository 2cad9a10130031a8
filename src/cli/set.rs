//! `scratchcomm set`.

use clap::Args;

#[derive(Args, Debug)]
pub struct SetArgs {}

pub fn run(_args: SetArgs) -> anyhow::Result<()> {
    anyhow::bail!("`scratchcomm set` is not implemented yet")
}
