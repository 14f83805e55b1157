//! Storing one `file_stream` request: history, events, console lines,
//! summary and state, in a single transaction, so that a request the server
//! answered is stored whole and a failed one leaves nothing behind.
//!
//! Lines are written with `INSERT OR REPLACE` keyed by their offset: the
//! client resends a request whose answer it did not get, and console lines
//! may be rewritten on purpose (progress bars).

use cairn_core::store::StoreResult;
use cairn_core::stream::{self, Chunk, HistoryLine, StreamBatch, StreamOutcome};
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::fields::{self, Source};
use super::now_ms;
use crate::backend;

/// Rows per multi-row INSERT (four parameters each, well under SQLite's
/// limit of 32766).
const ROWS_PER_INSERT: usize = 250;

/// Store a request; returns the outcome and the run's project.
pub(super) async fn append(
    pool: &SqlitePool,
    run_id: i64,
    batch: &StreamBatch,
    events: &[cairn_core::automation::NewEvent],
) -> StoreResult<(StreamOutcome, i64)> {
    let mut tx = pool.begin().await.map_err(backend)?;
    let now = now_ms();
    // Write first, so the transaction holds the write lock from its start.
    let (history_count, stopped, project_id, compacted_through): (i64, bool, i64, Option<i64>) =
        sqlx::query_as(
            "UPDATE runs SET heartbeat_at = ?, updated_at = ? WHERE id = ? \
             RETURNING history_line_count, stop_requested, project_id, history_compacted_through",
        )
        .bind(now)
        .bind(now)
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;

    if let Some(chunk) = &batch.history {
        append_history(&mut tx, run_id, chunk, history_count, compacted_through).await?;
    }
    if let Some(chunk) = &batch.events {
        append_lines(&mut tx, "run_events", "row", run_id, chunk).await?;
        let count = chunk.offset + chunk.lines.len() as i64;
        sqlx::query(
            "UPDATE runs SET events_line_count = MAX(events_line_count, ?), \
             system_metrics = COALESCE(?, system_metrics) WHERE id = ?",
        )
        .bind(count)
        .bind(chunk.lines.last())
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    if let Some(chunk) = &batch.logs {
        append_lines(&mut tx, "run_log_lines", "content", run_id, chunk).await?;
        let count = chunk.offset + chunk.lines.len() as i64;
        sqlx::query("UPDATE runs SET log_line_count = MAX(log_line_count, ?) WHERE id = ?")
            .bind(count)
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
    }
    if let Some(summary) = &batch.summary {
        sqlx::query("UPDATE runs SET summary = ? WHERE id = ?")
            .bind(summary)
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        fields::replace(&mut tx, run_id, project_id, Source::Summary, summary).await?;
    }
    // A run's end is an event once, not again for a repeated final chunk.
    let was_complete = batch.complete.is_some()
        && sqlx::query_scalar::<_, String>("SELECT state FROM runs WHERE id = ?")
            .bind(run_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)
            .map(|state| state == "finished" || state == "failed")?;
    let state = match (batch.complete, batch.preempting) {
        (Some(0), _) => "'finished'",
        (Some(_), _) => "'failed'",
        (None, true) => "'preempting'",
        // Data arriving means the run is alive again (after a resume).
        (None, false) => "CASE WHEN state IN ('crashed', 'pending') THEN 'running' ELSE state END",
    };
    sqlx::query(&format!(
        "UPDATE runs SET state = {state}, exitcode = COALESCE(?, exitcode) WHERE id = ?"
    ))
    .bind(batch.complete)
    .bind(run_id)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    if batch.complete.is_some() && !was_complete {
        crate::automations::record_run_state_event(&mut tx, run_id).await?;
    }
    for event in events {
        crate::automations::insert_event(&mut tx, event).await?;
    }
    tx.commit().await.map_err(backend)?;
    Ok((StreamOutcome { stopped }, project_id))
}

async fn append_history(
    tx: &mut Transaction<'_, Sqlite>,
    run_id: i64,
    chunk: &Chunk<HistoryLine>,
    stored_lines: i64,
    compacted_through: Option<i64>,
) -> StoreResult<()> {
    // A resent chunk must not bring back lines already compacted into a
    // segment: they would be read twice.
    let compacted = compacted_through.map_or(0, |last| (last + 1 - chunk.offset).max(0));
    let compacted = (compacted as usize).min(chunk.lines.len());
    let fresh = &chunk.lines[compacted..];
    let fresh_offset = chunk.offset + compacted as i64;
    for (i, rows) in fresh.chunks(ROWS_PER_INSERT).enumerate() {
        let first = fresh_offset + (i * ROWS_PER_INSERT) as i64;
        let sql = format!(
            "INSERT OR REPLACE INTO run_history (run_id, line, step, row) VALUES {}",
            placeholders(rows.len(), "(?, ?, ?, ?)")
        );
        let mut query = sqlx::query(&sql);
        for (j, line) in rows.iter().enumerate() {
            query = query
                .bind(run_id)
                .bind(first + j as i64)
                .bind(line.step)
                .bind(&line.raw);
        }
        query.execute(&mut **tx).await.map_err(backend)?;
    }
    // Count keys of new lines only: resent lines were counted the first time.
    let skip = (stored_lines - chunk.offset).clamp(0, chunk.lines.len() as i64) as usize;
    let new_lines = &chunk.lines[skip..];
    for ((key, value_type), count) in stream::key_counts(new_lines) {
        sqlx::query(
            "INSERT INTO run_history_keys (run_id, key, value_type, count) VALUES (?, ?, ?, ?) \
             ON CONFLICT (run_id, key, value_type) DO UPDATE SET count = count + excluded.count",
        )
        .bind(run_id)
        .bind(key)
        .bind(value_type)
        .bind(count)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    let count = chunk.offset + chunk.lines.len() as i64;
    let last_step = chunk.lines.iter().map(|l| l.step).max();
    sqlx::query(
        "UPDATE runs SET history_line_count = MAX(history_line_count, ?), \
         last_step = MAX(COALESCE(last_step, ?), ?) WHERE id = ?",
    )
    .bind(count)
    .bind(last_step)
    .bind(last_step)
    .bind(run_id)
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

async fn append_lines(
    tx: &mut Transaction<'_, Sqlite>,
    table: &str,
    column: &str,
    run_id: i64,
    chunk: &Chunk<String>,
) -> StoreResult<()> {
    for (i, rows) in chunk.lines.chunks(ROWS_PER_INSERT).enumerate() {
        let first = chunk.offset + (i * ROWS_PER_INSERT) as i64;
        let sql = format!(
            "INSERT OR REPLACE INTO {table} (run_id, line, {column}) VALUES {}",
            placeholders(rows.len(), "(?, ?, ?)")
        );
        let mut query = sqlx::query(&sql);
        for (j, line) in rows.iter().enumerate() {
            query = query.bind(run_id).bind(first + j as i64).bind(line);
        }
        query.execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

fn placeholders(rows: usize, tuple: &str) -> String {
    vec![tuple; rows].join(", ")
}
