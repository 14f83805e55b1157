//! Artifacts: types, collections, versions, aliases, tags, entries, lineage,
//! registries, and the blob rows that make file storage content-addressed.
//!
//! Every change that must be all-or-nothing (a commit hands out a version
//! index, moves `latest` and replaces staged entries with the manifest's) is
//! one `BEGIN IMMEDIATE` transaction on the writer connection, so concurrent
//! commits to one collection serialize instead of racing for an index.
//!
//! Blob rows and references are what garbage collection decides on: a blob
//! may go only when no entry (staged or committed) and no manifest names it
//! ([`ArtifactStore::forget_blob_if_unreferenced`]) and no upload holds a
//! lease on it (`leases.rs`). Staging a file and
//! checking whether its blob exists happen in one transaction, so a blob a
//! client was told to skip uploading is referenced before any collector can
//! look at it.

/// Bind a compiled filter's values, in order, onto any sqlx query shape.
macro_rules! bind_each {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                filter::Bind::Int(i) => query.bind(*i),
                filter::Bind::Real(f) => query.bind(*f),
                filter::Bind::Text(s) => query.bind(s.as_str()),
                filter::Bind::Bool(b) => query.bind(i64::from(*b)),
            };
        }
        query
    }};
}

mod filter;
mod leases;
mod members;
mod registry;
mod rows;

use async_trait::async_trait;
use cairn_core::artifact::{
    Artifact, ArtifactPatch, ArtifactType, Collection, CollectionKind, Entry, LATEST, ManifestKind,
    Membership, NewArtifact, StagedFile, StagedState, VersionOrder, VersionPage,
};
use cairn_core::filter::Filter;
use cairn_core::store::{ArtifactStore, RegistrySearch, StoreError, StoreResult};
use sqlx::SqliteConnection;

use crate::{SqliteStore, backend, now};
use filter::Scope;
use rows::{
    ARTIFACT_SELECT, ArtifactRow, COLLECTION_SELECT, CollectionRow, EntryRow, MEMBERSHIP_SELECT,
    MembershipRow, TypeRow,
};

#[async_trait]
impl ArtifactStore for SqliteStore {
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
        filter: Option<&Filter>,
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
        filter: Option<&Filter>,
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

