//! Lineage: which runs logged an artifact (its `run_id`) and which used
//! it (`artifact_usage`), for the run and artifact graph views.

use async_trait::async_trait;
use cairn_core::artifact::Artifact;
use cairn_core::store::{LineageStore, StoreResult};

use super::rows::{ARTIFACT_SELECT, ArtifactRow};
use crate::{SqliteStore, backend, now};

#[async_trait]
impl LineageStore for SqliteStore {
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
}

fn run_scope(output: bool) -> &'static str {
    if output {
        "a.run_id = ?"
    } else {
        "a.id IN (SELECT artifact_id FROM artifact_usage WHERE run_id = ?)"
    }
}
