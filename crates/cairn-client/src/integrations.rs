//! Integrations ([`Integration`], [`Api::integrations`]): where an entity's
//! automations send what they do. Generic webhooks are what a Cairn server
//! makes; the operations are the official client's.

use serde::Deserialize;
use serde_json::json;

use crate::api::Api;
use crate::error::{Error, Result};
use crate::pager::{Connection, Page, PageSource, Pager};
use crate::queries;

/// A generic webhook integration, like Python's `WebhookIntegration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    /// The GraphQL id (`base64("Integration:<n>")`).
    pub id: String,
    /// Unique within its entity.
    pub name: String,
    /// Where deliveries are POSTed.
    pub url_endpoint: String,
}

/// A node of `IntegrationsByEntity`: a webhook, or another kind this
/// client does not read.
#[derive(Deserialize)]
struct Node {
    #[serde(rename = "__typename")]
    typename: String,
    #[serde(flatten)]
    fields: serde_json::Value,
}

/// An entity's integrations, a page at a time.
pub type Integrations = Pager<IntegrationPages>;

/// The [`PageSource`] behind [`Integrations`]: `IntegrationsByEntity` pages.
pub struct IntegrationPages {
    api: Api,
    entity: Option<String>,
    per_page: u32,
}

#[derive(Deserialize)]
struct EntityData {
    entity: Option<EntityIntegrations>,
}

#[derive(Deserialize)]
struct EntityIntegrations {
    integrations: Option<Connection<Node>>,
}

impl PageSource for IntegrationPages {
    type Item = Integration;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Integration>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        let data: EntityData = self
            .api
            .transport
            .execute(
                queries::INTEGRATIONS_BY_ENTITY,
                json!({"entity": entity, "cursor": cursor, "perPage": self.per_page}),
            )
            .await?;
        let Some(found) = data.entity else {
            return Err(Error::NotFound {
                what: "entity",
                name: entity,
            });
        };
        let Some(conn) = found.integrations else {
            return Ok(Page::last(None));
        };
        let nodes = conn.into_page(None, Ok)?;
        let mut items = Vec::new();
        // Only webhooks: other kinds (W&B's Slack app) are left out, as the
        // Python `webhook_integrations` does.
        for node in nodes.items {
            if node.typename == "GenericWebhookIntegration" {
                let hook = serde_json::from_value(node.fields)
                    .map_err(|e| Error::Api(format!("unexpected integration: {e}")))?;
                items.push(hook);
            }
        }
        Ok(Page {
            items,
            end_cursor: nodes.end_cursor,
            has_next_page: nodes.has_next_page,
            total: None,
        })
    }
}

impl Api {
    /// The generic webhook integrations of `entity` (the default entity
    /// when `None`), oldest first, `per_page` at a time; like Python's
    /// `api.webhook_integrations(entity)`.
    pub fn integrations(&self, entity: Option<&str>, per_page: u32) -> Integrations {
        Pager::new(IntegrationPages {
            api: self.clone(),
            entity: entity.map(str::to_string),
            per_page: per_page.max(1),
        })
    }

    /// Create a generic webhook in `entity` (its admins may; the server's
    /// `--webhook-allow` must allow the URL).
    pub async fn create_webhook_integration(
        &self,
        entity: &str,
        name: &str,
        url: &str,
    ) -> Result<Integration> {
        #[derive(Deserialize)]
        struct Data {
            result: Option<Created>,
        }
        #[derive(Deserialize)]
        struct Created {
            integration: Integration,
        }
        let data: Data = self
            .transport
            .execute(
                queries::CREATE_GENERIC_WEBHOOK_INTEGRATION,
                json!({"input": {"entityName": entity, "name": name, "urlEndpoint": url}}),
            )
            .await?;
        data.result
            .map(|created| created.integration)
            .ok_or_else(|| Error::Api("the server made no integration".into()))
    }

    /// Create a Slack incoming webhook in `entity` posting to `channel`
    /// (Cairn only): `SendNotification` automations post to it with
    /// Slack's payload. Returns its id.
    pub async fn create_slack_integration(
        &self,
        entity: &str,
        name: &str,
        url: &str,
        channel: &str,
    ) -> Result<String> {
        let data: serde_json::Value = self
            .transport
            .execute(
                queries::CREATE_SLACK_WEBHOOK_INTEGRATION,
                json!({"input": {"entityName": entity, "name": name, "urlEndpoint": url, "channelName": channel}}),
            )
            .await?;
        data["result"]["integration"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::Api("the server made no integration".into()))
    }

    /// Send your run alerts (`run.alert`) to an integration (of an entity
    /// you belong to), or, with `None`, nowhere (Cairn only).
    pub async fn set_alert_integration(&self, id: Option<&str>) -> Result<()> {
        self.expect_success(queries::SET_ALERT_INTEGRATION, json!({ "id": id }), || {
            "set the alert integration".into()
        })
        .await
    }

    /// Delete an integration by its id.
    pub async fn delete_integration(&self, id: &str) -> Result<()> {
        self.expect_success(queries::DELETE_INTEGRATION, json!({"id": id}), || {
            format!("delete integration {id}")
        })
        .await
    }
}
