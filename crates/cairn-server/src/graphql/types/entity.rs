//! `Entity` (a team or a user's namespace), its `Member`s and `Invite`s.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::MemberView;
use cairn_core::model::{Entity, Member, User};

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, Int64, JsonString};
use crate::graphql::types::artifact::{
    ArtifactCollectionType, CollectionConnection, MembershipConnection, collections_page,
};
use crate::graphql::types::integration::IntegrationConnection;
use crate::graphql::types::launch::{DefaultResourceConfigObject, LaunchAgentObject};
use crate::graphql::types::organization::{self, ListingPage, OrganizationObject};
use crate::graphql::types::page;
use crate::graphql::types::secret::SecretObject;
use crate::graphql::types::{PageInfo, ProjectConnection, ProjectEdge, ProjectObject, UserObject};
use crate::graphql::{actor, cairn, ids};

/// A team or a user's personal entity.
pub struct EntityObject(pub Entity);

#[Object(name = "Entity")]
impl EntityObject {
    async fn id(&self) -> ID {
        ids::encode("Entity", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn is_team(&self) -> bool {
        self.0.is_team
    }

    /// `team` or `user`; `organization` for the organization's own entity
    /// (the official client checks these literals: an automation's team
    /// scope must say `team`).
    async fn entity_type(&self, ctx: &Context<'_>) -> &'static str {
        if cairn(ctx).org_of_entity(self.0.id).is_some() {
            return "organization";
        }
        if self.0.is_team { "team" } else { "user" }
    }

    /// A default resource configuration of this entity's run queues.
    async fn default_resource_config(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<DefaultResourceConfigObject>> {
        let id = ids::decode("DefaultResourceConfig", &id).gql()?;
        let config = cairn(ctx)
            .resource_config(actor(ctx), &self.0.name, id)
            .await
            .gql()?;
        Ok(config.map(DefaultResourceConfigObject))
    }

    /// The launch agents serving this entity's queues, newest first.
    async fn launch_agents(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LaunchAgentObject>> {
        let agents = cairn(ctx)
            .launch_agents(actor(ctx), &self.0.name)
            .await
            .gql()?;
        Ok(agents.into_iter().map(LaunchAgentObject).collect())
    }

    /// The entity's integrations, oldest first; none for a caller who is
    /// not its member.
    async fn integrations(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<IntegrationConnection> {
        let after = page::decode_cursor(after.as_deref()).gql()?;
        let (rows, more) = cairn(ctx)
            .integrations(actor(ctx), &self.0, after, i64::from(first.unwrap_or(50)))
            .await
            .gql()?;
        Ok(IntegrationConnection::page(rows, more))
    }

    /// The entity's automations, oldest first (only the one named by
    /// `filters: {"name": …}` when given); none for a caller who is not
    /// its member. `order` is accepted and ignored, as the client never
    /// sends it.
    async fn triggers(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
        filters: Option<JsonString>,
    ) -> async_graphql::Result<crate::graphql::types::trigger::TriggerConnection> {
        let _ = order;
        let name = match &filters {
            None => None,
            Some(JsonString(text)) => trigger_name_filter(text).gql()?,
        };
        let after = page::decode_cursor(after.as_deref()).gql()?;
        let (rows, more) = cairn(ctx)
            .entity_triggers(
                actor(ctx),
                &self.0,
                name.as_deref(),
                after,
                i64::from(first.unwrap_or(50)),
            )
            .await
            .gql()?;
        Ok(crate::graphql::types::trigger::TriggerConnection::page(
            rows, more,
        ))
    }

    /// The names of the entity's secrets, by name (never their values);
    /// none for a caller who is not its member.
    async fn secrets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SecretObject>> {
        let secrets = cairn(ctx).secrets(actor(ctx), &self.0).await.gql()?;
        Ok(secrets.into_iter().map(SecretObject).collect())
    }

    /// Always true for an existing entity (W&B uses it for name checks).
    async fn available(&self) -> bool {
        true
    }

    async fn photo_url(&self) -> Option<String> {
        None
    }

    async fn read_only(&self) -> bool {
        false
    }

    async fn read_only_admin(&self) -> bool {
        false
    }

    async fn private_only(&self) -> bool {
        false
    }

    async fn code_saving_enabled(&self) -> bool {
        true
    }

    /// Access given to new projects.
    async fn default_access(&self) -> &'static str {
        "PRIVATE"
    }

    /// Self-hosted: there is no plan to pay for.
    async fn is_paid(&self) -> bool {
        false
    }

    /// Bytes stored for this entity (not metered yet).
    async fn storage_bytes(&self) -> Int64 {
        Int64(0)
    }

    /// Plan limits: none.
    async fn limits(&self) -> JsonString {
        JsonString("{}".into())
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// The organization it belongs to: the default one for users and
    /// teams, its own for an organization's entity.
    async fn organization(&self, ctx: &Context<'_>) -> Option<OrganizationObject> {
        cairn(ctx)
            .organization_by_id(self.0.organization_id)
            .map(OrganizationObject)
    }

    /// The user behind a personal entity (not exposed: the organization is
    /// always known, which is what clients ask this for).
    async fn user(&self) -> Option<UserObject> {
        None
    }

    /// Files are digested with MD5 only.
    async fn xxhash_digests_enabled(&self) -> bool {
        false
    }

    /// One of the entity's projects, if the caller may read it.
    async fn project(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
    ) -> async_graphql::Result<Option<ProjectObject>> {
        let Some(name) = name else { return Ok(None) };
        let project = cairn(ctx)
            .project(actor(ctx), &self.0.name, &name)
            .await
            .gql()?;
        Ok(project.map(ProjectObject))
    }

    /// Projects; for the organization's entity, its registries matching a
    /// MongoDB-style filter.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        filters: Option<JsonString>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        if cairn(ctx).org_of_entity(self.0.id).is_some() {
            let page = ListingPage {
                order,
                after,
                first,
            };
            return organization::registries(ctx, self.0.id, filters, page).await;
        }
        // Projects of other entities come in creation order.
        let _ = order;
        let after_id = crate::graphql::types::page::decode_cursor(after.as_deref()).gql()?;
        let page = cairn(ctx)
            .projects(
                actor(ctx),
                &self.0.name,
                after_id,
                i64::from(first.unwrap_or(50)),
            )
            .await
            .gql()?;
        let edges: Vec<_> = page
            .projects
            .into_iter()
            .map(|p| ProjectEdge {
                cursor: crate::graphql::types::page::cursor(p.id),
                node: Some(ProjectObject(p)),
            })
            .collect();
        Ok(ProjectConnection {
            page_info: PageInfo {
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
                has_next_page: page.has_next_page,
                has_previous_page: false,
            },
            edges,
        })
    }

    /// Registry collections (organization entity only; empty elsewhere).
    #[allow(clippy::too_many_arguments)]
    async fn artifact_collections(
        &self,
        ctx: &Context<'_>,
        project_filters: Option<JsonString>,
        filters: Option<JsonString>,
        collection_types: Option<Vec<ArtifactCollectionType>>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
    ) -> async_graphql::Result<CollectionConnection> {
        if cairn(ctx).org_of_entity(self.0.id).is_none() {
            return Ok(collections_page(Vec::new(), false, 0));
        }
        organization::registry_collections(
            ctx,
            self.0.id,
            project_filters,
            filters,
            collection_types,
            ListingPage {
                order,
                after,
                first,
            },
        )
        .await
    }

    /// Registry versions (organization entity only; empty elsewhere).
    #[allow(clippy::too_many_arguments)]
    async fn artifact_memberships(
        &self,
        ctx: &Context<'_>,
        project_filters: Option<JsonString>,
        collection_filters: Option<JsonString>,
        filters: Option<JsonString>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
    ) -> async_graphql::Result<MembershipConnection> {
        if cairn(ctx).org_of_entity(self.0.id).is_none() {
            return Ok(MembershipConnection {
                edges: Vec::new(),
                page_info: PageInfo::default(),
            });
        }
        organization::registry_versions(
            ctx,
            self.0.id,
            project_filters,
            collection_filters,
            filters,
            ListingPage {
                order,
                after,
                first,
            },
        )
        .await
    }

    /// Members, then pending invitations. Empty unless the caller belongs to
    /// the entity or is an instance admin.
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MemberObject>> {
        let members = cairn(ctx).members(actor(ctx), &self.0).await.gql()?;
        Ok(members.into_iter().map(MemberObject).collect())
    }
}

/// A member of a team, or a pending invitation.
pub struct MemberObject(pub MemberView);

#[Object(name = "Member")]
impl MemberObject {
    /// The user's id (for `deleteInvite`), or the invitation's id.
    async fn id(&self) -> ID {
        match &self.0.member {
            Member::Joined { user, .. } => ids::encode("User", user.id),
            Member::Pending(invite) => ids::encode("Invite", invite.id),
        }
    }

    async fn admin(&self) -> bool {
        match &self.0.member {
            Member::Joined { admin, .. } => *admin,
            Member::Pending(invite) => invite.admin,
        }
    }

    async fn pending(&self) -> bool {
        matches!(self.0.member, Member::Pending(_))
    }

    /// `admin` or `member` (W&B's team role names).
    async fn role(&self) -> &'static str {
        let admin = match &self.0.member {
            Member::Joined { admin, .. } => *admin,
            Member::Pending(invite) => invite.admin,
        };
        if admin { "admin" } else { "member" }
    }

    async fn email(&self) -> Option<&str> {
        match &self.0.member {
            Member::Joined { user, .. } => user.email.as_deref(),
            Member::Pending(invite) => Some(&invite.email),
        }
    }

    async fn username(&self) -> Option<&str> {
        match &self.0.member {
            Member::Joined { user, .. } => Some(&user.username),
            Member::Pending(_) => None,
        }
    }

    async fn name(&self) -> &str {
        match &self.0.member {
            Member::Joined { user, .. } => &user.name,
            Member::Pending(invite) => &invite.email,
        }
    }

    async fn photo_url(&self) -> Option<String> {
        None
    }

    /// `USER`, `SERVICE`, or `INVITE` for a pending invitation.
    async fn account_type(&self) -> &'static str {
        match &self.0.member {
            Member::Joined { user, .. } => user.account_type.as_str(),
            Member::Pending(_) => "INVITE",
        }
    }

    /// A new service account's key, shown once to a team admin.
    async fn api_key(&self) -> Option<&str> {
        self.0.revealed_key.as_deref()
    }
}

/// The answer to `createInvite`.
pub struct InviteObject(pub Member);

#[Object(name = "Invite")]
impl InviteObject {
    async fn id(&self) -> ID {
        match &self.0 {
            Member::Joined { user, .. } => ids::encode("User", user.id),
            Member::Pending(invite) => ids::encode("Invite", invite.id),
        }
    }

    async fn name(&self) -> &str {
        match &self.0 {
            Member::Joined { user, .. } => &user.username,
            Member::Pending(invite) => &invite.email,
        }
    }

    async fn email(&self) -> Option<&str> {
        match &self.0 {
            Member::Joined { user, .. } => user.email.as_deref(),
            Member::Pending(invite) => Some(&invite.email),
        }
    }

    async fn created_at(&self) -> Option<DateTime> {
        match &self.0 {
            Member::Joined { .. } => None,
            Member::Pending(invite) => Some(DateTime(invite.created_at)),
        }
    }

    /// The invited user, when they already have an account.
    async fn to_user(&self) -> Option<InvitedUser> {
        match &self.0 {
            Member::Joined { user, .. } => Some(InvitedUser::from(user)),
            Member::Pending(_) => None,
        }
    }
}

/// The few user fields an invitation exposes.
#[derive(SimpleObject)]
pub struct InvitedUser {
    /// Display name.
    pub name: String,
    /// Username.
    pub username: String,
}

impl From<&User> for InvitedUser {
    fn from(u: &User) -> Self {
        InvitedUser {
            name: u.name.clone(),
            username: u.username.clone(),
        }
    }
}

/// The name in an automations listing's `filters` (`{"name": "x"}`, all the
/// client sends); `{}` or `null` for none.
fn trigger_name_filter(text: &str) -> Result<Option<String>, cairn_core::CoreError> {
    let bad = || {
        cairn_core::CoreError::InvalidInput(
            "An automations filter is {\"name\": \"<name>\"}.".into(),
        )
    };
    match serde_json::from_str::<serde_json::Value>(text).map_err(|_| bad())? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Object(o) if o.is_empty() => Ok(None),
        serde_json::Value::Object(o) if o.len() == 1 => match o.get("name") {
            Some(serde_json::Value::String(name)) => Ok(Some(name.clone())),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}
