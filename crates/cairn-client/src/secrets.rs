//! Entity secrets ([`Secret`], [`Api::secrets`]): named values an entity's
//! webhooks use (a signing secret, an access token), which the server
//! keeps sealed. A client can set and delete them and list their names;
//! nothing reads a value back.

use serde::Deserialize;
use serde_json::json;

use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;

/// One of an entity's secrets: its name, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// The row id of the entity it belongs to.
    pub entity_id: i64,
    /// Unique within its entity.
    pub name: String,
    /// When it was first set (RFC 3339).
    pub created_at: String,
}

/// `success` of a secret mutation.
#[derive(Deserialize)]
struct Done {
    success: bool,
}

impl Api {
    /// The secrets of `entity`, by name; empty when the caller is not a
    /// member of it.
    pub async fn secrets(&self, entity: &str) -> Result<Vec<Secret>> {
        #[derive(Deserialize)]
        struct Data {
            entity: Option<EntitySecrets>,
        }
        #[derive(Deserialize)]
        struct EntitySecrets {
            secrets: Vec<Secret>,
        }
        let data: Data = self
            .transport
            .execute(queries::ENTITY_SECRETS, json!({"entityName": entity}))
            .await?;
        data.entity
            .map(|found| found.secrets)
            .ok_or_else(|| Error::NotFound {
                what: "entity",
                name: entity.to_string(),
            })
    }

    /// Set the secret `name` of `entity` to `value`, replacing any value it
    /// had (the entity's admins may).
    pub async fn set_secret(&self, entity: &str, name: &str, value: &str) -> Result<()> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            insert_secret: Option<Done>,
        }
        let data: Data = self
            .transport
            .execute(
                queries::INSERT_SECRET,
                json!({"entityName": entity, "secretName": name, "secretValue": value}),
            )
            .await?;
        match data.insert_secret {
            Some(Done { success: true }) => Ok(()),
            _ => Err(Error::Api(format!("the server did not set secret {name}"))),
        }
    }

    /// Delete the secret `name` of `entity` (the entity's admins may).
    pub async fn delete_secret(&self, entity: &str, name: &str) -> Result<()> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            delete_secret: Option<Done>,
        }
        let data: Data = self
            .transport
            .execute(
                queries::DELETE_SECRET,
                json!({"entityName": entity, "secretName": name}),
            )
            .await?;
        match data.delete_secret {
            Some(Done { success: true }) => Ok(()),
            _ => Err(Error::Api(format!(
                "the server did not delete secret {name}"
            ))),
        }
    }
}
