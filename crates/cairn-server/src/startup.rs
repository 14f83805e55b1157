//! Start-up: open storage, bootstrap an empty instance, serve.
//!
//! This is the only module that names the concrete storage backends: the
//! SQLite store and the local blob directory.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use cairn_core::blob::BlobStore;
use cairn_core::content::ContentStore;
use cairn_core::secret::SecretBox;
use cairn_core::{Cairn, CoreError, apikey};
use cairn_store::{LocalBlobs, SqliteStore};
use tokio::net::TcpListener;

use crate::auth_limit::AuthFailureLimiter;
use crate::config::Config;
use crate::graphql;
use crate::router::router;
use crate::signing::UrlSigner;
use crate::state::AppState;

/// A started (not yet serving) server: storage is open and migrated.
pub struct Server {
    state: AppState,
    store: SqliteStore,
    max_body_bytes: usize,
    run_timeout: std::time::Duration,
    upload_timeout: std::time::Duration,
    artifact_ttl_sweep_interval: std::time::Duration,
    automation_interval: std::time::Duration,
    webhook_timeout: std::time::Duration,
    history_compaction_interval: std::time::Duration,
    history_compaction: cairn_core::history::CompactionPolicy,
    /// The admin API key generated on this start, if this start created the
    /// instance and no key was supplied. Show it once.
    pub generated_admin_key: Option<String>,
}

impl Server {
    /// Open the data directory (creating it, private to this account),
    /// migrate, and on an empty instance create the admin user.
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        cairn_store::ensure_private_dir(&config.data_dir).map_err(|e| {
            start_error(
                &format!("cannot create data directory {}", config.data_dir.display()),
                e,
            )
        })?;
        let store = SqliteStore::open(&config.data_dir.join("cairn.sqlite3"))
            .await
            .map_err(|e| start_error("cannot open the database", e))?;
        let secrets_key =
            crate::secrets_key::load_or_create(&config.secrets_key_path()).map_err(StartError)?;
        let blobs: Arc<dyn BlobStore> = Arc::new(
            LocalBlobs::open(config.data_dir.join("blobs"))
                .await
                .map_err(|e| start_error("cannot create the blob directory", e))?,
        );
        let cairn = Cairn::open(Arc::new(store.clone()))
            .await
            .map_err(|e| start_error("cannot open the database", e))?
            .with_webhook_allow(config.webhook_allow.clone())
            .with_secret_box(SecretBox::new(&secrets_key))
            .with_history_blobs(blobs.clone())
            .with_history_export_delay(config.history_export_delay);
        let bootstrap = cairn
            .bootstrap(config.admin_api_key.as_deref())
            .await
            .map_err(|e| match e {
                CoreError::InvalidInput(why) => StartError(format!(
                    "CAIRN_ADMIN_API_KEY (--admin-api-key) cannot be used: {why} Or leave it unset: the server then generates a key and prints it once."
                )),
                other => start_error("cannot create the admin user", other),
            })?;
        match (&bootstrap, config.admin_api_key.as_deref()) {
            (Some(b), _) => {
                tracing::info!(username = %b.admin.username, "created the instance admin");
            }
            (None, Some(key)) => check_unused_admin_key(&cairn, key).await?,
            (None, None) => {}
        }
        cairn
            .ensure_core_registries()
            .await
            .map_err(|e| start_error("cannot create the core registries", e))?;
        let signer = match &config.url_signing_key {
            // The operator's key; the one stored in the database stays unused.
            Some(key) => UrlSigner::new(key.bytes().to_vec()),
            None => UrlSigner::new(
                cairn
                    .url_signing_key()
                    .await
                    .map_err(|e| start_error("cannot read the URL-signing key", e))?,
            ),
        };
        let content = cairn.content_store(blobs.clone());
        Ok(Server {
            state: AppState {
                schema: graphql::schema(
                    cairn.clone(),
                    signer.clone(),
                    blobs.clone(),
                    content.clone(),
                    graphql::Settings {
                        run_start_timeout: config.sweep_run_start_timeout,
                        launch_lease_timeout: config.launch_lease_timeout,
                    },
                ),
                content,
                cairn,
                blobs,
                signer,
                auth_failures: AuthFailureLimiter::new(config.auth_failure_limit),
                max_run_file_bytes: config.max_run_file_bytes,
            },
            store,
            max_body_bytes: config.max_body_bytes,
            run_timeout: config.run_timeout,
            upload_timeout: config.upload_timeout,
            artifact_ttl_sweep_interval: config.artifact_ttl_sweep_interval,
            automation_interval: config.automation_interval,
            webhook_timeout: config.webhook_timeout,
            history_compaction_interval: config.history_compaction_interval,
            history_compaction: config.history_compaction,
            generated_admin_key: bootstrap.and_then(|b| b.generated_key),
        })
    }

    /// The domain service this server runs on: for embedding and for
    /// tests that call domain operations no HTTP route offers yet (the web
    /// UI's sign-in). It shares the server's database.
    pub fn cairn(&self) -> Cairn {
        self.state.cairn.clone()
    }

    /// Serve on `listener` until `shutdown` completes, then close storage.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // The background work lives exactly as long as this future: ended
        // after a graceful shutdown, and also when the future is dropped (an
        // embedding, or a test, stopping the server), so that no sweep or
        // delivery worker of a stopped server goes on using its database.
        let background = BackgroundTasks(vec![
            tokio::spawn(watch_for_crashes(
                self.state.cairn.clone(),
                self.run_timeout,
            )),
            tokio::spawn(sweep_expired_sessions(self.state.cairn.clone())),
            tokio::spawn(sweep_abandoned_uploads(
                self.state.cairn.clone(),
                self.state.content.clone(),
                self.upload_timeout,
                self.artifact_ttl_sweep_interval,
            )),
            tokio::spawn(crate::deliveries::deliver_automations(
                self.state.cairn.clone(),
                crate::webhook::Sender::new(
                    std::sync::Arc::new(self.state.cairn.webhook_allow().clone()),
                    self.webhook_timeout,
                ),
                self.webhook_timeout,
                self.automation_interval,
            )),
            tokio::spawn(crate::history_worker::compact_histories(
                self.state.cairn.clone(),
                self.history_compaction,
                self.history_compaction_interval,
            )),
        ]);
        let app = router(self.state, self.max_body_bytes);
        // Without TCP_NODELAY a response whose headers and body go out in
        // separate writes waits for the client's delayed ACK: ~40 ms per
        // small download.
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
        // The peer address is what failed authentications are counted by.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        drop(background);
        self.store.close().await;
        Ok(())
    }
}

