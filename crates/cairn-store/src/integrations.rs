//! Integrations: an entity's webhooks, one row each, listed as keyset pages
//! on the row id.

use async_trait::async_trait;
use cairn_core::integration::{Integration, NewWebhook};
use cairn_core::model::UserId;
use cairn_core::store::{IntegrationStore, StoreError, StoreResult};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::runs::now_ms;
use crate::{SqliteStore, backend, conflict_or_backend};

const COLUMNS: &str =
    "id, entity_id, name, url, secret_ref, access_token_ref, channel_name, created_at";

fn from_row(row: &SqliteRow) -> Result<Integration, sqlx::Error> {
    let ms: i64 = row.try_get("created_at")?;
    Ok(Integration {
        id: row.try_get("id")?,
        entity_id: row.try_get("entity_id")?,
        name: row.try_get("name")?,
        url: row.try_get("url")?,
        secret_ref: row.try_get("secret_ref")?,
        access_token_ref: row.try_get("access_token_ref")?,
        slack_channel: row.try_get("channel_name")?,
        created_at: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    })
}

#[async_trait]
impl IntegrationStore for SqliteStore {
    async fn create_webhook(
        &self,
        entity_id: i64,
        new: &NewWebhook,
        created_by: UserId,
    ) -> StoreResult<Integration> {
        let sql = format!(
            "INSERT INTO integrations (entity_id, kind, name, url, secret_ref, access_token_ref, \
             channel_name, created_by, created_at) \
             VALUES (?, CASE WHEN ? IS NULL THEN 'webhook' ELSE 'slack' END, ?, ?, ?, ?, ?, ?, ?) \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(entity_id)
            .bind(&new.slack_channel)
            .bind(&new.name)
            .bind(&new.url)
            .bind(&new.secret_ref)
            .bind(&new.access_token_ref)
            .bind(&new.slack_channel)
            .bind(created_by)
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                conflict_or_backend(e, || {
                    format!("an integration named {:?} already exists", new.name)
                })
            })?;
        from_row(&row).map_err(backend)
    }

    async fn integration_by_id(&self, id: i64) -> StoreResult<Option<Integration>> {
        let sql = format!("SELECT {COLUMNS} FROM integrations WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(from_row).transpose().map_err(backend)
    }

    async fn integrations(
        &self,
        entity_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Integration>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM integrations WHERE entity_id = ? AND id > ? \
             ORDER BY id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(entity_id)
            .bind(after.unwrap_or(0))
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn delete_integration(&self, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM integrations WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::Conflict("automations still use this integration".into())
                }
                _ => backend(e),
            })?;
        Ok(done.rows_affected() > 0)
    }
}
