//! `Artifact`: one logged artifact (a version once committed), who
//! created it, a run's artifacts, and the enums `createArtifact` and
//! `createArtifactFiles` declare.

use async_graphql::{Context, ID, Object, SimpleObject, Union};
use cairn_core::CoreError;
use cairn_core::artifact::Artifact;
use cairn_core::authz::Readable;

use super::artifact_type::ArtifactTypeObject;
use super::collection::{CollectionObject, Sequence};
use super::labels::{AliasObject, TagObject};
use super::manifest::{ArtifactManifestObject, artifact_files};
use super::membership::{MembershipConnection, MembershipEdge, MembershipObject};
use super::page_size;
use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, Int64, JsonString};
use crate::graphql::types::file::{FileConnection, FileObject};
use crate::graphql::types::page::{PageInfo, cursor, decode_cursor};
use crate::graphql::types::run::{RunConnection, RunEdge, RunObject};
use crate::graphql::{actor, cairn, ids};

/// A logged artifact.
#[derive(Clone)]
pub struct ArtifactObject(pub Readable<Artifact>);

#[Object(name = "Artifact")]
impl ArtifactObject {
    /// `base64("Artifact:<n>")`.
    async fn id(&self) -> ID {
        ids::encode("Artifact", self.0.id)
    }

