//! Compacted history: the segment rows that name a run's Parquet files,
//! and the row-store side of compaction (see `cairn_core::history` for
//! the rules). The file bytes are the blob store's; this module only
//! decides, in one transaction each, which rows a segment replaces.
//!
//! A run's live lines are those above `runs.history_compacted_through`;
//! the partial index `runs_history_live` lists the runs that have any, so
//! the worker's poll reads a few index entries, not the runs table.

use async_trait::async_trait;
use cairn_core::history::{CompactionInput, HistorySegment};
use cairn_core::store::{HistorySegmentStore, StoreResult};
use rusqlite::params;
use sqlx::Row;

use super::now_ms;
use crate::{SqliteStore, backend};

/// The condition the partial index `runs_history_live` is built on; a
/// query must repeat it word for word for SQLite to use the index.
const HAS_LIVE_LINES: &str = "history_line_count - 1 > COALESCE(history_compacted_through, -1)";

#[async_trait]
impl HistorySegmentStore for SqliteStore {
    async fn runs_with_live_history(&self) -> StoreResult<Vec<(i64, String, i64)>> {
        sqlx::query_as(&format!(
            "SELECT id, state, history_line_count - 1 - COALESCE(history_compacted_through, -1) \
             FROM runs INDEXED BY runs_history_live WHERE {HAS_LIVE_LINES}"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn rows_to_compact(&self, run_id: i64, limit: i64) -> StoreResult<CompactionInput> {
        let after_line: Option<i64> =
            sqlx::query_scalar("SELECT history_compacted_through FROM runs WHERE id = ?")
                .bind(run_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?
                .flatten();
        let from = after_line.unwrap_or(i64::MIN);
        let rows = self
            .readers
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT line, step, row FROM run_history WHERE run_id = ?1 AND line > ?2 \
                     ORDER BY line LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![run_id, from, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                rows.collect()
            })
            .await?;
        Ok(CompactionInput { after_line, rows })
    }

    async fn note_history_blob(&self, blob_key: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT OR IGNORE INTO history_blob_garbage (blob_key, created_at) VALUES (?, ?)",
        )
        .bind(blob_key)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn add_history_segment(
        &self,
        after_line: Option<i64>,
        segment: &HistorySegment,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let through: Option<Option<i64>> =
            sqlx::query_scalar("SELECT history_compacted_through FROM runs WHERE id = ?")
                .bind(segment.run_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
        if through != Some(after_line) {
            return Ok(false);
        }
        let deleted = sqlx::query(
            "DELETE FROM run_history WHERE run_id = ? AND line BETWEEN ? AND ? \
             AND line > COALESCE(?, -9223372036854775808)",
        )
        .bind(segment.run_id)
        .bind(segment.first_line)
        .bind(segment.last_line)
        .bind(after_line)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        // A line that arrived in a gap after the rows were read is not in
        // the file: deleting it would lose it.
        if deleted != segment.row_count as u64 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO run_history_segments (run_id, seq, first_line, last_line, row_count, \
             min_step, max_step, blob_key, bytes, exportable, created_at) \
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_history_segments \
                          WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(segment.run_id)
        .bind(segment.first_line)
        .bind(segment.last_line)
        .bind(segment.row_count)
        .bind(segment.min_step)
        .bind(segment.max_step)
        .bind(&segment.blob_key)
        .bind(segment.bytes)
        .bind(segment.exportable)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "UPDATE runs SET history_compacted_through = ?, \
             history_compacted_rows = history_compacted_rows + ? WHERE id = ?",
        )
        .bind(segment.last_line)
        .bind(segment.row_count)
        .bind(segment.run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM history_blob_garbage WHERE blob_key = ?")
            .bind(&segment.blob_key)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn history_segments(&self, run_id: i64) -> StoreResult<Vec<HistorySegment>> {
        let rows = sqlx::query(
            "SELECT seq, first_line, last_line, row_count, min_step, max_step, blob_key, bytes, \
             exportable, created_at \
             FROM run_history_segments WHERE run_id = ? ORDER BY seq",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(HistorySegment {
                    run_id,
                    seq: r.try_get("seq")?,
                    first_line: r.try_get("first_line")?,
                    last_line: r.try_get("last_line")?,
                    row_count: r.try_get("row_count")?,
                    min_step: r.try_get("min_step")?,
                    max_step: r.try_get("max_step")?,
                    blob_key: r.try_get("blob_key")?,
                    bytes: r.try_get("bytes")?,
                    exportable: r.try_get("exportable")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(backend)
    }

    async fn restore_history(
        &self,
        run_id: i64,
        last_seq: i64,
        rows: &[(i64, i64, String)],
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let newest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM run_history_segments WHERE run_id = ?")
                .bind(run_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        if newest != Some(last_seq) {
            return Ok(false);
        }
        for chunk in rows.chunks(250) {
            let sql = format!(
                "INSERT OR IGNORE INTO run_history (run_id, line, step, row) VALUES {}",
                vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (line, step, row) in chunk {
                query = query.bind(run_id).bind(line).bind(step).bind(row);
            }
            query.execute(&mut *tx).await.map_err(backend)?;
        }
        // The trigger on this table writes the files down as garbage.
        sqlx::query("DELETE FROM run_history_segments WHERE run_id = ?")
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "UPDATE runs SET history_compacted_through = NULL, history_compacted_rows = 0 \
             WHERE id = ?",
        )
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn history_garbage(&self, before_ms: i64, limit: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT blob_key FROM history_blob_garbage WHERE created_at < ? \
             ORDER BY created_at LIMIT ?",
        )
        .bind(before_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn forget_history_garbage(&self, keys: &[String]) -> StoreResult<()> {
        let keys = serde_json::to_string(keys).map_err(backend)?;
        sqlx::query(
            "DELETE FROM history_blob_garbage WHERE blob_key IN (SELECT value FROM json_each(?))",
        )
        .bind(keys)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn live_history_steps(
        &self,
        run_id: i64,
        keys: &[String],
        min_step: i64,
        max_step: i64,
    ) -> StoreResult<Vec<i64>> {
        super::history::live_steps(&self.readers, run_id, keys, min_step, max_step).await
    }

    async fn live_history_at(&self, run_id: i64, steps: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        super::history::at_steps(&self.readers, run_id, steps).await
    }
}
