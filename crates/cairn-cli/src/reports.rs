//! `cairn report …`: list, show and delete a project's reports (W&B views
//! of type `runs`, as `wandb-workspaces` saves them), built on
//! `cairn-client`.

use anyhow::bail;
use clap::Subcommand;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List a project's published reports, newest first.
    #[command(visible_alias = "list")]
    Ls {
        /// ENTITY/PROJECT (or PROJECT in --entity / your default entity).
        project: String,
        /// Only the report with this internal name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Show a report: title, author, times, URL; with --spec its document.
    Show {
        /// The report's id, URL or ENTITY/PROJECT/reports/TITLE--ID path.
        report: String,
        /// Print the report document (JSON) too.
        #[arg(long)]
        spec: bool,
    },
    /// Delete a report (with its drafts).
    Rm {
        /// The report's id, URL or ENTITY/PROJECT/reports/TITLE--ID path.
        report: String,
    },
}

/// Run `cairn report …`.
pub async fn report(conn: &Connection, cmd: ReportCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        ReportCommand::Ls { project, name } => {
            let mut rows = vec![[
                "ID".to_string(),
                "TITLE".into(),
                "AUTHOR".into(),
                "UPDATED".into(),
            ]];
            for report in api
                .reports(&project, name.as_deref(), 100)
                .collect_all()
                .await?
            {
                rows.push([
                    report.id().to_string(),
                    report.display_name().to_string(),
                    report.user().unwrap_or("-").to_string(),
                    report.updated_at().unwrap_or("-").to_string(),
                ]);
            }
            print_table(&rows);
        }
        ReportCommand::Show { report, spec } => {
            let Some(found) = api.report(&report).await? else {
                bail!("no report {report:?} exists, or you may not see it");
            };
            println!("{}", found.display_name());
            println!("  id:          {}", found.id());
            println!("  project:     {}/{}", found.entity(), found.project());
            println!("  description: {}", found.description());
            println!("  author:      {}", found.user().unwrap_or("-"));
            println!("  created:     {}", found.created_at().unwrap_or("-"));
            println!("  updated:     {}", found.updated_at().unwrap_or("-"));
            println!("  url:         {}", found.url());
            if spec {
                println!("{}", serde_json::to_string_pretty(&found.spec()?)?);
            }
        }
        ReportCommand::Rm { report } => {
            let Some(found) = api.report(&report).await? else {
                bail!("no report {report:?} exists, or you may not see it");
            };
            let title = found.display_name().to_string();
            found.delete().await?;
            println!("Deleted report {title:?}");
        }
    }
    Ok(())
}
