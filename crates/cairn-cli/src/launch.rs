//! `cairn queue …`, `cairn job …` and `cairn launch`: W&B Launch's run
//! queues and jobs from the command line, built on `cairn-client`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use cairn_client::LaunchOptions;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn queue …`
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Create a run queue (in the entity's `model-registry` project, as on W&B).
    Create {
        /// The queue's name.
        name: String,
        /// Resource type: local-process, local-container, kubernetes, sagemaker, gcp-vertex.
        #[arg(long, default_value = "local-process")]
        resource: String,
        /// Resource arguments, a JSON file (may use {{variable}} templates).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Template variable schemas, a JSON file: {"NAME": {"schema": {...}}}.
        #[arg(long)]
        template_variables: Option<PathBuf>,
        /// Order items by priority (0 critical … 3 low) instead of first in, first out.
        #[arg(long)]
        prioritize: bool,
    },
    /// List an entity's queues.
    #[command(visible_alias = "list")]
    Ls,
    /// Show a queue: its resource, configuration, variables and items.
    Show {
        /// The queue's name.
        name: String,
    },
    /// Delete a queue with its items.
    Rm {
        /// The queue's name.
        name: String,
    },
}

/// `cairn job …`
#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// List the jobs of a project and their versions.
    #[command(visible_alias = "list")]
    Ls {
        /// ENTITY/PROJECT (or PROJECT in --entity / your default entity).
        project: String,
    },
    /// Show a job: its source, entrypoint and inputs.
    Show {
        /// ENTITY/PROJECT/NAME:ALIAS.
        job: String,
    },
}

/// `cairn launch …`
#[derive(Debug, Args)]
pub struct LaunchArgs {
    /// The job: ENTITY/PROJECT/NAME:ALIAS.
    pub job: String,
    /// The queue to push it onto.
    #[arg(long, short = 'q')]
    pub queue: String,
    /// A template variable's value, NAME=VALUE (VALUE read as JSON when it is JSON, text otherwise); repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// 0 (critical), 1 (high), 2 (medium), 3 (low).
    #[arg(long)]
    pub priority: Option<i64>,
    /// Project the run logs to (the job's project by default).
    #[arg(long)]
    pub project: Option<String>,
}

fn read_json(path: &PathBuf) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// `NAME=VALUE` pairs as template variable values.
fn parse_sets(sets: &[String]) -> anyhow::Result<BTreeMap<String, Value>> {
    let mut values = BTreeMap::new();
    for set in sets {
        let Some((name, value)) = set.split_once('=') else {
            bail!("--set {set:?}: expected NAME=VALUE");
        };
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
        values.insert(name.trim().to_string(), value);
    }
    Ok(values)
}

/// Run a `cairn queue` command.
pub async fn queue(conn: &Connection, cmd: QueueCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    let entity = match conn.entity() {
        Some(entity) => entity.to_string(),
        None => api
            .default_entity()
            .await?
            .context("no entity: pass --entity or set WANDB_ENTITY")?,
    };
    match cmd {
        QueueCommand::Create {
            name,
            resource,
            config,
            template_variables,
            prioritize,
        } => {
            let config = match &config {
                Some(path) => read_json(path)?,
                None => Value::Object(Default::default()),
            };
            let templates = template_variables.as_ref().map(read_json).transpose()?;
            let queue = api
                .create_run_queue(
                    &name,
                    &resource,
                    Some(&entity),
                    prioritize.then_some("V0"),
                    config,
                    templates,
                )
                .await?;
            println!("Created run queue {}/{}", queue.entity(), queue.name());
        }
        QueueCommand::Ls => {
            let mut rows = vec![[
                "NAME".to_string(),
                "RESOURCE".into(),
                "PRIORITIES".into(),
                "CREATED".into(),
            ]];
            for queue in api.run_queues(Some(&entity)).await? {
                rows.push([
                    queue.name().to_string(),
                    queue.resource().unwrap_or("-").to_string(),
                    queue.prioritization_mode().to_string(),
                    queue.created_at().unwrap_or("").to_string(),
                ]);
            }
            print_table(&rows);
        }
        QueueCommand::Show { name } => {
            let queue = api.run_queue(&entity, &name).await?;
            println!("{}/{}", queue.entity(), queue.name());
            println!("  resource:    {}", queue.resource().unwrap_or("-"));
            println!("  priorities:  {}", queue.prioritization_mode());
            println!(
                "  config:      {}",
                serde_json::to_string(&queue.default_resource_config())?
            );
            for (var, schema) in queue.template_variables() {
                println!("  variable {var}: {}", serde_json::to_string(&schema)?);
            }
            let mut rows = vec![[
                "ITEM".to_string(),
                "STATE".into(),
                "PRIORITY".into(),
                "RUN".into(),
                "JOB".into(),
            ]];
            for item in queue.items(1000).await? {
                rows.push([
                    item.id().to_string(),
                    item.state().to_string(),
                    item.priority().map_or_else(String::new, |p| p.to_string()),
                    item.associated_run_id().unwrap_or("").to_string(),
                    item.run_spec()["job"].as_str().unwrap_or("").to_string(),
                ]);
            }
            print_table(&rows);
        }
        QueueCommand::Rm { name } => {
            api.run_queue(&entity, &name).await?.delete().await?;
            println!("Deleted run queue {entity}/{name}");
        }
    }
    Ok(())
}

/// Run a `cairn job` command.
pub async fn job(conn: &Connection, cmd: JobCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        JobCommand::Ls { project } => {
            let mut rows = vec![["JOB".to_string(), "STATE".into(), "ALIASES".into()]];
            for job in api.list_jobs(&project).await? {
                rows.push([job.name, job.state, job.aliases.join(",")]);
            }
            print_table(&rows);
        }
        JobCommand::Show { job } => {
            let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
            let found = api.job(&job, dir.path()).await?;
            println!("{job}");
            println!("  source:      {}", found.source_type().unwrap_or("-"));
            println!("  entrypoint:  {}", found.entrypoint().join(" "));
            if let Some(code) = found.source_artifact() {
                println!("  code:        {code}");
            }
            println!(
                "  inputs:      {}",
                serde_json::to_string(found.input_types())?
            );
        }
    }
    Ok(())
}

/// Run `cairn launch`.
pub async fn launch(conn: &Connection, args: LaunchArgs) -> anyhow::Result<()> {
    let api = conn.api()?;
    let options = LaunchOptions {
        entity: conn.entity().map(str::to_string),
        project: args.project,
        template_variables: parse_sets(&args.set)?,
        priority: args.priority,
        ..LaunchOptions::default()
    };
    let queued = api.launch_add(&args.job, &args.queue, options).await?;
    println!(
        "Queued {} on {} as item {}",
        args.job,
        args.queue,
        queued.id()
    );
    Ok(())
}
