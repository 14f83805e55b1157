//! Automation mutations in the shapes `wandb.automations` sends:
//! `createFilterTrigger`, `updateFilterTrigger` (a full replacement by id;
//! fields left out keep their saved values) and `deleteTrigger`.
//!
//! The client recognises a duplicate name and a missing automation only by
//! the HTTP status (409 and 404; it never reads the message), so those two
//! errors carry [`HTTP_STATUS`] for `router.rs` to answer with.

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use cairn_core::CoreError;
use cairn_core::automation::{Action, EventType, Scope, ScopeKind, Severity, TriggerSpec};

use crate::error::{GqlResultExt, to_graphql};
use crate::graphql::types::trigger::TriggerObject;
use crate::graphql::{actor, cairn, ids};

/// The error extension naming the HTTP status a response must have.
pub const HTTP_STATUS: &str = "httpStatus";

/// Mutations on automations.
#[derive(Default)]
pub struct TriggerMutation;

/// The action's configuration: exactly one member.
#[derive(InputObject, Clone)]
struct TriggeredActionConfig {
    generic_webhook_action_input: Option<GenericWebhookActionInput>,
    notification_action_input: Option<NotificationActionInput>,
    no_op_action_input: Option<NoOpActionInput>,
}

#[derive(InputObject, Clone)]
struct GenericWebhookActionInput {
    #[graphql(name = "integrationID")]
    integration_id: ID,
    /// A JSON object as text; `${…}` variables are filled in per event.
    request_payload: Option<String>,
}

#[derive(InputObject, Clone)]
struct NotificationActionInput {
    #[graphql(name = "integrationID")]
    integration_id: ID,
    title: Option<String>,
    message: Option<String>,
    severity: Option<String>,
}

#[derive(InputObject, Clone)]
struct NoOpActionInput {
    no_op: Option<bool>,
}

