//! The automation outbox and its deliveries.
//!
//! An event is written by the change that causes it, in its transaction
//! ([`record_artifact_event`] inside the artifact writes), and only when an
//! enabled trigger watches for it, so a quiet instance writes nothing. A
//! worker then matches events to triggers ([`DeliveryStore::make_deliveries`]
//! marks the event matched in the same transaction) and claims due
//! deliveries with a lease, so that two workers (or one restarted after a
//! crash) never attempt one delivery at the same time.

use async_trait::async_trait;
use cairn_core::automation::Trigger;
use cairn_core::automation::{
    AlertOutcome, Attempt, ClaimedDelivery, Event, EventType, LoggedAttempt, NewEvent, NextStep,
    Outcome, RunAlert, Target,
};
use cairn_core::model::UserId;
use cairn_core::store::{DeliveryStore, StoreError, StoreResult, TriggerStore};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::runs::now_ms;
use crate::triggers::{COLUMNS as TRIGGER_COLUMNS, from_row as trigger_from_row};
use crate::{SqliteStore, backend};

/// The trigger-exists test for an event in project `p`, collection `c`,
/// entity `e` of type `t` (named parameters as SQLite numbers them).
const WATCHED: &str = "EXISTS (SELECT 1 FROM triggers tr WHERE tr.enabled = 1 \
     AND tr.event_type = ?1 AND ((tr.scope_kind = 'PROJECT' AND tr.scope_id = p.id) \
     OR (tr.scope_kind = 'ARTIFACT_COLLECTION' AND tr.scope_id = c.id) \
     OR (tr.scope_kind = 'ENTITY' AND tr.scope_id = p.entity_id)))";

