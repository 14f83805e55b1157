//! Runs: the run records themselves, search (in [`search`]), and what a run
//! logs — history, events, console lines (in [`stream`]) and files.

mod branch;
mod counts;
mod fields;
mod files;
mod history;
pub(crate) mod search;
mod segments;

pub(crate) use counts::CountCache;
mod stream;

use async_trait::async_trait;
use cairn_core::model::UserId;
use cairn_core::run::{HistoryKey, LogLine, Run, RunFile, RunPage, RunPatch, RunSearch};
use cairn_core::store::{RunStore, StoreError, StoreResult};
use cairn_core::stream::{StreamBatch, StreamOutcome};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::filter::bind_each;
use crate::filter::cursor::cursor_of;
use crate::{SqliteStore, backend};

/// Columns of a run, for `SELECT`s from `runs r`.
const RUN_COLUMNS: &str = "r.id, r.project_id, \
    (SELECT p.name FROM projects p WHERE p.id = r.project_id) AS project_name, \
    (SELECT p.entity_id FROM projects p WHERE p.id = r.project_id) AS entity_id, \
    (SELECT e.name FROM projects p JOIN entities e ON e.id = p.entity_id WHERE p.id = r.project_id) AS entity_name, \
    r.name, r.display_name, r.description, r.notes, r.group_name, r.job_type, r.state, \
    r.host, r.program, r.commit_hash, r.repo, r.sweep_name, r.user_id, \
    (SELECT u.username FROM users u WHERE u.id = r.user_id) AS username, \
    r.config, r.summary, r.system_metrics, r.tags, r.history_line_count, \
    r.events_line_count, r.log_line_count, r.last_step, r.exitcode, r.stop_requested, \
    r.created_at, r.updated_at, r.heartbeat_at";

/// UNIX milliseconds, now.
pub(crate) fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn run_from_row(row: &SqliteRow) -> Result<Run, sqlx::Error> {
    let tags: String = row.try_get("tags")?;
    Ok(Run {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        project_name: row.try_get("project_name")?,
        entity_id: row.try_get("entity_id")?,
        entity_name: row.try_get("entity_name")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        description: row.try_get("description")?,
        notes: row.try_get("notes")?,
        group: row.try_get("group_name")?,
        job_type: row.try_get("job_type")?,
        state: row.try_get("state")?,
        host: row.try_get("host")?,
        program: row.try_get("program")?,
        commit: row.try_get("commit_hash")?,
        repo: row.try_get("repo")?,
        sweep_name: row.try_get("sweep_name")?,
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        config: row.try_get("config")?,
        summary: row.try_get("summary")?,
        system_metrics: row.try_get("system_metrics")?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        history_line_count: row.try_get("history_line_count")?,
        events_line_count: row.try_get("events_line_count")?,
        log_line_count: row.try_get("log_line_count")?,
        last_step: row.try_get("last_step")?,
        exitcode: row.try_get("exitcode")?,
        stop_requested: row.try_get("stop_requested")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        heartbeat_at: from_ms(row.try_get("heartbeat_at")?),
    })
}

fn tags_json(tags: &Option<Vec<String>>) -> Option<String> {
    tags.as_ref()
        .map(|t| serde_json::to_string(t).unwrap_or_else(|_| "[]".into()))
}

/// Apply the set fields of `patch` to run `id`.
async fn apply_patch(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    patch: &RunPatch,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE runs SET display_name = COALESCE(?, display_name), \
         description = COALESCE(?, description), notes = COALESCE(?, notes), \
         group_name = COALESCE(?, group_name), job_type = COALESCE(?, job_type), \
         state = COALESCE(?, state), host = COALESCE(?, host), \
         program = COALESCE(?, program), commit_hash = COALESCE(?, commit_hash), \
         repo = COALESCE(?, repo), sweep_name = COALESCE(?, sweep_name), \
         config = COALESCE(?, config), summary = COALESCE(?, summary), \
         tags = COALESCE(?, tags), updated_at = ? WHERE id = ?",
    )
    .bind(&patch.display_name)
    .bind(&patch.description)
    .bind(&patch.notes)
    .bind(&patch.group)
    .bind(&patch.job_type)
    .bind(&patch.state)
    .bind(&patch.host)
    .bind(&patch.program)
    .bind(&patch.commit)
    .bind(&patch.repo)
    .bind(&patch.sweep_name)
    .bind(&patch.config)
    .bind(&patch.summary)
    .bind(tags_json(&patch.tags))
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Give a run just created without a display name one from
/// `fresh_display_name`, numbered by the project's run count (W&B's rule),
/// drawing again while another run of the project has it.
async fn name_new_run(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    project_id: i64,
    fresh_display_name: &(dyn Fn(i64) -> String + Send + Sync),
) -> StoreResult<()> {
    const DRAWS: usize = 16;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs WHERE project_id = ?")
        .bind(project_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(backend)?;
    let mut name = fresh_display_name(count);
    for _ in 1..DRAWS {
        let taken: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE project_id = ? AND display_name = ?)",
        )
        .bind(project_id)
        .bind(&name)
        .fetch_one(&mut **tx)
        .await
        .map_err(backend)?;
        if !taken {
            break;
        }
        name = fresh_display_name(count);
    }
    sqlx::query("UPDATE runs SET display_name = ? WHERE id = ? AND display_name IS NULL")
        .bind(&name)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Refresh the searchable leaves of whichever documents `patch` replaces.
