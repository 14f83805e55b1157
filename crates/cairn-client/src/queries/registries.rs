//! Registries: the organization, its registries, their collections and
//! versions.

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