/// Record an artifact event about a version in a collection (the
/// membership), inside the transaction that made the change. `labels` are
/// the aliases the event is about (those added, or the version's).
pub(crate) async fn record_artifact_event(
    tx: &mut SqliteConnection,
    event: EventType,
    membership_id: i64,
    labels: &[String],
) -> StoreResult<()> {
    let labels = serde_json::to_string(labels).map_err(|e| StoreError::Backend(Box::new(e)))?;
    // Tag events are about tags; the others about aliases.
    let (aliases, tags) = match event {
        EventType::AddArtifactTag | EventType::RemoveArtifactTag => ("[]".to_string(), labels),
        _ => (labels, "[]".to_string()),
    };
    let sql = format!(
        "INSERT INTO automation_events (entity_id, project_id, collection_id, event_type, \
         payload, created_at) \
         SELECT p.entity_id, p.id, c.id, ?1, json_object('event_type', ?1, \
           'entity_name', e.name, 'project_name', p.name, 'artifact_collection_name', c.name, \
           'artifact_type', t.name, 'artifact_version', 'v' || m.version_index, \
           'artifact_version_string', e.name || '/' || p.name || '/' || c.name || ':v' || m.version_index, \
           'artifact_id', m.artifact_id, 'aliases', json(?2), \
           'alias', json(?2) ->> 0, 'tags', json(?5), 'tag', json(?5) ->> 0), ?3 \
         FROM artifact_memberships m JOIN artifact_collections c ON c.id = m.collection_id \
         JOIN artifact_types t ON t.id = c.type_id JOIN projects p ON p.id = c.project_id \
         JOIN entities e ON e.id = p.entity_id \
         WHERE m.id = ?4 AND {WATCHED}"
    );
    sqlx::query(&sql)
        .bind(event.as_str())
        .bind(aliases)
        .bind(now_ms())
        .bind(membership_id)
        .bind(tags)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Record an artifact event about a version (its tags) in every collection
/// that holds it: the sequence it was logged into and the collections it
/// is linked into (a registry's automations watch the linked version). A
/// version not committed yet is in none.
pub(crate) async fn record_version_event(
    tx: &mut SqliteConnection,
    event: EventType,
    artifact_id: i64,
    labels: &[String],
) -> StoreResult<()> {
    let memberships: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM artifact_memberships WHERE artifact_id = ? ORDER BY id")
            .bind(artifact_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
    for membership_id in memberships {
        record_artifact_event(tx, event, membership_id, labels).await?;
    }
    Ok(())
}

/// Record a collection event (a tag added or removed), inside the
/// transaction that made the change.
pub(crate) async fn record_collection_event(
    tx: &mut SqliteConnection,
    event: EventType,
    collection_id: i64,
    tags: &[String],
) -> StoreResult<()> {
    let tags = serde_json::to_string(tags).map_err(|e| StoreError::Backend(Box::new(e)))?;
    let sql = format!(
        "INSERT INTO automation_events (entity_id, project_id, collection_id, event_type, \
         payload, created_at) \
         SELECT p.entity_id, p.id, c.id, ?1, json_object('event_type', ?1, \
           'entity_name', e.name, 'project_name', p.name, 'artifact_collection_name', c.name, \
           'artifact_type', t.name, 'tags', json(?2), 'tag', json(?2) ->> 0), ?3 \
         FROM artifact_collections c JOIN artifact_types t ON t.id = c.type_id \
         JOIN projects p ON p.id = c.project_id JOIN entities e ON e.id = p.entity_id \
         WHERE c.id = ?4 AND {WATCHED}"
    );
    sqlx::query(&sql)
        .bind(event.as_str())
        .bind(tags)
        .bind(now_ms())
        .bind(collection_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Record a run's state event (`RUN_STATE`), inside the transaction that
/// changed its state, when a trigger of its project or entity watches.
pub(crate) async fn record_run_state_event(
    tx: &mut SqliteConnection,
    run_id: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO automation_events (entity_id, project_id, event_type, payload, created_at) \
         SELECT p.entity_id, p.id, ?1, json_object('event_type', ?1, 'entity_name', e.name, \
           'project_name', p.name, 'run_id', r.name, 'run_name', COALESCE(r.display_name, r.name), \
           'run_state', r.state, 'run_row_id', r.id, 'event_author', u.username), ?2 \
         FROM runs r JOIN projects p ON p.id = r.project_id JOIN entities e ON e.id = p.entity_id \
         LEFT JOIN users u ON u.id = r.user_id \
         WHERE r.id = ?3 AND EXISTS (SELECT 1 FROM triggers tr WHERE tr.enabled = 1 \
           AND tr.event_type = ?1 AND ((tr.scope_kind = 'PROJECT' AND tr.scope_id = p.id) \
           OR (tr.scope_kind = 'ENTITY' AND tr.scope_id = p.entity_id)))",
    )
    .bind(EventType::RunState.as_str())
    .bind(now_ms())
    .bind(run_id)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Record an event the domain decided (a run metric crossing), inside the
/// transaction of the write that causes it.
pub(crate) async fn insert_event(tx: &mut SqliteConnection, event: &NewEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO automation_events (entity_id, project_id, event_type, payload, created_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(event.entity_id)
    .bind(event.project_id)
    .bind(event.event_type.as_str())
    .bind(event.payload.to_string())
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

const EVENT_COLUMNS: &str = "ev.id, ev.entity_id, ev.project_id, ev.collection_id, ev.event_type, ev.payload, ev.created_at";

fn event_from_row(row: &SqliteRow) -> StoreResult<Event> {
    let kind: String = row.try_get("event_type").map_err(backend)?;
    let payload: String = row.try_get("payload").map_err(backend)?;
    Ok(Event {
        id: row.try_get("id").map_err(backend)?,
        entity_id: row.try_get("entity_id").map_err(backend)?,
        project_id: row.try_get("project_id").map_err(backend)?,
        collection_id: row.try_get("collection_id").map_err(backend)?,
        event_type: EventType::from_stored(&kind)
            .ok_or_else(|| StoreError::Backend(format!("event of unknown type {kind:?}").into()))?,
        payload: serde_json::from_str(&payload).map_err(|e| StoreError::Backend(Box::new(e)))?,
        created_at: row.try_get("created_at").map_err(backend)?,
    })
}

#[async_trait]
impl DeliveryStore for SqliteStore {
    async fn unmatched_events(&self, limit: i64) -> StoreResult<Vec<Event>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM automation_events ev WHERE ev.matched = 0 \
             ORDER BY ev.id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn triggers_for_event(&self, event: &Event) -> StoreResult<Vec<Trigger>> {
        let sql = format!(
            "SELECT {TRIGGER_COLUMNS} FROM triggers WHERE enabled = 1 AND event_type = ? \
             AND created_at <= ? AND ((scope_kind = 'PROJECT' AND scope_id = ?) \
               OR (scope_kind = 'ARTIFACT_COLLECTION' AND scope_id = ?) \
               OR (scope_kind = 'ENTITY' AND scope_id = ?)) ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(event.event_type.as_str())
            .bind(event.created_at)
            .bind(event.project_id.unwrap_or(-1))
            .bind(event.collection_id.unwrap_or(-1))
            .bind(event.entity_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(trigger_from_row).collect()
    }

    async fn make_deliveries(
        &self,
        event_id: i64,
        trigger_ids: &[i64],
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for trigger_id in trigger_ids {
            sqlx::query(
                "INSERT OR IGNORE INTO automation_deliveries (trigger_id, event_id, \
                 idempotency_key, state, next_attempt_at, created_at, updated_at) \
                 VALUES (?, ?, 'cairn-' || ? || '-' || ? || '-' || lower(hex(randomblob(8))), \
                 'pending', ?, ?, ?)",
            )
            .bind(trigger_id)
            .bind(event_id)
            .bind(event_id)
            .bind(trigger_id)
            .bind(now_ms)
            .bind(now_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        sqlx::query("UPDATE automation_events SET matched = 1 WHERE id = ?")
            .bind(event_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let mut tx = self.write_tx().await?;
        let claimed: Vec<(i64, String, i64, Option<i64>, Option<i64>, i64)> = sqlx::query_as(
            "UPDATE automation_deliveries SET lease_until = ?1, attempts = attempts + 1, \
             updated_at = ?2 WHERE id IN (SELECT id FROM automation_deliveries \
               WHERE state = 'pending' AND next_attempt_at <= ?2 \
               AND (lease_until IS NULL OR lease_until < ?2) ORDER BY next_attempt_at, id LIMIT ?3) \
             RETURNING id, idempotency_key, attempts, trigger_id, alert_integration_id, event_id",
        )
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        let mut out = Vec::with_capacity(claimed.len());
        for (id, key, attempts, trigger_id, alert_integration_id, event_id) in claimed {
            let target = match (trigger_id, alert_integration_id) {
                (Some(trigger_id), _) => match self.trigger_by_id(trigger_id).await? {
                    Some(trigger) => Target::Trigger(Box::new(trigger)),
                    None => continue,
                },
                (None, Some(integration_id)) => Target::Alert { integration_id },
                (None, None) => continue,
            };
            let sql = format!("SELECT {EVENT_COLUMNS} FROM automation_events ev WHERE ev.id = ?");
            let Some(row) = sqlx::query(&sql)
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?
            else {
                continue;
            };
            out.push(ClaimedDelivery {
                id,
                idempotency_key: key,
                // This attempt is counted already; report the ones before.
                attempts: u32::try_from(attempts - 1).unwrap_or(0),
                target,
                event: event_from_row(&row)?,
            });
        }
        Ok(out)
    }

    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: &Attempt,
        next: NextStep,
        now_ms: i64,
        keep_attempts: i64,
    ) -> StoreResult<()> {
        let (state, next_at) = match next {
            NextStep::Delivered => ("delivered", now_ms),
            NextStep::Failed => ("failed", now_ms),
            NextStep::RetryAt(at) => ("pending", at),
        };
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO automation_attempts (delivery_id, trigger_id, attempted_at, status, \
             outcome, error, elapsed_ms, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(delivery.id)
        .bind(delivery.trigger().map(|t| t.id))
        .bind(now_ms)
        .bind(attempt.status.map(i64::from))
        .bind(attempt.outcome.as_str())
        .bind(&attempt.error)
        .bind(i64::try_from(attempt.elapsed_ms).unwrap_or(i64::MAX))
        .bind(&attempt.response)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "UPDATE automation_deliveries SET state = ?, next_attempt_at = ?, lease_until = NULL, \
             updated_at = ? WHERE id = ?",
        )
        .bind(state)
        .bind(next_at)
        .bind(now_ms)
        .bind(delivery.id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if let Some(trigger) = delivery.trigger() {
            sqlx::query(
                "DELETE FROM automation_attempts WHERE trigger_id = ?1 AND id <= \
                 (SELECT id FROM automation_attempts WHERE trigger_id = ?1 ORDER BY id DESC \
                  LIMIT 1 OFFSET ?2)",
            )
            .bind(trigger.id)
            .bind(keep_attempts)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn trigger_attempts(
        &self,
        trigger_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<LoggedAttempt>> {
        let rows = sqlx::query(
            "SELECT a.id, d.idempotency_key, ev.event_type, a.attempted_at, a.status, a.outcome, \
             a.error, a.elapsed_ms, a.response FROM automation_attempts a \
             JOIN automation_deliveries d ON d.id = a.delivery_id \
             JOIN automation_events ev ON ev.id = d.event_id \
             WHERE a.trigger_id = ? ORDER BY a.id DESC LIMIT ?",
        )
        .bind(trigger_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("event_type").map_err(backend)?;
                let outcome: String = row.try_get("outcome").map_err(backend)?;
                let status: Option<i64> = row.try_get("status").map_err(backend)?;
                let elapsed: i64 = row.try_get("elapsed_ms").map_err(backend)?;
                let corrupt = || StoreError::Backend("a delivery log line is unreadable".into());
                Ok(LoggedAttempt {
                    id: row.try_get("id").map_err(backend)?,
                    idempotency_key: row.try_get("idempotency_key").map_err(backend)?,
                    event_type: EventType::from_stored(&kind).ok_or_else(corrupt)?,
                    attempted_at: row.try_get("attempted_at").map_err(backend)?,
                    attempt: Attempt {
                        status: status.and_then(|s| u16::try_from(s).ok()),
                        outcome: Outcome::parse(&outcome).ok_or_else(corrupt)?,
                        error: row.try_get("error").map_err(backend)?,
                        elapsed_ms: u64::try_from(elapsed).unwrap_or(0),
                        response: row
                            .try_get::<Option<String>, _>("response")
                            .map_err(backend)?
                            .unwrap_or_default(),
                    },
                })
            })
            .collect()
    }

    async fn record_run_alert(&self, alert: &RunAlert, now_ms: i64) -> StoreResult<AlertOutcome> {
        let mut tx = self.write_tx().await?;
        let turn: Option<i64> = sqlx::query_scalar(
            "INSERT INTO run_alerts (run_id, title, next_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (run_id, title) DO UPDATE SET next_at = excluded.next_at \
             WHERE run_alerts.next_at <= ?4 RETURNING 1",
        )
        .bind(alert.run_id)
        .bind(&alert.title)
        .bind(now_ms.saturating_add(alert.wait_ms))
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        if turn.is_none() {
            return Ok(AlertOutcome::TooSoon);
        }
        let integration: Option<i64> =
            sqlx::query_scalar("SELECT alert_integration_id FROM users WHERE id = ?")
                .bind(alert.user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?
                .flatten();
        let Some(integration_id) = integration else {
            tx.commit().await.map_err(backend)?;
            return Ok(AlertOutcome::NoIntegration);
        };
        let event_id: i64 = sqlx::query_scalar(
            "INSERT INTO automation_events (entity_id, project_id, event_type, payload, \
             created_at, matched) VALUES (?, ?, 'RUN_ALERT', ?, ?, 1) RETURNING id",
        )
        .bind(alert.entity_id)
        .bind(alert.project_id)
        .bind(alert.payload.to_string())
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "INSERT INTO automation_deliveries (alert_integration_id, event_id, idempotency_key, \
             state, next_attempt_at, created_at, updated_at) \
             VALUES (?1, ?2, 'cairn-alert-' || ?2 || '-' || lower(hex(randomblob(8))), 'pending', \
             ?3, ?3, ?3)",
        )
        .bind(integration_id)
        .bind(event_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(AlertOutcome::Queued)
    }

    async fn set_alert_integration(
        &self,
        user_id: UserId,
        integration_id: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET alert_integration_id = ? WHERE id = ?")
            .bind(integration_id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn alert_integration(&self, user_id: UserId) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT alert_integration_id FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?
                .flatten(),
        )
    }

    async fn prune_automation_events(&self, before_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM automation_events WHERE id IN (SELECT ev.id FROM automation_events ev \
             WHERE ev.matched = 1 AND ev.created_at < ? AND NOT EXISTS (SELECT 1 \
               FROM automation_deliveries d WHERE d.event_id = ev.id AND d.state = 'pending') \
             ORDER BY ev.id LIMIT 10000)",
        )
        .bind(before_ms)
        .execute(&self.writer)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected())
    }

    async fn run_metric_triggers(
        &self,
        project_id: i64,
        entity_id: i64,
    ) -> StoreResult<Vec<Trigger>> {
        let sql = format!(
            "SELECT {TRIGGER_COLUMNS} FROM triggers WHERE enabled = 1 \
             AND event_type IN ('RUN_METRIC', 'RUN_METRIC_CHANGE', 'RUN_METRIC_ZSCORE') \
             AND ((scope_kind = 'PROJECT' AND scope_id = ?) OR (scope_kind = 'ENTITY' AND scope_id = ?)) \
             ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(project_id)
            .bind(entity_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(trigger_from_row).collect()
    }
}