async fn write_fields(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    project_id: i64,
    patch: &RunPatch,
) -> StoreResult<()> {
    if let Some(config) = &patch.config {
        fields::replace(tx, id, project_id, fields::Source::Config, config).await?;
    }
    if let Some(summary) = &patch.summary {
        fields::replace(tx, id, project_id, fields::Source::Summary, summary).await?;
    }
    Ok(())
}

impl SqliteStore {
    async fn fetch_run(
        &self,
        condition: &str,
        a: i64,
        b: Option<&str>,
    ) -> StoreResult<Option<Run>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs r WHERE {condition}");
        let mut query = sqlx::query(&sql).bind(a);
        if let Some(b) = b {
            query = query.bind(b);
        }
        let row = query.fetch_optional(&self.pool).await.map_err(backend)?;
        row.as_ref().map(run_from_row).transpose().map_err(backend)
    }
}

#[async_trait]
impl RunStore for SqliteStore {
    async fn upsert_run(
        &self,
        project_id: i64,
        name: &str,
        patch: &RunPatch,
        user_id: UserId,
        fresh_display_name: &(dyn Fn(i64) -> String + Send + Sync),
    ) -> StoreResult<(Run, bool)> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        // Claim the name first, then set fields the same way for new and
        // existing runs.
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO runs (project_id, name, user_id, created_at, updated_at, heartbeat_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO NOTHING RETURNING id",
        )
        .bind(project_id)
        .bind(name)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let (id, created) = match inserted {
            Some(id) => (id, true),
            None => {
                let id: i64 =
                    sqlx::query_scalar("SELECT id FROM runs WHERE project_id = ? AND name = ?")
                        .bind(project_id)
                        .bind(name)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(backend)?;
                (id, false)
            }
        };
        apply_patch(&mut tx, id, patch).await?;
        write_fields(&mut tx, id, project_id, patch).await?;
        if created && patch.display_name.is_none() {
            name_new_run(&mut tx, id, project_id, fresh_display_name).await?;
        }
        tx.commit().await.map_err(backend)?;
        self.counts.bump(project_id);
        let run = self
            .run_by_id(id)
            .await?
            .ok_or_else(|| StoreError::backend("a run vanished while being written"))?;
        Ok((run, created))
    }

    async fn fork_history(&self, run_id: i64, source_id: i64, step: i64) -> StoreResult<()> {
        branch::fork(&self.writer, run_id, source_id, step).await
    }

    async fn rewind_history(&self, run_id: i64, step: i64) -> StoreResult<Option<Run>> {
        let project_id = branch::rewind(&self.writer, run_id, step).await?;
        self.counts.bump(project_id);
        self.run_by_id(run_id).await
    }

    async fn update_run(&self, id: i64, patch: &RunPatch) -> StoreResult<Option<Run>> {
        let mut tx = self.write_tx().await?;
        let project_id: Option<i64> =
            sqlx::query_scalar("SELECT project_id FROM runs WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
        let Some(project_id) = project_id else {
            return Ok(None);
        };
        apply_patch(&mut tx, id, patch).await?;
        write_fields(&mut tx, id, project_id, patch).await?;
        tx.commit().await.map_err(backend)?;
        self.counts.bump(project_id);
        self.run_by_id(id).await
    }

    async fn run_by_name(&self, project_id: i64, name: &str) -> StoreResult<Option<Run>> {
        self.fetch_run("r.project_id = ? AND r.name = ?", project_id, Some(name))
            .await
    }

    async fn run_by_id(&self, id: i64) -> StoreResult<Option<Run>> {
        self.fetch_run("r.id = ?", id, None).await
    }

    async fn search_runs(
        &self,
        project_id: i64,
        search: &RunSearch,
        cursor: Option<&str>,
        limit: i64,
    ) -> StoreResult<RunPage> {
        let sql = search::page_sql(project_id, search, RUN_COLUMNS, cursor, limit + 1)?;
        let rows = bind_each!(sqlx::query(&sql.text), &sql.binds)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let has_next_page = rows.len() as i64 > limit;
        let runs = rows
            .iter()
            .take(limit as usize)
            .map(|row| Ok((run_from_row(row)?, cursor_of(row)?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(backend)?;
        Ok(RunPage {
            runs,
            has_next_page,
        })
    }

    async fn count_runs(&self, project_id: i64, search: &RunSearch) -> StoreResult<i64> {
        let sql = search::count_sql(project_id, search)?;
        let key = (
            project_id,
            search
                .filter
                .as_ref()
                .map(|f| format!("{f:?}"))
                .unwrap_or_default(),
            search.include_sweeps,
        );
        if let Some(count) = self.counts.get(&key) {
            return Ok(count);
        }
        let generation = self.counts.generation(project_id);
        let count = bind_each!(sqlx::query(&sql.text), &sql.binds)
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(backend)?;
        self.counts.put(key, generation, count);
        Ok(count)
    }

    async fn run_matches(
        &self,
        run_id: i64,
        filter: &cairn_core::filter::Filter,
    ) -> StoreResult<bool> {
        let sql = search::match_sql(run_id, filter)?;
        bind_each!(sqlx::query(&sql.text), &sql.binds)
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(backend)
    }

    async fn delete_run(&self, id: i64) -> StoreResult<bool> {
        let project: Option<i64> =
            sqlx::query_scalar("DELETE FROM runs WHERE id = ? RETURNING project_id")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        if let Some(project_id) = project {
            self.counts.bump(project_id);
        }
        Ok(project.is_some())
    }

    async fn request_stop(&self, id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE runs SET stop_requested = 1, updated_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn append_stream(
        &self,
        run_id: i64,
        batch: &StreamBatch,
        events: &[cairn_core::automation::NewEvent],
    ) -> StoreResult<StreamOutcome> {
        let (outcome, project_id) = stream::append(&self.writer, run_id, batch, events).await?;
        self.counts.bump(project_id);
        Ok(outcome)
    }

    async fn recent_metric_values(
        &self,
        run_id: i64,
        key: &str,
        limit: i64,
    ) -> StoreResult<Vec<f64>> {
        // Rows are the client's relaxed JSON: one with a bare NaN is not
        // valid JSON to SQLite and is skipped, as a NaN passes no test.
        let path = crate::filter::json_path(&[key.to_string()]);
        sqlx::query_scalar(
            "SELECT json_extract(row, ?1) FROM run_history WHERE run_id = ?2 AND json_valid(row) \
             AND json_type(row, ?1) IN ('integer', 'real') ORDER BY line DESC LIMIT ?3",
        )
        .bind(path)
        .bind(run_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn mark_crashed(&self, before_ms: i64) -> StoreResult<u64> {
        let mut tx = self.write_tx().await?;
        let crashed: Vec<i64> = sqlx::query_scalar(
            "UPDATE runs SET state = 'crashed' WHERE state = 'running' AND heartbeat_at < ? \
             RETURNING id",
        )
        .bind(before_ms)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        for run_id in &crashed {
            crate::automations::record_run_state_event(&mut tx, *run_id).await?;
        }
        tx.commit().await.map_err(backend)?;
        if !crashed.is_empty() {
            self.counts.bump_all();
        }
        Ok(crashed.len() as u64)
    }

    async fn history(
        &self,
        run_id: i64,
        min_step: i64,
        max_step: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, String)>> {
        history::page(&self.readers, run_id, min_step, max_step, limit).await
    }

    async fn sampled_history(
        &self,
        run_id: i64,
        keys: &[String],
        min_step: i64,
        max_step: i64,
        samples: i64,
    ) -> StoreResult<Vec<String>> {
        history::sampled(&self.readers, run_id, keys, min_step, max_step, samples).await
    }

    async fn history_keys(&self, run_id: i64) -> StoreResult<Vec<HistoryKey>> {
        history::keys(&self.readers, run_id).await
    }

    async fn history_key_types(
        &self,
        run_ids: &[i64],
        keys: &[String],
    ) -> StoreResult<Vec<(String, String)>> {
        history::key_types(&self.readers, run_ids, keys).await
    }

    async fn events(&self, run_id: i64, samples: i64) -> StoreResult<Vec<String>> {
        history::events(&self.readers, run_id, samples).await
    }

    async fn log_lines(&self, run_id: i64, from: i64, limit: i64) -> StoreResult<Vec<LogLine>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT line, content FROM run_log_lines WHERE run_id = ? AND line >= ? \
             ORDER BY line LIMIT ?",
        )
        .bind(run_id)
        .bind(from)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(number, content)| LogLine { number, content })
            .collect())
    }

    async fn put_run_file(&self, file: &RunFile) -> StoreResult<RunFile> {
        files::put(&self.pool, file).await
    }

    async fn run_files(
        &self,
        run_id: i64,
        names: &[String],
        pattern: Option<&str>,
        after_name: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<RunFile>> {
        files::list(&self.pool, run_id, names, pattern, after_name, limit).await
    }

    async fn run_file_count(&self, run_id: i64) -> StoreResult<i64> {
        files::count(&self.pool, run_id).await
    }

    async fn run_file_by_id(&self, id: i64) -> StoreResult<Option<RunFile>> {
        files::by_id(&self.pool, id).await
    }

    async fn delete_run_files(&self, ids: &[i64]) -> StoreResult<Vec<RunFile>> {
        files::delete(&self.pool, ids).await
    }
}
