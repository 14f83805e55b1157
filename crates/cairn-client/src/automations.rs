//! Automations ([`Automation`], [`Api::automations`]): when an event
//! happens in a scope and passes a filter, a webhook is called (or nothing
//! is done, which still records it). The operations are the official
//! client's `wandb.automations` ones; the delivery log is Cairn's.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::pager::{Connection, Page, PageSource, Pager};
use crate::queries;

/// An automation, like Python's `wandb.automations.Automation`.
#[derive(Debug, Clone, PartialEq)]
pub struct Automation {
    /// The GraphQL id (`base64("Trigger:<n>")`).
    pub id: String,
    /// Unique within its entity.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Whether it acts.
    pub enabled: bool,
    /// When it was made (as the server wrote it).
    pub created_at: String,
    /// What it watches.
    pub scope: AutomationScope,
    /// The event type (`LINK_MODEL`, `RUN_METRIC`, …).
    pub event: String,
    /// The saved event filter, JSON text as the server returns it
    /// (artifact events' filters wrapped as `{"filter": …}`).
    pub filter: String,
    /// What it does.
    pub action: AutomationAction,
}

/// An automation's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationScope {
    /// `PROJECT`, `ARTIFACT_COLLECTION` or `ENTITY`, as the create input
    /// names it.
    pub kind: String,
    /// Its GraphQL id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// What an automation does.
#[derive(Debug, Clone, PartialEq)]
pub enum AutomationAction {
    /// POST to a webhook integration.
    Webhook {
        /// The integration's id.
        integration_id: String,
        /// The payload template, if any.
        payload: Option<Value>,
    },
    /// Send a notification through an integration.
    Notification {
        /// The integration's id.
        integration_id: String,
        /// Its title.
        title: String,
        /// Its text.
        message: String,
        /// `INFO`, `WARN` or `ERROR`.
        severity: String,
    },
    /// Nothing.
    NoOp,
}

/// An automation to create: the fields of the official client's
/// `CreateFilterTriggerInput`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAutomation {
    /// Unique within the entity.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Whether it acts at once.
    pub enabled: bool,
    /// `PROJECT`, `ARTIFACT_COLLECTION` or `ENTITY`.
    pub scope_kind: String,
    /// The GraphQL id of the project, collection or team.
    pub scope_id: String,
    /// The event type (`ADD_ARTIFACT_ALIAS`, `RUN_STATE`, …).
    pub event: String,
    /// The event filter, as the official client encodes it (for example
    /// `{"$or":[{"$and":[{"alias":{"$eq":"prod"}}]}]}`).
    pub filter: Value,
    /// What it does.
    pub action: AutomationAction,
}

/// One attempt at a delivery (Cairn's delivery log).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// The delivery's idempotency key (sent as `X-Cairn-Delivery`).
    pub idempotency_key: String,
    /// What happened.
    pub event_type: String,
    /// When it was attempted.
    pub attempted_at: String,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<i32>,
    /// `delivered`, `retry` or `failed`.
    pub outcome: String,
    /// Why it did not work.
    pub error: Option<String>,
    /// How long it took.
    pub elapsed_ms: i64,
    /// The start of the receiver's answer.
    pub response: String,
}

/// `TriggerFields` as it arrives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TriggerNode {
    id: String,
    name: String,
    description: Option<String>,
    enabled: bool,
    created_at: String,
    scope: Value,
    event: Value,
    action: Value,
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

impl TryFrom<TriggerNode> for Automation {
    type Error = Error;

    fn try_from(node: TriggerNode) -> Result<Automation> {
        let kind = match node.scope["__typename"].as_str() {
            Some("Project") => "PROJECT",
            Some("ArtifactSequence" | "ArtifactPortfolio") => "ARTIFACT_COLLECTION",
            Some("Entity") => "ENTITY",
            other => return Err(Error::Api(format!("unexpected automation scope {other:?}"))),
        };
        let action = match node.action["__typename"].as_str() {
            Some("GenericWebhookTriggeredAction") => AutomationAction::Webhook {
                integration_id: text(&node.action["integration"], "id"),
                payload: node.action["requestPayload"]
                    .as_str()
                    .map(|p| serde_json::from_str(p).unwrap_or(Value::String(p.to_string()))),
            },
            Some("NotificationTriggeredAction") => AutomationAction::Notification {
                integration_id: text(&node.action["integration"], "id"),
                title: text(&node.action, "title"),
                message: text(&node.action, "message"),
                severity: text(&node.action, "severity"),
            },
            Some("NoOpTriggeredAction") => AutomationAction::NoOp,
            other => {
                return Err(Error::Api(format!(
                    "unexpected automation action {other:?}"
                )));
            }
        };
        Ok(Automation {
            id: node.id,
            name: node.name,
            description: node.description,
            enabled: node.enabled,
            created_at: node.created_at,
            scope: AutomationScope {
                kind: kind.to_string(),
                id: text(&node.scope, "id"),
                name: text(&node.scope, "name"),
            },
            event: text(&node.event, "eventType"),
            filter: text(&node.event, "filter"),
            action,
        })
    }
}

/// An entity's automations, a page at a time.
pub type Automations = Pager<AutomationPages>;

