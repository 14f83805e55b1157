//! `Trigger`: an automation, in the shape the official client's
//! `TriggerFields` reads. Its scope, condition and action are unions chosen
//! by `__typename`, and the client parses a saved artifact filter only when
//! it is wrapped as `{"filter": …}` (see [`Trigger::saved_filter`]).

use async_graphql::{Context, ID, Object, SimpleObject, Union};
use cairn_core::TriggerScope;
use cairn_core::artifact::CollectionKind;
use cairn_core::automation::{Action, Trigger};

use crate::error::GqlResultExt;
use crate::graphql::run_mutation::AlertSeverity;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::artifact::{CollectionObject, Portfolio, Sequence};
use crate::graphql::types::integration::IntegrationUnion;
use crate::graphql::types::page::cursor;
use crate::graphql::types::{EntityObject, PageInfo, ProjectObject};
use crate::graphql::{actor, cairn, ids};

/// An automation.
pub struct TriggerObject(pub Trigger);

#[Object(name = "Trigger")]
impl TriggerObject {
    async fn id(&self) -> ID {
        ids::encode("Trigger", self.0.id)
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.updated_at))
    }

    async fn name(&self) -> &str {
        &self.0.spec.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.spec.description.as_deref()
    }

    async fn enabled(&self) -> bool {
        self.0.spec.enabled
    }

    /// What it watches; an error when the caller may not see it.
    async fn scope(&self, ctx: &Context<'_>) -> async_graphql::Result<TriggerScopeUnion> {
        let scope = cairn(ctx)
            .trigger_scope(actor(ctx), &self.0)
            .await
            .gql()?
            .ok_or_else(|| async_graphql::Error::new("The automation's scope is not visible."))?;
        Ok(match scope {
            TriggerScope::Project(p) => TriggerScopeUnion::Project(ProjectObject(p)),
            TriggerScope::Collection(c) => match c.kind {
                CollectionKind::Sequence => {
                    TriggerScopeUnion::Sequence(CollectionObject::<Sequence>::new(c))
                }
                CollectionKind::Portfolio => {
                    TriggerScopeUnion::Portfolio(CollectionObject::<Portfolio>::new(c))
                }
            },
            TriggerScope::Team(entity) => TriggerScopeUnion::Entity(EntityObject(entity)),
        })
    }

    /// The newest attempts at delivering what this automation did (a Cairn
    /// addition), newest first; for whoever may change the automation.
    async fn delivery_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> async_graphql::Result<Vec<AutomationAttempt>> {
        let lines = cairn(ctx)
            .automation_log(actor(ctx), self.0.id, i64::from(first))
            .await
            .gql()?;
        Ok(lines
            .into_iter()
            .map(|line| AutomationAttempt {
                id: ids::encode("AutomationAttempt", line.id),
                idempotency_key: line.idempotency_key,
                event_type: line.event_type.as_str(),
                attempted_at: DateTime(
                    time::OffsetDateTime::from_unix_timestamp_nanos(
                        i128::from(line.attempted_at) * 1_000_000,
                    )
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                ),
                status: line.attempt.status.map(i32::from),
                outcome: line.attempt.outcome.as_str(),
                error: line.attempt.error,
                elapsed_ms: i64::try_from(line.attempt.elapsed_ms).unwrap_or(i64::MAX),
                response: line.attempt.response,
            })
            .collect())
    }

    /// The event and its filter.
    async fn triggering_condition(&self) -> TriggeringCondition {
        TriggeringCondition::Filter(FilterEventTriggeringCondition {
            event_type: self.0.spec.event.as_str(),
            filter: self.0.saved_filter(),
        })
    }

    /// What it does.
    async fn triggered_action(&self, ctx: &Context<'_>) -> async_graphql::Result<TriggeredAction> {
        let integration = match self.0.spec.action.integration_id() {
            Some(id) => cairn(ctx).trigger_integration(id).await.gql()?,
            None => None,
        };
        let integration = || {
            integration
                .clone()
                .map(IntegrationUnion::of)
                .ok_or_else(|| async_graphql::Error::new("The automation's integration is gone."))
        };
        Ok(match &self.0.spec.action {
            Action::Webhook { payload, .. } => {
                TriggeredAction::Webhook(GenericWebhookTriggeredAction {
                    integration: integration()?,
                    request_payload: payload.clone(),
                })
            }
            Action::Notification {
                title,
                message,
                severity,
                ..
            } => TriggeredAction::Notification(NotificationTriggeredAction {
                integration: integration()?,
                title: Some(title.clone()),
                message: Some(message.clone()),
                severity: Some(match severity {
                    cairn_core::automation::Severity::Info => AlertSeverity::Info,
                    cairn_core::automation::Severity::Warn => AlertSeverity::Warn,
                    cairn_core::automation::Severity::Error => AlertSeverity::Error,
                }),
            }),
            Action::NoOp => TriggeredAction::NoOp(NoOpTriggeredAction { no_op: Some(true) }),
        })
    }
}

