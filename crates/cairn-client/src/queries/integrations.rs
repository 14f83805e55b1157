//! Integrations, in the shapes the official client's `wandb.automations`
//! sends (`IntegrationsByEntity`, `CreateGenericWebhookIntegration`), and
//! `deleteIntegration`.

/// `IntegrationsByEntity`: a page of an entity's integrations.
pub const INTEGRATIONS_BY_ENTITY: &str = document!(
    r#"query IntegrationsByEntity($entity: String!, $cursor: String, $perPage: Int) {
  entity(name: $entity) {
    integrations(after: $cursor, first: $perPage) {
      pageInfo { endCursor hasNextPage }
      edges {
        node {
          __typename
          ...WebhookIntegrationFields
        }
      }
    }
  }
}"#,
    webhook_integration_fields!(),
);

/// `CreateGenericWebhookIntegration`.
pub const CREATE_GENERIC_WEBHOOK_INTEGRATION: &str = document!(
    r#"mutation CreateGenericWebhookIntegration($input: CreateGenericWebhookIntegrationInput!) {
  result: createGenericWebhookIntegration(input: $input) {
    integration {
      __typename
      ...WebhookIntegrationFields
    }
  }
}"#,
    webhook_integration_fields!(),
);

/// `deleteIntegration`.
pub const DELETE_INTEGRATION: &str = r#"mutation DeleteIntegration($id: ID!) {
  result: deleteIntegration(input: {id: $id}) {
    success
  }
}"#;

/// Cairn extension: create a Slack incoming webhook, which notifications
/// post to.
pub const CREATE_SLACK_WEBHOOK_INTEGRATION: &str = r#"mutation CreateSlackWebhookIntegration($input: CreateSlackWebhookIntegrationInput!) {
  result: createSlackWebhookIntegration(input: $input) {
    integration {
      __typename
      ... on SlackIntegration {
        id
        teamName
        channelName
      }
    }
  }
}"#;

/// Cairn extension: where the caller's run alerts go.
pub const SET_ALERT_INTEGRATION: &str = r#"mutation SetAlertIntegration($id: ID) {
  result: setAlertIntegration(input: {integrationID: $id}) {
    success
  }
}"#;