    async fn create_artifact(&self, new: &NewArtifact) -> StoreResult<(Artifact, bool)> {
        let mut tx = self.write_tx().await?;
        if let Some(client_id) = &new.client_id {
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM artifacts WHERE client_id = ?")
                    .bind(client_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
            if let Some(id) = existing {
                drop(tx);
                return Ok((self.existing_artifact(id).await?, false));
            }
        }
        let type_id = ensure_type(&mut tx, new.project_id, &new.type_name).await?;
        let sequence_id = ensure_sequence(&mut tx, new, type_id).await?;
        if let Some(distributed_id) = &new.distributed_id {
            // Every run of a distributed version writes the one pending row.
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM artifacts WHERE sequence_id = ? AND distributed_id = ? \
                 AND state = 'PENDING' ORDER BY id LIMIT 1",
            )
            .bind(sequence_id)
            .bind(distributed_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(id) = existing {
                add_tags(&mut tx, id, &new.tags).await?;
                tx.commit().await.map_err(backend)?;
                return Ok((self.existing_artifact(id).await?, false));
            }
        }
        // A part's digest is not the version's, so parts never deduplicate.
        if new.deduplicate
            && new.distributed_id.is_none()
            && let Some((id, membership_id)) =
                latest_with_digest(&mut tx, sequence_id, &new.digest).await?
        {
            give_aliases(&mut tx, sequence_id, membership_id, &new.aliases).await?;
            add_tags(&mut tx, id, &new.tags).await?;
            tx.commit().await.map_err(backend)?;
            return Ok((self.existing_artifact(id).await?, true));
        }
        let t = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO artifacts (sequence_id, type_id, state, digest, description, metadata, \
             client_id, sequence_client_id, run_id, history_step, ttl_seconds, pending_aliases, \
             distributed_id, created_at, updated_at) \
             VALUES (?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(sequence_id)
        .bind(type_id)
        .bind(&new.digest)
        .bind(&new.description)
        .bind(new.metadata.as_deref().unwrap_or("{}"))
        .bind(&new.client_id)
        .bind(&new.sequence_client_id)
        .bind(new.run_id)
        .bind(new.history_step)
        .bind(new.ttl_seconds)
        .bind(serde_json::to_string(&new.aliases).map_err(backend)?)
        .bind(&new.distributed_id)
        .bind(t)
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        add_tags(&mut tx, id, &new.tags).await?;
        tx.commit().await.map_err(backend)?;
        Ok((self.existing_artifact(id).await?, false))
    }

    async fn stale_pending_artifacts(&self, before: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM artifacts WHERE state = 'PENDING' AND updated_at < ? ORDER BY id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn artifact_by_id(&self, id: i64) -> StoreResult<Option<Artifact>> {
        let sql = format!("{ARTIFACT_SELECT} WHERE a.id = ?");
        let row: Option<ArtifactRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn artifact_by_client_id(&self, client_id: &str) -> StoreResult<Option<Artifact>> {
        let sql = format!("{ARTIFACT_SELECT} WHERE a.client_id = ?");
        let row: Option<ArtifactRow> = sqlx::query_as(&sql)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn stage_files(
        &self,
        artifact_id: i64,
        project_id: i64,
        files: &[StagedFile],
    ) -> StoreResult<Vec<StagedState>> {
        // One statement per batch, not per file: the batch goes in as one
        // JSON array of `[path, md5, mimetype]` rows.
        let rows = serde_json::Value::Array(
            files
                .iter()
                .map(|f| serde_json::json!([f.path, f.md5, f.mimetype]))
                .collect(),
        )
        .to_string();
        let mut tx = self.write_tx().await?;
        // `WHERE true` resolves the parser's ON-ambiguity of INSERT … SELECT
        // with an upsert clause.
        sqlx::query(
            "INSERT INTO artifact_entries (artifact_id, path, digest, mimetype, proven) \
             SELECT ?, value ->> 0, value ->> 1, value ->> 2, 0 FROM json_each(?) WHERE true \
             ORDER BY key \
             ON CONFLICT (artifact_id, path) DO UPDATE SET \
             proven = (proven AND digest = excluded.digest), digest = excluded.digest, \
             mimetype = excluded.mimetype, size = NULL, ref = NULL",
        )
        .bind(artifact_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let states: Vec<(bool, bool)> = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM artifact_blobs b WHERE b.md5 = j.value ->> 1), \
             EXISTS (SELECT 1 FROM artifact_entries e JOIN artifacts a ON a.id = e.artifact_id \
                     JOIN artifact_collections c ON c.id = a.sequence_id \
                     WHERE e.digest = j.value ->> 1 AND e.ref IS NULL AND e.proven \
                     AND c.project_id = ?) \
             FROM json_each(?) j ORDER BY j.key",
        )
        .bind(project_id)
        .bind(&rows)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(states
            .into_iter()
            .map(|(stored, proven_in_project)| StagedState {
                stored,
                proven_in_project,
            })
            .collect())
    }

    async fn prove_entries(&self, artifact_id: i64, md5s: &[String]) -> StoreResult<()> {
        if md5s.is_empty() {
            return Ok(());
        }
        let md5s = serde_json::to_string(md5s).map_err(backend)?;
        sqlx::query(
            "UPDATE artifact_entries SET proven = 1 WHERE artifact_id = ? AND NOT proven \
             AND digest IN (SELECT value FROM json_each(?))",
        )
        .bind(artifact_id)
        .bind(md5s)
        .execute(&self.writer)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn digest_projects(
        &self,
        md5s: &[String],
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        let md5s = serde_json::to_string(md5s).map_err(backend)?;
        sqlx::query_as(
            "SELECT DISTINCT e.digest, c.project_id FROM json_each(?) j \
             JOIN artifact_entries e ON e.digest = j.value AND e.ref IS NULL AND e.proven \
             JOIN artifacts a ON a.id = e.artifact_id \
             JOIN artifact_collections c ON c.id = a.sequence_id LIMIT ?",
        )
        .bind(md5s)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn unproven_entries(
        &self,
        project_id: i64,
        entries: &[Entry],
    ) -> StoreResult<Vec<(String, String)>> {
        let rows = entry_rows(entries);
        sqlx::query_as(
            "SELECT MIN(j.value ->> 0), j.value ->> 1 FROM json_each(?) j \
             WHERE j.value ->> 3 IS NULL AND NOT EXISTS ( \
                 SELECT 1 FROM artifact_entries e JOIN artifacts a ON a.id = e.artifact_id \
                 JOIN artifact_collections c ON c.id = a.sequence_id \
                 WHERE e.digest = j.value ->> 1 AND e.ref IS NULL AND e.proven \
                 AND c.project_id = ?) \
             GROUP BY j.value ->> 1",
        )
        .bind(rows)
        .bind(project_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn blob_size(&self, md5: &str) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT size FROM artifact_blobs WHERE md5 = ?")
            .bind(md5)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn insert_blob(&self, md5: &str, size: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT OR IGNORE INTO artifact_blobs (md5, size, created_at) VALUES (?, ?, ?)",
        )
        .bind(md5)
        .bind(size)
        .bind(now())
        .execute(&self.writer)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn forget_blob_if_unreferenced(&self, md5: &str) -> StoreResult<bool> {
        self.forget_unreferenced_blob(md5).await
    }

    async fn set_manifest(&self, artifact_id: i64, md5: &str) -> StoreResult<()> {
        sqlx::query("UPDATE artifacts SET manifest_md5 = ?, updated_at = ? WHERE id = ?")
            .bind(md5)
            .bind(now())
            .bind(artifact_id)
            .execute(&self.writer)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn set_manifest_kind(
        &self,
        artifact_id: i64,
        kind: ManifestKind,
        base_artifact_id: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE artifacts SET manifest_kind = ?, base_artifact_id = ?, updated_at = ? \
             WHERE id = ? AND state = 'PENDING'",
        )
        .bind(kind.as_str())
        .bind(base_artifact_id)
        .bind(now())
        .bind(artifact_id)
        .execute(&self.writer)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn replace_manifest(
        &self,
        artifact_id: i64,
        expected: Option<&str>,
        md5: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE artifacts SET manifest_md5 = ?, updated_at = ? \
             WHERE id = ? AND manifest_md5 IS ?",
        )
        .bind(md5)
        .bind(now())
        .bind(artifact_id)
        .bind(expected)
        .execute(&self.writer)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn commit_artifact(&self, artifact_id: i64, entries: &[Entry]) -> StoreResult<Artifact> {
        let mut tx = self.write_tx().await?;
        let (sequence_id, state, pending): (i64, String, String) = sqlx::query_as(
            "SELECT sequence_id, state, pending_aliases FROM artifacts WHERE id = ?",
        )
        .bind(artifact_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        if state == "COMMITTED" {
            drop(tx);
            return self.existing_artifact(artifact_id).await;
        }
        // The entries go in as one JSON array of `[path, digest, size, ref,
        // birth artifact, mimetype, extra]` rows: a handful of statements
        // whatever the number of files.
        let rows = entry_rows(entries);
        let problem: Option<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, b.size \
             FROM json_each(?) j LEFT JOIN artifact_blobs b ON b.md5 = j.value ->> 1 \
             WHERE j.value ->> 3 IS NULL \
               AND (b.size IS NULL OR (j.value ->> 2 IS NOT NULL AND j.value ->> 2 <> b.size)) \
             ORDER BY j.key LIMIT 1",
        )
        .bind(&rows)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        match problem {
            None => {}
            Some((path, digest, _, None)) => {
                return Err(StoreError::InvalidQuery(format!(
                    "Cannot commit: the file {path:?} (digest {digest}) was never uploaded."
                )));
            }
            Some((path, _, declared, Some(stored))) => {
                return Err(StoreError::InvalidQuery(format!(
                    "Cannot commit: the manifest says {path:?} has {} bytes, but {stored} were \
                     uploaded.",
                    declared.unwrap_or_default()
                )));
            }
        }
        let size: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(b.size), 0) FROM json_each(?) j \
             JOIN artifact_blobs b ON b.md5 = j.value ->> 1 WHERE j.value ->> 3 IS NULL",
        )
        .bind(&rows)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM artifact_entries WHERE artifact_id = ?")
            .bind(artifact_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT OR REPLACE INTO artifact_entries (artifact_id, path, digest, size, ref, \
             birth_artifact_id, mimetype, extra) \
             SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, \
                    value ->> 5, value ->> 6 \
             FROM json_each(?) ORDER BY key",
        )
        .bind(artifact_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let membership_id = add_membership(&mut tx, sequence_id, artifact_id).await?;
        let mut aliases: Vec<String> = serde_json::from_str(&pending).unwrap_or_default();
        aliases.push(LATEST.to_string());
        give_aliases(&mut tx, sequence_id, membership_id, &aliases).await?;
        sqlx::query(
            "UPDATE artifacts SET state = 'COMMITTED', size = ?, file_count = ?, \
             pending_aliases = '[]', updated_at = ? WHERE id = ?",
        )
        .bind(size)
        .bind(entries.len() as i64)
        .bind(now())
        .bind(artifact_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        self.existing_artifact(artifact_id).await
    }

    async fn update_artifact(&self, id: i64, patch: &ArtifactPatch) -> StoreResult<Artifact> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE artifacts SET description = COALESCE(?, description), \
             metadata = COALESCE(?, metadata), \
             ttl_seconds = CASE WHEN ? IS NULL THEN ttl_seconds WHEN ? < 0 THEN NULL ELSE ? END, \
             updated_at = ? WHERE id = ?",
        )
        .bind(&patch.description)
        .bind(&patch.metadata)
        .bind(patch.ttl_seconds)
        .bind(patch.ttl_seconds)
        .bind(patch.ttl_seconds)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        add_tags(&mut tx, id, &patch.tags_to_add).await?;
        for tag in &patch.tags_to_delete {
            sqlx::query("DELETE FROM artifact_tags WHERE artifact_id = ? AND name = ?")
                .bind(id)
                .bind(tag)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        self.existing_artifact(id).await
    }

    async fn delete_artifact(&self, id: i64) -> StoreResult<Vec<String>> {
        let mut tx = self.write_tx().await?;
        let digests = digests_where(&mut tx, "a.id = ?", id).await?;
        let had_latest: Vec<i64> = sqlx::query_scalar(
            "SELECT al.collection_id FROM artifact_aliases al \
             JOIN artifact_memberships m ON m.id = al.membership_id \
             WHERE m.artifact_id = ? AND al.alias = ?",
        )
        .bind(id)
        .bind(LATEST)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM artifacts WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        for collection_id in had_latest {
            let newest: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM artifact_memberships WHERE collection_id = ? \
                 ORDER BY version_index DESC LIMIT 1",
            )
            .bind(collection_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(membership_id) = newest {
                give_aliases(&mut tx, collection_id, membership_id, &[LATEST.to_string()]).await?;
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(digests)
    }

    async fn membership_by_name(
        &self,
        collection_id: i64,
        version_or_alias: &str,
    ) -> StoreResult<Option<Membership>> {
        let row: Option<MembershipRow> = if let Some(index) =
            cairn_core::artifact::version_index(version_or_alias)
        {
            let sql =
                format!("{MEMBERSHIP_SELECT} WHERE m.collection_id = ? AND m.version_index = ?");
            sqlx::query_as(&sql)
                .bind(collection_id)
                .bind(index)
                .fetch_optional(&self.pool)
                .await
        } else {
            let sql = format!(
                "{MEMBERSHIP_SELECT} WHERE m.id = (SELECT membership_id FROM artifact_aliases \
                     WHERE collection_id = ? AND alias = ?)"
            );
            sqlx::query_as(&sql)
                .bind(collection_id)
                .bind(version_or_alias)
                .fetch_optional(&self.pool)
                .await
        }
        .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn membership_by_id(&self, id: i64) -> StoreResult<Option<Membership>> {
        let sql = format!("{MEMBERSHIP_SELECT} WHERE m.id = ?");
        let row: Option<MembershipRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn memberships_of(&self, artifact_id: i64) -> StoreResult<Vec<Membership>> {
        let sql = format!("{MEMBERSHIP_SELECT} WHERE m.artifact_id = ? ORDER BY m.id");
        let rows: Vec<MembershipRow> = sqlx::query_as(&sql)
            .bind(artifact_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn versions(
        &self,
        collection_id: i64,
        filter: Option<&Filter>,
        order: VersionOrder,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<VersionPage> {
        let condition = compile(Scope::Version, filter)?;
        let (past, direction, start) = match order {
            VersionOrder::NewestFirst => ("<", "DESC", i64::MAX),
            VersionOrder::OldestFirst => (">", "ASC", -1),
        };
        let sql = format!(
            "{MEMBERSHIP_SELECT} JOIN artifacts a ON a.id = m.artifact_id \
             WHERE m.collection_id = ? AND ({}) AND m.version_index {past} ? \
             ORDER BY m.version_index {direction} LIMIT ?",
            condition.sql
        );
        let query = sqlx::query_as::<_, MembershipRow>(&sql).bind(collection_id);
        let rows = bind_each!(query, &condition.binds)
            .bind(after.unwrap_or(start))
            .bind(first + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let has_next_page = rows.len() as i64 > first;
        let mut versions = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(first as usize) {
            let membership = Membership::from(row);
            let artifact = self.existing_artifact(membership.artifact_id).await?;
            versions.push((membership, artifact));
        }
        Ok(VersionPage {
            versions,
            has_next_page,
        })
    }

    async fn version_count(&self, collection_id: i64, filter: Option<&Filter>) -> StoreResult<i64> {
        let condition = compile(Scope::Version, filter)?;
        let sql = format!(
            "SELECT COUNT(*) FROM artifact_memberships m JOIN artifacts a ON a.id = m.artifact_id \
             WHERE m.collection_id = ? AND ({})",
            condition.sql
        );
        let query = sqlx::query_scalar(&sql).bind(collection_id);
        bind_each!(query, &condition.binds)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn add_aliases(&self, membership_id: i64, aliases: &[String]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let collection_id: i64 =
            sqlx::query_scalar("SELECT collection_id FROM artifact_memberships WHERE id = ?")
                .bind(membership_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        give_aliases(&mut tx, collection_id, membership_id, aliases).await?;
        tx.commit().await.map_err(backend)
    }

    async fn remove_aliases(&self, membership_id: i64, aliases: &[String]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for alias in aliases {
            sqlx::query("DELETE FROM artifact_aliases WHERE membership_id = ? AND alias = ?")
                .bind(membership_id)
                .bind(alias)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn link_artifact(
        &self,
        artifact_id: i64,
        project_id: i64,
        portfolio: &str,
        aliases: &[String],
    ) -> StoreResult<Membership> {
        let mut tx = self.write_tx().await?;
        let type_name: String = sqlx::query_scalar(
            "SELECT t.name FROM artifacts a JOIN artifact_types t ON t.id = a.type_id WHERE a.id = ?",
        )
        .bind(artifact_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        let type_id = ensure_type(&mut tx, project_id, &type_name).await?;
        let existing: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT id, type_id, kind FROM artifact_collections WHERE project_id = ? AND name = ?",
        )
        .bind(project_id)
        .bind(portfolio)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let collection_id = match existing {
            Some((_, _, kind)) if kind != "PORTFOLIO" => {
                return Err(StoreError::Conflict(format!(
                    "{portfolio:?} holds logged artifacts; link into a collection of its own name."
                )));
            }
            Some((_, existing_type, _)) if existing_type != type_id => {
                return Err(StoreError::Conflict(format!(
                    "The collection {portfolio:?} holds another type of artifact than {type_name:?}."
                )));
            }
            Some((id, _, _)) => id,
            None => {
                insert_collection(&mut tx, project_id, type_id, portfolio, "PORTFOLIO", None)
                    .await?
            }
        };
        let linked: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM artifact_memberships WHERE collection_id = ? AND artifact_id = ?",
        )
        .bind(collection_id)
        .bind(artifact_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let membership_id = match linked {
            Some(id) => id,
            None => add_membership(&mut tx, collection_id, artifact_id).await?,
        };
        let mut all = aliases.to_vec();
        if linked.is_none() {
            all.push(LATEST.to_string());
        }
        give_aliases(&mut tx, collection_id, membership_id, &all).await?;
        touch_collection(&mut tx, collection_id).await?;
        tx.commit().await.map_err(backend)?;
        self.membership_by_id(membership_id)
            .await?
            .ok_or_else(|| backend("membership vanished"))
    }

    async fn unlink_artifact(&self, artifact_id: i64, collection_id: i64) -> StoreResult<bool> {
        let gone = sqlx::query(
            "DELETE FROM artifact_memberships WHERE artifact_id = ? AND collection_id = ? \
             AND collection_id IN (SELECT id FROM artifact_collections WHERE kind = 'PORTFOLIO')",
        )
        .bind(artifact_id)
        .bind(collection_id)
        .execute(&self.writer)
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(gone > 0)
    }

    async fn entries(
        &self,
        artifact_id: i64,
        names: Option<&[String]>,
        after: Option<&str>,
        first: i64,
    ) -> StoreResult<Vec<Entry>> {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT path, digest, size, ref, birth_artifact_id, mimetype, extra \
             FROM artifact_entries WHERE artifact_id = ? AND proven AND path > ? \
             AND (? IS NULL OR path IN (SELECT value FROM json_each(?))) ORDER BY path LIMIT ?",
        )
        .bind(artifact_id)
        .bind(after.unwrap_or(""))
        .bind(names_json(names))
        .bind(names_json(names))
        .bind(first)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn entry_count(&self, artifact_id: i64, names: Option<&[String]>) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM artifact_entries WHERE artifact_id = ? AND proven \
             AND (? IS NULL OR path IN (SELECT value FROM json_each(?)))",
        )
        .bind(artifact_id)
        .bind(names_json(names))
        .bind(names_json(names))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)
    }

    async fn digest_in_projects(&self, md5: &str, project_ids: &[i64]) -> StoreResult<bool> {
        let projects = serde_json::to_string(project_ids).map_err(backend)?;
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM artifact_entries e JOIN artifacts a ON a.id = e.artifact_id \
             JOIN artifact_collections c ON c.id = a.sequence_id \
             WHERE e.digest = ? AND e.ref IS NULL AND e.proven \
             AND c.project_id IN (SELECT value FROM json_each(?)))",
        )
        .bind(md5)
        .bind(projects)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)
    }

    async fn use_artifact(
        &self,
        run_id: i64,
        artifact_id: i64,
        used_as: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO artifact_usage (run_id, artifact_id, used_as, created_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT (run_id, artifact_id) DO UPDATE SET \
             used_as = COALESCE(excluded.used_as, used_as)",
        )
        .bind(run_id)
        .bind(artifact_id)
        .bind(used_as)
        .bind(now())
        .execute(&self.writer)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn artifact_users(&self, artifact_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT run_id FROM artifact_usage WHERE artifact_id = ? ORDER BY created_at, run_id",
        )
        .bind(artifact_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn run_artifacts(
        &self,
        run_id: i64,
        output: bool,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<Vec<Artifact>> {
        let scope = run_scope(output);
        let sql = format!(
            "{ARTIFACT_SELECT} WHERE {scope} AND a.state = 'COMMITTED' AND a.id > ? \
             ORDER BY a.id LIMIT ?"
        );
        let rows: Vec<ArtifactRow> = sqlx::query_as(&sql)
            .bind(run_id)
            .bind(after.unwrap_or(0))
            .bind(first)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn run_artifact_count(&self, run_id: i64, output: bool) -> StoreResult<i64> {
        let scope = run_scope(output);
        let sql =
            format!("SELECT COUNT(*) FROM artifacts a WHERE {scope} AND a.state = 'COMMITTED'");
        sqlx::query_scalar(&sql)
            .bind(run_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn ensure_org_entity(
        &self,
        organization_id: i64,
        name: &str,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.write_tx().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT entity_id FROM organizations WHERE id = ?")
                .bind(organization_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        if let Some(id) = existing {
            let name: String = sqlx::query_scalar("SELECT name FROM entities WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            return Ok((id, name));
        }
        for attempt in 1..100 {
            let candidate = if attempt == 1 {
                name.to_string()
            } else {
                format!("{name}-{attempt}")
            };
            let inserted = sqlx::query(
                "INSERT OR IGNORE INTO entities (name, is_team, organization_id, created_at) \
                 VALUES (?, 1, ?, ?)",
            )
            .bind(&candidate)
            .bind(organization_id)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                let id = inserted.last_insert_rowid();
                sqlx::query("UPDATE organizations SET entity_id = ? WHERE id = ?")
                    .bind(id)
                    .bind(organization_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                return Ok((id, candidate));
            }
        }
        Err(backend(format!(
            "no free entity name for the organization near {name:?}"
        )))
    }

    async fn registry_types(&self, project_id: i64) -> StoreResult<(bool, Vec<String>)> {
        let allow_all: bool =
            sqlx::query_scalar("SELECT allow_all_artifact_types FROM projects WHERE id = ?")
                .bind(project_id)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
        let types = sqlx::query_scalar(
            "SELECT name FROM registry_artifact_types WHERE project_id = ? ORDER BY name",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok((allow_all, types))
    }

    async fn set_registry_types(
        &self,
        project_id: i64,
        allow_all: bool,
        types: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE projects SET allow_all_artifact_types = ?, updated_at = ? WHERE id = ?",
        )
        .bind(allow_all)
        .bind(now())
        .bind(project_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        for name in types {
            sqlx::query(
                "INSERT OR IGNORE INTO registry_artifact_types (project_id, name) VALUES (?, ?)",
            )
            .bind(project_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn registry_ids(&self, query: &RegistrySearch) -> StoreResult<Vec<i64>> {
        registry::registry_ids(&self.pool, query).await
    }

    async fn registry_collection_ids(&self, query: &RegistrySearch) -> StoreResult<Vec<i64>> {
        registry::collection_ids(&self.pool, query).await
    }

    async fn registry_collection_count(&self, query: &RegistrySearch) -> StoreResult<i64> {
        registry::collection_count(&self.pool, query).await
    }

    async fn registry_membership_ids(&self, query: &RegistrySearch) -> StoreResult<Vec<i64>> {
        registry::membership_ids(&self.pool, query).await
    }

    async fn delete_project(&self, project_id: i64) -> StoreResult<Vec<String>> {
        let mut tx = self.write_tx().await?;
        let digests = digests_where(&mut tx, "c.project_id = ?", project_id).await?;
        sqlx::query("DELETE FROM projects WHERE id = ?")
            .bind(project_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(digests)
    }

    async fn rename_project(&self, project_id: i64, name: &str) -> StoreResult<()> {
        sqlx::query("UPDATE projects SET name = ?, updated_at = ? WHERE id = ?")
            .bind(name)
            .bind(now())
            .bind(project_id)
            .execute(&self.pool)
            .await
            .map_err(|e| {
                crate::conflict_or_backend(e, || {
                    format!("A project named {name:?} already exists.")
                })
            })?;
        Ok(())
    }

    async fn lease_blob(&self, md5: &str, holder: &str, ttl_secs: i64) -> StoreResult<bool> {
        self.take_blob_lease(md5, holder, ttl_secs).await
    }

    async fn insert_leased_blob(&self, md5: &str, size: i64, holder: &str) -> StoreResult<bool> {
        self.insert_blob_releasing_lease(md5, size, holder).await
    }

    async fn release_blob_lease(&self, md5: &str, holder: &str) -> StoreResult<()> {
        self.drop_blob_lease(md5, holder).await
    }
}

impl SqliteStore {
    async fn existing_artifact(&self, id: i64) -> StoreResult<Artifact> {
        self.artifact_by_id(id)
            .await?
            .ok_or_else(|| backend(format!("artifact {id} vanished")))
    }

    async fn existing_collection(&self, id: i64) -> StoreResult<Collection> {
        self.collection_by_id(id)
            .await?
            .ok_or_else(|| backend(format!("collection {id} vanished")))
    }
}

/// Compile an optional filter (`None` matches everything).
fn compile(scope: Scope, filter: Option<&Filter>) -> StoreResult<filter::Condition> {
    Ok(filter::compile(scope, filter)?)
}

fn kinds_json(kinds: &[CollectionKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

fn names_json(names: Option<&[String]>) -> Option<String> {
    names.map(|n| serde_json::to_string(n).unwrap_or_else(|_| "[]".into()))
}

fn run_scope(output: bool) -> &'static str {
    if output {
        "a.run_id = ?"
    } else {
        "a.id IN (SELECT artifact_id FROM artifact_usage WHERE run_id = ?)"
    }
}

/// The type `name` of a project, created if missing.
async fn ensure_type(tx: &mut SqliteConnection, project_id: i64, name: &str) -> StoreResult<i64> {
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

/// The sequence an artifact is logged into, created if missing; a conflict
/// if the name is a portfolio or holds another type.
async fn ensure_sequence(
    tx: &mut SqliteConnection,
    new: &NewArtifact,
    type_id: i64,
) -> StoreResult<i64> {
    let existing: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT c.id, c.type_id, c.kind, t.name FROM artifact_collections c \
         JOIN artifact_types t ON t.id = c.type_id WHERE c.project_id = ? AND c.name = ?",
    )
    .bind(new.project_id)
    .bind(&new.collection_name)
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend)?;
    match existing {
        Some((_, _, kind, _)) if kind != "SEQUENCE" => Err(StoreError::Conflict(format!(
            "{:?} is a collection of linked artifacts; log under another name.",
            new.collection_name
        ))),
        Some((_, existing_type, _, type_name)) if existing_type != type_id => {
            Err(StoreError::Conflict(format!(
                "Artifact {:?} already exists with type {type_name:?}; it cannot take type {:?}.",
                new.collection_name, new.type_name
            )))
        }
        Some((id, _, _, _)) => Ok(id),
        None => {
            insert_collection(
                tx,
                new.project_id,
                type_id,
                &new.collection_name,
                "SEQUENCE",
                None,
            )
            .await
        }
    }
}

async fn insert_collection(
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

/// The newest committed version of a sequence, if its digest is `digest`:
/// (artifact id, membership id).
async fn latest_with_digest(
    tx: &mut SqliteConnection,
    sequence_id: i64,
    digest: &str,
) -> StoreResult<Option<(i64, i64)>> {
    let newest: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT a.id, m.id, a.digest FROM artifact_memberships m \
         JOIN artifacts a ON a.id = m.artifact_id \
         WHERE m.collection_id = ? AND a.state = 'COMMITTED' \
         ORDER BY m.version_index DESC LIMIT 1",
    )
    .bind(sequence_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(newest
        .filter(|(_, _, d)| d == digest)
        .map(|(a, m, _)| (a, m)))
}

/// A new membership with the collection's next version index.
async fn add_membership(
    tx: &mut SqliteConnection,
    collection_id: i64,
    artifact_id: i64,
) -> StoreResult<i64> {
    let index: i64 = sqlx::query_scalar(
        "UPDATE artifact_collections SET next_index = next_index + 1, updated_at = ? \
         WHERE id = ? RETURNING next_index - 1",
    )
    .bind(now())
    .bind(collection_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)?;
    sqlx::query_scalar(
        "INSERT INTO artifact_memberships (collection_id, artifact_id, version_index, created_at) \
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(collection_id)
    .bind(artifact_id)
    .bind(index)
    .bind(now())
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)
}

/// Give aliases to a membership, taking each from whichever version of the
/// collection held it.
async fn give_aliases(
    tx: &mut SqliteConnection,
    collection_id: i64,
    membership_id: i64,
    aliases: &[String],
) -> StoreResult<()> {
    for alias in aliases {
        sqlx::query("DELETE FROM artifact_aliases WHERE collection_id = ? AND alias = ?")
            .bind(collection_id)
            .bind(alias)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO artifact_aliases (collection_id, membership_id, alias) VALUES (?, ?, ?)",
        )
        .bind(collection_id)
        .bind(membership_id)
        .bind(alias)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

async fn add_tags(tx: &mut SqliteConnection, artifact_id: i64, tags: &[String]) -> StoreResult<()> {
    for tag in tags {
        sqlx::query("INSERT OR IGNORE INTO artifact_tags (artifact_id, name) VALUES (?, ?)")
            .bind(artifact_id)
            .bind(tag)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

async fn touch_collection(tx: &mut SqliteConnection, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE artifact_collections SET updated_at = ? WHERE id = ?")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Manifest entries as the JSON rows `commit_artifact` binds.
fn entry_rows(entries: &[Entry]) -> String {
    serde_json::Value::Array(
        entries
            .iter()
            .map(|e| {
                serde_json::json!([
                    e.path,
                    e.digest,
                    e.size,
                    e.reference,
                    e.birth_artifact_id,
                    e.mimetype,
                    e.extra
                ])
            })
            .collect(),
    )
    .to_string()
}

/// Blob digests (files and manifests) of the artifacts matching `condition`
/// over `artifacts a JOIN artifact_collections c` (one bound id).
async fn digests_where(
    tx: &mut SqliteConnection,
    condition: &str,
    id: i64,
) -> StoreResult<Vec<String>> {
    let sql = format!(
        "SELECT e.digest FROM artifact_entries e JOIN artifacts a ON a.id = e.artifact_id \
         JOIN artifact_collections c ON c.id = a.sequence_id WHERE {condition} AND e.ref IS NULL \
         UNION SELECT a.manifest_md5 FROM artifacts a \
         JOIN artifact_collections c ON c.id = a.sequence_id \
         WHERE {condition} AND a.manifest_md5 IS NOT NULL"
    );
    sqlx::query_scalar(&sql)
        .bind(id)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)
}
