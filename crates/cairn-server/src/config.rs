//! Server configuration, parsed once and validated before anything starts.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything `cairn server` needs to start.
#[derive(Clone)]
pub struct Config {
    /// Directory for the database and files; created if missing.
    pub data_dir: PathBuf,
    /// The instance admin's API key to use on first start, instead of a
    /// generated one (`CAIRN_ADMIN_API_KEY`).
    pub admin_api_key: Option<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// How long a running run may stay silent before it is marked crashed.
    pub run_timeout: std::time::Duration,
    /// How long an artifact may stay pending and untouched before its
    /// upload counts as abandoned and is deleted (with blobs only it used).
    pub upload_timeout: std::time::Duration,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            admin_api_key: None,
            max_body_bytes: 64 * 1024 * 1024,
            run_timeout: std::time::Duration::from_secs(300),
            upload_timeout: std::time::Duration::from_secs(24 * 60 * 60),
        }
    }
}

// Hand-written so the admin key never reaches a log line.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field(
                "admin_api_key",
                &self.admin_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .field("run_timeout", &self.run_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .finish()
    }
}

/// The default listen address: loopback only.
pub fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