/// The [`PageSource`] behind [`Automations`]: `GetEntityAutomations` pages.
pub struct AutomationPages {
    api: Api,
    entity: Option<String>,
    name: Option<String>,
    per_page: u32,
}

#[derive(Deserialize)]
struct ScopeData {
    scope: Option<ScopeTriggers>,
}

#[derive(Deserialize)]
struct ScopeTriggers {
    triggers: Connection<TriggerNode>,
}

impl PageSource for AutomationPages {
    type Item = Automation;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Automation>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        let filters = self
            .name
            .as_ref()
            .map(|name| json!({ "name": name }).to_string());
        let data: ScopeData = self
            .api
            .transport
            .execute(
                queries::GET_ENTITY_AUTOMATIONS,
                json!({"entity": entity, "cursor": cursor, "perPage": self.per_page, "filters": filters}),
            )
            .await?;
        let Some(scope) = data.scope else {
            return Err(Error::NotFound {
                what: "entity",
                name: entity,
            });
        };
        scope.triggers.into_page(None, Automation::try_from)
    }
}

impl Api {
    /// The automations of `entity` (the default entity when `None`),
    /// oldest first, `per_page` at a time; like Python's
    /// `api.automations(entity)`.
    pub fn automations(&self, entity: Option<&str>, per_page: u32) -> Automations {
        Pager::new(AutomationPages {
            api: self.clone(),
            entity: entity.map(str::to_string),
            name: None,
            per_page: per_page.max(1),
        })
    }

    /// The automation of `entity` named `name`, if there is one.
    pub async fn automation(&self, entity: &str, name: &str) -> Result<Option<Automation>> {
        let mut found = Pager::new(AutomationPages {
            api: self.clone(),
            entity: Some(entity.to_string()),
            name: Some(name.to_string()),
            per_page: 1,
        })
        .collect_all()
        .await?;
        Ok(found.pop())
    }

    /// Create an automation (its scope's admins may).
    pub async fn create_automation(&self, new: &NewAutomation) -> Result<Automation> {
        let mut input = json!({
            "name": new.name,
            "enabled": new.enabled,
            "scopeType": new.scope_kind,
            "scopeID": new.scope_id,
            "triggeringEventType": new.event,
            "eventFilter": new.filter.to_string(),
        });
        if let Some(description) = &new.description {
            input["description"] = json!(description);
        }
        let (kind, config) = action_input(&new.action);
        input["triggeredActionType"] = json!(kind);
        input["triggeredActionConfig"] = config;
        self.save_automation(queries::CREATE_AUTOMATION, input)
            .await
    }

    /// Turn an automation on or off, by id.
    pub async fn set_automation_enabled(&self, id: &str, enabled: bool) -> Result<Automation> {
        self.save_automation(
            queries::UPDATE_AUTOMATION,
            json!({"id": id, "enabled": enabled}),
        )
        .await
    }

    /// Delete an automation by id (its delivery log with it).
    pub async fn delete_automation(&self, id: &str) -> Result<()> {
        self.expect_success(queries::DELETE_AUTOMATION, json!({"id": id}), || {
            format!("delete automation {id}")
        })
        .await
    }

    /// The newest `limit` delivery attempts of the automation of `entity`
    /// named `name`, newest first (Cairn only; its admins may read it).
    pub async fn automation_deliveries(
        &self,
        entity: &str,
        name: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>> {
        let data: Value = self
            .transport
            .execute(
                queries::AUTOMATION_DELIVERIES,
                json!({"entity": entity, "filters": json!({"name": name}).to_string(), "first": limit}),
            )
            .await?;
        let Some(node) = data["scope"]["triggers"]["edges"][0].get("node") else {
            return Err(Error::NotFound {
                what: "automation",
                name: name.to_string(),
            });
        };
        serde_json::from_value(node["deliveryLog"].clone())
            .map_err(|e| Error::Api(format!("unexpected delivery log: {e}")))
    }

    async fn save_automation(&self, document: &str, input: Value) -> Result<Automation> {
        #[derive(Deserialize)]
        struct Data {
            result: Option<Saved>,
        }
        #[derive(Deserialize)]
        struct Saved {
            trigger: Option<TriggerNode>,
        }
        let data: Data = self
            .transport
            .execute(document, json!({ "input": input }))
            .await?;
        data.result
            .and_then(|saved| saved.trigger)
            .ok_or_else(|| Error::Api("the server saved no automation".into()))?
            .try_into()
    }
}

/// `triggeredActionType` and `triggeredActionConfig` for an action.
fn action_input(action: &AutomationAction) -> (&'static str, Value) {
    match action {
        AutomationAction::Webhook {
            integration_id,
            payload,
        } => {
            let mut input = json!({ "integrationID": integration_id });
            if let Some(payload) = payload {
                input["requestPayload"] = json!(payload.to_string());
            }
            (
                "GENERIC_WEBHOOK",
                json!({ "genericWebhookActionInput": input }),
            )
        }
        AutomationAction::Notification {
            integration_id,
            title,
            message,
            severity,
        } => (
            "NOTIFICATION",
            json!({ "notificationActionInput": {
                "integrationID": integration_id, "title": title, "message": message, "severity": severity,
            }}),
        ),
        AutomationAction::NoOp => ("NO_OP", json!({ "noOpActionInput": { "noOp": true } })),
    }
}
