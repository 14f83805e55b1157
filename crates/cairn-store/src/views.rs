//! Views: reports and saved workspaces, one row each, the spec kept as the
//! client's text. Listings are keyset pages on the row id, drafts of other
//! users left out in the query itself.

use async_trait::async_trait;
use cairn_core::store::{StoreError, StoreResult, ViewStore};
use cairn_core::view::{NewView, View, ViewChange, ViewQuery};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::runs::now_ms;
use crate::{SqliteStore, backend, conflict_or_backend};

/// Columns of a view `v` and its author `u` (`FROM views v LEFT JOIN
/// users u ON u.id = v.user_id`).
const VIEW_COLUMNS: &str = "v.id, v.project_id, v.user_id, u.username, v.type, v.name, \
    v.display_name, v.description, v.spec, v.parent_id, v.created_using, v.created_at, \
    v.updated_at";
const FROM_VIEWS: &str = "views v LEFT JOIN users u ON u.id = v.user_id";

fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn view_from_row(row: &SqliteRow) -> Result<View, sqlx::Error> {
    Ok(View {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        kind: row.try_get("type")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        description: row.try_get("description")?,
        spec: row.try_get("spec")?,
        parent_id: row.try_get("parent_id")?,
        created_using: row.try_get("created_using")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

fn name_taken(kind: &str, name: &str) -> String {
    format!("a view of type {kind:?} named {name:?} already exists in the project")
}

#[async_trait]
impl ViewStore for SqliteStore {
    async fn create_view(&self, new: &NewView) -> StoreResult<View> {
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO views (project_id, user_id, type, name, display_name, description, \
             spec, parent_id, created_using, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.project_id)
        .bind(new.user_id)
        .bind(&new.kind)
        .bind(&new.name)
        .bind(&new.display_name)
        .bind(&new.description)
        .bind(&new.spec)
        .bind(new.parent_id)
        .bind(&new.created_using)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_or_backend(e, || name_taken(&new.kind, &new.name)))?;
        tx.commit().await.map_err(backend)?;
        self.view_by_id(id)
            .await?
            .ok_or_else(|| StoreError::backend("a new view vanished"))
    }

    async fn view_by_id(&self, id: i64) -> StoreResult<Option<View>> {
        let sql = format!("SELECT {VIEW_COLUMNS} FROM {FROM_VIEWS} WHERE v.id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(view_from_row).transpose().map_err(backend)
    }

    async fn view_by_name(
        &self,
        project_id: i64,
        kind: &str,
        name: &str,
    ) -> StoreResult<Option<View>> {
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM {FROM_VIEWS} \
             WHERE v.project_id = ? AND v.type = ? AND v.name = ?"
        );
        let row = sqlx::query(&sql)
            .bind(project_id)
            .bind(kind)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(view_from_row).transpose().map_err(backend)
    }

    async fn update_view(&self, id: i64, change: &ViewChange) -> StoreResult<Option<View>> {
        let mut tx = self.write_tx().await?;
        let updated = sqlx::query(
            "UPDATE views SET type = COALESCE(?, type), name = COALESCE(?, name), \
             display_name = COALESCE(?, display_name), \
             description = COALESCE(?, description), spec = COALESCE(?, spec), \
             updated_at = ? WHERE id = ?",
        )
        .bind(&change.kind)
        .bind(&change.name)
        .bind(&change.display_name)
        .bind(&change.description)
        .bind(&change.spec)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || {
                name_taken(
                    change.kind.as_deref().unwrap_or("?"),
                    change.name.as_deref().unwrap_or("?"),
                )
            })
        })?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        if updated == 0 {
            return Ok(None);
        }
        self.view_by_id(id).await
    }

    async fn views(&self, query: &ViewQuery) -> StoreResult<Vec<View>> {
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM {FROM_VIEWS} WHERE v.project_id = ? \
             AND (? IS NULL OR v.type = ?) AND (? IS NULL OR v.name = ?) \
             AND (? IS NULL OR v.user_id = ?) \
             AND (? IS NULL OR v.type NOT LIKE '%/draft' OR v.user_id = ?) \
             AND (? IS NULL OR v.id < ?) \
             ORDER BY v.id DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(query.project_id)
            .bind(&query.kind)
            .bind(&query.kind)
            .bind(&query.name)
            .bind(&query.name)
            .bind(query.user_id)
            .bind(query.user_id)
            .bind(query.viewer_id)
            .bind(query.viewer_id)
            .bind(query.before_id)
            .bind(query.before_id)
            .bind(query.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(view_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn view_draft_count(&self, id: i64) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM views WHERE parent_id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn delete_view(&self, id: i64) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        // Drafts go through the foreign key's ON DELETE CASCADE.
        let deleted = sqlx::query("DELETE FROM views WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(deleted > 0)
    }
}
