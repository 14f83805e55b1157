//! The GraphQL operations this client sends.
//!
//! They are the operations the official `wandb==0.31.0` client sends, with
//! the same names, fields and variables, so this client works against W&B's
//! own servers as well as Cairn. The one exception is marked: a Cairn
//! extension for admins.

// ----- fragments -----------------------------------------------------------
//
// Each fragment is written once, as a macro that expands to its text, and a
// document is `document!(operation, fragments…)`. Macros, not `const`s,
// because `concat!` takes only literals. A document must define exactly the
// fragments it uses, directly or through another fragment (a server rejects
// unused and duplicated fragments); the `documents_define_what_they_use`
// test checks every one.
//
// The Python client lists a document's fragments in alphabetical order, and
// so do these, but for the two that add `PageInfoFragment` to a bundle (it
// comes first there). The order does not matter to a server.

/// Texts joined by a blank line: an operation and its fragments (the layout
/// the Python client sends), or a bundle of fragments.
macro_rules! document {
    ($first:expr $(, $more:expr)* $(,)?) => {
        concat!($first $(, "\n\n", $more)*)
    };
}

/// `ApiKeyFragment`.
macro_rules! api_key_fragment {
    () => {
        r#"fragment ApiKeyFragment on ApiKey {
  id
  name
  description
}"#
    };
}

/// `ArtifactAliasFragment`.
macro_rules! artifact_alias_fragment {
    () => {
        r#"fragment ArtifactAliasFragment on ArtifactAlias {
  __typename
  id
  alias
}"#
    };
}

/// The fields of `ArtifactCollectionFragment` and
/// `RegistryCollectionFragment`: the Python client defines both, with the
/// same fields, which spread `ProjectInfoFragment` and `TagFragment`.
macro_rules! collection_fields {
    () => {
        r#"{
  __typename
  id
  name
  description
  createdAt
  updatedAt
  project {
    ...ProjectInfoFragment
  }
  type: defaultArtifactType {
    name
  }
  tags {
    edges {
      node {
        ...TagFragment
      }
    }
  }
}"#
    };
}

/// `ArtifactCollectionFragment` (see `collection_fields!`).
macro_rules! artifact_collection_fragment {
    () => {
        concat!(
            "fragment ArtifactCollectionFragment on ArtifactCollection ",
            collection_fields!()
        )
    };
}

/// `ArtifactFragment`, which spreads `ArtifactAliasFragment`,
/// `CollectionInfoFragment`, `SourceCollectionInfoFragment` and `TagFragment`.
macro_rules! artifact_fragment {
    () => {
        r#"fragment ArtifactFragment on Artifact {
  __typename
  id
  artifactSequence {
    ...SourceCollectionInfoFragment
  }
  versionIndex
  artifactType {
    name
  }
  description
  metadata
  ttlDurationSeconds
  ttlIsInherited
  tags {
    ...TagFragment
  }
  historyStep
  state
  size
  digest
  digestAlgorithm @include(if: true)
  commitHash
  fileCount
  createdAt
  updatedAt
  aliases @include(if: $includeAliases) {
    artifactCollection {
      ...CollectionInfoFragment
    }
    ...ArtifactAliasFragment
  }
}"#
    };
}

/// `ArtifactMembershipFragment`, which spreads `ArtifactAliasFragment`,
/// `ArtifactFragment` and `CollectionInfoFragment`.
macro_rules! artifact_membership_fragment {
    () => {
        r#"fragment ArtifactMembershipFragment on ArtifactCollectionMembership {
  __typename
  id
  versionIndex
  createdAt
  aliases {
    ...ArtifactAliasFragment
  }
  artifactCollection {
    ...CollectionInfoFragment
  }
  artifact {
    ...ArtifactFragment
  }
}"#
    };
}

/// `ArtifactTypeFragment`.
macro_rules! artifact_type_fragment {
    () => {
        r#"fragment ArtifactTypeFragment on ArtifactType {
  __typename
  id
  name
  description
  createdAt
}"#
    };
}

