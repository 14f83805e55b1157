//! `Project` and its connection.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::model::Project;

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::entity::EntityObject;
use crate::graphql::types::page::PageInfo;
use crate::graphql::types::user::UserObject;
use crate::graphql::{actor, cairn, ids};

/// A project.
pub struct ProjectObject(pub Project);

#[Object(name = "Project")]
impl ProjectObject {
    /// `base64("Project:<n>")`; the official client decodes it.
    async fn id(&self) -> ID {
        ids::encode("Project", self.0.id)
    }

    /// The numeric id, as a string.
    async fn internal_id(&self) -> String {
        self.0.id.to_string()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn entity_name(&self) -> &str {
        &self.0.entity_name
    }

    async fn entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EntityObject>> {
        let entity = cairn(ctx)
            .entity(actor(ctx), &self.0.entity_name)
            .await
            .gql()?;
        Ok(entity.map(EntityObject))
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// W&B access string (`PRIVATE`, `USER_READ`, …).
    async fn access(&self) -> &str {
        &self.0.access
    }

    /// Saved views: none yet.
    async fn views(&self) -> JsonString {
        JsonString("{}".into())
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn is_benchmark(&self) -> bool {
        false
    }

    /// Whether the caller may only read (true outside the owning entity).
    async fn read_only(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let may_edit = cairn(ctx)
            .may_edit_entity(actor(ctx), self.0.entity_id)
            .await
            .gql()?;
        Ok(!may_edit)
    }

    /// The creator, when the caller may see them.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        let Some(id) = self.0.created_by else {
            return Ok(None);
        };
        let user = cairn(ctx).user_by_id(actor(ctx), id).await.gql()?;
        Ok(user.map(UserObject))
    }
}

/// A page of projects.
#[derive(SimpleObject)]
pub struct ProjectConnection {
    /// The projects.
    pub edges: Vec<ProjectEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One project.
#[derive(SimpleObject)]
pub struct ProjectEdge {
    /// The project.
    pub node: Option<ProjectObject>,
    /// Its cursor.
    pub cursor: String,
}
