//! Entity secrets: one row per (entity, name), holding only the sealed
//! value (see `cairn_core::secret`); setting a name again replaces its
//! value in place.

use async_trait::async_trait;
use cairn_core::model::UserId;
use cairn_core::secret::{Sealed, SecretInfo};
use cairn_core::store::{EntitySecretStore, StoreResult};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::runs::now_ms;
use crate::{SqliteStore, backend};

fn time_of(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn info_from_row(row: &SqliteRow) -> Result<SecretInfo, sqlx::Error> {
    Ok(SecretInfo {
        entity_id: row.try_get("entity_id")?,
        name: row.try_get("name")?,
        created_at: time_of(row.try_get("created_at")?),
        updated_at: time_of(row.try_get("updated_at")?),
    })
}

#[async_trait]
impl EntitySecretStore for SqliteStore {
    async fn put_entity_secret(
        &self,
        entity_id: i64,
        name: &str,
        sealed: &Sealed,
        set_by: UserId,
    ) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO entity_secrets \
             (entity_id, name, ciphertext, nonce, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (entity_id, name) DO UPDATE SET \
             ciphertext = excluded.ciphertext, nonce = excluded.nonce, \
             updated_at = excluded.updated_at",
        )
        .bind(entity_id)
        .bind(name)
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .bind(set_by)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn entity_secrets(&self, entity_id: i64) -> StoreResult<Vec<SecretInfo>> {
        let rows = sqlx::query(
            "SELECT entity_id, name, created_at, updated_at FROM entity_secrets \
             WHERE entity_id = ? ORDER BY name",
        )
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(info_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn entity_secret(&self, entity_id: i64, name: &str) -> StoreResult<Option<Sealed>> {
        let row = sqlx::query(
            "SELECT ciphertext, nonce FROM entity_secrets WHERE entity_id = ? AND name = ?",
        )
        .bind(entity_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            Ok::<_, sqlx::Error>(Sealed {
                ciphertext: row.try_get("ciphertext")?,
                nonce: row.try_get("nonce")?,
            })
        })
        .transpose()
        .map_err(backend)
    }

    async fn delete_entity_secret(&self, entity_id: i64, name: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM entity_secrets WHERE entity_id = ? AND name = ?")
            .bind(entity_id)
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}
