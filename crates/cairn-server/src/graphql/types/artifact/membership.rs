//! `ArtifactCollectionMembership` (an artifact's place in a collection),
//! a collection's versions, and resolving `collection:version-or-alias`.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::artifact::{Artifact, Collection, LATEST, Membership, VersionOrder};
use cairn_core::authz::Readable;

use super::collection::CollectionIface;
use super::labels::AliasObject;
use super::manifest::artifact_files;
use super::page_size;
use super::version::ArtifactObject;
use crate::error::GqlResultExt;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::file::FileConnection;
use crate::graphql::types::page::{PageInfo, cursor, decode_cursor};
use crate::graphql::{actor, cairn, ids};

/// An artifact's place in a collection.
pub struct MembershipObject(pub Membership);

#[Object(name = "ArtifactCollectionMembership")]
impl MembershipObject {
    async fn id(&self) -> ID {
        ids::encode("ArtifactCollectionMembership", self.0.id)
    }

    async fn version_index(&self) -> i64 {
        self.0.version_index
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn aliases(&self) -> Vec<AliasObject> {
        self.0.aliases.iter().cloned().map(AliasObject).collect()
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

    async fn artifact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArtifactObject>> {
        let artifact = cairn(ctx)
            .artifact(actor(ctx), self.0.artifact_id)
            .await
            .gql()?;
        Ok(artifact.map(ArtifactObject))
    }

    /// The artifact's stored files.
    async fn files(
        &self,
        ctx: &Context<'_>,
        names: Option<Vec<String>>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<FileConnection> {
        let artifact = cairn(ctx)
            .artifact_or_error(actor(ctx), self.0.artifact_id)
            .await
            .gql()?;
        artifact_files(ctx, &artifact, names, after, first).await
    }
}

/// A page of memberships.
#[derive(SimpleObject)]
pub struct MembershipConnection {
    /// The memberships.
    pub edges: Vec<MembershipEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One membership.
#[derive(SimpleObject)]
pub struct MembershipEdge {
    /// The membership.
    pub node: MembershipObject,
    /// Its cursor.
    pub cursor: String,
}

/// A page of a collection's versions.
#[derive(SimpleObject)]
pub struct VersionConnection {
    /// How many match in all.
    pub total_count: i64,
    /// The versions.
    pub edges: Vec<VersionEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One version.
#[derive(SimpleObject)]
pub struct VersionEdge {
    /// The artifact.
    pub node: ArtifactObject,
    /// `v<index>` in the collection being listed.
    pub version: String,
    /// Its cursor.
    pub cursor: String,
}

pub(super) async fn version_connection(
    ctx: &Context<'_>,
    collection: &Readable<Collection>,
    filter: Option<&serde_json::Value>,
    order: VersionOrder,
    after: Option<String>,
    first: Option<i32>,
) -> async_graphql::Result<VersionConnection> {
    let first = page_size(first);
    let after = decode_cursor(after.as_deref()).gql()?;
    let cairn = cairn(ctx);
    let page = cairn
        .versions(collection, filter, order, after, first)
        .await
        .gql()?;
    let total_count = cairn.version_count(collection, filter).await.gql()?;
    Ok(VersionConnection {
        total_count,
        page_info: PageInfo {
            end_cursor: page.versions.last().map(|(m, _)| cursor(m.version_index)),
            start_cursor: page.versions.first().map(|(m, _)| cursor(m.version_index)),
            has_next_page: page.has_next_page,
            ..PageInfo::default()
        },
        edges: page
            .versions
            .into_iter()
            .map(|(m, a)| VersionEdge {
                version: format!("v{}", m.version_index),
                cursor: cursor(m.version_index),
                node: ArtifactObject(a),
            })
            .collect(),
    })
}

/// Find `collection:version-or-alias` in a project: the collection, the
/// membership and the artifact. `name` without `:` means `latest`.
pub(crate) async fn resolve_membership(
    ctx: &Context<'_>,
    project: &Readable<cairn_core::model::Project>,
    name: &str,
) -> async_graphql::Result<Option<(Readable<Collection>, Membership, Readable<Artifact>)>> {
    let (collection_name, version) = name.rsplit_once(':').unwrap_or((name, LATEST));
    let cairn = cairn(ctx);
    let Some(collection) = cairn.collection(project, collection_name).await.gql()? else {
        return Ok(None);
    };
    let Some(membership) = cairn.membership(&collection, version).await.gql()? else {
        return Ok(None);
    };
    let Some(artifact) = cairn
        .artifact(actor(ctx), membership.artifact_id)
        .await
        .gql()?
    else {
        return Ok(None);
    };
    Ok(Some((collection, membership, artifact)))
}
