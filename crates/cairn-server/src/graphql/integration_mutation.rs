//! Integration mutations in the shapes the official client sends:
//! `CreateGenericWebhookIntegration` (`wandb.automations`), and
//! `deleteIntegration`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use cairn_core::integration::NewWebhook;

use crate::error::GqlResultExt;
use crate::graphql::types::integration::{IntegrationUnion, WebhookObject};
use crate::graphql::{actor, cairn, ids};

/// Mutations on integrations.
#[derive(Default)]
pub struct IntegrationMutation;

#[derive(InputObject)]
struct CreateGenericWebhookIntegrationInput {
    entity_name: String,
    name: String,
    url_endpoint: String,
    /// The name of the entity secret that signs deliveries.
    secret_ref: Option<String>,
    /// The name of the entity secret sent as a bearer token.
    access_token_ref: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateGenericWebhookIntegrationPayload {
    integration: WebhookObject,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateSlackWebhookIntegrationInput {
    entity_name: String,
    name: String,
    /// The Slack incoming webhook URL (`https://hooks.slack.com/services/…`).
    url_endpoint: String,
    /// The channel it posts to, for display (`#alerts`).
    channel_name: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateSlackWebhookIntegrationPayload {
    integration: IntegrationUnion,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct SetAlertIntegrationInput {
    /// The integration (of an entity the caller belongs to); none: alerts
    /// are only logged.
    #[graphql(name = "integrationID")]
    integration_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct SetAlertIntegrationPayload {
    success: bool,
    integration: Option<IntegrationUnion>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteIntegrationInput {
    id: ID,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct DeleteIntegrationPayload {
    success: bool,
    client_mutation_id: Option<String>,
}

#[Object]
impl IntegrationMutation {
    /// Create a generic webhook in an entity (its admins may); the URL must
    /// be allowed by the server's `--webhook-allow`.
    async fn create_generic_webhook_integration(
        &self,
        ctx: &Context<'_>,
        input: CreateGenericWebhookIntegrationInput,
    ) -> async_graphql::Result<CreateGenericWebhookIntegrationPayload> {
        let new = NewWebhook {
            name: input.name,
            url: input.url_endpoint,
            secret_ref: input.secret_ref,
            access_token_ref: input.access_token_ref,
            slack_channel: None,
        };
        let integration = cairn(ctx)
            .create_webhook_integration(actor(ctx), &input.entity_name, new)
            .await
            .gql()?;
        Ok(CreateGenericWebhookIntegrationPayload {
            integration: WebhookObject(integration),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Create a Slack incoming webhook in an entity (a Cairn addition: W&B
    /// makes Slack integrations through its Slack app). It is listed as a
    /// `SlackIntegration`, and `SendNotification` actions post to it with
    /// Slack's payload; the URL must be allowed by `--webhook-allow`.
    async fn create_slack_webhook_integration(
        &self,
        ctx: &Context<'_>,
        input: CreateSlackWebhookIntegrationInput,
    ) -> async_graphql::Result<CreateSlackWebhookIntegrationPayload> {
        let new = NewWebhook {
            name: input.name,
            url: input.url_endpoint,
            secret_ref: None,
            access_token_ref: None,
            slack_channel: Some(input.channel_name),
        };
        let integration = cairn(ctx)
            .create_webhook_integration(actor(ctx), &input.entity_name, new)
            .await
            .gql()?;
        Ok(CreateSlackWebhookIntegrationPayload {
            integration: IntegrationUnion::of(integration),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Where the caller's run alerts (`run.alert`) go: a webhook or Slack
    /// integration of an entity they belong to, or nowhere (a Cairn
    /// addition: W&B sends alerts by its own email and Slack settings).
    async fn set_alert_integration(
        &self,
        ctx: &Context<'_>,
        input: SetAlertIntegrationInput,
    ) -> async_graphql::Result<SetAlertIntegrationPayload> {
        let id = match &input.integration_id {
            Some(id) => Some(ids::decode("Integration", id).gql()?),
            None => None,
        };
        let cairn = cairn(ctx);
        cairn.set_alert_integration(actor(ctx), id).await.gql()?;
        let integration = cairn.alert_integration(actor(ctx)).await.gql()?;
        Ok(SetAlertIntegrationPayload {
            success: true,
            integration: integration.map(IntegrationUnion::of),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete an integration (its entity's admins may).
    async fn delete_integration(
        &self,
        ctx: &Context<'_>,
        input: DeleteIntegrationInput,
    ) -> async_graphql::Result<DeleteIntegrationPayload> {
        let id = ids::decode("Integration", &input.id).gql()?;
        cairn(ctx).delete_integration(actor(ctx), id).await.gql()?;
        Ok(DeleteIntegrationPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
