//! [`Team`] and its [`Member`]s.

use serde::Deserialize;
use serde_json::json;

use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;

#[derive(Deserialize)]
struct EntityQuery {
    entity: Option<TeamData>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamData {
    id: String,
    name: String,
    is_team: bool,
    #[serde(default)]
    members: Vec<MemberData>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberData {
    id: Option<String>,
    admin: Option<bool>,
    pending: Option<bool>,
    email: Option<String>,
    username: Option<String>,
    name: String,
    account_type: Option<String>,
    api_key: Option<String>,
}

#[derive(Deserialize)]
struct ServiceAccountResult {
    result: Option<ServiceAccountUser>,
}

#[derive(Deserialize)]
struct ServiceAccountUser {
    user: Option<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

/// A team, like Python's `wandb.apis.public.Team`.
#[derive(Clone)]
pub struct Team {
    api: Api,
    data: TeamData,
    members: Vec<Member>,
}

impl std::fmt::Debug for Team {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Team")
            .field("name", &self.data.name)
            .field("members", &self.members)
            .finish()
    }
}

impl Team {
    pub(crate) async fn load(api: Api, name: &str) -> Result<Option<Team>> {
        let data: EntityQuery = api
            .transport
            .execute(queries::GET_TEAM_ENTITY, json!({"name": name}))
            .await?;
        Ok(data.entity.map(|data| {
            let members = data
                .members
                .iter()
                .cloned()
                .map(|m| Member {
                    api: api.clone(),
                    team: data.name.clone(),
                    data: m,
                })
                .collect();
            Team { api, data, members }
        }))
    }

    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// Whether this is a team (not a user's personal entity).
    pub fn is_team(&self) -> bool {
        self.data.is_team
    }

    /// Members and pending invitations, as loaded.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Load the team again from the server.
    pub async fn reload(&mut self) -> Result<()> {
        *self = Team::load(self.api.clone(), &self.data.name)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "team",
                name: self.data.name.clone(),
            })?;
        Ok(())
    }

    /// Invite a user by username, or by email (an `@` decides, as in Python).
    pub async fn invite(&self, username_or_email: &str, admin: bool) -> Result<()> {
        let field = if username_or_email.contains('@') {
            "email"
        } else {
            "username"
        };
        let mut variables = json!({"entity": self.data.name, "admin": admin});
        variables[field] = json!(username_or_email);
        let _: serde_json::Value = self
            .api
            .transport
            .execute(queries::CREATE_INVITE, variables)
            .await?;
        Ok(())
    }

    /// Create a service account; the returned member carries its API key,
    /// which the server shows only this once.
    pub async fn create_service_account(&mut self, description: &str) -> Result<Member> {
        let data: ServiceAccountResult = self
            .api
            .transport
            .execute(
                queries::CREATE_SERVICE_ACCOUNT,
                json!({"entity": self.data.name, "description": description}),
            )
            .await?;
        let id = data.result.and_then(|r| r.user).map(|u| u.id);
        self.reload().await?;
        let member = self
            .members
            .iter()
            .find(|m| m.data.id.is_some() && m.data.id == id)
            .or(self.members.last())
            .cloned();
        member
            .ok_or_else(|| Error::Decode("the new service account is not among the members".into()))
    }
}

/// A team member or pending invitation, like Python's `Member`.
#[derive(Clone)]
pub struct Member {
    api: Api,
    team: String,
    data: MemberData,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member")
            .field("name", &self.data.name)
            .field("account_type", &self.data.account_type)
            .finish_non_exhaustive()
    }
}

impl Member {
    /// Opaque id (a user's, or an invitation's).
    pub fn id(&self) -> Option<&str> {
        self.data.id.as_deref()
    }

    /// Team admin.
    pub fn admin(&self) -> bool {
        self.data.admin.unwrap_or(false)
    }

    /// An invitation not yet taken up.
    pub fn pending(&self) -> bool {
        self.data.pending.unwrap_or(false)
    }

    /// Email, if known.
    pub fn email(&self) -> Option<&str> {
        self.data.email.as_deref()
    }

    /// Username, if a user.
    pub fn username(&self) -> Option<&str> {
        self.data.username.as_deref()
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// `USER`, `SERVICE`, or `INVITE`.
    pub fn account_type(&self) -> Option<&str> {
        self.data.account_type.as_deref()
    }

    /// A new service account's key, on its one showing.
    pub fn api_key(&self) -> Option<&str> {
        self.data.api_key.as_deref()
    }

    /// Remove the member from the team (or withdraw the invitation).
    pub async fn delete(&self) -> Result<()> {
        let _: serde_json::Value = self
            .api
            .transport
            .execute(
                queries::DELETE_INVITE,
                json!({"id": self.data.id, "entity": self.team}),
            )
            .await?;
        Ok(())
    }
}
