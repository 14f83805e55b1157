//! `cairn sweep …`: create, list, show and control sweeps, built on
//! `cairn-client`. (`cairn agent` is in `agent.rs`.)

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn sweep …`
#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Create a sweep from a YAML (or JSON) configuration file.
    Create {
        /// The configuration file, as for `wandb sweep`.
        config: PathBuf,
        /// ENTITY/PROJECT (or PROJECT in --entity / your default entity).
        #[arg(long)]
        project: String,
    },
    /// List a project's sweeps, newest first.
    #[command(visible_alias = "list")]
    Ls {
        /// ENTITY/PROJECT (or PROJECT in --entity / your default entity).
        project: String,
    },
    /// Show a sweep: state, counts, best value and configuration.
    Show {
        /// ENTITY/PROJECT/SWEEP_ID.
        sweep: String,
    },
    /// Pause a sweep: agents get no new runs until it is resumed.
    Pause {
        /// ENTITY/PROJECT/SWEEP_ID.
        sweep: String,
    },
    /// Resume a paused or stopped sweep.
    Resume {
        /// ENTITY/PROJECT/SWEEP_ID.
        sweep: String,
    },
    /// Stop a sweep: running runs finish, then agents exit.
    Stop {
        /// ENTITY/PROJECT/SWEEP_ID.
        sweep: String,
    },
    /// Cancel a sweep: agents stop their runs and exit.
    Cancel {
        /// ENTITY/PROJECT/SWEEP_ID.
        sweep: String,
    },
}

/// Run a `cairn sweep` command.
pub async fn sweep(conn: &Connection, cmd: SweepCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        SweepCommand::Create { config, project } => {
            let text = std::fs::read_to_string(&config)
                .with_context(|| format!("cannot read {}", config.display()))?;
            let created = api.create_sweep(&project, text).await?;
            for warning in &created.warnings {
                eprintln!("warning: {warning}");
            }
            let sweep = created.sweep;
            println!("Created sweep {}", sweep.id());
            println!("  {}", sweep.url());
            println!("Run agents with: cairn agent {}", sweep.path());
        }
        SweepCommand::Ls { project } => {
            let mut pager = api.sweeps(&project, 100);
            let mut rows = vec![[
                "ID".to_string(),
                "STATE".into(),
                "METHOD".into(),
                "RUNS".into(),
                "BEST".into(),
                "NAME".into(),
            ]];
            while let Some(sweep) = pager.next().await? {
                rows.push([
                    sweep.id().to_string(),
                    sweep.state().to_string(),
                    sweep.method().unwrap_or("").to_string(),
                    match sweep.expected_run_count() {
                        Some(n) => format!("{}/{n}", sweep.run_count()),
                        None => sweep.run_count().to_string(),
                    },
                    sweep.best_loss().map_or(String::new(), |b| b.to_string()),
                    sweep.name(),
                ]);
            }
            print_table(&rows);
        }
        SweepCommand::Show { sweep } => {
            let sweep = api.sweep(&sweep).await?;
            println!("sweep     {}", sweep.path());
            println!("name      {}", sweep.name());
            println!("state     {}", sweep.state());
            println!("method    {}", sweep.method().unwrap_or(""));
            println!(
                "runs      {}{}",
                sweep.run_count(),
                sweep
                    .expected_run_count()
                    .map_or(String::new(), |n| format!(" of {n}"))
            );
            if let Some(best) = sweep.best_loss() {
                println!("best      {best}");
            }
            println!("url       {}", sweep.url());
            println!("config:");
            for line in sweep.config_text().lines() {
                println!("  {line}");
            }
        }
        SweepCommand::Pause { sweep } => report(api.sweep(&sweep).await?.pause().await?),
        SweepCommand::Resume { sweep } => report(api.sweep(&sweep).await?.resume().await?),
        SweepCommand::Stop { sweep } => report(api.sweep(&sweep).await?.stop().await?),
        SweepCommand::Cancel { sweep } => report(api.sweep(&sweep).await?.cancel().await?),
    }
    Ok(())
}

fn report(sweep: cairn_client::Sweep) {
    println!("{} is now {}", sweep.path(), sweep.state());
}