/// `CollectionInfoFragment`, which spreads `ProjectInfoFragment`.
macro_rules! collection_info_fragment {
    () => {
        r#"fragment CollectionInfoFragment on ArtifactCollection {
  __typename
  name
  project {
    ...ProjectInfoFragment
  }
}"#
    };
}

/// `CreatedArtifact`.
macro_rules! created_artifact_fragment {
    () => {
        r#"fragment CreatedArtifact on CreateArtifactPayload {
  artifact {
    id
    state
    artifactSequence {
      latestArtifact {
        id
      }
    }
  }
}"#
    };
}

/// `CreatedProjectFragment`.
macro_rules! created_project_fragment {
    () => {
        r#"fragment CreatedProjectFragment on Project {
  id
  name
  entityName
  description
  access
  views
}"#
    };
}

/// `DeferredManifestFragment`.
macro_rules! deferred_manifest_fragment {
    () => {
        r#"fragment DeferredManifestFragment on ArtifactManifest {
  file {
    directUrl
  }
}"#
    };
}

/// `FileFragment`.
macro_rules! file_fragment {
    () => {
        r#"fragment FileFragment on File {
  __typename
  id
  name: displayName
  url
  sizeBytes
  storagePath
  mimetype
  updatedAt
  digest
  md5
  directUrl
}"#
    };
}

/// `FileWithUrlFragment`.
macro_rules! file_with_url_fragment {
    () => {
        r#"fragment FileWithUrlFragment on File {
  __typename
  name
  directUrl
}"#
    };
}

/// `OrgInfoFragment`.
macro_rules! org_info_fragment {
    () => {
        r#"fragment OrgInfoFragment on Organization {
  name
  orgEntity {
    name
  }
}"#
    };
}

/// `PageInfoFragment`.
macro_rules! page_info_fragment {
    () => {
        r#"fragment PageInfoFragment on PageInfo {
  __typename
  endCursor
  hasNextPage
}"#
    };
}

/// `ProjectFragment`, which spreads `UserFragment`.
macro_rules! project_fragment {
    () => {
        r#"fragment ProjectFragment on Project {
  __typename
  id
  name
  entityName
  createdAt
  isBenchmark
  user {
    ...UserFragment
  }
}"#
    };
}

/// `ProjectInfoFragment`.
macro_rules! project_info_fragment {
    () => {
        r#"fragment ProjectInfoFragment on Project {
  id
  internalId
  name
  entity {
    name
  }
}"#
    };
}

/// `RegistryCollectionFragment` (see `collection_fields!`).
macro_rules! registry_collection_fragment {
    () => {
        concat!(
            "fragment RegistryCollectionFragment on ArtifactCollection ",
            collection_fields!()
        )
    };
}

/// `RegistryFragment`.
macro_rules! registry_fragment {
    () => {
        r#"fragment RegistryFragment on Project {
  __typename
  id
  internalId
  name
  entity {
    name
    organization {
      name
    }
  }
  description
  createdAt
  updatedAt
  access
  allowAllArtifactTypes: allowAllArtifactTypesInRegistry
  artifactTypes(includeAll: true) {
    edges {
      node {
        name
      }
    }
  }
}"#
    };
}

/// `RunFilesFragment`.
macro_rules! run_files_fragment {
    () => {
        r#"fragment RunFilesFragment on Run {
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
}"#
    };
}

/// `RunFragment`, the full one `api.runs(…, lazy=False)` uses.
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

/// `RunInfoFragment`, which spreads `ProjectInfoFragment`.
macro_rules! run_info_fragment {
    () => {
        r#"fragment RunInfoFragment on Run {
  __typename
  id
  name
  project {
    ...ProjectInfoFragment
  }
}"#
    };
}

