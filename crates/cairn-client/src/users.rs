//! [`User`]: an account, its API keys and teams.

use serde::Deserialize;
use serde_json::json;

use crate::api::{Api, Edges};
use crate::error::{Error, Result};
use crate::queries;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserData {
    id: String,
    name: String,
    username: Option<String>,
    email: Option<String>,
    admin: Option<bool>,
    entity: Option<String>,
    deleted_at: Option<String>,
    api_keys: Option<Edges<ApiKeyData>>,
    teams: Option<Edges<TeamName>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ApiKeyData {
    id: String,
    name: String,
    description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TeamName {
    name: String,
}

#[derive(Deserialize)]
struct Generated {
    result: Option<GeneratedKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeneratedKey {
    api_key: Option<ApiKeyData>,
}

/// A user, like Python's `wandb.apis.public.User`.
#[derive(Clone)]
pub struct User {
    api: Api,
    data: UserData,
    /// Secrets this object generated, newest last: what `user_api` uses.
    secrets: Vec<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("username", &self.data.username)
            .field("email", &self.data.email)
            .finish_non_exhaustive()
    }
}

impl User {
    pub(crate) fn new(api: Api, data: UserData) -> Self {
        User {
            api,
            data,
            secrets: Vec::new(),
        }
    }

    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// Login name (empty if the server did not say).
    pub fn username(&self) -> &str {
        self.data.username.as_deref().unwrap_or_default()
    }

    /// Email, if any.
    pub fn email(&self) -> Option<&str> {
        self.data.email.as_deref()
    }

    /// Instance administrator.
    pub fn admin(&self) -> bool {
        self.data.admin.unwrap_or(false)
    }

    /// The entity runs go to by default.
    pub fn entity(&self) -> Option<&str> {
        self.data.entity.as_deref()
    }

    /// Whether the user is deactivated (W&B's `deletedAt` is set): their
    /// keys and browser sessions are refused until they are reactivated.
    pub fn deactivated(&self) -> bool {
        self.data.deleted_at.is_some()
    }

    /// Names of the user's API keys (never the secrets). Empty when the
    /// server did not share them.
    pub fn api_keys(&self) -> Vec<String> {
        self.keys().map(|k| k.name.clone()).collect()
    }

    /// Descriptions of the user's API keys, by name.
    pub fn api_key_descriptions(&self) -> Vec<(String, Option<String>)> {
        self.keys()
            .map(|k| (k.name.clone(), k.description.clone()))
            .collect()
    }

    /// Names of the user's teams.
    pub fn teams(&self) -> Vec<String> {
        self.data
            .teams
            .iter()
            .flat_map(|t| &t.edges)
            .filter_map(|e| e.node.as_ref())
            .map(|t| t.name.clone())
            .collect()
    }

    /// Generate a new API key and return its secret (shown this once).
    ///
    /// For the caller's own `User` this sends the official `GenerateApiKey`;
    /// for another user (an admin managing accounts) it uses Cairn's
    /// `userId` extension, so the key belongs to *this* user.
    pub async fn generate_api_key(&mut self, description: Option<&str>) -> Result<String> {
        let viewer_id = self.api.viewer().await?.data.id;
        let data: Generated = if viewer_id == self.data.id {
            self.api
                .transport
                .execute(
                    queries::GENERATE_API_KEY,
                    json!({"description": description}),
                )
                .await?
        } else {
            self.api
                .transport
                .execute(
                    queries::GENERATE_API_KEY_FOR_USER,
                    json!({"userId": self.data.id, "description": description}),
                )
                .await?
        };
        let key = data
            .result
            .and_then(|r| r.api_key)
            .ok_or_else(|| Error::Decode("no key in the answer to GenerateApiKey".into()))?;
        let secret = key.name.clone();
        // Record it under its public name, the part before the dash.
        let public = ApiKeyData {
            name: secret
                .split_once('-')
                .map_or(secret.as_str(), |(n, _)| n)
                .to_string(),
            ..key
        };
        self.data
            .api_keys
            .get_or_insert_with(|| Edges { edges: Vec::new() })
            .edges
            .push(crate::api::Edge { node: Some(public) });
        self.secrets.push(secret.clone());
        Ok(secret)
    }

    /// Register a key this user already has on another W&B server, so it
    /// keeps working here (Cairn extension, instance admins only). Returns
    /// the key's public name, as [`User::api_keys`] lists it; the key itself
    /// is never sent back.
    pub async fn import_api_key(&mut self, key: &str, description: Option<&str>) -> Result<String> {
        let data: Generated = self
            .api
            .transport
            .execute(
                queries::IMPORT_API_KEY,
                json!({"userId": self.data.id, "apiKey": key, "description": description}),
            )
            .await?;
        let record = data
            .result
            .and_then(|r| r.api_key)
            .ok_or_else(|| Error::Decode("no key in the answer to ImportApiKey".into()))?;
        let name = record.name.clone();
        self.data
            .api_keys
            .get_or_insert_with(|| Edges { edges: Vec::new() })
            .edges
            .push(crate::api::Edge { node: Some(record) });
        Ok(name)
    }

    /// Revoke the key with this name (one of [`User::api_keys`]).
    pub async fn delete_api_key(&mut self, name: &str) -> Result<()> {
        let id = self
            .keys()
            .find(|k| k.name == name)
            .map(|k| k.id.clone())
            .ok_or_else(|| Error::NotFound {
                what: "API key",
                name: name.to_string(),
            })?;
        let _: serde_json::Value = self
            .api
            .transport
            .execute(queries::DELETE_API_KEY, json!({"id": id}))
            .await?;
        if let Some(keys) = &mut self.data.api_keys {
            keys.edges
                .retain(|e| e.node.as_ref().is_none_or(|k| k.id != id));
        }
        Ok(())
    }

    /// An [`Api`] acting as this user, using a key this object generated.
    pub fn user_api(&self) -> Option<Api> {
        let secret = self.secrets.last()?;
        self.api.with_key(secret).ok()
    }

    fn keys(&self) -> impl Iterator<Item = &ApiKeyData> {
        self.data
            .api_keys
            .iter()
            .flat_map(|k| &k.edges)
            .filter_map(|e| e.node.as_ref())
    }
}
