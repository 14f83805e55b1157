//! Launch: run queues, their resource configurations, their items and the
//! agents that pop them.
//!
//! Popping is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING` on the
//! single writer connection, inside the transaction that first lets expired
//! leases go: an item moves from PENDING to LEASED exactly once, whatever
//! the number of agents asking. A claimed item's reported state comes from
//! its run, read in the same query, so it cannot go stale.

use async_trait::async_trait;
use cairn_core::launch::records::{
    ItemReport, ItemState, LaunchAgent, NewLaunchAgent, NewQueueItem, NewResourceConfig,
    NewRunQueue, Prioritization, QueueItem, ResourceConfig, RunQueue,
};
use cairn_core::store::{LaunchStore, StoreError, StoreResult};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::runs::now_ms;
use crate::{SqliteStore, WriteTx, backend, conflict_or_backend};

const QUEUE_COLUMNS: &str = "q.id, q.project_id, q.name, q.access, q.prioritization_mode, \
    q.resource_config_id, q.external_links, q.created_by, q.created_at";

/// Columns of an item `i`, with the state of its run when it is claimed.
const ITEM_COLUMNS: &str = "i.id, i.queue_id, i.run_spec, i.template_variable_values, \
    i.priority, i.state, i.associated_run_id, i.launch_agent_id, i.error, i.warnings, \
    i.created_by, i.created_at, i.updated_at, \
    CASE WHEN i.state = 'CLAIMED' THEN \
      (SELECT r.state FROM runs r JOIN projects p ON p.id = r.project_id \
         JOIN entities e ON e.id = p.entity_id \
        WHERE e.name = i.run_entity AND p.name = i.run_project \
          AND r.name = i.associated_run_id) END AS run_state";

const AGENT_COLUMNS: &str = "a.id, a.entity_id, a.project_id, a.name, a.hostname, \
    a.queue_ids, a.agent_config, a.version, a.status, a.stop_polling, a.created_by, \
    a.created_at, a.heartbeat_at";

/// The lease expiry: leased before the cut-off, by an agent (if any) not
/// heard of since. Binds: queue id, cut-off, cut-off.
const EXPIRE_LEASES: &str = "UPDATE run_queue_items SET state = 'PENDING', \
    launch_agent_id = NULL, leased_at = NULL \
    WHERE queue_id = ? AND state = 'LEASED' AND leased_at < ? \
      AND COALESCE((SELECT a.heartbeat_at FROM launch_agents a \
                     WHERE a.id = run_queue_items.launch_agent_id), 0) < ?";

fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn decode(err: cairn_core::CoreError) -> sqlx::Error {
    sqlx::Error::Decode(err.into())
}

