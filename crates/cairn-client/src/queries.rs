//! The GraphQL operations this client sends.
//!
//! They are the operations the official `wandb==0.31.0` client sends, with
//! the same names, fields and variables, so this client works against W&B's
//! own servers as well as Cairn. The one exception is marked: a Cairn
//! extension for admins.

/// `GetViewer`.
pub const GET_VIEWER: &str = r#"query GetViewer {
  viewer {
    ...UserFragment
  }
}

fragment ApiKeyFragment on ApiKey {
  id
  name
  description
}

fragment UserFragment on User {
  id
  name
  username
  email
  admin
  flags
  entity
  deletedAt
  apiKeys {
    edges {
      node {
        ...ApiKeyFragment
      }
    }
  }
  teams {
    edges {
      node {
        name
      }
    }
  }
}"#;

/// `GetDefaultEntity`.
pub const GET_DEFAULT_ENTITY: &str = r#"query GetDefaultEntity {
  viewer {
    id
    entity
  }
}"#;

/// `CreateUserFromAdmin`.
pub const CREATE_USER_FROM_ADMIN: &str = r#"mutation CreateUserFromAdmin($email: String!, $admin: Boolean) {
  result: createUser(input: {email: $email, admin: $admin}) {
    user {
      ...UserInfoFragment
    }
  }
}

fragment UserInfoFragment on User {
  id
  name
  username
  email
  admin
}"#;

/// `SearchUsers`.
pub const SEARCH_USERS: &str = r#"query SearchUsers($query: String) {
  users(query: $query) {
    edges {
      node {
        ...UserFragment
      }
    }
  }
}

fragment ApiKeyFragment on ApiKey {
  id
  name
  description
}

fragment UserFragment on User {
  id
  name
  username
  email
  admin
  flags
  entity
  deletedAt
  apiKeys {
    edges {
      node {
        ...ApiKeyFragment
      }
    }
  }
  teams {
    edges {
      node {
        name
      }
    }
  }
}"#;

/// `GenerateApiKey`.
pub const GENERATE_API_KEY: &str = r#"mutation GenerateApiKey($description: String) {
  result: generateApiKey(input: {description: $description}) {
    apiKey {
      ...ApiKeyFragment
    }
  }
}

fragment ApiKeyFragment on ApiKey {
  id
  name
  description
}"#;

/// `DeleteApiKey`.
pub const DELETE_API_KEY: &str = r#"mutation DeleteApiKey($id: String!) {
  result: deleteApiKey(input: {id: $id}) {
    success
  }
}"#;

/// `CreateTeam`.
pub const CREATE_TEAM: &str = r#"mutation CreateTeam($teamName: String!, $teamAdminUserName: String) {
  result: createTeam(
    input: {teamName: $teamName, teamAdminUserName: $teamAdminUserName}
  ) {
    entity {
      id
      name
      available
      photoUrl
      limits
    }
  }
}"#;

/// `GetTeamEntity`.
pub const GET_TEAM_ENTITY: &str = r#"query GetTeamEntity($name: String!) {
  entity(name: $name) {
    id
    name
    available
    photoUrl
    readOnly
    readOnlyAdmin
    isTeam
    entityType
    privateOnly
    storageBytes
    codeSavingEnabled
    defaultAccess
    isPaid
    members {
      id
      admin
      pending
      email
      username
      name
      photoUrl
      accountType
      apiKey
    }
  }
}"#;

/// `CreateInvite`.
pub const CREATE_INVITE: &str = r#"mutation CreateInvite($entity: String!, $email: String, $username: String, $admin: Boolean) {
  result: createInvite(
    input: {entityName: $entity, email: $email, username: $username, admin: $admin}
  ) {
    invite {
      id
      name
      email
      createdAt
      toUser {
        name
      }
    }
  }
}"#;

/// `DeleteInvite`.
pub const DELETE_INVITE: &str = r#"mutation DeleteInvite($id: String, $entity: String) {
  result: deleteInvite(input: {id: $id, entityName: $entity}) {
    success
  }
}"#;

/// `CreateServiceAccount`.
pub const CREATE_SERVICE_ACCOUNT: &str = r#"mutation CreateServiceAccount($entity: String!, $description: String!) {
  result: createServiceAccount(
    input: {description: $description, entityName: $entity}
  ) {
    user {
      id
    }
  }
}"#;

/// `CreateProject`.
pub const CREATE_PROJECT: &str = r#"mutation CreateProject($input: UpsertModelInput!) {
  result: upsertModel(input: $input) {
    project {
      ...CreatedProjectFragment
    }
    model {
      ...CreatedProjectFragment
    }
    inserted
  }
}

