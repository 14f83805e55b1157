//! The `cairn` command: run the server, and day-to-day admin tasks.

mod admin;
mod agent;
mod artifacts;
mod automations;
mod history;
mod integrations;
mod launch;
mod reports;
mod runs;
mod secrets;
mod serve;
mod sweeps;
mod tensorboard;

use clap::{Parser, Subcommand};

/// Cairn: a self-hosted, W&B-compatible experiment tracker.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (SQLite and files in a data directory).
    Server(serve::ServeArgs),
    /// Show who the API key belongs to.
    Whoami(#[command(flatten)] admin::Connection),
    /// Manage users (instance admins).
    User {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: admin::UserCommand,
    },
    /// Create, list and revoke API keys.
    Key {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: admin::KeyCommand,
    },
    /// Manage teams and their members.
    Team {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: admin::TeamCommand,
    },
    /// Create organizations (instance admins).
    Org {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: admin::OrgCommand,
    },
    /// Create and list projects.
    Project {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: admin::ProjectCommand,
    },
    /// List, inspect, export and delete runs; fetch their files.
    Run {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: runs::RunCommand,
    },
    /// Export history keys of many runs at once.
    History {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: history::HistoryCommand,
    },
    /// List, download, log and delete artifacts.
    Artifact {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: artifacts::ArtifactCommand,
    },
    /// Create, list, show and control hyperparameter sweeps.
    Sweep {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: sweeps::SweepCommand,
    },
    /// Create, list, show and delete launch run queues.
    Queue {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: launch::QueueCommand,
    },
    /// List and show launch jobs.
    Job {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: launch::JobCommand,
    },
    /// Push a job onto a run queue, for a launch agent to run.
    Launch {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(flatten)]
        args: launch::LaunchArgs,
    },
    /// List, show, enable, disable and delete automations; read their
    /// delivery logs.
    Automation {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: automations::AutomationCommand,
    },
    /// List, create and delete webhook integrations.
    Integration {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: integrations::IntegrationCommand,
    },
    /// List, set and delete an entity's secrets (values from stdin).
    Secret {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: secrets::SecretCommand,
    },
    /// List, show and delete reports.
    Report {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(subcommand)]
        cmd: reports::ReportCommand,
    },
    /// Import TensorBoard logs (tfevents files) as runs: one run per
    /// directory holding event files; importing again updates the same runs.
    SyncTensorboard {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(flatten)]
        args: tensorboard::SyncArgs,
    },
    /// Run a sweep agent: start the runs a sweep hands out, as `wandb agent`.
    Agent {
        #[command(flatten)]
        conn: admin::Connection,
        #[command(flatten)]
        args: agent::AgentArgs,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Server(args) => {
                init_logging();
                serve::run(args).await
            }
            Command::Whoami(conn) => admin::whoami(&conn).await,
            Command::User { conn, cmd } => admin::user(&conn, cmd).await,
            Command::Key { conn, cmd } => admin::key(&conn, cmd).await,
            Command::Team { conn, cmd } => admin::team(&conn, cmd).await,
            Command::Org { conn, cmd } => admin::org(&conn, cmd).await,
            Command::Project { conn, cmd } => admin::project(&conn, cmd).await,
            Command::Run { conn, cmd } => runs::run(&conn, cmd).await,
            Command::History { conn, cmd } => history::history(&conn, cmd).await,
            Command::Artifact { conn, cmd } => artifacts::artifact(&conn, cmd).await,
            Command::Sweep { conn, cmd } => sweeps::sweep(&conn, cmd).await,
            Command::Agent { conn, args } => agent::agent(&conn, args).await,
            Command::Queue { conn, cmd } => launch::queue(&conn, cmd).await,
            Command::Job { conn, cmd } => launch::job(&conn, cmd).await,
            Command::Launch { conn, args } => launch::launch(&conn, args).await,
            Command::Integration { conn, cmd } => integrations::integration(&conn, cmd).await,
            Command::Automation { conn, cmd } => automations::automation(&conn, cmd).await,
            Command::Secret { conn, cmd } => secrets::secret(&conn, cmd).await,
            Command::Report { conn, cmd } => reports::report(&conn, cmd).await,
            Command::SyncTensorboard { conn, args } => tensorboard::sync(&conn, args).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or journal gets plain text.
        .with_ansi(
            std::env::var_os("NO_COLOR").is_none()
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .init();
}