fn queue_from_row(row: &SqliteRow) -> Result<RunQueue, sqlx::Error> {
    let mode: String = row.try_get("prioritization_mode")?;
    Ok(RunQueue {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        name: row.try_get("name")?,
        access: row.try_get("access")?,
        prioritization: Prioritization::parse(&mode).map_err(decode)?,
        resource_config_id: row.try_get("resource_config_id")?,
        external_links: row.try_get("external_links")?,
        created_by: row.try_get("created_by")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

fn item_from_row(row: &SqliteRow) -> Result<QueueItem, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let run_state: Option<String> = row.try_get("run_state")?;
    Ok(QueueItem {
        id: row.try_get("id")?,
        queue_id: row.try_get("queue_id")?,
        run_spec: row.try_get("run_spec")?,
        template_variable_values: row.try_get("template_variable_values")?,
        priority: row.try_get("priority")?,
        state: ItemState::parse(&state)
            .map_err(decode)?
            .with_run(run_state.as_deref()),
        associated_run_id: row.try_get("associated_run_id")?,
        launch_agent_id: row.try_get("launch_agent_id")?,
        error: row.try_get("error")?,
        warnings: row.try_get("warnings")?,
        created_by: row.try_get("created_by")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

fn agent_from_row(row: &SqliteRow) -> Result<LaunchAgent, sqlx::Error> {
    let queues: String = row.try_get("queue_ids")?;
    Ok(LaunchAgent {
        id: row.try_get("id")?,
        entity_id: row.try_get("entity_id")?,
        project_id: row.try_get("project_id")?,
        name: row.try_get("name")?,
        hostname: row.try_get("hostname")?,
        queue_ids: serde_json::from_str(&queues).map_err(|e| sqlx::Error::Decode(e.into()))?,
        agent_config: row.try_get("agent_config")?,
        version: row.try_get("version")?,
        status: row.try_get("status")?,
        stop_polling: row.try_get("stop_polling")?,
        created_by: row.try_get("created_by")?,
        created_at: from_ms(row.try_get("created_at")?),
        heartbeat_at: from_ms(row.try_get("heartbeat_at")?),
    })
}

fn config_from_row(row: &SqliteRow) -> Result<ResourceConfig, sqlx::Error> {
    Ok(ResourceConfig {
        id: row.try_get("id")?,
        entity_id: row.try_get("entity_id")?,
        resource: row.try_get("resource")?,
        config: row.try_get("config")?,
        template_variables: row.try_get("template_variables")?,
    })
}

/// The pop order of a queue's pending items.
fn pop_order(mode: Prioritization) -> &'static str {
    match mode {
        Prioritization::V0 => "priority, id",
        Prioritization::Disabled => "id",
    }
}

async fn insert_config(tx: &mut WriteTx, new: &NewResourceConfig) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO launch_resource_configs (entity_id, resource, config, template_variables, \
         created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.entity_id)
    .bind(&new.resource)
    .bind(&new.config)
    .bind(&new.template_variables)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await
    .map_err(backend)
}

impl SqliteStore {
    async fn one_queue(
        &self,
        condition: &str,
        a: i64,
        b: Option<&str>,
    ) -> StoreResult<Option<RunQueue>> {
        let sql = format!("SELECT {QUEUE_COLUMNS} FROM run_queues q WHERE {condition}");
        let mut query = sqlx::query(&sql).bind(a);
        if let Some(b) = b {
            query = query.bind(b);
        }
        let row = query.fetch_optional(&self.pool).await.map_err(backend)?;
        row.as_ref()
            .map(queue_from_row)
            .transpose()
            .map_err(backend)
    }
}

#[async_trait]
impl LaunchStore for SqliteStore {
    async fn create_resource_config(&self, new: &NewResourceConfig) -> StoreResult<ResourceConfig> {
        let mut tx = self.write_tx().await?;
        let id = insert_config(&mut tx, new).await?;
        tx.commit().await.map_err(backend)?;
        self.resource_config(id)
            .await?
            .ok_or_else(|| StoreError::backend("a new resource configuration vanished"))
    }

    async fn resource_config(&self, id: i64) -> StoreResult<Option<ResourceConfig>> {
        let row = sqlx::query(
            "SELECT id, entity_id, resource, config, template_variables \
             FROM launch_resource_configs WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref()
            .map(config_from_row)
            .transpose()
            .map_err(backend)
    }

    async fn create_run_queue(&self, new: &NewRunQueue) -> StoreResult<RunQueue> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO run_queues (project_id, name, access, prioritization_mode, \
             resource_config_id, external_links, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.project_id)
        .bind(&new.name)
        .bind(&new.access)
        .bind(new.prioritization.as_str())
        .bind(new.resource_config_id)
        .bind(&new.external_links)
        .bind(new.created_by)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || {
                format!("A run queue named {:?} already exists.", new.name)
            })
        })?;
        tx.commit().await.map_err(backend)?;
        self.run_queue_by_id(id)
            .await?
            .ok_or_else(|| StoreError::backend("a new run queue vanished"))
    }

    async fn upsert_run_queue(
        &self,
        queue: &NewRunQueue,
        config: &NewResourceConfig,
    ) -> StoreResult<RunQueue> {
        let mut tx = self.write_tx().await?;
        let config_id = insert_config(&mut tx, config).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO run_queues (project_id, name, access, prioritization_mode, \
             resource_config_id, external_links, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (project_id, name) DO UPDATE SET \
               prioritization_mode = excluded.prioritization_mode, \
               resource_config_id = excluded.resource_config_id, \
               external_links = excluded.external_links \
             RETURNING id",
        )
        .bind(queue.project_id)
        .bind(&queue.name)
        .bind(&queue.access)
        .bind(queue.prioritization.as_str())
        .bind(config_id)
        .bind(&queue.external_links)
        .bind(queue.created_by)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        self.run_queue_by_id(id)
            .await?
            .ok_or_else(|| StoreError::backend("an upserted run queue vanished"))
    }

    async fn run_queue_by_name(
        &self,
        project_id: i64,
        name: &str,
    ) -> StoreResult<Option<RunQueue>> {
        self.one_queue("q.project_id = ? AND q.name = ?", project_id, Some(name))
            .await
    }

    async fn run_queue_by_id(&self, id: i64) -> StoreResult<Option<RunQueue>> {
        self.one_queue("q.id = ?", id, None).await
    }

    async fn run_queues(&self, project_id: i64, limit: i64) -> StoreResult<Vec<RunQueue>> {
        let sql = format!(
            "SELECT {QUEUE_COLUMNS} FROM run_queues q WHERE q.project_id = ? ORDER BY q.id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(project_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(queue_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn delete_run_queue(&self, id: i64) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM run_queues WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done > 0)
    }

    async fn push_item(&self, item: &NewQueueItem) -> StoreResult<QueueItem> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO run_queue_items (queue_id, run_spec, template_variable_values, priority, \
             state, run_entity, run_project, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(item.queue_id)
        .bind(&item.run_spec)
        .bind(&item.template_variable_values)
        .bind(item.priority)
        .bind(&item.run_entity)
        .bind(&item.run_project)
        .bind(item.created_by)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        self.queue_item(id)
            .await?
            .ok_or_else(|| StoreError::backend("a pushed item vanished"))
    }

    async fn queue_item(&self, id: i64) -> StoreResult<Option<QueueItem>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM run_queue_items i WHERE i.id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(item_from_row).transpose().map_err(backend)
    }

    async fn queue_items(
        &self,
        queue_id: i64,
        prioritization: Prioritization,
        limit: i64,
    ) -> StoreResult<Vec<QueueItem>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM run_queue_items i WHERE i.queue_id = ? \
             ORDER BY i.state <> 'PENDING', {} LIMIT ?",
            pop_order(prioritization)
        );
        let rows = sqlx::query(&sql)
            .bind(queue_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(item_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn pop_item(
        &self,
        queue_id: i64,
        prioritization: Prioritization,
        agent_id: Option<i64>,
        expire_before_ms: i64,
    ) -> StoreResult<Option<QueueItem>> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        if let Some(agent) = agent_id {
            sqlx::query("UPDATE launch_agents SET heartbeat_at = ? WHERE id = ?")
                .bind(now)
                .bind(agent)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        sqlx::query(EXPIRE_LEASES)
            .bind(queue_id)
            .bind(expire_before_ms)
            .bind(expire_before_ms)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let sql = format!(
            "UPDATE run_queue_items SET state = 'LEASED', launch_agent_id = ?, leased_at = ?, \
             updated_at = ? \
             WHERE id = (SELECT id FROM run_queue_items WHERE queue_id = ? AND state = 'PENDING' \
                         ORDER BY {} LIMIT 1) RETURNING id",
            pop_order(prioritization)
        );
        let id: Option<i64> = sqlx::query_scalar(&sql)
            .bind(agent_id)
            .bind(now)
            .bind(now)
            .bind(queue_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        match id {
            Some(id) => self.queue_item(id).await,
            None => Ok(None),
        }
    }

    async fn expire_leases(&self, queue_id: i64, expire_before_ms: i64) -> StoreResult<u64> {
        // Most reads find nothing to expire: look before taking the writer.
        let due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM run_queue_items WHERE queue_id = ? AND state = 'LEASED' \
             AND leased_at < ?",
        )
        .bind(queue_id)
        .bind(expire_before_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        if due == 0 {
            return Ok(0);
        }
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(EXPIRE_LEASES)
            .bind(queue_id)
            .bind(expire_before_ms)
            .bind(expire_before_ms)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done)
    }

    async fn ack_item(&self, id: i64, run_name: &str) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE run_queue_items SET state = 'CLAIMED', associated_run_id = ?, updated_at = ? \
             WHERE id = ? AND state = 'LEASED'",
        )
        .bind(run_name)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done > 0)
    }

    async fn fail_item(&self, id: i64, report: &ItemReport) -> StoreResult<bool> {
        let error = serde_json::json!({
            "message": report.message,
            "stage": report.stage,
            "filePaths": report.file_paths,
        });
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE run_queue_items SET state = 'FAILED', error = ?, updated_at = ? WHERE id = ?",
        )
        .bind(error.to_string())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done > 0)
    }

    async fn warn_item(&self, id: i64, report: &ItemReport) -> StoreResult<bool> {
        let warning = serde_json::json!({
            "message": report.message,
            "stage": report.stage,
            "filePaths": report.file_paths,
        });
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE run_queue_items SET warnings = json_insert(COALESCE(warnings, '[]'), '$[#]', \
             json(?)), updated_at = ? WHERE id = ?",
        )
        .bind(warning.to_string())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done > 0)
    }

    async fn delete_item(&self, queue_id: i64, id: i64) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM run_queue_items WHERE id = ? AND queue_id = ?")
            .bind(id)
            .bind(queue_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done > 0)
    }

    async fn create_launch_agent(&self, new: &NewLaunchAgent) -> StoreResult<LaunchAgent> {
        let now = now_ms();
        let queues = serde_json::to_string(&new.queue_ids).map_err(backend)?;
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO launch_agents (entity_id, project_id, name, hostname, queue_ids, \
             agent_config, version, status, created_by, created_at, heartbeat_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'POLLING', ?, ?, ?) RETURNING id",
        )
        .bind(new.entity_id)
        .bind(new.project_id)
        .bind(&new.name)
        .bind(&new.hostname)
        .bind(queues)
        .bind(&new.agent_config)
        .bind(&new.version)
        .bind(new.created_by)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || format!("A launch agent named {} exists.", new.name))
        })?;
        tx.commit().await.map_err(backend)?;
        self.launch_agent(id)
            .await?
            .ok_or_else(|| StoreError::backend("a new launch agent vanished"))
    }

    async fn launch_agent(&self, id: i64) -> StoreResult<Option<LaunchAgent>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM launch_agents a WHERE a.id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref()
            .map(agent_from_row)
            .transpose()
            .map_err(backend)
    }

    async fn launch_agents(&self, entity_id: i64, limit: i64) -> StoreResult<Vec<LaunchAgent>> {
        let sql = format!(
            "SELECT {AGENT_COLUMNS} FROM launch_agents a WHERE a.entity_id = ? \
             ORDER BY a.id DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(entity_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(agent_from_row)
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    async fn update_launch_agent(
        &self,
        id: i64,
        status: Option<&str>,
        stop_polling: Option<bool>,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE launch_agents SET status = COALESCE(?, status), \
             stop_polling = COALESCE(?, stop_polling), heartbeat_at = ? WHERE id = ?",
        )
        .bind(status)
        .bind(stop_polling)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(done > 0)
    }
}
