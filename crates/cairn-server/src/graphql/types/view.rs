//! `View`: a report or saved workspace, under W&B's field names (what
//! `api.reports` and `wandb-workspaces` select). The spec goes out as the
//! JSON text it was stored as.

use async_graphql::{ID, Object, SimpleObject};
use cairn_core::authz::Readable;
use cairn_core::model::Project;
use cairn_core::view::View;

use crate::graphql::ids;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::page::PageInfo;
use crate::graphql::types::project::ProjectObject;
use crate::graphql::types::user::UserObject;

/// One view.
pub struct ViewObject {
    /// The view.
    pub view: Readable<View>,
    /// Its project.
    pub project: Readable<Project>,
}

/// The GraphQL id of a view.
pub fn view_id(id: i64) -> ID {
    ids::encode("View", id)
}

/// The row id behind a view's GraphQL id, padded or not (report URLs
/// drop the `=` padding).
pub fn decode_view_id(id: &str) -> Result<i64, cairn_core::CoreError> {
    let trimmed = id.trim_end_matches('=');
    let padded = format!("{trimmed}{}", "=".repeat((4 - trimmed.len() % 4) % 4));
    ids::decode("View", &padded)
        .map_err(|_| cairn_core::CoreError::InvalidInput(format!("{id:?} is not a valid View id.")))
}

#[Object(name = "View")]
impl ViewObject {
    /// `base64("View:<n>")`. Report URLs carry it without its `=` padding.
    async fn id(&self) -> ID {
        view_id(self.view.id)
    }

    /// The internal name the client chose.
    async fn name(&self) -> &str {
        &self.view.name
    }

    /// The title.
    async fn display_name(&self) -> &str {
        &self.view.display_name
    }

    async fn description(&self) -> &str {
        &self.view.description
    }

    /// `runs` (a report), `runs/draft`, `project-view` (a workspace), …
    #[graphql(name = "type")]
    async fn kind(&self) -> &str {
        &self.view.kind
    }

    /// The client's document, exactly as it was sent.
    async fn spec(&self) -> JsonString {
        JsonString(self.view.spec.clone())
    }

    async fn project(&self) -> ProjectObject {
        ProjectObject(self.project.clone())
    }

    async fn entity_name(&self) -> &str {
        &self.project.entity_name
    }

    async fn project_name(&self) -> &str {
        &self.project.name
    }

    /// The author: their username only, as readers of a project see the
    /// authors of its runs.
    async fn user(&self) -> Option<UserObject> {
        let (id, username) = (self.view.user_id?, self.view.username.clone()?);
        Some(UserObject::author(id, username, self.view.created_at))
    }

    /// The published view a draft belongs to.
    async fn parent_id(&self) -> Option<ID> {
        self.view.parent_id.map(view_id)
    }

    async fn created_using(&self) -> Option<&str> {
        self.view.created_using.as_deref()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.view.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.view.updated_at)
    }
}

/// A page of views.
#[derive(SimpleObject)]
#[graphql(name = "ViewConnection")]
pub struct ViewConnection {
    pub edges: Vec<ViewEdge>,
    pub page_info: PageInfo,
}

#[derive(SimpleObject)]
#[graphql(name = "ViewEdge")]
pub struct ViewEdge {
    pub node: ViewObject,
    pub cursor: String,
}
