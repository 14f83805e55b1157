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
