//! The GraphQL operations this client sends.
//!
//! They are the operations the official `wandb==0.31.0` client sends, with
//! the same names, fields and variables, so this client works against W&B's
//! own servers as well as Cairn. The one exception is marked: a Cairn
//! extension for admins.
//!
//! The fragments live here, once; the documents that use them are in one
//! file per feature (`accounts.rs`: users, keys, teams, projects and
//! organizations; `runs.rs`; `artifacts.rs`; `registries.rs`), all
//! re-exported so every document is `queries::NAME`.

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

/// `WebhookIntegrationFields`.
macro_rules! webhook_integration_fields {
    () => {
        r#"fragment WebhookIntegrationFields on GenericWebhookIntegration {
  __typename
  id
  name
  urlEndpoint
}"#
    };
}

/// `TriggerFields` and the fragments it spreads, as the official client
/// sends them to a server with `AUTOMATION_SCOPE_ENTITY` (the queue-job and
/// ARIA actions left out, as its `wandb-core` strips them).
macro_rules! trigger_fields {
    () => {
        r#"fragment ArtifactPortfolioScopeFields on ArtifactPortfolio {
  __typename
  id
  name
}

fragment ArtifactSequenceScopeFields on ArtifactSequence {
  __typename
  id
  name
}

fragment EntityScopeFields on Entity {
  __typename
  id
  name
  entityType
}

fragment FilterEventFields on FilterEventTriggeringCondition {
  __typename
  eventType
  filter
}

fragment GenericWebhookActionFields on GenericWebhookTriggeredAction {
  __typename
  integration {
    ...WebhookIntegrationFields
  }
  requestPayload
}

fragment NoOpActionFields on NoOpTriggeredAction {
  __typename
  noOp
}

fragment NotificationActionFields on NotificationTriggeredAction {
  __typename
  integration {
    ...SlackIntegrationFields
  }
  title
  message
  severity
}

fragment ProjectScopeFields on Project {
  __typename
  id
  name
}

fragment SlackIntegrationFields on SlackIntegration {
  __typename
  id
  teamName
  channelName
}

fragment TriggerFields on Trigger {
  __typename
  id
  createdAt
  updatedAt
  name
  description
  enabled
  scope {
    ...ProjectScopeFields
    ...ArtifactPortfolioScopeFields
    ...ArtifactSequenceScopeFields
    ...EntityScopeFields
  }
  event: triggeringCondition {
    ...FilterEventFields
  }
  action: triggeredAction {
    ...NotificationActionFields
    ...GenericWebhookActionFields
    ...NoOpActionFields
  }
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

// The fragment macros above must come before these modules: `macro_rules!`
// is visible only below its definition.
mod accounts;
mod artifacts;
mod automations;
mod integrations;
mod launch;
mod registries;
mod runs;
mod secrets;
mod sweeps;
mod views;

pub use accounts::*;
pub use artifacts::*;
pub use automations::*;
pub use integrations::*;
pub use launch::*;
pub use registries::*;
pub use runs::*;
pub use secrets::*;
pub use sweeps::*;
pub use views::*;

#[cfg(test)]
mod tests;
