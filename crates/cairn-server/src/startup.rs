//! Start-up: open storage, bootstrap an empty instance, serve.
//!
//! This is the only module that names the concrete storage backend.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use cairn_core::Cairn;
use cairn_store::SqliteStore;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::graphql;
use crate::router::{AppState, router};

/// A started (not yet serving) server: storage is open and migrated.
pub struct Server {
    state: AppState,
    store: SqliteStore,
    max_body_bytes: usize,
    /// The admin API key generated on this start, if this start created the
    /// instance and no key was supplied. Show it once.
    pub generated_admin_key: Option<String>,
}

impl Server {
    /// Open the data directory (creating it), migrate, and on an empty
    /// instance create the admin user.
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            start_error(
                &format!("cannot create data directory {}", config.data_dir.display()),
                e,
            )
        })?;
        let store = SqliteStore::open(&config.data_dir.join("cairn.sqlite3"))
            .await
            .map_err(|e| start_error("cannot open the database", e))?;
        let cairn = Cairn::open(Arc::new(store.clone()))
            .await
            .map_err(|e| start_error("cannot open the database", e))?;
        let bootstrap = cairn
            .bootstrap(config.admin_api_key.as_deref())
            .await
            .map_err(|e| start_error("cannot create the admin user", e))?;
        if let Some(b) = &bootstrap {
            tracing::info!(username = %b.admin.username, "created the instance admin");
        }
        Ok(Server {
            state: AppState {
                schema: graphql::schema(cairn.clone()),
                cairn,
            },
            store,
            max_body_bytes: config.max_body_bytes,
            generated_admin_key: bootstrap.and_then(|b| b.generated_key),
        })
    }

    /// Serve on `listener` until `shutdown` completes, then close storage.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = router(self.state, self.max_body_bytes);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.store.close().await;
        Ok(())
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
