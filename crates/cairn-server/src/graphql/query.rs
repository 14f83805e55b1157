//! The query root.

use async_graphql::{Context, ID, Object};

use crate::error::GqlResultExt;
use crate::graphql::types::artifact::{ArtifactObject, CollectionIface};
use crate::graphql::types::organization::OrganizationObject;
use crate::graphql::types::page::{cursor, decode_cursor};
use crate::graphql::types::view::{ViewObject, decode_view_id};
use crate::graphql::types::{
    EntityObject, PageInfo, ProjectConnection, ProjectObject, ServerInfo, UserConnection,
    UserObject,
};
use crate::graphql::{actor, cairn, ids};

/// Default page size for project listings (the official client asks for its own).
const DEFAULT_PAGE: i32 = 50;

/// Queries.
pub struct Query;

/// The server id behind a client id.
#[derive(async_graphql::SimpleObject)]
pub struct ClientIdMapping {
    /// `base64("Artifact:<n>")`.
    #[graphql(name = "serverID")]
    pub server_id: ID,
}

#[Object]
impl Query {
    /// The caller.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<UserObject> {
        Some(UserObject(actor(ctx).user().clone()))
    }

    /// A launch agent, if the caller may see its queues.
    async fn launch_agent(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<crate::graphql::types::launch::LaunchAgentObject>> {
        let id = ids::decode("LaunchAgent", &id).gql()?;
        let agent = cairn(ctx).launch_agent(actor(ctx), id).await.gql()?;
        Ok(agent.map(crate::graphql::types::launch::LaunchAgentObject))
    }

    /// A report or saved workspace by id, if the caller may see it. The id
    /// may come without its `=` padding, as report URLs carry it.
    async fn view(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<ViewObject>> {
        let id = decode_view_id(&id).gql()?;
        let view = cairn(ctx).view(actor(ctx), id).await.gql()?;
        Ok(view.map(|v| ViewObject {
            view: v.view,
            project: v.project,
        }))
    }

    /// Users whose username, email or name contains `query` (instance admins only).
    async fn users(
        &self,
        ctx: &Context<'_>,
        query: Option<String>,
        #[graphql(desc = "Ignored: searches return one page.")] first: Option<i32>,
        #[graphql(desc = "Ignored: searches return one page.")] after: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let _ = (first, after);
        let caller = actor(ctx);
        let admin = caller.admin_for("list or search users").gql()?;
        let users = cairn(ctx)
            .search_users(admin, query.as_deref().unwrap_or(""))
            .await
            .gql()?;
        Ok(UserConnection {
            page_info: PageInfo {
                end_cursor: users.last().map(|u| cursor(u.id)),
                start_cursor: users.first().map(|u| cursor(u.id)),
                ..PageInfo::default()
            },
            edges: users
                .into_iter()
                .map(crate::graphql::types::user_edge)
                .collect(),
        })
    }

    /// One user by id or username: the caller themselves, or anyone for an admin.
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        user_name: Option<String>,
    ) -> async_graphql::Result<Option<UserObject>> {
        let caller = actor(ctx);
        let target = match (id, user_name) {
            (Some(id), _) => Some(ids::decode("User", &id).gql()?),
            (None, Some(name)) if name == caller.user().username => Some(caller.user().id),
            (None, Some(name)) => match caller.admin() {
                Some(admin) => cairn(ctx)
                    .search_users(admin, &name)
                    .await
                    .gql()?
                    .into_iter()
                    .find(|u| u.username == name)
                    .map(|u| u.id),
                None => None,
            },
            (None, None) => Some(caller.user().id),
        };
        let Some(target) = target else {
            return Ok(None);
        };
        let user = cairn(ctx).user_by_id(caller, target).await.gql()?;
        Ok(user.map(UserObject))
    }

    /// A team or user entity, if it exists and the caller may see it.
    async fn entity(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<EntityObject>> {
        let entity = cairn(ctx).entity(actor(ctx), &name).await.gql()?;
        Ok(entity.map(EntityObject))
    }

    /// An entity's projects (W&B calls projects "models"), in creation order.
    async fn models(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Defaults to the caller's own entity.")] entity_name: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        #[graphql(desc = "Ignored: projects come in creation order.")] order: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        let _ = order;
        let caller = actor(ctx);
        let entity = entity_name.unwrap_or_else(|| caller.user().username.clone());
        let after_id = decode_cursor(after.as_deref()).gql()?;
        let first = first.unwrap_or(DEFAULT_PAGE);
        let page = cairn(ctx)
            .projects(caller, &entity, after_id, i64::from(first))
            .await
            .gql()?;
        let edges: Vec<_> = page
            .projects
            .into_iter()
            .map(|p| crate::graphql::types::ProjectEdge {
                cursor: cursor(p.id),
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

    /// A project, if it exists and the caller may read it.
    async fn project(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        #[graphql(desc = "Defaults to the caller's own entity.")] entity_name: Option<String>,
    ) -> async_graphql::Result<Option<ProjectObject>> {
        let caller = actor(ctx);
        // `api.queued_run(entity, project, queue, id)` asks for its queue's
        // project with no name: the official client leaves the queue
        // project unset there, meaning the entity's launch project.
        let name = name.unwrap_or_else(|| cairn_core::launch::QUEUE_PROJECT.to_string());
        let entity = entity_name.unwrap_or_else(|| caller.user().username.clone());
        let project = cairn(ctx).project(caller, &entity, &name).await.gql()?;
        Ok(project.map(ProjectObject))
    }

    /// W&B's older name for `project`.
    async fn model(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        entity_name: Option<String>,
    ) -> async_graphql::Result<Option<ProjectObject>> {
        self.project(ctx, name, entity_name).await
    }

    /// An artifact by id, if the caller may read it.
    async fn artifact(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ArtifactObject>> {
        let id = ids::decode("Artifact", &id).gql()?;
        let artifact = cairn(ctx).artifact(actor(ctx), id).await.gql()?;
        Ok(artifact.map(ArtifactObject))
    }

    /// A collection by id, if the caller may read it.
    async fn artifact_collection(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<CollectionIface>> {
        let id = ids::decode("ArtifactCollection", &id).gql()?;
        let collection = cairn(ctx).collection_by_id(actor(ctx), id).await.gql()?;
        Ok(collection.map(CollectionIface::from))
    }

    /// An organization the caller belongs to, by its name or its entity's
    /// name; the default organization when no name is given.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
    ) -> async_graphql::Result<Option<OrganizationObject>> {
        let cairn = cairn(ctx);
        let org = match name {
            None => Some(cairn.default_organization()),
            Some(name) => cairn.organization(actor(ctx), &name).await.gql()?,
        };
        Ok(org.map(OrganizationObject))
    }

    /// The server id of the artifact a client id names.
    #[graphql(name = "clientIDMapping")]
    async fn client_id_mapping(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "clientID")] client_id: ID,
    ) -> async_graphql::Result<Option<ClientIdMapping>> {
        let artifact = cairn(ctx)
            .artifact_by_client_id(actor(ctx), &client_id)
            .await
            .gql()?;
        Ok(artifact.map(|a| ClientIdMapping {
            server_id: ids::encode("Artifact", a.id),
        }))
    }

    /// Capabilities of this server.
    async fn server_info(&self) -> ServerInfo {
        ServerInfo::current()
    }
}
