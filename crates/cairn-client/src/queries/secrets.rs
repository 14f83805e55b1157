//! Entity secrets (W&B's team secrets), in the shapes W&B's web app sends
//! (`secrets`, `insertSecret`), and `deleteSecret`. No document reads a
//! value: there is no field for one.

/// `secrets`: the names of an entity's secrets.
pub const ENTITY_SECRETS: &str = r#"query secrets($entityName: String!) {
  entity(name: $entityName) {
    id
    secrets {
      entityId
      name
      createdAt
    }
  }
}"#;

/// `insertSecret`: set a secret, replacing its value if it exists.
pub const INSERT_SECRET: &str = r#"mutation insertSecret($entityName: String!, $secretName: String!, $secretValue: String!) {
  insertSecret(input: {entityName: $entityName, secretName: $secretName, secretValue: $secretValue}) {
    success
  }
}"#;

/// `deleteSecret`.
pub const DELETE_SECRET: &str = r#"mutation deleteSecret($entityName: String!, $secretName: String!) {
  deleteSecret(input: {entityName: $entityName, secretName: $secretName}) {
    success
  }
}"#;
