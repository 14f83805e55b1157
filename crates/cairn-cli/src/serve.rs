//! `cairn server`: parse the serving flags and hand over to `cairn_server`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

/// Flags of `cairn server`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port.
    #[arg(long, env = "CAIRN_LISTEN", default_value_t = cairn_server::config::default_listen())]
    listen: SocketAddr,
    /// Directory for the database and files; created if missing.
    #[arg(long, env = "CAIRN_DATA_DIR", default_value = "./cairn-data")]
    data_dir: PathBuf,
    /// API key for the instance admin on first start (PREFIX-SECRET, with a
    /// secret of 40+ letters, digits or underscores that must look random,
    /// e.g. admin-$(openssl rand -hex 32)). Generated if unset. Ignored,
    /// with a warning, once the instance has users.
    #[arg(long, env = "CAIRN_ADMIN_API_KEY", hide_env_values = true)]
    admin_api_key: Option<String>,
    /// File holding the key that signs upload and download URLs (32+ bytes,
    /// surrounding whitespace ignored; e.g. `openssl rand -hex 32 > FILE`),
    /// for deployments that keep secrets outside the data directory. The
    /// key itself may instead be given in CAIRN_URL_SIGNING_KEY (environment
    /// only, so it never shows in the process list). Without either, a key
    /// generated on first start and stored in the database is used.
    #[arg(long, env = "CAIRN_URL_SIGNING_KEY_FILE", value_name = "FILE")]
    url_signing_key_file: Option<PathBuf>,
    /// Failed key checks allowed per client address per minute; further
    /// failures from that address get 429 until the minute is over (valid
    /// keys always work). 0 turns the limit off.
    #[arg(long, env = "CAIRN_AUTH_FAILURE_LIMIT", default_value_t = cairn_server::config::DEFAULT_AUTH_FAILURE_LIMIT)]
    auth_failure_limit: u32,
    /// Largest run file (a file the client saves with the run, such as a
    /// checkpoint from `run.save`), in bytes; larger uploads get 413. 0 for
    /// no limit.
    #[arg(long = "max-run-file-size", env = "CAIRN_MAX_RUN_FILE_SIZE", value_name = "BYTES", default_value_t = cairn_server::config::DEFAULT_MAX_RUN_FILE_BYTES)]
    max_run_file_bytes: u64,
    /// Seconds without a word from a running run before it is marked
    /// crashed (clients send a heartbeat every 30 s).
    #[arg(long, env = "CAIRN_RUN_TIMEOUT", default_value_t = 300)]
    run_timeout: u64,
    /// Seconds an artifact may stay uncommitted and untouched before its
    /// upload counts as abandoned and is deleted.
    #[arg(long, env = "CAIRN_UPLOAD_TIMEOUT", default_value_t = 24 * 60 * 60)]
    upload_timeout: u64,
    /// Seconds between sweeps for artifact versions whose TTL has run out
    /// (they are deleted, with blobs nothing else references).
    #[arg(long, env = "CAIRN_ARTIFACT_TTL_SWEEP_INTERVAL", default_value_t = 5 * 60)]
    artifact_ttl_sweep_interval: u64,
    /// Milliseconds between the automation worker's looks for new events
    /// and due deliveries.
    #[arg(
        long,
        env = "CAIRN_AUTOMATION_INTERVAL",
        value_name = "MS",
        default_value_t = 250
    )]
    automation_interval: u64,
    /// Milliseconds between passes of the history compaction worker, which
    /// moves stopped runs' history (and long runs' older rows) into Parquet
    /// files.
    #[arg(
        long,
        env = "CAIRN_HISTORY_COMPACTION_INTERVAL",
        value_name = "MS",
        default_value_t = 2000
    )]
    history_compaction_interval: u64,
    /// A running run's history is compacted once this many rows are due
    /// (beyond the newest 1,000, which stay in the row store).
    #[arg(
        long,
        env = "CAIRN_HISTORY_COMPACT_EVERY",
        value_name = "ROWS",
        default_value_t = 50_000
    )]
    history_compact_every: i64,
    /// Seconds a compacted history file waits before `parquetHistory`
    /// hands it to clients (until then its rows are read like live ones):
    /// longer than a client's scan of one run takes.
    #[arg(
        long,
        env = "CAIRN_HISTORY_EXPORT_DELAY",
        value_name = "SECS",
        default_value_t = 300
    )]
    history_export_delay: u64,
    /// Seconds one webhook delivery attempt may take (connecting included)
    /// before it counts as failed and is retried.
    #[arg(
        long,
        env = "CAIRN_WEBHOOK_TIMEOUT",
        value_name = "SECS",
        default_value_t = 10
    )]
    webhook_timeout: u64,
    /// Seconds a sweep run handed to an agent may take to start (its
    /// `wandb.init` to reach the server) before the sweep gives its
    /// parameters to another agent.
    #[arg(long, env = "CAIRN_SWEEP_RUN_START_TIMEOUT", default_value_t = 600)]
    sweep_run_start_timeout: u64,
    /// Seconds a run queue item popped by a launch agent stays leased
    /// without being acknowledged, while its agent is silent, before it is
    /// pending again for another agent.
    #[arg(long, env = "CAIRN_LAUNCH_LEASE_TIMEOUT", default_value_t = 300)]
    launch_lease_timeout: u64,
    /// Where webhook integrations may send requests: comma-separated
    /// `host`, `host:port` or CIDR entries (`hooks.example.com,
    /// 10.0.0.0/8`). Nothing is allowed until this is set, so automations
    /// cannot be used to reach internal services.
    #[arg(
        long,
        env = "CAIRN_WEBHOOK_ALLOW",
        value_name = "LIST",
        default_value = ""
    )]
    webhook_allow: String,
    /// File holding the key that seals entity secrets (64 hex digits, or
    /// 32 raw bytes). Made on first start when missing; back it up, since
    /// secrets cannot be read without it. Default: secrets.key in the
    /// data directory.
    #[arg(long, env = "CAIRN_SECRETS_KEY_FILE", value_name = "FILE")]
    secrets_key_file: Option<PathBuf>,
}

