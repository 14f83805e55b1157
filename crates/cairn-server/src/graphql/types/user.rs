//! `User`, `ApiKey` and their connections.

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use cairn_core::model::{AccountType, ApiKey, User};

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::entity::EntityObject;
use crate::graphql::types::page::PageInfo;
use crate::graphql::{actor, cairn, ids};

/// A user account.
pub struct UserObject(pub User);

impl UserObject {
    /// The author of something a reader sees (a run, a report): the
    /// username and nothing else of the account.
    pub fn author(id: i64, username: String, created_at: time::OffsetDateTime) -> UserObject {
        UserObject(User {
            id,
            name: username.clone(),
            username,
            email: None,
            admin: false,
            account_type: cairn_core::model::AccountType::User,
            photo_url: None,
            default_entity: None,
            created_at,
            deactivated_at: None,
        })
    }
}

#[Object(name = "User")]
impl UserObject {
    async fn id(&self) -> ID {
        ids::encode("User", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn username(&self) -> &str {
        &self.0.username
    }

    /// The projects of this user's own entity and teams, oldest first;
    /// only for the user themselves (empty for anyone else).
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<crate::graphql::types::ProjectConnection> {
        use crate::graphql::types::{ProjectEdge, ProjectObject};
        let actor = actor(ctx);
        let (projects, has_next_page) = if actor.user().id == self.0.id {
            let after = crate::graphql::types::page::decode_cursor(after.as_deref()).gql()?;
            let page = cairn(ctx)
                .member_projects(actor, after, i64::from(first.unwrap_or(50)))
                .await
                .gql()?;
            (page.projects, page.has_next_page)
        } else {
            (Vec::new(), false)
        };
        let edges: Vec<_> = projects
            .into_iter()
            .map(|p| ProjectEdge {
                cursor: crate::graphql::types::page::cursor(p.id),
                node: Some(ProjectObject(p)),
            })
            .collect();
        Ok(crate::graphql::types::ProjectConnection {
            page_info: PageInfo {
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
                has_next_page: has_next_page && !edges.is_empty(),
                has_previous_page: false,
            },
            edges,
        })
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn admin(&self) -> bool {
        self.0.admin
    }

    /// `USER` or `SERVICE`.
    async fn account_type(&self) -> &'static str {
        self.0.account_type.as_str()
    }

    /// The profile picture's URL, if the user set one (`updateUser`).
    async fn photo_url(&self) -> Option<&str> {
        self.0.photo_url.as_deref()
    }

    /// The entity runs go to when the client names none: the one chosen with
    /// `updateUser(input: {defaultEntity})`, else the user's own.
    async fn default_entity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<EntityObject>> {
        let Some(name) = self.entity_name(ctx).await? else {
            return Ok(None);
        };
        let entity = cairn(ctx).entity(actor(ctx), &name).await.gql()?;
        Ok(entity.map(EntityObject))
    }

    /// Feature flags, as a JSON string: `{}`, none are set. Not null:
    /// clients before 0.27 parse it unconditionally when they log in (the
    /// launch agent's jobs failed on that).
    async fn flags(&self) -> Option<JsonString> {
        Some(JsonString("{}".into()))
    }

    /// Organizations the user belongs to, the default first. Others than
    /// the user and instance admins see only the default one.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::types::organization::OrganizationObject>> {
        let orgs = cairn(ctx)
            .organizations_of(actor(ctx), self.0.id, self.0.admin)
            .await
            .gql()?;
        Ok(orgs
            .into_iter()
            .map(crate::graphql::types::organization::OrganizationObject)
            .collect())
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When an instance admin deactivated the account (`setUserActive`);
    /// null while it is active. W&B's name for a soft-deleted user, which
    /// is what a deactivated one is: their data stays, their keys and
    /// sessions stop working.
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deactivated_at.map(DateTime)
    }

    /// The name of the entity runs go to by default: the chosen default
    /// entity, else a person's own or a service account's team. The
    /// official client reads this as its default entity.
    async fn entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.entity_name(ctx).await
    }

