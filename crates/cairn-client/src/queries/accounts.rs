//! Users, API keys, teams and invitations, projects and organizations.

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

/// Cairn extension: set or clear a person's web UI password (admins only).
pub const SET_USER_PASSWORD: &str = r#"mutation SetUserPassword($username: String!, $password: String) {
  result: setUserPassword(input: {username: $username, password: $password}) {
    success
  }
}"#;

/// Cairn extension: deactivate or reactivate a user (admins only).
pub const SET_USER_ACTIVE: &str = r#"mutation SetUserActive($username: String!, $active: Boolean!) {
  result: setUserActive(input: {username: $username, active: $active}) {
    user {
      id
      deletedAt
    }
  }
}"#;
