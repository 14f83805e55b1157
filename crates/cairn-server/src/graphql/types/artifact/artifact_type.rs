//! `ArtifactType` and its connection.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::CoreError;
use cairn_core::artifact::ArtifactType;

use super::collection::{
    ArtifactCollectionType, CollectionConnection, CollectionIface, collection_connection, kinds_of,
};
use super::membership::resolve_membership;
use super::version::ArtifactObject;
use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::page::PageInfo;
use crate::graphql::{actor, cairn, ids};

/// An artifact type of a project.
pub struct ArtifactTypeObject(pub ArtifactType);

#[Object(name = "ArtifactType")]
impl ArtifactTypeObject {
    async fn id(&self) -> ID {
        ids::encode("ArtifactType", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// The type's collections (sequences and portfolios), id order.
    async fn artifact_collections(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        filters: Option<JsonString>,
        order: Option<String>,
        collection_types: Option<Vec<ArtifactCollectionType>>,
    ) -> async_graphql::Result<CollectionConnection> {
        let _ = order;
        let project = self.project(ctx).await?;
        let kinds = kinds_of(collection_types);
        collection_connection(
            ctx,
            &project,
            Some(self.0.id),
            &kinds,
            filters,
            after,
            first,
        )
        .await
    }

    /// One of the type's collections by name.
    async fn artifact_collection(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<CollectionIface>> {
        let project = self.project(ctx).await?;
        let collection = cairn(ctx).collection(&project, &name).await.gql()?;
        Ok(collection
            .filter(|c| c.type_id == self.0.id)
            .map(CollectionIface::from))
    }

    /// A version of one of the type's collections, by `name:alias`.
    async fn artifact(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<ArtifactObject>> {
        let project = self.project(ctx).await?;
        let found = resolve_membership(ctx, &project, &name).await?;
        Ok(found
            .filter(|(c, _, _)| c.type_id == self.0.id)
            .map(|(_, _, a)| ArtifactObject(a)))
    }
}

impl ArtifactTypeObject {
    async fn project(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<cairn_core::authz::Readable<cairn_core::model::Project>> {
        cairn(ctx)
            .readable_project_by_id(actor(ctx), self.0.project_id)
            .await
            .gql()?
            .ok_or_else(|| CoreError::NotFound("The project is gone.".into()))
            .gql()
    }
}

/// A page of artifact types.
#[derive(SimpleObject)]
pub struct ArtifactTypeConnection {
    /// The types.
    pub edges: Vec<ArtifactTypeEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One type.
#[derive(SimpleObject)]
pub struct ArtifactTypeEdge {
    /// The type.
    pub node: ArtifactTypeObject,
    /// Its cursor.
    pub cursor: String,
}