    /// The user's API keys (names only, never secrets). Null unless the caller
    /// is this user or an instance admin.
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApiKeyConnection>> {
        let keys = cairn(ctx).api_keys_of(actor(ctx), self.0.id).await.gql()?;
        Ok(keys.map(|keys| ApiKeyConnection {
            edges: keys
                .into_iter()
                .map(|k| ApiKeyEdge {
                    node: Some(ApiKeyObject::listed(k)),
                })
                .collect(),
        }))
    }

    /// The entities the user may log to: their own (personal) entity first,
    /// as W&B lists it, then their teams. Only this user and admins see them.
    async fn teams(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EntityConnection>> {
        let caller = actor(ctx);
        if caller.user().id != self.0.id && caller.admin().is_none() {
            return Ok(None);
        }
        let own = match self.0.account_type {
            AccountType::User => cairn(ctx).entity(caller, &self.0.username).await.gql()?,
            AccountType::Service => None,
        };
        let teams = cairn(ctx).teams_of(self.0.id).await.gql()?;
        Ok(Some(EntityConnection {
            edges: own
                .into_iter()
                .chain(teams)
                .map(|e| EntityEdge {
                    node: Some(EntityObject(e)),
                })
                .collect(),
        }))
    }
}

impl UserObject {
    async fn entity_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if let Some(chosen) = &self.0.default_entity {
            return Ok(Some(chosen.clone()));
        }
        if self.0.account_type == AccountType::User {
            return Ok(Some(self.0.username.clone()));
        }
        let teams = cairn(ctx).teams_of(self.0.id).await.gql()?;
        Ok(teams.into_iter().next().map(|t| t.name))
    }
}

/// An API key's public face. `name` is the key's public name in listings;
/// only in the answer to `generateApiKey` is it the full secret, because
/// that is where the official client reads the new key from.
#[derive(SimpleObject)]
#[graphql(name = "ApiKey", complex)]
pub struct ApiKeyObject {
    #[graphql(skip)]
    key: ApiKey,
    /// The public name, or the secret right after generation.
    pub name: String,
    /// What the key is for.
    pub description: Option<String>,
}

#[ComplexObject]
impl ApiKeyObject {
    async fn id(&self) -> ID {
        ids::encode("ApiKey", self.key.id)
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.key.created_at)
    }
}

impl ApiKeyObject {
    /// A key as listings show it.
    pub fn listed(key: ApiKey) -> Self {
        ApiKeyObject {
            name: key.name.clone(),
            description: key.description.clone(),
            key,
        }
    }

    /// A key just generated: `name` carries the secret, this once.
    pub fn generated(key: ApiKey, secret: String) -> Self {
        ApiKeyObject {
            name: secret,
            description: key.description.clone(),
            key,
        }
    }
}

/// A user's keys.
#[derive(SimpleObject)]
pub struct ApiKeyConnection {
    /// The keys.
    pub edges: Vec<ApiKeyEdge>,
}

/// One key.
#[derive(SimpleObject)]
pub struct ApiKeyEdge {
    /// The key.
    pub node: Option<ApiKeyObject>,
}

/// A list of entities (teams).
#[derive(SimpleObject)]
pub struct EntityConnection {
    /// The entities.
    pub edges: Vec<EntityEdge>,
}

/// One entity.
#[derive(SimpleObject)]
pub struct EntityEdge {
    /// The entity.
    pub node: Option<EntityObject>,
}

/// Users found by a search.
#[derive(SimpleObject)]
pub struct UserConnection {
    /// The users.
    pub edges: Vec<UserEdge>,
    /// Search results come in one page.
    pub page_info: PageInfo,
}

/// One user.
#[derive(SimpleObject)]
pub struct UserEdge {
    /// The user.
    pub node: Option<UserObject>,
    /// Its cursor.
    pub cursor: String,
}

/// Wrap a user as a search result.
pub fn user_edge(user: User) -> UserEdge {
    UserEdge {
        cursor: crate::graphql::types::page::cursor(user.id),
        node: Some(UserObject(user)),
    }
}
