//! Sweeps, their agents and the runs their controllers hand out.
//!
//! A sweep's figures (run count, best metric, latest heartbeat) are not
//! stored: they are computed from its runs on every read (`runs_by_sweep`
//! and `run_fields` make that an index lookup), so they can never be stale.
//! The controller's writes go through the single writer connection, one
//! transaction per heartbeat; the partial unique index on
//! `sweep_runs(sweep_id, grid_index)` is what keeps two agents from getting
//! the same grid point, and `assign_run` checks the run cap in the same
//! statement that inserts.

use async_trait::async_trait;
use cairn_core::model::UserId;
use cairn_core::store::{StoreResult, SweepStore};
use cairn_core::sweep::records::{
    Assignment, ControllerView, NewSweep, Sweep, SweepAgent, SweepPatch, SweepState, TrialRow,
};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::runs::now_ms;
use crate::{SqliteStore, backend, conflict_or_backend};

/// The run states in which a run is still going, as an SQL list (a macro,
/// so the constant SQL below can `concat!` it).
macro_rules! live_run_states {
    () => {
        "('running', 'pending', 'preempting')"
    };
}

/// Columns of a sweep `s`, with the figures computed from its runs.
const SWEEP_COLUMNS: &str = concat!(
    "s.id, s.project_id, s.name, s.display_name, s.description, \
    s.method, s.state, s.config, s.expected_runs, s.created_by, s.created_at, s.updated_at, \
    (SELECT COUNT(*) FROM runs r WHERE r.project_id = s.project_id AND r.sweep_name = s.name) \
        AS run_count, \
    (SELECT CAST(CASE WHEN s.maximize THEN MAX(f.val) ELSE MIN(f.val) END AS REAL) \
       FROM runs r JOIN run_fields f ON f.run_id = r.id AND f.path = s.metric_path \
      WHERE r.project_id = s.project_id AND r.sweep_name = s.name \
        AND typeof(f.val) IN ('integer', 'real')) AS best_loss, \
    (SELECT MAX(a.heartbeat_at) FROM sweep_agents a WHERE a.sweep_id = s.id) AS heartbeat_at, \
    (s.expected_runs IS NOT NULL \
     AND (SELECT COUNT(*) FROM sweep_runs sr WHERE sr.sweep_id = s.id AND sr.state <> 'expired') \
         >= s.expected_runs \
     AND NOT EXISTS (SELECT 1 FROM sweep_runs sr \
                     LEFT JOIN runs r ON r.project_id = s.project_id AND r.name = sr.run_name \
                     WHERE sr.sweep_id = s.id AND sr.state <> 'expired' \
                       AND (r.id IS NULL OR r.state IN ",
    live_run_states!(),
    "))) \
        AS exhausted"
);

/// Columns of an agent `a`.
const AGENT_COLUMNS: &str = "a.id, a.sweep_id, a.name, a.host, a.user_id, a.state, \
    a.created_at, a.heartbeat_at, \
    (SELECT COUNT(*) FROM sweep_runs sr WHERE sr.agent_id = a.id AND sr.state <> 'expired') \
        AS total_runs";

fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn sweep_from_row(row: &SqliteRow) -> Result<Sweep, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let state = SweepState::parse(&state).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(Sweep {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        description: row.try_get("description")?,
        method: row.try_get("method")?,
        state,
        config: row.try_get("config")?,
        expected_runs: row.try_get("expected_runs")?,
        created_by: row.try_get("created_by")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        run_count: row.try_get("run_count")?,
        best_loss: row.try_get("best_loss")?,
        heartbeat_at: row.try_get::<Option<i64>, _>("heartbeat_at")?.map(from_ms),
        exhausted: row.try_get("exhausted")?,
    })
}

fn agent_from_row(row: &SqliteRow) -> Result<SweepAgent, sqlx::Error> {
    Ok(SweepAgent {
        id: row.try_get("id")?,
        sweep_id: row.try_get("sweep_id")?,
        name: row.try_get("name")?,
        host: row.try_get("host")?,
        user_id: row.try_get("user_id")?,
        state: row.try_get("state")?,
        created_at: from_ms(row.try_get("created_at")?),
        heartbeat_at: from_ms(row.try_get("heartbeat_at")?),
        total_runs: row.try_get("total_runs")?,
    })
}