/// `SourceCollectionInfoFragment`, which spreads `ProjectInfoFragment`.
macro_rules! source_collection_info_fragment {
    () => {
        r#"fragment SourceCollectionInfoFragment on ArtifactSequence {
  __typename
  name
  project {
    ...ProjectInfoFragment
  }
}"#
    };
}

/// `TagFragment`.
macro_rules! tag_fragment {
    () => {
        r#"fragment TagFragment on Tag {
  __typename
  id
  name
}"#
    };
}

/// `UserFragment`, which spreads `ApiKeyFragment`.
macro_rules! user_fragment {
    () => {
        r#"fragment UserFragment on User {
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
}"#
    };
}

/// `UserInfoFragment`.
macro_rules! user_info_fragment {
    () => {
        r#"fragment UserInfoFragment on User {
  id
  name
  username
  email
  admin
}"#
    };
}

// Bundles: a fragment with all it spreads, directly or through another, in
// alphabetical order.

/// `ArtifactFragment` and the five fragments it needs.
macro_rules! artifact_fragments {
    () => {
        document!(
            artifact_alias_fragment!(),
            artifact_fragment!(),
            collection_info_fragment!(),
            project_info_fragment!(),
            source_collection_info_fragment!(),
            tag_fragment!(),
        )
    };
}

/// `ArtifactMembershipFragment` and the six fragments it needs.
macro_rules! artifact_membership_fragments {
    () => {
        document!(
            artifact_alias_fragment!(),
            artifact_fragment!(),
            artifact_membership_fragment!(),
            collection_info_fragment!(),
            project_info_fragment!(),
            source_collection_info_fragment!(),
            tag_fragment!(),
        )
    };
}

/// `GetViewer`.
pub const GET_VIEWER: &str = document!(
    r#"query GetViewer {
  viewer {
    ...UserFragment
  }
}"#,
    api_key_fragment!(),
    user_fragment!(),
);

/// `GetDefaultEntity`.
pub const GET_DEFAULT_ENTITY: &str = r#"query GetDefaultEntity {
  viewer {
    id
    entity
  }
}"#;

/// `CreateUserFromAdmin`.
pub const CREATE_USER_FROM_ADMIN: &str = document!(
    r#"mutation CreateUserFromAdmin($email: String!, $admin: Boolean) {
  result: createUser(input: {email: $email, admin: $admin}) {
    user {
      ...UserInfoFragment
    }
  }
}"#,
    user_info_fragment!(),
);

/// `SearchUsers`.
pub const SEARCH_USERS: &str = document!(
    r#"query SearchUsers($query: String) {
  users(query: $query) {
    edges {
      node {
        ...UserFragment
      }
    }
  }
}"#,
    api_key_fragment!(),
    user_fragment!(),
);

/// `GenerateApiKey`.
pub const GENERATE_API_KEY: &str = document!(
    r#"mutation GenerateApiKey($description: String) {
  result: generateApiKey(input: {description: $description}) {
    apiKey {
      ...ApiKeyFragment
    }
  }
}"#,
    api_key_fragment!(),
);

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
pub const CREATE_PROJECT: &str = document!(
    r#"mutation CreateProject($input: UpsertModelInput!) {
  result: upsertModel(input: $input) {
    project {
      ...CreatedProjectFragment
    }
    model {
      ...CreatedProjectFragment
    }
    inserted
  }
}"#,
    created_project_fragment!(),
);

/// `GetProject`.
pub const GET_PROJECT: &str = document!(
    r#"query GetProject($name: String!, $entity: String!) {
  project(name: $name, entityName: $entity) {
    ...ProjectFragment
  }
}"#,
    api_key_fragment!(),
    project_fragment!(),
    user_fragment!(),
);

/// `GetProjects`.
pub const GET_PROJECTS: &str = document!(
    r#"query GetProjects($entity: String, $cursor: String, $perPage: Int = 50) {
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
}"#,
    api_key_fragment!(),
    page_info_fragment!(),
    project_fragment!(),
    user_fragment!(),
);

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