fragment CreatedProjectFragment on Project {
  id
  name
  entityName
  description
  access
  views
}"#;

/// `GetProject`.
pub const GET_PROJECT: &str = r#"query GetProject($name: String!, $entity: String!) {
  project(name: $name, entityName: $entity) {
    ...ProjectFragment
  }
}

fragment ApiKeyFragment on ApiKey {
  id
  name
  description
}

fragment ProjectFragment on Project {
  __typename
  id
  name
  entityName
  createdAt
  isBenchmark
  user {
    ...UserFragment
  }
}

fragment UserFragment on User {
  id
  name
  username
  email
  admin
  flags
  entity
  deletedAt
  apiKeys {
    edges {
      node {
        ...ApiKeyFragment
      }
    }
  }
  teams {
    edges {
      node {
        name
      }
    }
  }
}"#;

/// `GetProjects`.
pub const GET_PROJECTS: &str = r#"query GetProjects($entity: String, $cursor: String, $perPage: Int = 50) {
  models(entityName: $entity, after: $cursor, first: $perPage) {
    pageInfo {
      ...PageInfoFragment
    }
    edges {
      node {
        ...ProjectFragment
      }
    }
  }
}

fragment ApiKeyFragment on ApiKey {
  id
  name
  description
}

fragment PageInfoFragment on PageInfo {
  __typename
  endCursor
  hasNextPage
}

fragment ProjectFragment on Project {
  __typename
  id
  name
  entityName
  createdAt
  isBenchmark
  user {
    ...UserFragment
  }
}

fragment UserFragment on User {
  id
  name
  username
  email
  admin
  flags
  entity
  deletedAt
  apiKeys {
    edges {
      node {
        ...ApiKeyFragment
      }
    }
  }
  teams {
    edges {
      node {
        name
      }
    }
  }
}"#;

/// Cairn extension: an instance admin creates a key for another user.
pub const GENERATE_API_KEY_FOR_USER: &str = r#"mutation GenerateApiKeyForUser($userId: ID, $description: String) {
  result: generateApiKey(input: {userId: $userId, description: $description}) {
    apiKey {
      id
      name
      description
    }
  }
}"#;

/// The run fields `Runs`, `Run` and `UpsertBucket` select (Python's
/// `RunFragment`, the full one `lazy=False` uses).
macro_rules! run_fragment {
    () => {
        r#"fragment RunFragment on Run {
  id
  tags
  name
  displayName
  sweepName
  state
  config
  group
  jobType
  commit
  readOnly
  createdAt
  heartbeatAt
  description
  notes
  systemMetrics
  summaryMetrics
  historyLineCount
  user {
    name
    username
  }
  historyKeys
}"#
    };
}

/// `Runs` (with the full `RunFragment`, as `api.runs(…, lazy=False)`).
pub const RUNS: &str = concat!(
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
}

"#,
    run_fragment!()
);

/// `Run`.
pub const RUN: &str = concat!(
    r#"query Run($project: String!, $entity: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      projectId
      ...RunFragment
    }
  }
}

"#,
    run_fragment!()
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

/// `UpsertBucket` as `run.update()` sends it. The variable is
/// `display_name`, the input field `displayName`, as in Python.
pub const UPDATE_RUN: &str = concat!(
    r#"mutation UpsertBucket($id: String!, $description: String, $display_name: String, $notes: String, $tags: [String!], $config: JSONString!, $groupName: String, $jobType: String) {
  upsertBucket(
    input: {id: $id, description: $description, displayName: $display_name, notes: $notes, tags: $tags, config: $config, groupName: $groupName, jobType: $jobType}
  ) {
    bucket {
      ...RunFragment
    }
  }
}

"#,
    run_fragment!()
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
pub const RUN_FILES: &str = r#"query RunFiles($project: String!, $entity: String!, $name: String!, $fileCursor: String, $fileLimit: Int = 50, $fileNames: [String] = [], $upload: Boolean = false, $pattern: String) {
  project(name: $project, entityName: $entity) {
    internalId
    run(name: $name) {
      fileCount
      ...RunFilesFragment
    }
  }
}

fragment RunFilesFragment on Run {
  files(names: $fileNames, after: $fileCursor, first: $fileLimit, pattern: $pattern) {
    edges {
      node {
        id
        name
        url(upload: $upload)
        directUrl
        sizeBytes
        mimetype
        updatedAt
        md5
      }
      cursor
    }
    pageInfo {
      endCursor
      hasNextPage
    }
  }
}"#;

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