impl SqliteStore {
    async fn fetch_sweep(
        &self,
        condition: &str,
        binds: (i64, Option<&str>),
    ) -> StoreResult<Option<Sweep>> {
        let sql = format!("SELECT {SWEEP_COLUMNS} FROM sweeps s WHERE {condition}");
        let mut query = sqlx::query(&sql).bind(binds.0);
        if let Some(name) = binds.1 {
            query = query.bind(name);
        }
        let row = query.fetch_optional(&self.pool).await.map_err(backend)?;
        row.as_ref()
            .map(sweep_from_row)
            .transpose()
            .map_err(backend)
    }

    async fn fetch_agent(
        &self,
        condition: &str,
        binds: (i64, Option<&str>),
    ) -> StoreResult<Option<SweepAgent>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM sweep_agents a WHERE {condition}");
        let mut query = sqlx::query(&sql).bind(binds.0);
        if let Some(name) = binds.1 {
            query = query.bind(name);
        }
        let row = query.fetch_optional(&self.pool).await.map_err(backend)?;
        row.as_ref()
            .map(agent_from_row)
            .transpose()
            .map_err(backend)
    }
}

#[async_trait]
impl SweepStore for SqliteStore {
    async fn create_sweep(&self, sweep: &NewSweep) -> StoreResult<Sweep> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sweeps (project_id, name, display_name, description, method, state, \
             config, metric_path, maximize, expected_runs, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(sweep.project_id)
        .bind(&sweep.name)
        .bind(&sweep.display_name)
        .bind(&sweep.description)
        .bind(&sweep.method)
        .bind(sweep.state.as_str())
        .bind(&sweep.config)
        .bind(&sweep.metric_path)
        .bind(sweep.maximize)
        .bind(sweep.expected_runs)
        .bind(sweep.created_by)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || {
                format!("A sweep named {} already exists here.", sweep.name)
            })
        })?;
        tx.commit().await.map_err(backend)?;
        self.sweep_by_id(id)
            .await?
            .ok_or_else(|| cairn_core::store::StoreError::backend("a new sweep vanished"))
    }

    async fn sweep_by_name(&self, project_id: i64, name: &str) -> StoreResult<Option<Sweep>> {
        self.fetch_sweep("s.project_id = ? AND s.name = ?", (project_id, Some(name)))
            .await
    }

    async fn sweep_by_id(&self, id: i64) -> StoreResult<Option<Sweep>> {
        self.fetch_sweep("s.id = ?", (id, None)).await
    }

    async fn sweeps(
        &self,
        project_id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Sweep>> {
        let sql = format!(
            "SELECT {SWEEP_COLUMNS} FROM sweeps s WHERE s.project_id = ? AND s.id < ? \
             ORDER BY s.id DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(project_id)
            .bind(before_id.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(sweep_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn sweep_count(&self, project_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM sweeps WHERE project_id = ?")
            .bind(project_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn update_sweep(&self, id: i64, patch: &SweepPatch) -> StoreResult<Option<Sweep>> {
        let mut tx = self.write_tx().await?;
        let (config, metric_path, maximize, expected) = match &patch.config {
            Some((config, path, maximize, expected)) => {
                (Some(config), path.clone(), Some(*maximize), *expected)
            }
            None => (None, None, None, None),
        };
        let changed = sqlx::query(
            "UPDATE sweeps SET state = COALESCE(?, state), description = COALESCE(?, description), \
             display_name = COALESCE(?, display_name), config = COALESCE(?, config), \
             metric_path = CASE WHEN ? THEN ? ELSE metric_path END, \
             maximize = COALESCE(?, maximize), \
             expected_runs = CASE WHEN ? THEN ? ELSE expected_runs END, updated_at = ? \
             WHERE id = ?",
        )
        .bind(patch.state.map(SweepState::as_str))
        .bind(&patch.description)
        .bind(&patch.display_name)
        .bind(config)
        .bind(config.is_some())
        .bind(metric_path)
        .bind(maximize)
        .bind(config.is_some())
        .bind(expected)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        if changed == 0 {
            return Ok(None);
        }
        self.sweep_by_id(id).await
    }

    async fn finish_sweep(&self, id: i64, from: SweepState, to: SweepState) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let changed =
            sqlx::query("UPDATE sweeps SET state = ?, updated_at = ? WHERE id = ? AND state = ?")
                .bind(to.as_str())
                .bind(now_ms())
                .bind(id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(changed > 0)
    }

    async fn create_agent(
        &self,
        sweep_id: i64,
        name: &str,
        host: &str,
        user_id: UserId,
    ) -> StoreResult<SweepAgent> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sweep_agents (sweep_id, name, host, user_id, state, created_at, heartbeat_at) \
             VALUES (?, ?, ?, ?, 'RUNNING', ?, ?) RETURNING id",
        )
        .bind(sweep_id)
        .bind(name)
        .bind(host)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_or_backend(e, || format!("An agent named {name} already exists.")))?;
        tx.commit().await.map_err(backend)?;
        self.agent_by_id(id)
            .await?
            .ok_or_else(|| cairn_core::store::StoreError::backend("a new agent vanished"))
    }

    async fn agent_by_id(&self, id: i64) -> StoreResult<Option<SweepAgent>> {
        self.fetch_agent("a.id = ?", (id, None)).await
    }

    async fn agent_by_name(&self, sweep_id: i64, name: &str) -> StoreResult<Option<SweepAgent>> {
        self.fetch_agent("a.sweep_id = ? AND a.name = ?", (sweep_id, Some(name)))
            .await
    }

    async fn agents(&self, sweep_id: i64, limit: i64) -> StoreResult<Vec<SweepAgent>> {
        let sql = format!(
            "SELECT {AGENT_COLUMNS} FROM sweep_agents a WHERE a.sweep_id = ? ORDER BY a.id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(sweep_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(agent_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn agent_run_names(&self, agent_id: i64, limit: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT run_name FROM sweep_runs WHERE agent_id = ? AND state <> 'expired' \
             ORDER BY id LIMIT ?",
        )
        .bind(agent_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn agent_heartbeat(
        &self,
        agent_id: i64,
        running: &[String],
        expire_before_ms: i64,
    ) -> StoreResult<ControllerView> {
        let running = serde_json::to_string(running).map_err(backend)?;
        let mut tx = self.write_tx().await?;
        let sweep_id: i64 = sqlx::query_scalar(
            "UPDATE sweep_agents SET heartbeat_at = ? WHERE id = ? RETURNING sweep_id",
        )
        .bind(now_ms())
        .bind(agent_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        // Started: reported by the agent, or the run exists.
        sqlx::query(
            "UPDATE sweep_runs SET state = 'started' WHERE sweep_id = ? AND state = 'assigned' \
             AND (run_name IN (SELECT value FROM json_each(?)) OR EXISTS ( \
                 SELECT 1 FROM runs r JOIN sweeps s ON s.id = sweep_runs.sweep_id \
                  WHERE r.project_id = s.project_id AND r.name = sweep_runs.run_name))",
        )
        .bind(sweep_id)
        .bind(&running)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "UPDATE sweep_runs SET state = 'expired' WHERE sweep_id = ? AND state = 'assigned' \
             AND assigned_at < ?",
        )
        .bind(sweep_id)
        .bind(expire_before_ms)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let stopping: Vec<String> = sqlx::query_scalar(
            "SELECT run_name FROM sweep_runs WHERE agent_id = ? AND stop AND state <> 'expired' \
             AND run_name IN (SELECT value FROM json_each(?)) ORDER BY id",
        )
        .bind(agent_id)
        .bind(&running)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(ControllerView { stopping })
    }

    async fn assign_run(&self, assignment: &Assignment, cap: Option<i64>) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO sweep_runs \
             (sweep_id, run_name, agent_id, params, grid_index, state, assigned_at) \
             SELECT ?, ?, ?, ?, ?, 'assigned', ? \
              WHERE ? IS NULL OR (SELECT COUNT(*) FROM sweep_runs \
                                   WHERE sweep_id = ? AND state <> 'expired') < ?",
        )
        .bind(assignment.sweep_id)
        .bind(&assignment.run_name)
        .bind(assignment.agent_id)
        .bind(&assignment.params)
        .bind(assignment.grid_index)
        .bind(now_ms())
        .bind(cap)
        .bind(assignment.sweep_id)
        .bind(cap)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(inserted > 0)
    }

    async fn sweep_trials(&self, sweep_id: i64, limit: i64) -> StoreResult<Vec<TrialRow>> {
        let rows = sqlx::query(&format!(
            "SELECT sr.run_name, sr.params, sr.grid_index, \
                    (SELECT CAST(f.val AS REAL) FROM run_fields f WHERE f.run_id = r.id AND f.path = s.metric_path \
                        AND typeof(f.val) IN ('integer', 'real')) AS metric, \
                    (r.id IS NOT NULL AND r.state NOT IN {live}) AS finished \
               FROM sweep_runs sr JOIN sweeps s ON s.id = sr.sweep_id \
               LEFT JOIN runs r ON r.project_id = s.project_id AND r.name = sr.run_name \
              WHERE sr.sweep_id = ? AND sr.state <> 'expired' ORDER BY sr.id LIMIT ?",
            live = live_run_states!()
        ))
        .bind(sweep_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(TrialRow {
                    run_name: row.try_get("run_name")?,
                    params: row.try_get("params")?,
                    metric: row.try_get("metric")?,
                    finished: row.try_get("finished")?,
                    grid_index: row.try_get("grid_index")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(backend)
    }

    async fn sweep_metric_histories(
        &self,
        sweep_id: i64,
        key: &str,
        per_run: i64,
    ) -> StoreResult<Vec<(String, Vec<f64>)>> {
        let path = format!("$.\"{}\"", key.replace('"', "\\\""));
        let rows = sqlx::query(
            "SELECT name, value FROM ( \
               SELECT r.id, r.name, h.line, \
                      CAST(CASE WHEN json_valid(h.row) THEN json_extract(h.row, ?) END AS REAL) AS value, \
                      ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY h.line) AS nth \
                 FROM sweeps s JOIN runs r ON r.project_id = s.project_id AND r.sweep_name = s.name \
                 JOIN run_history h ON h.run_id = r.id \
                WHERE s.id = ? \
                  AND CASE WHEN json_valid(h.row) THEN json_type(h.row, ?) END \
                      IN ('integer', 'real')) \
             WHERE nth <= ? ORDER BY id, line",
        )
        .bind(&path)
        .bind(sweep_id)
        .bind(&path)
        .bind(per_run)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut out: Vec<(String, Vec<f64>)> = Vec::new();
        for row in &rows {
            let name: String = row.try_get("name").map_err(backend)?;
            let value: f64 = row.try_get("value").map_err(backend)?;
            match out.last_mut() {
                Some((last, values)) if *last == name => values.push(value),
                _ => out.push((name, vec![value])),
            }
        }
        Ok(out)
    }

    async fn sweep_runs_with_segments(&self, sweep_id: i64) -> StoreResult<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT r.id, r.name FROM sweeps s \
             JOIN runs r ON r.project_id = s.project_id AND r.sweep_name = s.name \
             WHERE s.id = ? AND r.history_compacted_rows > 0 ORDER BY r.id",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn stop_sweep_runs(
        &self,
        sweep_id: i64,
        run_names: Option<&[String]>,
    ) -> StoreResult<()> {
        let names = run_names
            .map(serde_json::to_string)
            .transpose()
            .map_err(backend)?;
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE sweep_runs SET stop = 1 WHERE sweep_id = ? AND state <> 'expired' \
             AND (? IS NULL OR run_name IN (SELECT value FROM json_each(?)))",
        )
        .bind(sweep_id)
        .bind(&names)
        .bind(&names)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn finish_agent(&self, agent_id: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE sweep_agents SET state = 'FINISHED' WHERE id = ?")
            .bind(agent_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }
}
