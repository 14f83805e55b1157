//! Artifacts: the Public API's reads and edits, then the saver's writes.

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
