//! `Integration`s of an entity: the union the official client's
//! `IntegrationsByEntity` reads, of `GenericWebhookIntegration` and
//! `SlackIntegration`. W&B's Slack integrations come from its Slack app;
//! Cairn's are Slack incoming webhooks (a webhook with a channel name),
//! which the client's `SendNotification` can name.

use async_graphql::{ID, Object, SimpleObject, Union};
use cairn_core::integration::Integration;

use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::PageInfo;
use crate::graphql::types::page::cursor;

/// A generic webhook.
pub struct WebhookObject(pub Integration);

#[Object(name = "GenericWebhookIntegration")]
impl WebhookObject {
    async fn id(&self) -> ID {
        ids::encode("Integration", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Where deliveries are POSTed.
    async fn url_endpoint(&self) -> &str {
        &self.0.url
    }

    /// The name of the entity secret that signs deliveries.
    async fn secret_ref(&self) -> Option<&str> {
        self.0.secret_ref.as_deref()
    }

    /// The name of the entity secret sent as a bearer token.
    async fn access_token_ref(&self) -> Option<&str> {
        self.0.access_token_ref.as_deref()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A Slack incoming webhook; see the module docs.
#[derive(SimpleObject)]
#[graphql(name = "SlackIntegration")]
pub struct SlackObject {
    id: ID,
    /// W&B's Slack workspace name; here the integration's name.
    team_name: String,
    channel_name: String,
    /// Where notifications are POSTed.
    url_endpoint: String,
}

/// Any integration.
#[derive(Union)]
#[graphql(name = "Integration")]
pub enum IntegrationUnion {
    /// A generic webhook.
    Webhook(WebhookObject),
    /// A Slack incoming webhook.
    Slack(SlackObject),
}

impl IntegrationUnion {
    /// The GraphQL object of an integration, by its kind.
    pub fn of(integration: Integration) -> Self {
        match integration.slack_channel.clone() {
            Some(channel_name) => IntegrationUnion::Slack(SlackObject {
                id: ids::encode("Integration", integration.id),
                team_name: integration.name,
                channel_name,
                url_endpoint: integration.url,
            }),
            None => IntegrationUnion::Webhook(WebhookObject(integration)),
        }
    }
}

/// An integration and its cursor.
#[derive(SimpleObject)]
#[graphql(name = "IntegrationEdge")]
pub struct IntegrationEdge {
    node: IntegrationUnion,
    cursor: String,
}

/// A page of integrations.
#[derive(SimpleObject)]
#[graphql(name = "IntegrationConnection")]
pub struct IntegrationConnection {
    page_info: PageInfo,
    edges: Vec<IntegrationEdge>,
}

impl IntegrationConnection {
    /// One page of `rows`; `has_next_page` when more follow.
    pub fn page(rows: Vec<Integration>, has_next_page: bool) -> Self {
        let edges: Vec<IntegrationEdge> = rows
            .into_iter()
            .map(|row| IntegrationEdge {
                cursor: cursor(row.id),
                node: IntegrationUnion::of(row),
            })
            .collect();
        IntegrationConnection {
            page_info: PageInfo {
                end_cursor: edges.last().map(|e| e.cursor.clone()),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                has_next_page,
                has_previous_page: false,
            },
            edges,
        }
    }
}
