//! `cairn server`: parse the serving flags and hand over to `cairn_server`.
//! (Owned by the server side; the rest of the CLI only wires it in.)

use clap::Args;

/// Flags of `cairn server`.
#[derive(Debug, Args)]
pub struct ServeArgs {}

/// Run the server until SIGTERM or Ctrl-C.
pub async fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet wired")
}
