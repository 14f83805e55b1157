//! Automations, in the shapes the official client's `wandb.automations`
//! sends (`GetEntityAutomations`, `CreateAutomation`, `UpdateAutomation`,
//! `DeleteAutomation`), and Cairn's delivery log (an extension).

/// `GetEntityAutomations`: a page of an entity's automations, or the one
/// named by `$filters` (`{"name": …}`).
pub const GET_ENTITY_AUTOMATIONS: &str = document!(
    r#"query GetEntityAutomations($entity: String!, $cursor: String, $perPage: Int, $order: String, $filters: JSONString) {
  scope: entity(name: $entity) {
    triggers(after: $cursor, first: $perPage, order: $order, filters: $filters) {
      pageInfo {
        ...PageInfoFragment
      }
      edges {
        node {
          ...TriggerFields
        }
      }
    }
  }
}"#,
    page_info_fragment!(),
    trigger_fields!(),
    webhook_integration_fields!(),
);

/// `CreateAutomation`.
pub const CREATE_AUTOMATION: &str = document!(
    r#"mutation CreateAutomation($input: CreateFilterTriggerInput!) {
  result: createFilterTrigger(input: $input) {
    trigger {
      ...TriggerFields
    }
  }
}"#,
    trigger_fields!(),
    webhook_integration_fields!(),
);

/// `UpdateAutomation`: fields left out keep their values.
pub const UPDATE_AUTOMATION: &str = document!(
    r#"mutation UpdateAutomation($input: UpdateFilterTriggerInput!) {
  result: updateFilterTrigger(input: $input) {
    trigger {
      ...TriggerFields
    }
  }
}"#,
    trigger_fields!(),
    webhook_integration_fields!(),
);

/// `DeleteAutomation`.
pub const DELETE_AUTOMATION: &str = r#"mutation DeleteAutomation($id: ID!) {
  result: deleteTrigger(input: {triggerID: $id}) {
    success
  }
}"#;

/// Cairn extension: an automation's delivery log, newest first.
pub const AUTOMATION_DELIVERIES: &str = r#"query AutomationDeliveries($entity: String!, $filters: JSONString, $first: Int) {
  scope: entity(name: $entity) {
    triggers(first: 1, filters: $filters) {
      edges {
        node {
          id
          deliveryLog(first: $first) {
            idempotencyKey
            eventType
            attemptedAt
            status
            outcome
            error
            elapsedMs
            response
          }
        }
      }
    }
  }
}"#;