/// Run the server until SIGTERM or Ctrl-C.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = cairn_server::Config::new(args.data_dir);
    config.admin_api_key = args.admin_api_key;
    config.url_signing_key = url_signing_key(args.url_signing_key_file.as_deref())?;
    config.auth_failure_limit = args.auth_failure_limit;
    config.max_run_file_bytes = args.max_run_file_bytes;
    config.run_timeout = std::time::Duration::from_secs(args.run_timeout.max(1));
    config.upload_timeout = std::time::Duration::from_secs(args.upload_timeout.max(1));
    config.artifact_ttl_sweep_interval =
        std::time::Duration::from_secs(args.artifact_ttl_sweep_interval.max(1));
    config.automation_interval = std::time::Duration::from_millis(args.automation_interval.max(10));
    config.history_compaction_interval =
        std::time::Duration::from_millis(args.history_compaction_interval.max(10));
    config.history_compaction.every = args.history_compact_every.max(1);
    config.history_export_delay = std::time::Duration::from_secs(args.history_export_delay);
    config.webhook_timeout = std::time::Duration::from_secs(args.webhook_timeout.clamp(1, 300));
    config.sweep_run_start_timeout =
        std::time::Duration::from_secs(args.sweep_run_start_timeout.max(1));
    config.launch_lease_timeout = std::time::Duration::from_secs(args.launch_lease_timeout.max(1));
    config.set_webhook_allow(&args.webhook_allow)?;
    config.secrets_key_file = args.secrets_key_file;
    let server = cairn_server::Server::start(&config).await?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    if let Some(key) = &server.generated_admin_key {
        // Printed once, on the start that created the instance; never logged.
        println!(
            "Created the instance admin 'admin'. Its API key (shown only now):\n\n    {key}\n"
        );
    }
    tracing::info!(data_dir = %config.data_dir.display(), "cairn listening on http://{addr}");
    server.serve(listener, shutdown_signal()).await?;
    tracing::info!("cairn stopped");
    Ok(())
}

/// Environment variable holding the URL-signing key itself.
const URL_SIGNING_KEY_ENV: &str = "CAIRN_URL_SIGNING_KEY";

/// The operator's URL-signing key, from `--url-signing-key-file` or
/// `CAIRN_URL_SIGNING_KEY` (not both), validated.
fn url_signing_key(
    file: Option<&std::path::Path>,
) -> anyhow::Result<Option<cairn_server::config::UrlSigningKey>> {
    use cairn_server::config::UrlSigningKey;
    let from_env = std::env::var_os(URL_SIGNING_KEY_ENV);
    match (file, from_env) {
        (Some(_), Some(_)) => anyhow::bail!(
            "Give the URL-signing key in --url-signing-key-file (CAIRN_URL_SIGNING_KEY_FILE) or in {URL_SIGNING_KEY_ENV}, not both."
        ),
        (Some(path), None) => Ok(Some(UrlSigningKey::from_file(path)?)),
        (None, Some(key)) => {
            let key = UrlSigningKey::new(key.as_encoded_bytes())
                .with_context(|| format!("{URL_SIGNING_KEY_ENV} is not usable"))?;
            Ok(Some(key))
        }
        (None, None) => Ok(None),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
