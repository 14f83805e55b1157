//! Manifest entries and the blob rows that make file storage
//! content-addressed.
//!
//! Blob rows and references are what garbage collection decides on: a blob
//! may go only when no entry (staged or committed) and no manifest names it
//! ([`EntryStore::forget_blob_if_unreferenced`], which returns the row's
//! key for `cairn_core::content` to delete). Staging a file and
//! checking whether its blob exists happen in one transaction, so a blob a
//! client was told to skip uploading is referenced before any collector can
//! look at it. An entry is *proven* once its bytes were hashed on upload (or
//! found in a project that already proved them); only proven entries are
//! listed or make a later upload skippable.

use async_trait::async_trait;
use cairn_core::artifact::{Entry, StagedFile, StagedState};
use cairn_core::store::{BlobRow, EntryStore, StoreResult};
use sqlx::SqliteConnection;

use super::rows::EntryRow;
use crate::{SqliteStore, backend, now};

#[async_trait]
impl EntryStore for SqliteStore {
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
        // Through the digest index (a few rows per digest), not the
        // artifact's primary key: SQLite picks the latter for `IN (json_each)`
        // and then reads every entry of the artifact, once per upload, which
        // made uploading an artifact of n files cost O(n²) (16,384 files:
        // ~30 s instead of ~7). Only staged entries, never references, are
        // unproven, so `ref IS NULL` (the index's condition) changes nothing.
        let sql = format!(
            "UPDATE {} SET proven = 1 WHERE artifact_id = ? AND NOT proven AND ref IS NULL \
             AND digest IN (SELECT value FROM json_each(?))",
            crate::dialect::table_using_index("artifact_entries", "", "artifact_entries_by_digest")
        );
        sqlx::query(&sql)
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

    async fn blob(&self, md5: &str) -> StoreResult<Option<BlobRow>> {
        let row: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT size, key FROM artifact_blobs WHERE md5 = ?")
                .bind(md5)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(row.map(|(size, key)| BlobRow { size, key }))
    }

    async fn insert_blob(
        &self,
        md5: &str,
        size: i64,
        key: &str,
        proving: Option<i64>,
    ) -> StoreResult<bool> {
        // The insert returns a row only if it recorded one. Proving rides
        // along as a second statement of the same query: one hand-off to
        // the writer per upload instead of two (each statement still
        // commits on its own, in this order, as two calls would).
        const INSERT: &str = "INSERT INTO artifact_blobs (md5, size, created_at, key) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (md5) DO NOTHING RETURNING 1";
        let proving_sql;
        let sql = match proving {
            None => INSERT,
            Some(_) => {
                proving_sql = format!(
                    "{INSERT}; UPDATE {} SET proven = 1 \
                     WHERE artifact_id = ?5 AND NOT proven AND ref IS NULL AND digest = ?1",
                    crate::dialect::table_using_index(
                        "artifact_entries",
                        "",
                        "artifact_entries_by_digest"
                    )
                );
                &proving_sql
            }
        };
        let mut query = sqlx::query_scalar::<_, i64>(sql)
            .bind(md5)
            .bind(size)
            .bind(now())
            .bind(key);
        if let Some(artifact_id) = proving {
            query = query.bind(artifact_id);
        }
        let inserted = query.fetch_all(&self.writer).await.map_err(backend)?;
        Ok(!inserted.is_empty())
    }

    async fn forget_blob_if_unreferenced(&self, md5: &str) -> StoreResult<Option<BlobRow>> {
        // One statement is one transaction: the reference check and the
        // delete see the same database, and the key comes back with it.
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "DELETE FROM artifact_blobs WHERE md5 = ?1 \
             AND NOT EXISTS (SELECT 1 FROM artifact_entries WHERE digest = ?1 AND ref IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM artifacts WHERE manifest_md5 = ?1) \
             RETURNING size, key",
        )
        .bind(md5)
        .fetch_optional(&self.writer)
        .await
        .map_err(backend)?;
        Ok(row.map(|(size, key)| BlobRow { size, key }))
    }
}

fn names_json(names: Option<&[String]>) -> Option<String> {
    names.map(|n| serde_json::to_string(n).unwrap_or_else(|_| "[]".into()))
}

/// Manifest entries as the JSON rows `commit_artifact` binds.
pub(super) fn entry_rows(entries: &[Entry]) -> String {
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
pub(super) async fn digests_where(
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
