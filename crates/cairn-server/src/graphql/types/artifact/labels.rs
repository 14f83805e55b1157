//! `Tag` and `ArtifactAlias`, with their connections: the labels on
//! artifacts and collections.

use async_graphql::{Context, ID, Object, SimpleObject};
use base64::Engine;
use cairn_core::artifact::Alias;

use super::collection::CollectionIface;
use crate::error::GqlResultExt;
use crate::graphql::scalars::JsonString;
use crate::graphql::types::page::PageInfo;
use crate::graphql::{actor, cairn, ids};

/// A tag on an artifact or collection.
pub struct TagObject(pub String);

#[Object(name = "Tag")]
impl TagObject {
    async fn id(&self) -> ID {
        ID(base64::engine::general_purpose::STANDARD.encode(format!("Tag:{}", self.0)))
    }

    async fn name(&self) -> &str {
        &self.0
    }

    /// Tags carry no category here.
    async fn tag_category_name(&self) -> &'static str {
        "default"
    }

    async fn attributes(&self) -> JsonString {
        JsonString("{}".into())
    }
}

/// A page of tags.
#[derive(SimpleObject)]
pub struct TagConnection {
    /// The tags.
    pub edges: Vec<TagEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One tag.
#[derive(SimpleObject)]
pub struct TagEdge {
    /// The tag.
    pub node: TagObject,
}

/// An alias held by a version in a collection.
pub struct AliasObject(pub Alias);

#[Object(name = "ArtifactAlias")]
impl AliasObject {
    async fn id(&self) -> ID {
        ids::encode("ArtifactAlias", self.0.id)
    }

    async fn alias(&self) -> &str {
        &self.0.alias
    }

    async fn artifact_collection(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CollectionIface>> {
        let collection = cairn(ctx)
            .collection_by_id(actor(ctx), self.0.collection_id)
            .await
            .gql()?;
        Ok(collection.map(CollectionIface::from))
    }

    async fn artifact_collection_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let collection = cairn(ctx)
            .collection_by_id(actor(ctx), self.0.collection_id)
            .await
            .gql()?;
        Ok(collection.map(|c| c.into_inner().name).unwrap_or_default())
    }
}

/// A page of aliases.
#[derive(SimpleObject)]
pub struct AliasConnection {
    /// The aliases.
    pub edges: Vec<AliasEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One alias.
#[derive(SimpleObject)]
pub struct AliasEdge {
    /// The alias.
    pub node: AliasObject,
    /// Its cursor.
    pub cursor: String,
}
