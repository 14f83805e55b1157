//! Artifact types and collections: listing, renaming, retyping, tagging
//! and deleting them, and the helpers that create a type or a collection
//! on first use (logging and linking both need them).

use crate::filter::bind_each;
use async_trait::async_trait;
use cairn_core::artifact::{ArtifactType, Collection, CollectionKind};
use cairn_core::store::{CollectionStore, StoreResult};
use sqlx::SqliteConnection;

use super::compile;
use super::entries::digests_where;
use super::filter::Scope;
use super::rows::{COLLECTION_SELECT, CollectionRow, TypeRow};
use crate::automations::record_collection_event;
use crate::{SqliteStore, backend, now};
use cairn_core::automation::EventType;

#[async_trait]
impl CollectionStore for SqliteStore {
    async fn artifact_types(
        &self,
        project_id: i64,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<Vec<ArtifactType>> {
        let rows: Vec<TypeRow> = sqlx::query_as(
            "SELECT id, project_id, name, description, created_at FROM artifact_types \
             WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(project_id)
        .bind(after.unwrap_or(0))
        .bind(first)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn artifact_type(
        &self,
        project_id: i64,
        name: &str,
    ) -> StoreResult<Option<ArtifactType>> {
        let row: Option<TypeRow> = sqlx::query_as(
            "SELECT id, project_id, name, description, created_at FROM artifact_types \
             WHERE project_id = ? AND name = ?",
        )
        .bind(project_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn collection_by_id(&self, id: i64) -> StoreResult<Option<Collection>> {
        let sql = format!("{COLLECTION_SELECT} WHERE c.id = ?");
        let row: Option<CollectionRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn collection_by_name(
        &self,
        project_id: i64,
        name: &str,
    ) -> StoreResult<Option<Collection>> {
        let sql = format!("{COLLECTION_SELECT} WHERE c.project_id = ? AND c.name = ?");
        let row: Option<CollectionRow> = sqlx::query_as(&sql)
            .bind(project_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn collections(
        &self,
        project_id: i64,
        type_id: Option<i64>,
        kinds: &[CollectionKind],
        filter: Option<&cairn_core::filter::Filter>,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<Vec<Collection>> {
        let condition = compile(Scope::Collection, filter)?;
        let sql = format!(
            "{COLLECTION_SELECT} WHERE c.project_id = ? AND (? IS NULL OR c.type_id = ?) \
             AND c.kind IN (SELECT value FROM json_each(?)) AND ({}) AND c.id > ? \
             ORDER BY c.id LIMIT ?",
            condition.sql
        );
        let query = sqlx::query_as::<_, CollectionRow>(&sql)
            .bind(project_id)
            .bind(type_id)
            .bind(type_id)
            .bind(kinds_json(kinds));
        let rows = bind_each!(query, &condition.binds)
            .bind(after.unwrap_or(0))
            .bind(first)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn collection_count(
        &self,
        project_id: i64,
        type_id: Option<i64>,
        kinds: &[CollectionKind],
        filter: Option<&cairn_core::filter::Filter>,
    ) -> StoreResult<i64> {
        let condition = compile(Scope::Collection, filter)?;
        let sql = format!(
            "SELECT COUNT(*) FROM artifact_collections c WHERE c.project_id = ? \
             AND (? IS NULL OR c.type_id = ?) AND c.kind IN (SELECT value FROM json_each(?)) \
             AND ({})",
            condition.sql
        );
        let query = sqlx::query_scalar(&sql)
            .bind(project_id)
            .bind(type_id)
            .bind(type_id)
            .bind(kinds_json(kinds));
        bind_each!(query, &condition.binds)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn update_collection(
        &self,
        id: i64,
        name: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<Collection> {
        sqlx::query(
            "UPDATE artifact_collections SET name = COALESCE(?, name), \
             description = COALESCE(?, description), updated_at = ? WHERE id = ?",
        )
        .bind(name)
        .bind(description)
        .bind(now())
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(|e| {
            crate::conflict_or_backend(e, || {
                format!(
                    "A collection named {:?} already exists in this project.",
                    name.unwrap_or_default()
                )
            })
        })?;
        self.existing_collection(id).await
    }

    async fn move_collection(&self, id: i64, type_name: &str) -> StoreResult<Collection> {
        let mut tx = self.write_tx().await?;
        let project_id: i64 =
            sqlx::query_scalar("SELECT project_id FROM artifact_collections WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        let type_id = ensure_type(&mut tx, project_id, type_name).await?;
        sqlx::query("UPDATE artifact_collections SET type_id = ?, updated_at = ? WHERE id = ?")
            .bind(type_id)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("UPDATE artifacts SET type_id = ? WHERE sequence_id = ?")
            .bind(type_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        self.existing_collection(id).await
    }

    async fn tag_collection(&self, id: i64, add: &[String], remove: &[String]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for tag in add {
            sqlx::query(
                "INSERT OR IGNORE INTO collection_tags (collection_id, name) VALUES (?, ?)",
            )
            .bind(id)
            .bind(tag)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        for tag in remove {
            sqlx::query("DELETE FROM collection_tags WHERE collection_id = ? AND name = ?")
                .bind(id)
                .bind(tag)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        touch_collection(&mut tx, id).await?;
        if !add.is_empty() {
            record_collection_event(&mut tx, EventType::AddCollectionTag, id, add).await?;
        }
        if !remove.is_empty() {
            record_collection_event(&mut tx, EventType::RemoveCollectionTag, id, remove).await?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn delete_collection(&self, id: i64) -> StoreResult<Vec<String>> {
        let mut tx = self.write_tx().await?;
        let digests = digests_where(&mut tx, "a.sequence_id = ?", id).await?;
        sqlx::query("DELETE FROM artifacts WHERE sequence_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM artifact_collections WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(digests)
    }
}

impl SqliteStore {
    pub(super) async fn existing_collection(&self, id: i64) -> StoreResult<Collection> {
        self.collection_by_id(id)
            .await?
            .ok_or_else(|| backend(format!("collection {id} vanished")))
    }
}

fn kinds_json(kinds: &[CollectionKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

/// The type `name` of a project, created if missing.
pub(super) async fn ensure_type(
    tx: &mut SqliteConnection,
    project_id: i64,
    name: &str,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT OR IGNORE INTO artifact_types (project_id, name, created_at) VALUES (?, ?, ?)",
    )
    .bind(project_id)
    .bind(name)
    .bind(now())
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    sqlx::query_scalar("SELECT id FROM artifact_types WHERE project_id = ? AND name = ?")
        .bind(project_id)
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)
}

/// A new collection row; the caller has checked the name is free.
pub(super) async fn insert_collection(
    tx: &mut SqliteConnection,
    project_id: i64,
    type_id: i64,
    name: &str,
    kind: &str,
    description: Option<&str>,
) -> StoreResult<i64> {
    let t = now();
    sqlx::query_scalar(
        "INSERT INTO artifact_collections (project_id, type_id, name, kind, description, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(project_id)
    .bind(type_id)
    .bind(name)
    .bind(kind)
    .bind(description)
    .bind(t)
    .bind(t)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)
}

/// Note that a collection changed (new version, new link, new tags).
pub(super) async fn touch_collection(tx: &mut SqliteConnection, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE artifact_collections SET updated_at = ? WHERE id = ?")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    Ok(())
}