    /// The sequence it was logged into.
    async fn artifact_sequence(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CollectionObject<Sequence>>> {
        let cairn = cairn(ctx);
        if let Some(readable) = cairn
            .collection_by_id(actor(ctx), self.0.sequence_id)
            .await
            .gql()?
        {
            return Ok(Some(CollectionObject::new(readable)));
        }
        // Readable through a link only (this object exists only for
        // artifacts the caller may read): the name, nothing more.
        let sequence = cairn.sequence_of(&self.0).await.gql()?;
        Ok(sequence.map(CollectionObject::name_only))
    }

    /// Version in its sequence (`null` until committed).
    async fn version_index(&self) -> Option<i64> {
        self.0.version_index
    }

    async fn artifact_type(&self, ctx: &Context<'_>) -> async_graphql::Result<ArtifactTypeObject> {
        let found = cairn(ctx).artifact_type_of(&self.0).await.gql()?;
        found
            .map(ArtifactTypeObject)
            .ok_or_else(|| CoreError::Internal("artifact type vanished".into()))
            .gql()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// JSON object, as a string.
    async fn metadata(&self) -> JsonString {
        JsonString(self.0.metadata.clone())
    }

    /// Seconds to live; `-2` when no TTL is set.
    async fn ttl_duration_seconds(&self) -> Int64 {
        Int64(self.0.ttl_seconds.unwrap_or(-2))
    }

    async fn ttl_is_inherited(&self) -> bool {
        self.0.ttl_seconds.is_none()
    }

    async fn tags(&self) -> Vec<TagObject> {
        self.0.tags.iter().cloned().map(TagObject).collect()
    }

    async fn history_step(&self) -> Option<Int64> {
        self.0.history_step.map(Int64)
    }

    /// `PENDING` or `COMMITTED`.
    async fn state(&self) -> &'static str {
        self.0.state.as_str()
    }

    /// Bytes of its stored files.
    async fn size(&self) -> Int64 {
        Int64(self.0.size)
    }

    /// Hex MD5 of the manifest's contents.
    async fn digest(&self) -> &str {
        &self.0.digest
    }

    async fn digest_algorithm(&self) -> ArtifactDigestAlgorithm {
        ArtifactDigestAlgorithm::ManifestMd5
    }

    async fn commit_hash(&self) -> Option<String> {
        (self.0.state == cairn_core::artifact::ArtifactState::Committed)
            .then(|| self.0.digest.chars().take(20).collect())
    }

    async fn file_count(&self) -> Int64 {
        Int64(self.0.file_count)
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// Aliases it holds, in every collection it belongs to.
    async fn aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AliasObject>> {
        let memberships = cairn(ctx).memberships_of(&self.0).await.gql()?;
        Ok(memberships
            .into_iter()
            .flat_map(|m| m.aliases)
            .map(AliasObject)
            .collect())
    }

    /// Its collections and versions there.
    async fn artifact_memberships(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<MembershipConnection> {
        let memberships = cairn(ctx).memberships_of(&self.0).await.gql()?;
        Ok(MembershipConnection {
            page_info: PageInfo::default(),
            edges: memberships
                .into_iter()
                .map(|m| MembershipEdge {
                    cursor: cursor(m.id),
                    node: MembershipObject(m),
                })
                .collect(),
        })
    }

    /// The manifest, once uploaded.
    async fn current_manifest(&self, ctx: &Context<'_>) -> Option<ArtifactManifestObject> {
        let md5 = self.0.manifest_md5.as_deref()?;
        let direct_url =
            crate::graphql::types::file::blob_download_url(ctx, md5, "wandb_manifest.json");
        Some(ArtifactManifestObject {
            artifact_id: self.0.id,
            file: FileObject::Manifest {
                artifact_id: self.0.id,
                upload_url: None,
                direct_url,
            },
        })
    }

    /// Its stored files, by path.
    async fn files(
        &self,
        ctx: &Context<'_>,
        names: Option<Vec<String>>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<FileConnection> {
        artifact_files(ctx, &self.0, names, after, first).await
    }

    /// The runs that used it.
    async fn used_by(&self, ctx: &Context<'_>) -> async_graphql::Result<RunConnection> {
        let cairn = cairn(ctx);
        let mut edges = Vec::new();
        for run_id in cairn.artifact_users(&self.0).await.gql()? {
            if let Ok(run) = cairn.readable_run_by_id(actor(ctx), run_id).await {
                edges.push(RunEdge {
                    cursor: cursor(run.id),
                    node: RunObject(run),
                });
            }
        }
        Ok(RunConnection {
            edges,
            page_info: PageInfo::default(),
        })
    }

    /// The run that logged it.
    async fn created_by(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ArtifactCreator>> {
        let Some(run_id) = self.0.run_id else {
            return Ok(None);
        };
        Ok(cairn(ctx)
            .readable_run_by_id(actor(ctx), run_id)
            .await
            .ok()
            .map(|run| ArtifactCreator::Run(RunObject(run))))
    }
}

/// Who created an artifact.
#[derive(Union)]
pub enum ArtifactCreator {
    /// A run.
    Run(RunObject),
}

/// How a version's digest is computed from its manifest. Cairn computes
/// (and answers) MD5; clients name the enum in `createArtifact`, so both of
/// W&B's values are accepted there.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ArtifactDigestAlgorithm {
    #[graphql(name = "MANIFEST_MD5")]
    ManifestMd5,
    #[graphql(name = "MANIFEST_XXH128")]
    ManifestXxh128,
}

/// How W&B lays out an artifact's files in its bucket. Cairn stores bytes
/// by content either way; clients up to 0.28 declare the enum as a
/// variable of `createArtifactFiles`.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactStorageLayout {
    V1,
    V2,
}

/// A page of artifacts (a run's inputs or outputs).
#[derive(SimpleObject)]
pub struct ArtifactConnection {
    /// How many in all.
    pub total_count: i64,
    /// The artifacts.
    pub edges: Vec<ArtifactEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One artifact.
#[derive(SimpleObject)]
pub struct ArtifactEdge {
    /// The artifact.
    pub node: ArtifactObject,
    /// Its cursor.
    pub cursor: String,
}

/// One page of the artifacts a run logged (`output`) or used.
pub(crate) async fn run_artifacts(
    ctx: &Context<'_>,
    run: &cairn_core::authz::Readable<cairn_core::run::Run>,
    output: bool,
    after: Option<String>,
    first: Option<i32>,
) -> async_graphql::Result<ArtifactConnection> {
    let first = page_size(first);
    let after = decode_cursor(after.as_deref()).gql()?;
    let cairn = cairn(ctx);
    let mut artifacts = cairn
        .run_artifacts(run, output, after, first + 1)
        .await
        .gql()?;
    let has_next_page = artifacts.len() as i64 > first;
    artifacts.truncate(first as usize);
    let mut readable = Vec::with_capacity(artifacts.len());
    for a in artifacts {
        // Inputs may come from projects the caller cannot see.
        if let Some(a) = cairn.artifact(actor(ctx), a.id).await.gql()? {
            readable.push(a);
        }
    }
    Ok(ArtifactConnection {
        total_count: cairn.run_artifact_count(run, output).await.gql()?,
        page_info: PageInfo {
            end_cursor: readable.last().map(|a| cursor(a.id)),
            start_cursor: readable.first().map(|a| cursor(a.id)),
            has_next_page,
            ..PageInfo::default()
        },
        edges: readable
            .into_iter()
            .map(|a| ArtifactEdge {
                cursor: cursor(a.id),
                node: ArtifactObject(a),
            })
            .collect(),
    })
}