/// Background tasks, aborted when dropped.
struct BackgroundTasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for BackgroundTasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// `CAIRN_ADMIN_API_KEY` on an instance that already has users is not
/// used (only the first start creates the admin). Say so, unless it is one
/// of the instance's keys anyway; and if it is, but would not pass today's
/// check on chosen keys, say that it should be replaced. The key itself is
/// never logged.
async fn check_unused_admin_key(cairn: &Cairn, key: &str) -> Result<(), StartError> {
    match cairn.authenticate(key).await {
        Ok(_) => {
            if let Err(why) = apikey::check_chosen(key) {
                tracing::warn!(
                    "CAIRN_ADMIN_API_KEY is a working key of this instance, but a weak one: {why} Create a new key and delete this one."
                );
            }
            Ok(())
        }
        Err(CoreError::Unauthenticated(_)) => {
            tracing::warn!(
                "CAIRN_ADMIN_API_KEY is ignored: this instance already has users and the key is not a working key of theirs (unknown, revoked, or its user deactivated). Only the first start of an empty instance uses it; manage keys with `cairn key`."
            );
            Ok(())
        }
        Err(e) => Err(start_error("cannot check CAIRN_ADMIN_API_KEY", e)),
    }
}

/// Mark runs that stayed silent for `timeout` as crashed (the client sends
/// a heartbeat every 30 s while it lives); checked every minute, or more
/// often for short timeouts.
async fn watch_for_crashes(cairn: Cairn, timeout: std::time::Duration) {
    let period = (timeout / 2).clamp(
        std::time::Duration::from_millis(100),
        std::time::Duration::from_secs(60),
    );
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        match cairn.mark_silent_runs_crashed(timeout).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(runs = n, "marked silent runs as crashed"),
            Err(e) => tracing::warn!(error = %e, "could not check for crashed runs"),
        }
    }
}

/// Delete expired browser sessions every [`SESSION_SWEEP_PERIOD`]. Reads
/// ignore them anyway and every sign-in clears them out too; this keeps
/// the table small on an instance where nobody signs in for a while.
async fn sweep_expired_sessions(cairn: Cairn) {
    let mut tick = tokio::time::interval(SESSION_SWEEP_PERIOD);
    loop {
        tick.tick().await;
        match cairn.sweep_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "deleted expired browser sessions"),
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
    }
}

/// How often expired browser sessions are deleted.
const SESSION_SWEEP_PERIOD: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Delete artifacts whose upload was abandoned (pending and untouched for
/// `timeout`) and artifact versions whose TTL has run out, and collect the
/// blobs only they referenced. Abandoned uploads are checked every hour, or
/// more often for short timeouts; expired versions every
/// `ttl_interval`, in batches of [`TTL_BATCH`] until none is left, so one
/// sweep never holds the writer for long.
async fn sweep_abandoned_uploads(
    cairn: Cairn,
    content: ContentStore,
    timeout: std::time::Duration,
    ttl_interval: std::time::Duration,
) {
    let period = (timeout / 2)
        .clamp(
            std::time::Duration::from_millis(100),
            std::time::Duration::from_secs(60 * 60),
        )
        .min(ttl_interval);
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        match cairn.sweep_abandoned_artifacts(timeout).await {
            Ok((0, _)) => {}
            Ok((n, digests)) => {
                tracing::info!(artifacts = n, "deleted abandoned artifact uploads");
                collect(&content, &digests).await;
            }
            Err(e) => tracing::warn!(error = %e, "could not sweep abandoned uploads"),
        }
        loop {
            match cairn.sweep_expired_artifacts(TTL_BATCH).await {
                Ok((0, _)) => break,
                Ok((n, digests)) => {
                    tracing::info!(artifacts = n, "deleted artifact versions whose TTL ran out");
                    collect(&content, &digests).await;
                    if (n as i64) < TTL_BATCH {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not sweep expired artifacts");
                    break;
                }
            }
        }
    }
}

/// Expired artifact versions deleted per batch of the background sweep.
const TTL_BATCH: i64 = 100;

/// Delete the blobs among `digests` that nothing references any more.
async fn collect(content: &ContentStore, digests: &[String]) {
    if let Err(e) = content.collect(digests).await {
        tracing::warn!(error = %e, "could not collect unreferenced blobs");
    }
}

/// Convenience for tests and embedding: start on `listener` in the
/// background and return its address.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
) -> Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>), StartError> {
    let addr = listener
        .local_addr()
        .map_err(|e| start_error("cannot read the listener address", e))?;
    let server = Server::start(config).await?;
    let handle = tokio::spawn(server.serve(listener, std::future::pending()));
    Ok((addr, handle))
}

/// Why the server could not start: a message for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(String);

fn start_error(context: &str, err: impl std::fmt::Display) -> StartError {
    StartError(format!("{context}: {err}"))
}
