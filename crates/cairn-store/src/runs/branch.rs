//! Branching a run's history: forking (a new run starts with another run's
//! history up to a step) and rewinding (a run's history after a step is
//! dropped). Both run as a few set-based statements in one transaction, so
//! a long history is never read into the server and a failure leaves the
//! run as it was.
//!
//! Line numbers. `line` is the offset the client's `file_stream` writes
//! at, and a forked run's client starts writing at offset 0 (W&B keeps the
//! parent's rows apart and its client never learns of them). The copied
//! rows therefore take the negative lines just below 0, in their original
//! order, so they read back first and never collide with the fork's own
//! lines; `history_line_count` stays the count of the client's own lines,
//! which is the offset a resume or a rewind hands back to the client.
//!
//! On rewind the summary is rebuilt from the rows that remain with
//! SQLite's JSON functions, which read the bare `NaN`/`Infinity` the client
//! writes (JSON5; a `NaN` reads as null). Key counts (`run_history_keys`)
//! are recounted with the ingest rule, reading rows in bounded batches.

use std::collections::BTreeMap;

use cairn_core::store::StoreResult;
use cairn_core::stream;
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::fields::{self, Source};
use super::now_ms;
use crate::backend;

/// History rows read per batch while recounting keys.
const RECOUNT_BATCH: i64 = 1000;

/// Give the (new) run `run_id` the history of `source_id` up to and
/// including `step`.
pub(super) async fn fork(
    pool: &SqlitePool,
    run_id: i64,
    source_id: i64,
    step: i64,
) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(backend)?;
    // Take the write lock first.
    sqlx::query("UPDATE runs SET updated_at = ? WHERE id = ?")
        .bind(now_ms())
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    // Copied lines end at -1: line - (last copied line + 1).
    sqlx::query(
        "INSERT OR IGNORE INTO run_history (run_id, line, step, row) \
         SELECT ?1, h.line - (SELECT MAX(line) + 1 FROM run_history \
                              WHERE run_id = ?2 AND step <= ?3), h.step, h.row \
         FROM run_history h WHERE h.run_id = ?2 AND h.step <= ?3",
    )
    .bind(run_id)
    .bind(source_id)
    .bind(step)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    recount_keys(&mut tx, run_id).await?;
    sqlx::query(
        "UPDATE runs SET last_step = (SELECT MAX(step) FROM run_history WHERE run_id = ?1) \
         WHERE id = ?1",
    )
    .bind(run_id)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(())
}

/// Drop the history of `run_id` after `step`; rebuild its key counts and
/// summary from what remains and set its counters. Returns the project.
pub(super) async fn rewind(pool: &SqlitePool, run_id: i64, step: i64) -> StoreResult<i64> {
    let mut tx = pool.begin().await.map_err(backend)?;
    let project_id: i64 =
        sqlx::query_scalar("UPDATE runs SET updated_at = ? WHERE id = ? RETURNING project_id")
            .bind(now_ms())
            .bind(run_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
    sqlx::query("DELETE FROM run_history WHERE run_id = ? AND step > ?")
        .bind(run_id)
        .bind(step)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    // The summary: entries that never came from history (set through
    // `run.summary`, `_wandb`) stay; history keys take their last value in
    // the rows that remain, and keys logged only after `step` go. Uses the
    // key table from before the rewind to tell the two apart.
    let summary: String = sqlx::query_scalar(
        "WITH last AS ( \
             SELECT j.key AS k, j.value AS v, j.type AS t, \
                    ROW_NUMBER() OVER (PARTITION BY j.key ORDER BY h.line DESC) AS n \
             FROM run_history h, json_each(h.row) j WHERE h.run_id = ?1), \
         kept AS ( \
             SELECT s.key AS k, s.value AS v, s.type AS t \
             FROM runs r, json_each(r.summary) s WHERE r.id = ?1 \
             AND s.key NOT IN (SELECT key FROM run_history_keys WHERE run_id = ?1)) \
         SELECT COALESCE(json_group_object(k, CASE t WHEN 'true' THEN json('true') \
                    WHEN 'false' THEN json('false') WHEN 'object' THEN json(v) \
                    WHEN 'array' THEN json(v) ELSE v END), '{}') \
         FROM (SELECT k, v, t FROM kept UNION ALL SELECT k, v, t FROM last WHERE n = 1)",
    )
    .bind(run_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)?;
    sqlx::query("UPDATE runs SET summary = ? WHERE id = ?")
        .bind(&summary)
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    fields::replace(&mut tx, run_id, project_id, Source::Summary, &summary).await?;
    recount_keys(&mut tx, run_id).await?;
    // The client continues at offset `history_line_count`: one past the
    // last of its own lines that remain (copied lines of a fork are < 0).
    sqlx::query(
        "UPDATE runs SET \
         history_line_count = (SELECT COALESCE(MAX(line) + 1, 0) FROM run_history \
                               WHERE run_id = ?1 AND line >= 0), \
         last_step = (SELECT MAX(step) FROM run_history WHERE run_id = ?1) \
         WHERE id = ?1",
    )
    .bind(run_id)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(project_id)
}

/// Rebuild a run's key counts from its history rows, with the same rule
/// that counts them as lines arrive (`cairn_core::stream`): SQLite's JSON
/// functions read a bare `NaN` as null, which would count it as `nil`.
/// Rows are read in batches of [`RECOUNT_BATCH`] by line; only the counts
/// (one entry per key and type) are held.
async fn recount_keys(tx: &mut Transaction<'_, Sqlite>, run_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM run_history_keys WHERE run_id = ?")
        .bind(run_id)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    let mut counts: BTreeMap<(String, &'static str), i64> = BTreeMap::new();
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT line, row FROM run_history WHERE run_id = ? AND line > ? \
             ORDER BY line LIMIT ?",
        )
        .bind(run_id)
        .bind(after)
        .bind(RECOUNT_BATCH)
        .fetch_all(&mut **tx)
        .await
        .map_err(backend)?;
        let Some((last, _)) = rows.last() else { break };
        after = *last;
        let full = rows.len() as i64 == RECOUNT_BATCH;
        let lines: Vec<_> = rows
            .into_iter()
            // Stored rows passed this check when they arrived.
            .filter_map(|(line, raw)| stream::history_line(line, raw).ok())
            .collect();
        for (key, n) in stream::key_counts(&lines) {
            *counts.entry(key).or_insert(0) += n;
        }
        if !full {
            break;
        }
    }
    for ((key, value_type), count) in counts {
        sqlx::query(
            "INSERT INTO run_history_keys (run_id, key, value_type, count) VALUES (?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(key)
        .bind(value_type)
        .bind(count)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    Ok(())
}