/// Cairn extension: create a further organization (admins only).
pub const CREATE_ORGANIZATION: &str = r#"mutation CreateOrganization($name: String!) {
  result: createOrganization(input: {name: $name}) {
    organization {
      id
      name
      orgEntity {
        name
      }
    }
  }
}"#;

/// Cairn extension: register an existing key (from another W&B server) for
/// a user (admins only). The answer carries the key's public name.
pub const IMPORT_API_KEY: &str = r#"mutation ImportApiKey($userId: ID!, $apiKey: String!, $description: String) {
  result: importApiKey(input: {userId: $userId, apiKey: $apiKey, description: $description}) {
    apiKey {
      id
      name
      description
    }
  }
}"#;

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
// The texts of `wandb/sdk/artifacts/_generated/operations.py`
// (wandb==0.31.0), assembled from the fragments above, so the fields,
// fragments and variables match what the official client sends through
// wandb-core.

/// `ArtifactType` (Python's `ARTIFACT_TYPE_GQL`).
pub const ARTIFACT_TYPE: &str = r#"query ArtifactType($entity: String, $project: String, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifact(name: $name) {
      artifactType {
        name
      }
    }
  }
}"#;

/// `ArtifactMembershipByName` (Python's `ARTIFACT_MEMBERSHIP_BY_NAME_GQL`).
pub const ARTIFACT_MEMBERSHIP_BY_NAME: &str = document!(
    r#"query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!, $includeAliases: Boolean = false) {
  project(name: $project, entityName: $entity) {
    artifactCollectionMembership(name: $name) {
      ...ArtifactMembershipFragment
    }
  }
}"#,
    artifact_membership_fragments!(),
);

/// `ArtifactByID` (Python's `ARTIFACT_BY_ID_GQL`).
pub const ARTIFACT_BY_ID: &str = document!(
    r#"query ArtifactByID($id: ID!, $includeAliases: Boolean = true) {
  artifact(id: $id) {
    ...ArtifactFragment
  }
}"#,
    artifact_fragments!(),
);

/// `ProjectArtifactTypes` (Python's `PROJECT_ARTIFACT_TYPES_GQL`).
pub const PROJECT_ARTIFACT_TYPES: &str = document!(
    r#"query ProjectArtifactTypes($entity: String!, $project: String!, $cursor: String, $perPage: Int) {
  project(name: $project, entityName: $entity) {
    artifactTypes(after: $cursor, first: $perPage) {
      edges {
        node {
          ...ArtifactTypeFragment
        }
      }
      pageInfo {
        ...PageInfoFragment
      }
    }
  }
}"#,
    artifact_type_fragment!(),
    page_info_fragment!(),
);

/// `ProjectArtifactType` (Python's `PROJECT_ARTIFACT_TYPE_GQL`).
pub const PROJECT_ARTIFACT_TYPE: &str = document!(
    r#"query ProjectArtifactType($entity: String!, $project: String!, $type: String!) {
  project(entityName: $entity, name: $project) {
    artifactType(name: $type) {
      ...ArtifactTypeFragment
    }
  }
}"#,
    artifact_type_fragment!(),
);

/// `ArtifactTypeArtifactCollections` (Python's `ARTIFACT_TYPE_ARTIFACT_COLLECTIONS_GQL`).
pub const ARTIFACT_TYPE_ARTIFACT_COLLECTIONS: &str = document!(
    r#"query ArtifactTypeArtifactCollections($entity: String!, $project: String!, $type: String!, $cursor: String, $perPage: Int, $filters: JSONString, $order: String) {
  project(entityName: $entity, name: $project) {
    artifactType(name: $type) {
      artifactCollections(
        after: $cursor
        first: $perPage
        filters: $filters
        order: $order
      ) {
        totalCount
        pageInfo {
          ...PageInfoFragment
        }
        edges {
          node {
            __typename
            ...ArtifactCollectionFragment
          }
        }
      }
    }
  }
}"#,
    artifact_collection_fragment!(),
    page_info_fragment!(),
    project_info_fragment!(),
    tag_fragment!(),
);

