//! `cairn sync-tensorboard DIR`: import TensorBoard logs as runs, the
//! working replacement for the official client's broken
//! `Api.sync_tensorboard` and the removed `wandb sync --sync-tensorboard`.
//! The import itself is `cairn_client::Api::sync_tensorboard`.

use std::path::PathBuf;

use clap::Args;

use crate::admin::Connection;

/// Arguments of `cairn sync-tensorboard`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The log directory: every directory under it holding tfevents files
    /// becomes one run.
    dir: PathBuf,
    /// The project (default: WANDB_PROJECT, else "uncategorized").
    #[arg(long, env = "WANDB_PROJECT")]
    project: Option<String>,
    /// The run id, when DIR holds exactly one TensorBoard run (default: an
    /// id derived from each directory's path, so re-importing updates the
    /// same runs).
    #[arg(long)]
    run_id: Option<String>,
}

/// Import, print one line per run, and warn about damaged records
/// (skipped; everything readable is imported, and the command succeeds).
pub async fn sync(conn: &Connection, args: SyncArgs) -> anyhow::Result<()> {
    let api = conn.api()?;
    let report = api
        .sync_tensorboard(
            &args.dir,
            args.run_id.as_deref(),
            args.project.as_deref(),
            conn.entity(),
        )
        .await?;
    for run in &report.runs {
        println!(
            "{} -> {}: {} rows, {} values ({} scalars), {} files",
            run.dir, run.path, run.rows, run.values, run.scalars, run.files
        );
        for (why, count) in &run.skipped {
            eprintln!("warning: {}: skipped {count} × {why}", run.dir);
        }
    }
    for damage in &report.damage {
        eprintln!("warning: {damage}");
    }
    if !report.damage.is_empty() {
        eprintln!(
            "warning: {} damaged record(s) skipped; everything else was imported",
            report.damage.len()
        );
    }
    Ok(())
}
