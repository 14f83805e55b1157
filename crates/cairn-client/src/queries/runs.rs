//! Runs: listing, creating and updating them, their history and files.

/// `Runs` (with the full `RunFragment`, as `api.runs(…, lazy=False)`).
pub const RUNS: &str = document!(
    r#"query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    internalId
    runCount(filters: $filters)
    readOnly
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges {
        node {
          projectId
          ...RunFragment
        }
        cursor
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
}"#,
    run_fragment!(),
);

/// `Run`.
pub const RUN: &str = document!(
    r#"query Run($project: String!, $entity: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      projectId
      ...RunFragment
    }
  }
}"#,
    run_fragment!(),
);

/// `UpsertBucket` as `api.create_run` sends it.
pub const CREATE_RUN: &str = r#"mutation UpsertBucket($project: String, $entity: String, $name: String!, $state: String) {
  upsertBucket(
    input: {modelName: $project, entityName: $entity, name: $name, state: $state}
  ) {
    bucket {
      project {
        name
        entity {
          name
        }
      }
      id
      name
    }
    inserted
  }
}"#;

/// `UpsertBucket` as the TensorBoard import sends it: the sidecar's
/// variables for a fresh run (`name`, `project`, `entity`, `displayName`,
/// `state`), selecting what it needs.
pub const IMPORT_RUN: &str = r#"mutation UpsertBucket($name: String!, $project: String, $entity: String, $displayName: String, $state: String) {
  upsertBucket(
    input: {name: $name, modelName: $project, entityName: $entity, displayName: $displayName, state: $state}
  ) {
    bucket {
      id
      name
      displayName
      project {
        name
        entity {
          name
        }
      }
    }
    inserted
  }
}"#;

/// `UpsertBucket` as `run.update()` sends it. The variable is
/// `display_name`, the input field `displayName`, as in Python.
pub const UPDATE_RUN: &str = document!(
    r#"mutation UpsertBucket($id: String!, $description: String, $display_name: String, $notes: String, $tags: [String!], $config: JSONString!, $groupName: String, $jobType: String) {
  upsertBucket(
    input: {id: $id, description: $description, displayName: $display_name, notes: $notes, tags: $tags, config: $config, groupName: $groupName, jobType: $jobType}
  ) {
    bucket {
      ...RunFragment
    }
  }
}"#,
    run_fragment!(),
);

/// `UpsertBucket` as `run.summary.update()` sends it (the whole summary).
pub const UPDATE_RUN_SUMMARY: &str = r#"mutation UpsertBucket($id: String, $summaryMetrics: JSONString) {
  upsertBucket(input: {id: $id, summaryMetrics: $summaryMetrics}) {
    bucket {
      id
    }
  }
}"#;

/// `UpdateRunState`.
pub const UPDATE_RUN_STATE: &str = r#"mutation UpdateRunState($input: UpdateRunStateInput!) {
  updateRunState(input: $input) {
    success
  }
}"#;

/// `StopRun` (what wandb-core sends for `run.stop()`).
pub const STOP_RUN: &str = r#"mutation StopRun($id: ID!) {
  stopRun(input: {id: $id}) {
    success
  }
}"#;

/// `DeleteRun`.
pub const DELETE_RUN: &str = r#"mutation DeleteRun($id: ID!, $deleteArtifacts: Boolean) {
  deleteRun(input: {id: $id, deleteArtifacts: $deleteArtifacts}) {
    clientMutationId
  }
}"#;

/// `RunFullHistory`: `run.history()` without keys.
pub const RUN_FULL_HISTORY: &str = r#"query RunFullHistory($project: String!, $entity: String!, $name: String!, $samples: Int) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      history(samples: $samples)
    }
  }
}"#;

/// `RunSampledHistory`: `run.history(keys=…)`.
pub const RUN_SAMPLED_HISTORY: &str = r#"query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      sampledHistory(specs: $specs)
    }
  }
}"#;

/// `RunHistoryKeys`: where a history scan ends.
pub const RUN_HISTORY_KEYS: &str = r#"query RunHistoryKeys($project: String!, $entity: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      historyKeys
    }
  }
}"#;

/// `HistoryPage`: one page of a history scan without keys (wandb-core).
pub const HISTORY_PAGE: &str = r#"query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
  project(name: $project, entityName: $entity) {
    run(name: $run) {
      history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize)
    }
  }
}"#;

/// `SampledHistoryPage`: one page of a history scan with keys (wandb-core).
pub const SAMPLED_HISTORY_PAGE: &str = r#"query SampledHistoryPage($entity: String!, $project: String!, $run: String!, $spec: JSONString!) {
  project(name: $project, entityName: $entity) {
    run(name: $run) {
      sampledHistory(specs: [$spec])
    }
  }
}"#;

/// `RunFiles`.
pub const RUN_FILES: &str = document!(
    r#"query RunFiles($project: String!, $entity: String!, $name: String!, $fileCursor: String, $fileLimit: Int = 50, $fileNames: [String] = [], $upload: Boolean = false, $pattern: String) {
  project(name: $project, entityName: $entity) {
    internalId
    run(name: $name) {
      fileCount
      ...RunFilesFragment
    }
  }
}"#,
    run_files_fragment!(),
);

/// `CreateRunFiles`: upload URLs for `run.upload_file`.
pub const CREATE_RUN_FILES: &str = r#"mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  createRunFiles(
    input: {entityName: $entity, projectName: $project, runName: $run, files: $files}
  ) {
    runID
    uploadHeaders
    files {
      name
      uploadUrl
    }
  }
}"#;

/// `deleteFiles`: `file.delete()`.
pub const DELETE_FILES: &str = r#"mutation deleteFiles($files: [ID!]!, $projectId: Int) {
  deleteFiles(input: {files: $files, projectId: $projectId}) {
    success
  }
}"#;

// ----- artifacts and registries -------------------------------------------
//
