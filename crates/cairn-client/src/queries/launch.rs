//! Launch: run queues (`api.create_run_queue`, `api.upsert_run_queue`,
//! `api.run_queue`), pushing runs (`launch_add`), queued runs, and jobs
//! (`api.list_jobs`), in the official client's shapes.

/// `CreateDefaultResourceConfig`.
pub const CREATE_DEFAULT_RESOURCE_CONFIG: &str = r#"mutation CreateDefaultResourceConfig($entityName: String!, $resource: String!, $config: JSONString!, $templateVariables: JSONString) {
  createDefaultResourceConfig(input: {entityName: $entityName, resource: $resource, config: $config, templateVariables: $templateVariables}) {
    defaultResourceConfigID
    success
  }
}"#;

/// `CreateRunQueue`.
pub const CREATE_RUN_QUEUE: &str = r#"mutation CreateRunQueue($entity: String!, $project: String!, $queueName: String!, $access: RunQueueAccessType!, $prioritizationMode: RunQueuePrioritizationMode, $defaultResourceConfigID: ID) {
  createRunQueue(input: {entityName: $entity, projectName: $project, queueName: $queueName, access: $access, prioritizationMode: $prioritizationMode, defaultResourceConfigID: $defaultResourceConfigID}) {
    success
    queueID
  }
}"#;

/// `UpsertRunQueue`.
pub const UPSERT_RUN_QUEUE: &str = r#"mutation UpsertRunQueue($entityName: String!, $projectName: String!, $queueName: String!, $resourceType: String!, $resourceConfig: JSONString!, $templateVariables: JSONString, $prioritizationMode: RunQueuePrioritizationMode, $externalLinks: JSONString) {
  upsertRunQueue(input: {entityName: $entityName, projectName: $projectName, queueName: $queueName, resourceType: $resourceType, resourceConfig: $resourceConfig, templateVariables: $templateVariables, prioritizationMode: $prioritizationMode, externalLinks: $externalLinks}) {
    success
    configSchemaValidationErrors
  }
}"#;

/// `GetRunQueue`: a queue with its configuration.
pub const GET_RUN_QUEUE: &str = r#"query GetRunQueue($entityName: String!, $projectName: String!, $runQueue: String!) {
  project(name: $projectName, entityName: $entityName) {
    runQueue(name: $runQueue) {
      id
      name
      access
      prioritizationMode
      externalLinks
      createdAt
      defaultResourceConfig {
        id
        resource
        config
        templateVariables {
          name
          schema
        }
      }
    }
  }
}"#;

/// `ProjectRunQueues`.
pub const PROJECT_RUN_QUEUES: &str = r#"query ProjectRunQueues($entityName: String!, $projectName: String!) {
  project(name: $projectName, entityName: $entityName) {
    runQueues {
      id
      name
      access
      prioritizationMode
      createdAt
      defaultResourceConfig {
        id
        resource
        config
        templateVariables {
          name
          schema
        }
      }
    }
  }
}"#;

/// `GetRunQueueItems`.
pub const GET_RUN_QUEUE_ITEMS: &str = r#"query GetRunQueueItems($entityName: String!, $projectName: String!, $runQueue: String!, $first: Int) {
  project(name: $projectName, entityName: $entityName) {
    runQueue(name: $runQueue) {
      runQueueItems(first: $first) {
        edges {
          node {
            id
            state
            priority
            associatedRunId
            runSpec
            createdAt
            error
          }
        }
      }
    }
  }
}"#;

/// `GetRunQueueItem`.
pub const GET_RUN_QUEUE_ITEM: &str = r#"query GetRunQueueItem($entityName: String!, $projectName: String!, $runQueue: String!, $itemId: ID!) {
  project(name: $projectName, entityName: $entityName) {
    runQueue(name: $runQueue) {
      runQueueItem(id: $itemId) {
        id
        state
        priority
        associatedRunId
        runSpec
        createdAt
        error
      }
    }
  }
}"#;

/// `DeleteRunQueue`.
pub const DELETE_RUN_QUEUE: &str = r#"mutation DeleteRunQueue($id: ID!) {
  deleteRunQueues(input: {queueIDs: [$id]}) {
    success
  }
}"#;

/// `DeleteFromRunQueue`.
pub const DELETE_FROM_RUN_QUEUE: &str = r#"mutation DeleteFromRunQueue($queueID: ID!, $runQueueItemId: ID!) {
  deleteFromRunQueue(input: {queueID: $queueID, runQueueItemId: $runQueueItemId}) {
    success
  }
}"#;

/// `pushToRunQueueByName`.
pub const PUSH_TO_RUN_QUEUE_BY_NAME: &str = r#"mutation pushToRunQueueByName($entityName: String!, $projectName: String!, $queueName: String!, $runSpec: JSONString!, $templateVariableValues: JSONString, $priority: Int) {
  pushToRunQueueByName(input: {entityName: $entityName, projectName: $projectName, queueName: $queueName, runSpec: $runSpec, templateVariableValues: $templateVariableValues, priority: $priority}) {
    runQueueItemId
    runSpec
  }
}"#;

/// `popFromRunQueue`.
pub const POP_FROM_RUN_QUEUE: &str = r#"mutation popFromRunQueue($entity: String!, $project: String!, $queueName: String!, $launchAgentId: ID) {
  popFromRunQueue(input: {entityName: $entity, projectName: $project, queueName: $queueName, launchAgentId: $launchAgentId}) {
    runQueueItemId
    runSpec
  }
}"#;

/// `ackRunQueueItem`.
pub const ACK_RUN_QUEUE_ITEM: &str = r#"mutation ackRunQueueItem($itemId: ID!, $runId: String!) {
  ackRunQueueItem(input: {runQueueItemId: $itemId, runName: $runId}) {
    success
  }
}"#;

/// `failRunQueueItem`.
pub const FAIL_RUN_QUEUE_ITEM: &str = r#"mutation failRunQueueItem($runQueueItemId: ID!, $message: String!, $stage: String!, $filePaths: [String!]) {
  failRunQueueItem(input: {runQueueItemId: $runQueueItemId, message: $message, stage: $stage, filePaths: $filePaths}) {
    success
  }
}"#;

/// `ArtifactOfType` (`api.list_jobs`).
pub const ARTIFACT_OF_TYPE: &str = r#"query ArtifactOfType($entityName: String!, $projectName: String!, $artifactTypeName: String!) {
  project(name: $projectName, entityName: $entityName) {
    artifactType(name: $artifactTypeName) {
      artifactCollections {
        edges {
          node {
            artifacts {
              edges {
                node {
                  id
                  state
                  aliases {
                    alias
                  }
                  artifactSequence {
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}"#;