#[derive(InputObject)]
struct CreateFilterTriggerInput {
    name: String,
    description: Option<String>,
    enabled: Option<bool>,
    scope_type: String,
    #[graphql(name = "scopeID")]
    scope_id: ID,
    triggering_event_type: String,
    event_filter: String,
    triggered_action_type: String,
    triggered_action_config: TriggeredActionConfig,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateFilterTriggerInput {
    id: ID,
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    scope_type: Option<String>,
    #[graphql(name = "scopeID")]
    scope_id: Option<ID>,
    triggering_event_type: Option<String>,
    event_filter: Option<String>,
    triggered_action_type: Option<String>,
    triggered_action_config: Option<TriggeredActionConfig>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct TriggerPayload {
    trigger: Option<TriggerObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteTriggerInput {
    #[graphql(name = "triggerID")]
    trigger_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct DeleteTriggerPayload {
    success: bool,
    client_mutation_id: Option<String>,
}

#[Object]
impl TriggerMutation {
    /// Save an automation: when `triggeringEventType` happens in the scope
    /// and passes `eventFilter`, do the action. A name the entity already
    /// uses is HTTP 409.
    async fn create_filter_trigger(
        &self,
        ctx: &Context<'_>,
        input: CreateFilterTriggerInput,
    ) -> async_graphql::Result<TriggerPayload> {
        let spec = TriggerSpec {
            name: input.name,
            description: input.description,
            enabled: input.enabled.unwrap_or(true),
            scope: scope(&input.scope_type, &input.scope_id).gql()?,
            event: EventType::parse(&input.triggering_event_type).gql()?,
            filter: input.event_filter,
            action: action(&input.triggered_action_type, &input.triggered_action_config).gql()?,
        };
        let trigger = cairn(ctx)
            .create_trigger(actor(ctx), spec)
            .await
            .map_err(with_status)?;
        Ok(TriggerPayload {
            trigger: Some(TriggerObject(trigger)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Replace an automation by id; fields left out keep their saved
    /// values. A missing automation is HTTP 404, a taken name 409.
    async fn update_filter_trigger(
        &self,
        ctx: &Context<'_>,
        input: UpdateFilterTriggerInput,
    ) -> async_graphql::Result<TriggerPayload> {
        let id = trigger_id(&input.id).map_err(missing_with_status)?;
        let cairn = cairn(ctx);
        let saved = cairn
            .trigger_to_change(actor(ctx), id)
            .await
            .map_err(missing_with_status)?;
        let mut spec = saved.spec;
        if let Some(name) = input.name {
            spec.name = name;
        }
        if input.description.is_some() {
            spec.description = input.description;
        }
        if let Some(enabled) = input.enabled {
            spec.enabled = enabled;
        }
        match (&input.scope_type, &input.scope_id) {
            (Some(kind), Some(id)) => spec.scope = scope(kind, id).gql()?,
            (None, None) => {}
            _ => {
                return Err(to_graphql(CoreError::InvalidInput(
                    "scopeType and scopeID go together.".into(),
                )));
            }
        }
        if let Some(event) = &input.triggering_event_type {
            spec.event = EventType::parse(event).gql()?;
        }
        if let Some(filter) = input.event_filter {
            spec.filter = filter;
        }
        match (&input.triggered_action_type, &input.triggered_action_config) {
            (Some(kind), Some(config)) => spec.action = action(kind, config).gql()?,
            (None, None) => {}
            _ => {
                return Err(to_graphql(CoreError::InvalidInput(
                    "triggeredActionType and triggeredActionConfig go together.".into(),
                )));
            }
        }
        let trigger = cairn
            .update_trigger(actor(ctx), id, spec)
            .await
            .map_err(with_status)?;
        Ok(TriggerPayload {
            trigger: Some(TriggerObject(trigger)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete an automation (its delivery log with it).
    async fn delete_trigger(
        &self,
        ctx: &Context<'_>,
        input: DeleteTriggerInput,
    ) -> async_graphql::Result<DeleteTriggerPayload> {
        let id = trigger_id(&input.trigger_id).gql()?;
        cairn(ctx).delete_trigger(actor(ctx), id).await.gql()?;
        Ok(DeleteTriggerPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

/// A domain error, with the HTTP status the client needs for a taken name
/// (409).
fn with_status(err: CoreError) -> async_graphql::Error {
    status_for(err, false)
}

/// [`with_status`], and 404 for a missing automation.
fn missing_with_status(err: CoreError) -> async_graphql::Error {
    status_for(err, true)
}

fn status_for(err: CoreError, missing_is_404: bool) -> async_graphql::Error {
    let status = match &err {
        CoreError::Conflict(_) => Some(409),
        CoreError::NotFound(_) if missing_is_404 => Some(404),
        _ => None,
    };
    let error = to_graphql(err);
    match status {
        Some(status) => error.extend_with(|_, e| e.set(HTTP_STATUS, status)),
        None => error,
    }
}

fn trigger_id(id: &ID) -> Result<i64, CoreError> {
    ids::decode("Trigger", id)
        .map_err(|_| CoreError::NotFound(format!("Automation {:?} not found.", id.0)))
}

fn scope(kind: &str, id: &ID) -> Result<Scope, CoreError> {
    let kind = ScopeKind::parse(kind)?;
    let id = match kind {
        ScopeKind::Project => ids::decode("Project", id)?,
        ScopeKind::ArtifactCollection => ids::decode("ArtifactCollection", id)?,
        ScopeKind::Entity => ids::decode("Entity", id)?,
    };
    Ok(Scope { kind, id })
}

fn action(kind: &str, config: &TriggeredActionConfig) -> Result<Action, CoreError> {
    let missing = |member: &str| {
        CoreError::InvalidInput(format!(
            "triggeredActionConfig.{member} is required for a {kind} action."
        ))
    };
    match kind {
        "GENERIC_WEBHOOK" => {
            let input = config
                .generic_webhook_action_input
                .as_ref()
                .ok_or_else(|| missing("genericWebhookActionInput"))?;
            Ok(Action::Webhook {
                integration_id: ids::decode("Integration", &input.integration_id)?,
                payload: input.request_payload.clone(),
            })
        }
        "NOTIFICATION" => {
            let input = config
                .notification_action_input
                .as_ref()
                .ok_or_else(|| missing("notificationActionInput"))?;
            Ok(Action::Notification {
                integration_id: ids::decode("Integration", &input.integration_id)?,
                title: input.title.clone().unwrap_or_default(),
                message: input.message.clone().unwrap_or_default(),
                severity: Severity::parse(input.severity.as_deref().unwrap_or("INFO"))?,
            })
        }
        "NO_OP" => {
            if config.no_op_action_input.is_none() {
                return Err(missing("noOpActionInput"));
            }
            Ok(Action::NoOp)
        }
        other => Err(CoreError::InvalidInput(format!(
            "triggeredActionType {other:?} is not supported here; use GENERIC_WEBHOOK, NOTIFICATION or NO_OP."
        ))),
    }
}