/// `ProjectArtifactCollection` (Python's `PROJECT_ARTIFACT_COLLECTION_GQL`).
pub const PROJECT_ARTIFACT_COLLECTION: &str = document!(
    r#"query ProjectArtifactCollection($entity: String!, $project: String!, $type: String!, $name: String!) {
  project(entityName: $entity, name: $project) {
    artifactType(name: $type) {
      artifactCollection(name: $name) {
        __typename
        ...ArtifactCollectionFragment
      }
    }
  }
}"#,
    artifact_collection_fragment!(),
    project_info_fragment!(),
    tag_fragment!(),
);

/// `ProjectArtifacts` (Python's `PROJECT_ARTIFACTS_GQL`).
pub const PROJECT_ARTIFACTS: &str = document!(
    r#"query ProjectArtifacts($entity: String!, $project: String!, $type: String!, $collection: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString, $includeAliases: Boolean = true) {
  project(entityName: $entity, name: $project) {
    artifactType(name: $type) {
      artifactCollection(name: $collection) {
        __typename
        artifacts(after: $cursor, first: $perPage, order: $order, filters: $filters) {
          totalCount
          pageInfo {
            ...PageInfoFragment
          }
          edges {
            version
            node {
              ...ArtifactFragment
            }
          }
        }
      }
    }
  }
}"#,
    page_info_fragment!(),
    artifact_fragments!(),
);

/// `ArtifactMembershipFiles` (Python's `ARTIFACT_MEMBERSHIP_FILES_GQL`).
pub const ARTIFACT_MEMBERSHIP_FILES: &str = document!(
    r#"query ArtifactMembershipFiles($entity: String!, $project: String!, $collection: String!, $alias: String!, $fileNames: [String!], $cursor: String, $perPage: Int = 50) {
  project(name: $project, entityName: $entity) {
    artifactCollection(name: $collection) {
      __typename
      artifactMembership(aliasName: $alias) {
        files(names: $fileNames, after: $cursor, first: $perPage) {
          totalCount @include(if: true)
          pageInfo {
            ...PageInfoFragment
          }
          edges {
            node {
              ...FileFragment
            }
          }
        }
      }
    }
  }
}"#,
    file_fragment!(),
    page_info_fragment!(),
);

/// `GetArtifactMembershipFileUrls` (Python's `GET_ARTIFACT_MEMBERSHIP_FILE_URLS_GQL`).
pub const GET_ARTIFACT_MEMBERSHIP_FILE_URLS: &str = document!(
    r#"query GetArtifactMembershipFileUrls($entity: String!, $project: String!, $collection: String!, $alias: String!, $cursor: String, $perPage: Int) {
  project(name: $project, entityName: $entity) {
    artifactCollection(name: $collection) {
      __typename
      artifactMembership(aliasName: $alias) {
        files(after: $cursor, first: $perPage) {
          pageInfo {
            ...PageInfoFragment
          }
          edges {
            node {
              ...FileWithUrlFragment
            }
          }
        }
      }
    }
  }
}"#,
    file_with_url_fragment!(),
    page_info_fragment!(),
);

/// `FetchArtifactManifest` (Python's `FETCH_ARTIFACT_MANIFEST_GQL`).
pub const FETCH_ARTIFACT_MANIFEST: &str = document!(
    r#"query FetchArtifactManifest($id: ID!) {
  artifact(id: $id) {
    currentManifest {
      ...DeferredManifestFragment
    }
  }
}"#,
    deferred_manifest_fragment!(),
);

/// `AddAliases` (Python's `ADD_ALIASES_GQL`).
pub const ADD_ALIASES: &str = r#"mutation AddAliases($input: AddAliasesInput!) {
  result: addAliases(input: $input) {
    success
  }
}"#;