/// One attempt at a delivery, as the delivery log keeps it.
#[derive(SimpleObject)]
pub struct AutomationAttempt {
    id: ID,
    /// The delivery's idempotency key (`X-Cairn-Delivery`).
    idempotency_key: String,
    /// What happened.
    event_type: &'static str,
    attempted_at: DateTime,
    /// The receiver's HTTP status, if it answered.
    status: Option<i32>,
    /// `delivered`, `retry` or `failed`.
    outcome: &'static str,
    /// Why it did not work.
    error: Option<String>,
    elapsed_ms: i64,
    /// The start of the receiver's answer.
    response: String,
}

/// What a trigger watches.
#[derive(Union)]
#[graphql(name = "TriggerScope")]
pub enum TriggerScopeUnion {
    /// A project (a registry is one).
    Project(ProjectObject),
    /// A sequence of logged versions.
    Sequence(CollectionObject<Sequence>),
    /// A portfolio of linked versions.
    Portfolio(CollectionObject<Portfolio>),
    /// A team.
    Entity(EntityObject),
}

/// The condition under which a trigger acts.
#[derive(Union)]
#[graphql(name = "TriggeringCondition")]
pub enum TriggeringCondition {
    /// An event passing a filter.
    Filter(FilterEventTriggeringCondition),
}

/// An event type and its filter (JSON text).
#[derive(SimpleObject)]
pub struct FilterEventTriggeringCondition {
    /// W&B's `EventTriggeringConditionType` name.
    event_type: &'static str,
    /// Artifact events: `{"filter": …}`; run events: as saved.
    filter: String,
}

/// What a trigger does.
#[derive(Union)]
#[graphql(name = "TriggeredAction")]
pub enum TriggeredAction {
    /// POST to a webhook.
    Webhook(GenericWebhookTriggeredAction),
    /// Send a notification.
    Notification(NotificationTriggeredAction),
    /// Nothing.
    NoOp(NoOpTriggeredAction),
}

/// POST a payload to a generic webhook.
#[derive(SimpleObject)]
pub struct GenericWebhookTriggeredAction {
    integration: IntegrationUnion,
    /// The payload template, JSON object text.
    request_payload: Option<String>,
}

/// Send a notification through an integration.
#[derive(SimpleObject)]
pub struct NotificationTriggeredAction {
    integration: IntegrationUnion,
    title: Option<String>,
    message: Option<String>,
    severity: Option<AlertSeverity>,
}

/// Do nothing.
#[derive(SimpleObject)]
pub struct NoOpTriggeredAction {
    no_op: Option<bool>,
}

/// A trigger and its cursor.
#[derive(SimpleObject)]
#[graphql(name = "TriggerEdge")]
pub struct TriggerEdge {
    node: TriggerObject,
    cursor: String,
}

/// A page of triggers.
#[derive(SimpleObject)]
#[graphql(name = "TriggerConnection")]
pub struct TriggerConnection {
    page_info: PageInfo,
    edges: Vec<TriggerEdge>,
}

impl TriggerConnection {
    /// One page of `rows`; `has_next_page` when more follow.
    pub fn page(rows: Vec<Trigger>, has_next_page: bool) -> Self {
        let edges: Vec<TriggerEdge> = rows
            .into_iter()
            .map(|row| TriggerEdge {
                cursor: cursor(row.id),
                node: TriggerObject(row),
            })
            .collect();
        TriggerConnection {
            page_info: PageInfo {
                end_cursor: edges.last().map(|e| e.cursor.clone()),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                has_next_page: has_next_page && !edges.is_empty(),
                has_previous_page: false,
            },
            edges,
        }
    }
}
