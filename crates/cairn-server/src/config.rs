//! Server configuration, parsed once and validated before anything starts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything `cairn server` needs to start.
#[derive(Clone)]
pub struct Config {
    /// Directory for the database and files; created if missing (0700).
    pub data_dir: PathBuf,
    /// The instance admin's API key to use on first start, instead of a
    /// generated one (`CAIRN_ADMIN_API_KEY`); its secret must pass
    /// `cairn_core::apikey::check_chosen`.
    pub admin_api_key: Option<String>,
    /// The key that signs upload and download URLs, when the operator keeps
    /// it outside the data directory; otherwise one generated and stored in
    /// the database on first start is used.
    pub url_signing_key: Option<UrlSigningKey>,
    /// Largest accepted request body, in bytes, for requests read whole
    /// (GraphQL, file_stream, manifests). Run files and artifact files
    /// stream to disk and have their own limits.
    pub max_body_bytes: usize,
    /// Largest run file (a `PUT /files/…` upload), in bytes; 0 for no limit.
    pub max_run_file_bytes: u64,
    /// Failed key checks allowed per client address per minute before
    /// further failures are answered with 429; 0 for no limit.
    pub auth_failure_limit: u32,
    /// How long a running run may stay silent before it is marked crashed.
    pub run_timeout: std::time::Duration,
    /// How long an artifact may stay pending and untouched before its
    /// upload counts as abandoned and is deleted (with blobs only it used).
    pub upload_timeout: std::time::Duration,
    /// How often the background sweep looks for artifact versions whose
    /// TTL has run out (and deletes them); it runs at least this often.
    pub artifact_ttl_sweep_interval: std::time::Duration,
    /// How often the automation worker looks for new events and due
    /// deliveries.
    pub automation_interval: std::time::Duration,
    /// How long one webhook delivery attempt may take.
    pub webhook_timeout: std::time::Duration,
    /// How often the history compaction worker looks for due runs.
    pub history_compaction_interval: std::time::Duration,
    /// When and how much history to compact.
    pub history_compaction: cairn_core::history::CompactionPolicy,
    /// How old a compacted history file is before `parquetHistory` hands
    /// it to clients.
    pub history_export_delay: std::time::Duration,
    /// How long a run a sweep handed to an agent may take to start before
    /// the sweep hands its parameters to another agent.
    pub sweep_run_start_timeout: std::time::Duration,
    /// How long a run queue item popped by a launch agent stays leased
    /// without being acknowledged, while its agent is silent, before it is
    /// pending again for another agent.
    pub launch_lease_timeout: std::time::Duration,
    /// Where webhook integrations may send requests (`--webhook-allow`);
    /// empty, the default, allows nothing.
    pub webhook_allow: cairn_core::integration::AllowList,
    /// The file holding the key that seals entity secrets
    /// (`--secrets-key-file`); `None` for `secrets.key` in the data
    /// directory. Made on first start when missing.
    pub secrets_key_file: Option<PathBuf>,
}

/// Default [`Config::max_run_file_bytes`]: 10 GiB. Run files include model
/// checkpoints saved with `run.save`, so the limit is generous; it bounds
/// what one request can put on disk, not what a project may hold.
pub const DEFAULT_MAX_RUN_FILE_BYTES: u64 = 10 << 30;

/// Default [`Config::auth_failure_limit`]: one failed key check a second,
/// sustained, is far more than a person mistyping and far less than a
/// guessing attack needs.
pub const DEFAULT_AUTH_FAILURE_LIMIT: u32 = 60;

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            admin_api_key: None,
            url_signing_key: None,
            max_body_bytes: 64 * 1024 * 1024,
            max_run_file_bytes: DEFAULT_MAX_RUN_FILE_BYTES,
            auth_failure_limit: DEFAULT_AUTH_FAILURE_LIMIT,
            run_timeout: std::time::Duration::from_secs(300),
            upload_timeout: std::time::Duration::from_secs(24 * 60 * 60),
            artifact_ttl_sweep_interval: std::time::Duration::from_secs(5 * 60),
            automation_interval: std::time::Duration::from_millis(250),
            webhook_timeout: std::time::Duration::from_secs(10),
            history_compaction_interval: std::time::Duration::from_secs(2),
            history_compaction: cairn_core::history::CompactionPolicy::default(),
            history_export_delay: std::time::Duration::from_millis(
                cairn_core::history::EXPORT_DELAY_MS as u64,
            ),
            sweep_run_start_timeout: std::time::Duration::from_secs(600),
            launch_lease_timeout: std::time::Duration::from_secs(300),
            webhook_allow: cairn_core::integration::AllowList::default(),
            secrets_key_file: None,
        }
    }
}

