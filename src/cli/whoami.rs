//! `scratchcomm whoami`.

use clap::Args;

#[derive(Args, Debug)]
pub struct WhoamiArgs {}

pub fn run(_args: WhoamiArgs) -> anyhow::Result<()> {
    anyhow::bail!("`scratchcomm whoami` is not implemented yet")
}
