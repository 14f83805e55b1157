//! Sweeps: reading them (`api.sweep`, `project.sweeps()`), creating and
//! controlling them (`wandb.sweep`, `wandb sweep --pause`), and the agent
//! protocol (`wandb agent`).

/// `SweepFragment`.
macro_rules! sweep_fragment {
    () => {
        r#"fragment SweepFragment on Sweep {
  __typename
  id
  name
  displayName
  method
  state
  description
  bestLoss
  config
  createdAt
  updatedAt
  runCount
  runCountExpected
}"#
    };
}

/// `GetSweep`.
pub const GET_SWEEP: &str = document!(
    r#"query GetSweep($name: String!, $project: String, $entity: String) {
  project(name: $project, entityName: $entity) {
    sweep(sweepName: $name) {
      ...SweepFragment
    }
  }
}"#,
    sweep_fragment!(),
);

/// `GetSweeps`.
pub const GET_SWEEPS: &str = document!(
    r#"query GetSweeps($project: String!, $entity: String!, $filters: JSONString!, $cursor: String, $perPage: Int = 50) {
  project(name: $project, entityName: $entity) {
    totalSweeps
    sweeps(after: $cursor, first: $perPage, filters: $filters) {
      pageInfo {
        ...PageInfoFragment
      }
      edges {
        node {
          ...SweepFragment
        }
      }
    }
  }
}"#,
    page_info_fragment!(),
    sweep_fragment!(),
);

/// `UpsertSweep`, creating a sweep (as `wandb.sweep` sends it).
pub const UPSERT_SWEEP: &str = r#"mutation UpsertSweep($id: ID, $config: String, $description: String, $entityName: String, $projectName: String, $controller: JSONString, $scheduler: JSONString, $state: String, $priorRunsFilters: JSONString, $displayName: String) {
  upsertSweep(input: {id: $id, config: $config, description: $description, entityName: $entityName, projectName: $projectName, controller: $controller, scheduler: $scheduler, state: $state, priorRunsFilters: $priorRunsFilters, displayName: $displayName}) {
    sweep {
      name
      project {
        id
        name
        entity {
          id
          name
        }
      }
    }
    configValidationWarnings
  }
}"#;

/// `UpsertSweep`, changing a sweep's state (as `wandb sweep --pause` sends it).
pub const UPSERT_SWEEP_STATE: &str = r#"mutation UpsertSweep($id: ID, $state: String, $entityName: String, $projectName: String) {
  upsertSweep(input: {id: $id, state: $state, entityName: $entityName, projectName: $projectName}) {
    sweep {
      name
    }
  }
}"#;

/// `CreateAgent`.
pub const CREATE_AGENT: &str = r#"mutation CreateAgent($host: String!, $projectName: String, $entityName: String, $sweep: String!) {
  createAgent(input: {host: $host, projectName: $projectName, entityName: $entityName, sweep: $sweep}) {
    agent {
      id
    }
  }
}"#;

/// `Heartbeat`.
pub const HEARTBEAT: &str = r#"mutation Heartbeat($id: ID!, $metrics: JSONString, $runState: JSONString) {
  agentHeartbeat(input: {id: $id, metrics: $metrics, runState: $runState}) {
    agent {
      id
    }
    commands
  }
}"#;
