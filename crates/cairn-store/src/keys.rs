//! API keys: stored as SHA-256 hashes, looked up by hash.

use async_trait::async_trait;
use cairn_core::model::{ApiKey, User, UserId};
use cairn_core::store::{ApiKeyStore, StoreResult};

use crate::rows::{ApiKeyRow, USER_COLUMNS, UserRow};
use crate::{SqliteStore, backend, conflict_or_backend, now};

const KEY_COLUMNS: &str = "id, user_id, name, description, created_at";

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn insert_key(
        &self,
        user_id: UserId,
        name: &str,
        hash: &str,
        description: Option<&str>,
    ) -> StoreResult<ApiKey> {
        let sql = format!(
            "INSERT INTO api_keys (user_id, name, key_hash, description, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING {KEY_COLUMNS}"
        );
        let row: ApiKeyRow = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(name)
            .bind(hash)
            .bind(description)
            .bind(now())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                conflict_or_backend(e, || {
                    format!("An API key named {name:?} (or with the same secret) already exists.")
                })
            })?;
        Ok(row.into())
    }

    async fn user_by_key_hash(&self, hash: &str) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?"
        );
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(User::from))
    }

    async fn keys_of(&self, user_id: UserId) -> StoreResult<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY id");
        let rows: Vec<ApiKeyRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(ApiKey::from).collect())
    }

    async fn key_by_id(&self, id: i64) -> StoreResult<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?");
        let row: Option<ApiKeyRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(ApiKey::from))
    }

    async fn delete_key(&self, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}
