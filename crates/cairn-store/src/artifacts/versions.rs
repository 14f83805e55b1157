//! Logged artifacts through their life: created pending (or found again,
//! for a client id, a distributed version, or a duplicate of the latest),
//! given a manifest, committed, edited and deleted.
//!
//! A commit is one `BEGIN IMMEDIATE` transaction: it checks every entry's
//! blob, replaces the staged entries with the manifest's, numbers the
//! version and hands it `latest`, so two commits to one collection
//! serialize instead of racing for an index. The numbering and `latest`
//! rules are `cairn_core::artifact`'s; this module only stores them.

use async_trait::async_trait;
use cairn_core::artifact::{
    Artifact, ArtifactPatch, Entry, LATEST, ManifestKind, NewArtifact, commit_aliases,
};
use cairn_core::store::{StoreError, StoreResult, VersionStore};
use sqlx::SqliteConnection;

use super::collections::{ensure_type, insert_collection};
use super::entries::{digests_where, entry_rows};
use super::memberships::{add_membership, give_aliases};
use super::rows::{ARTIFACT_SELECT, ArtifactRow};
use crate::automations::{record_artifact_event, record_version_event};
use crate::{SqliteStore, backend, now};
use cairn_core::automation::EventType;

#[async_trait]
impl VersionStore for SqliteStore {
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

    async fn expired_artifacts(&self, now: i64, limit: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM artifacts WHERE ttl_seconds IS NOT NULL \
             AND created_at + ttl_seconds <= ? AND ttl_seconds >= 0 AND state = 'COMMITTED' \
             ORDER BY created_at + ttl_seconds, id LIMIT ?",
        )
        .bind(now)
        .bind(limit)
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
        let aliases = commit_aliases(serde_json::from_str(&pending).unwrap_or_default());
        give_aliases(&mut tx, sequence_id, membership_id, &aliases).await?;
        record_artifact_event(&mut tx, EventType::CreateArtifact, membership_id, &aliases).await?;
        record_artifact_event(
            &mut tx,
            EventType::AddArtifactAlias,
            membership_id,
            &aliases,
        )
        .await?;
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
        if !patch.tags_to_add.is_empty() {
            record_version_event(&mut tx, EventType::AddArtifactTag, id, &patch.tags_to_add)
                .await?;
        }
        if !patch.tags_to_delete.is_empty() {
            record_version_event(
                &mut tx,
                EventType::RemoveArtifactTag,
                id,
                &patch.tags_to_delete,
            )
            .await?;
        }
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
        // `latest` passes to the remaining version with the highest index
        // (the rule at `cairn_core::artifact::LATEST`).
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
}

impl SqliteStore {
    pub(super) async fn existing_artifact(&self, id: i64) -> StoreResult<Artifact> {
        self.artifact_by_id(id)
            .await?
            .ok_or_else(|| backend(format!("artifact {id} vanished")))
    }
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