/// `DeleteAliases` (Python's `DELETE_ALIASES_GQL`).
pub const DELETE_ALIASES: &str = r#"mutation DeleteAliases($input: DeleteAliasesInput!) {
  result: deleteAliases(input: $input) {
    success
  }
}"#;

/// `UpdateArtifact` (Python's `UPDATE_ARTIFACT_GQL`).
pub const UPDATE_ARTIFACT: &str = document!(
    r#"mutation UpdateArtifact($input: UpdateArtifactInput!, $includeAliases: Boolean = true) {
  result: updateArtifact(input: $input) {
    artifact {
      ...ArtifactFragment
    }
  }
}"#,
    artifact_fragments!(),
);

/// `DeleteArtifact` (Python's `DELETE_ARTIFACT_GQL`).
pub const DELETE_ARTIFACT: &str = r#"mutation DeleteArtifact($input: DeleteArtifactInput!) {
  result: deleteArtifact(input: $input) {
    artifact {
      id
    }
  }
}"#;

/// `LinkArtifact` (Python's `LINK_ARTIFACT_GQL`).
pub const LINK_ARTIFACT: &str = document!(
    r#"mutation LinkArtifact($input: LinkArtifactInput!, $includeAliases: Boolean = true) {
  result: linkArtifact(input: $input) {
    versionIndex
    artifactMembership @include(if: true) {
      ...ArtifactMembershipFragment
    }
  }
}"#,
    artifact_membership_fragments!(),
);

/// `ArtifactUsedBy` (Python's `ARTIFACT_USED_BY_GQL`).
pub const ARTIFACT_USED_BY: &str = document!(
    r#"query ArtifactUsedBy($id: ID!) {
  artifact(id: $id) {
    usedBy {
      edges {
        node {
          ...RunInfoFragment
        }
      }
    }
  }
}"#,
    project_info_fragment!(),
    run_info_fragment!(),
);

/// `ArtifactCreatedBy` (Python's `ARTIFACT_CREATED_BY_GQL`).
pub const ARTIFACT_CREATED_BY: &str = document!(
    r#"query ArtifactCreatedBy($id: ID!) {
  artifact(id: $id) {
    createdBy {
      __typename
      ... on Run {
        ...RunInfoFragment
      }
    }
  }
}"#,
    project_info_fragment!(),
    run_info_fragment!(),
);

/// `FetchOrgInfoFromEntity` (Python's `FETCH_ORG_INFO_FROM_ENTITY_GQL`).
pub const FETCH_ORG_INFO_FROM_ENTITY: &str = document!(
    r#"query FetchOrgInfoFromEntity($entity: String!) {
  entity(name: $entity) {
    organization {
      ...OrgInfoFragment
    }
    user {
      organizations {
        ...OrgInfoFragment
      }
    }
  }
}"#,
    org_info_fragment!(),
);

/// `FetchRegistries` (Python's `FETCH_REGISTRIES_GQL`).
pub const FETCH_REGISTRIES: &str = document!(
    r#"query FetchRegistries($organization: String!, $filters: JSONString, $cursor: String, $perPage: Int, $order: String) {
  organization(name: $organization) {
    orgEntity {
      projects(filters: $filters, after: $cursor, first: $perPage, order: $order) {
        pageInfo {
          ...PageInfoFragment
        }
        edges {
          node {
            ...RegistryFragment
          }
        }
      }
    }
  }
}"#,
    page_info_fragment!(),
    registry_fragment!(),
);

