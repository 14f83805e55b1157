//! Automations' triggers: one row each, the action as JSON, listed as
//! keyset pages on the row id.

use async_trait::async_trait;
use cairn_core::automation::{Action, EventType, Scope, ScopeKind, Trigger, TriggerSpec};
use cairn_core::model::UserId;
use cairn_core::store::{Placement, StoreError, StoreResult, TriggerStore};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::runs::now_ms;
use crate::{SqliteStore, backend, conflict_or_backend};

pub(crate) const COLUMNS: &str = "id, entity_id, project_id, scope_kind, scope_id, name, description, \
    enabled, event_type, event_filter, action, created_by, created_at, updated_at";

fn time_of(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub(crate) fn from_row(row: &SqliteRow) -> StoreResult<Trigger> {
    let corrupt = |what: &str| StoreError::Backend(format!("trigger row with a bad {what}").into());
    let kind: String = row.try_get("scope_kind").map_err(backend)?;
    let event: String = row.try_get("event_type").map_err(backend)?;
    let action: String = row.try_get("action").map_err(backend)?;
    let action: Action = serde_json::from_str(&action).map_err(|_| corrupt("action"))?;
    Ok(Trigger {
        id: row.try_get("id").map_err(backend)?,
        entity_id: row.try_get("entity_id").map_err(backend)?,
        project_id: row.try_get("project_id").map_err(backend)?,
        spec: TriggerSpec {
            name: row.try_get("name").map_err(backend)?,
            description: row.try_get("description").map_err(backend)?,
            enabled: row.try_get("enabled").map_err(backend)?,
            scope: Scope {
                kind: ScopeKind::parse(&kind).map_err(|_| corrupt("scope"))?,
                id: row.try_get("scope_id").map_err(backend)?,
            },
            event: EventType::parse(&event).map_err(|_| corrupt("event type"))?,
            filter: row.try_get("event_filter").map_err(backend)?,
            action,
        },
        created_by: row.try_get("created_by").map_err(backend)?,
        created_at: time_of(row.try_get("created_at").map_err(backend)?),
        updated_at: time_of(row.try_get("updated_at").map_err(backend)?),
    })
}

fn action_json(action: &Action) -> StoreResult<String> {
    serde_json::to_string(action).map_err(|e| StoreError::Backend(Box::new(e)))
}

/// Bind a trigger's placement and spec, in the column order both writes
/// name them (`entity_id` … `integration_id`).
fn bind_placed_spec<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    at: &Placement,
    spec: &'q TriggerSpec,
) -> StoreResult<sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>> {
    Ok(query
        .bind(at.entity_id)
        .bind(at.project_id)
        .bind(at.collection_id)
        .bind(spec.scope.kind.as_str())
        .bind(spec.scope.id)
        .bind(&spec.name)
        .bind(&spec.description)
        .bind(spec.enabled)
        .bind(spec.event.as_str())
        .bind(&spec.filter)
        .bind(action_json(&spec.action)?)
        .bind(spec.action.integration_id()))
}

fn name_taken(spec: &TriggerSpec) -> impl FnOnce() -> String + '_ {
    move || format!("an automation named {:?} already exists", spec.name)
}

#[async_trait]
impl TriggerStore for SqliteStore {
    async fn create_trigger(
        &self,
        at: &Placement,
        spec: &TriggerSpec,
        created_by: UserId,
    ) -> StoreResult<Trigger> {
        let sql = format!(
            "INSERT INTO triggers (entity_id, project_id, collection_id, scope_kind, scope_id, \
             name, description, enabled, event_type, event_filter, action, integration_id, \
             created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        );
        let now = now_ms();
        let row = bind_placed_spec(sqlx::query(&sql), at, spec)?
            .bind(created_by)
            .bind(now)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| conflict_or_backend(e, name_taken(spec)))?;
        from_row(&row)
    }

    async fn update_trigger(
        &self,
        id: i64,
        at: &Placement,
        spec: &TriggerSpec,
    ) -> StoreResult<Option<Trigger>> {
        let sql = format!(
            "UPDATE triggers SET entity_id = ?, project_id = ?, collection_id = ?, \
             scope_kind = ?, scope_id = ?, name = ?, description = ?, enabled = ?, \
             event_type = ?, event_filter = ?, action = ?, integration_id = ?, updated_at = ? \
             WHERE id = ? RETURNING {COLUMNS}"
        );
        let row = bind_placed_spec(sqlx::query(&sql), at, spec)?
            .bind(now_ms())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| conflict_or_backend(e, name_taken(spec)))?;
        row.as_ref().map(from_row).transpose()
    }

    async fn trigger_by_id(&self, id: i64) -> StoreResult<Option<Trigger>> {
        let sql = format!("SELECT {COLUMNS} FROM triggers WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(from_row).transpose()
    }

    async fn triggers_of_entity(
        &self,
        entity_id: i64,
        name: Option<&str>,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Trigger>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM triggers WHERE entity_id = ? AND id > ? \
             AND (? IS NULL OR name = ?) ORDER BY id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(entity_id)
            .bind(after.unwrap_or(0))
            .bind(name)
            .bind(name)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(from_row).collect()
    }

    async fn triggers_of_project(&self, project_id: i64, limit: i64) -> StoreResult<Vec<Trigger>> {
        let sql =
            format!("SELECT {COLUMNS} FROM triggers WHERE project_id = ? ORDER BY id LIMIT ?");
        let rows = sqlx::query(&sql)
            .bind(project_id)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(from_row).collect()
    }

    async fn delete_trigger(&self, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM triggers WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}