impl Config {
    /// Where the secrets key is: [`Config::secrets_key_file`], or
    /// `secrets.key` in the data directory.
    pub fn secrets_key_path(&self) -> PathBuf {
        self.secrets_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secrets.key"))
    }

    /// Set [`Config::webhook_allow`] from the operator's comma-separated
    /// list (see `cairn_core::integration::AllowList::parse`).
    pub fn set_webhook_allow(&mut self, list: &str) -> Result<(), ConfigError> {
        self.webhook_allow = cairn_core::integration::AllowList::parse(list)
            .map_err(|e| ConfigError(format!("--webhook-allow (CAIRN_WEBHOOK_ALLOW): {e}")))?;
        Ok(())
    }
}

// Hand-written so the secrets never reach a log line.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field(
                "admin_api_key",
                &self.admin_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("url_signing_key", &self.url_signing_key)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_run_file_bytes", &self.max_run_file_bytes)
            .field("auth_failure_limit", &self.auth_failure_limit)
            .field("run_timeout", &self.run_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .field(
                "artifact_ttl_sweep_interval",
                &self.artifact_ttl_sweep_interval,
            )
            .field("automation_interval", &self.automation_interval)
            .field("webhook_timeout", &self.webhook_timeout)
            .field(
                "history_compaction_interval",
                &self.history_compaction_interval,
            )
            .field("history_compaction", &self.history_compaction)
            .field("history_export_delay", &self.history_export_delay)
            .field("sweep_run_start_timeout", &self.sweep_run_start_timeout)
            .field("launch_lease_timeout", &self.launch_lease_timeout)
            .field("webhook_allow", &self.webhook_allow)
            .field("secrets_key_file", &self.secrets_key_file)
            .finish()
    }
}

/// A URL-signing key supplied by the operator: at least
/// [`UrlSigningKey::MIN_BYTES`] bytes, used as given (after trimming
/// surrounding whitespace, such as the newline `openssl rand -hex 32 > key`
/// leaves).
#[derive(Clone)]
pub struct UrlSigningKey(Vec<u8>);

/// A configuration value that cannot be used, with a message for the
/// operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl UrlSigningKey {
    /// Shortest key accepted: as long as the HMAC-SHA256 output, and as long
    /// as the key the server generates for itself.
    pub const MIN_BYTES: usize = 32;

    /// A key from its bytes.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        Self::validated(key.as_ref(), "")
    }

    /// A key read from a file. Warns when the file is readable by other
    /// accounts.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| {
            ConfigError(format!(
                "Cannot read the URL-signing key file {}: {e}.",
                path.display()
            ))
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{:o}", meta.permissions().mode() & 0o777),
                    "the URL-signing key file is readable by other accounts; chmod 600 it"
                );
            }
        }
        Self::validated(&bytes, &format!(" in {}", path.display()))
    }

    fn validated(key: &[u8], source: &str) -> Result<Self, ConfigError> {
        let key = key.trim_ascii();
        if key.len() < Self::MIN_BYTES {
            return Err(ConfigError(format!(
                "The URL-signing key{source} is {} bytes; it must be at least {} (make one with `openssl rand -hex 32`).",
                key.len(),
                Self::MIN_BYTES
            )));
        }
        Ok(UrlSigningKey(key.to_vec()))
    }

    /// The key's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for UrlSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigningKey(<redacted>)")
    }
}

/// The default listen address: loopback only.
pub fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
