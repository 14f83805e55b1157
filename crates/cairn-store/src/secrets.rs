//! Secrets the server makes for itself, such as the key that signs upload
//! and download URLs. Kept in the database so that URLs stay valid across
//! restarts and every server sharing the database agrees on them.

use async_trait::async_trait;
use cairn_core::store::{SecretStore, StoreResult};

use crate::{SqliteStore, backend};

#[async_trait]
impl SecretStore for SqliteStore {
    async fn secret_or_insert(&self, name: &str, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        sqlx::query("INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }
}