/// `RegistryCollections` (Python's `REGISTRY_COLLECTIONS_GQL`).
pub const REGISTRY_COLLECTIONS: &str = document!(
    r#"query RegistryCollections($organization: String!, $registryFilter: JSONString, $collectionFilter: JSONString, $collectionTypes: [ArtifactCollectionType!] = [PORTFOLIO], $cursor: String, $perPage: Int, $order: String) {
  organization(name: $organization) {
    orgEntity {
      name
      artifactCollections(
        projectFilters: $registryFilter
        filters: $collectionFilter
        collectionTypes: $collectionTypes
        after: $cursor
        first: $perPage
        order: $order
      ) {
        totalCount
        pageInfo {
          ...PageInfoFragment
        }
        edges {
          node {
            __typename
            ...RegistryCollectionFragment
          }
        }
      }
    }
  }
}"#,
    page_info_fragment!(),
    project_info_fragment!(),
    registry_collection_fragment!(),
    tag_fragment!(),
);

/// `RegistryVersions` (Python's `REGISTRY_VERSIONS_GQL`).
pub const REGISTRY_VERSIONS: &str = document!(
    r#"query RegistryVersions($organization: String!, $registryFilter: JSONString, $collectionFilter: JSONString, $artifactFilter: JSONString, $cursor: String, $perPage: Int, $order: String, $includeAliases: Boolean = false) {
  organization(name: $organization) {
    orgEntity {
      name
      artifactMemberships(
        projectFilters: $registryFilter
        collectionFilters: $collectionFilter
        filters: $artifactFilter
        after: $cursor
        first: $perPage
        order: $order
      ) {
        pageInfo {
          ...PageInfoFragment
        }
        edges {
          node {
            ...ArtifactMembershipFragment
          }
        }
      }
    }
  }
}"#,
    page_info_fragment!(),
    artifact_membership_fragments!(),
);

// The saver's operations are compiled into wandb-core; these are its texts.

/// `CreateArtifact` (wandb-core's saver).
pub const CREATE_ARTIFACT: &str = document!(
    r#"mutation CreateArtifact($input: CreateArtifactInput!) {
  createArtifact(input: $input) {
    ...CreatedArtifact
  }
}"#,
    created_artifact_fragment!(),
);

/// `CreateArtifactManifest` (wandb-core's saver): once with
/// `includeUpload: false` to reserve it, once with the digest for the URL.
pub const CREATE_ARTIFACT_MANIFEST: &str = r#"mutation CreateArtifactManifest($artifactID: ID!, $baseArtifactID: ID, $name: String!, $digest: String!, $entityName: String!, $projectName: String!, $runName: String!, $manifestType: ArtifactManifestType!, $includeUpload: Boolean!) {
  createArtifactManifest(
    input: {artifactID: $artifactID, baseArtifactID: $baseArtifactID, name: $name, digest: $digest, entityName: $entityName, projectName: $projectName, runName: $runName, type: $manifestType}
  ) {
    artifactManifest {
      id
      file {
        id
        uploadUrl @include(if: $includeUpload)
        uploadHeaders @include(if: $includeUpload)
      }
    }
  }
}"#;

/// `CreateArtifactFiles` (wandb-core's saver).
pub const CREATE_ARTIFACT_FILES: &str = r#"mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) {
  createArtifactFiles(input: $input) {
    files {
      edges {
        node {
          storagePath
          uploadUrl
          uploadHeaders
          uploadMultipartUrls {
            uploadID
            uploadUrlParts {
              partNumber
              uploadUrl
            }
          }
          artifact {
            id
          }
        }
      }
    }
  }
}"#;

/// `CommitArtifact` (wandb-core's saver).
pub const COMMIT_ARTIFACT: &str = r#"mutation CommitArtifact($artifactID: ID!) {
  commitArtifact(input: {artifactID: $artifactID}) {
    artifact {
      id
      digest
    }
  }
}"#;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// `(name, text)` for each named constant of the module.
    macro_rules! named {
        ($($name:ident),* $(,)?) => {
            &[$((stringify!($name), super::$name)),*]
        };
    }

    /// Every document, by its constant's name.
    const DOCUMENTS: &[(&str, &str)] = named![
        GET_VIEWER,
        GET_DEFAULT_ENTITY,
        CREATE_USER_FROM_ADMIN,
        SEARCH_USERS,
        GENERATE_API_KEY,
        DELETE_API_KEY,
        CREATE_TEAM,
        GET_TEAM_ENTITY,
        CREATE_INVITE,
        DELETE_INVITE,
        CREATE_SERVICE_ACCOUNT,
        CREATE_PROJECT,
        GET_PROJECT,
        GET_PROJECTS,
        GENERATE_API_KEY_FOR_USER,
        IMPORT_API_KEY,
        CREATE_ORGANIZATION,
        RUNS,
        RUN,
        CREATE_RUN,
        UPDATE_RUN,
        UPDATE_RUN_SUMMARY,
        UPDATE_RUN_STATE,
        STOP_RUN,
        DELETE_RUN,
        RUN_FULL_HISTORY,
        RUN_SAMPLED_HISTORY,
        RUN_HISTORY_KEYS,
        HISTORY_PAGE,
        SAMPLED_HISTORY_PAGE,
        RUN_FILES,
        CREATE_RUN_FILES,
        DELETE_FILES,
        ARTIFACT_TYPE,
        ARTIFACT_MEMBERSHIP_BY_NAME,
        ARTIFACT_BY_ID,
        PROJECT_ARTIFACT_TYPES,
        PROJECT_ARTIFACT_TYPE,
        ARTIFACT_TYPE_ARTIFACT_COLLECTIONS,
        PROJECT_ARTIFACT_COLLECTION,
        PROJECT_ARTIFACTS,
        ARTIFACT_MEMBERSHIP_FILES,
        GET_ARTIFACT_MEMBERSHIP_FILE_URLS,
        FETCH_ARTIFACT_MANIFEST,
        ADD_ALIASES,
        DELETE_ALIASES,
        UPDATE_ARTIFACT,
        DELETE_ARTIFACT,
        LINK_ARTIFACT,
        ARTIFACT_USED_BY,
        ARTIFACT_CREATED_BY,
        FETCH_ORG_INFO_FROM_ENTITY,
        FETCH_REGISTRIES,
        REGISTRY_COLLECTIONS,
        REGISTRY_VERSIONS,
        CREATE_ARTIFACT,
        CREATE_ARTIFACT_MANIFEST,
        CREATE_ARTIFACT_FILES,
        COMMIT_ARTIFACT,
    ];

    /// The fragment names `text` spreads (`...Name`, not `... on Type`).
    fn spreads(text: &str) -> BTreeSet<&str> {
        text.match_indices("...")
            .map(|(at, _)| {
                let rest = &text[at + 3..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .filter(|name| !name.is_empty() && *name != "on")
            .collect()
    }

    /// A server rejects a document with an unused, undefined or twice
    /// defined fragment, so each must define exactly the fragments its
    /// operation reaches.
    #[test]
    fn documents_define_what_they_use() {
        for (name, document) in DOCUMENTS {
            let mut parts = document.split("\n\nfragment ");
            let operation = parts.next().unwrap();
            assert!(
                !operation.contains("\nfragment "),
                "{name}: fragments come after the operation"
            );
            let mut defined = BTreeMap::new();
            for part in parts {
                let (fragment, _) = part.split_once(" on ").unwrap();
                assert!(
                    defined.insert(fragment, part).is_none(),
                    "{name}: {fragment} defined twice"
                );
            }
            let mut reached = BTreeSet::new();
            let mut pending: Vec<&str> = spreads(operation).into_iter().collect();
            while let Some(fragment) = pending.pop() {
                if reached.insert(fragment) {
                    let text = defined
                        .get(fragment)
                        .unwrap_or_else(|| panic!("{name}: {fragment} used but not defined"));
                    pending.extend(spreads(text));
                }
            }
            let defined: BTreeSet<&str> = defined.into_keys().collect();
            assert_eq!(defined, reached, "{name}: defined vs used fragments");
        }
    }
}
