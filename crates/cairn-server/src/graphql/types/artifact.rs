//! `Artifact`, `ArtifactType`, the `ArtifactCollection` interface with its
//! two kinds (`ArtifactSequence`, `ArtifactPortfolio`),
//! `ArtifactCollectionMembership`, `ArtifactAlias`, `Tag`, and their
//! connections.
//!
//! The official client validates `__typename`s as literals, so a sequence
//! must answer `ArtifactSequence` and a portfolio `ArtifactPortfolio`, never
//! the interface's name. Both are one generic object here, named through
//! [`async_graphql::TypeName`].

use std::borrow::Cow;
use std::marker::PhantomData;

use async_graphql::{Context, ID, Interface, Object, SimpleObject, TypeName, Union};
use base64::Engine;
use cairn_core::CoreError;
use cairn_core::artifact::{
    Alias, Artifact, ArtifactType, Collection, CollectionKind, LATEST, Membership, VersionOrder,
};
use cairn_core::authz::Readable;
use cairn_core::run::Run;

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, Int64, JsonString};
use crate::graphql::types::file::{FileConnection, FileEdge, FileObject, signed_path};
use crate::graphql::types::page::{PageInfo, cursor, decode_cursor};
use crate::graphql::types::project::ProjectObject;
use crate::graphql::types::run::{RunConnection, RunEdge, RunObject};
use crate::graphql::{actor, cairn, ids};

/// Artifacts, collections or files per page when the client names no number.
const DEFAULT_PAGE: i32 = 50;

pub(crate) fn page_size(first: Option<i32>) -> i64 {
    i64::from(first.unwrap_or(DEFAULT_PAGE))
}

/// Parse a `JSONString` filter argument; empty means none.
pub(crate) fn parse_filter(
    filters: Option<&JsonString>,
) -> async_graphql::Result<Option<serde_json::Value>> {
    match filters.map(|f| f.0.trim()).filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| CoreError::InvalidInput(format!("The filters are not valid JSON: {e}")))
            .map_err(crate::error::to_graphql),
    }
}

// ----- Artifact ---------------------------------------------------------------

/// A logged artifact.
#[derive(Clone)]
pub struct ArtifactObject(pub Artifact);

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
        let project = cairn(ctx).project_of(&self.0).await.gql()?;
        let found = cairn(ctx)
            .artifact_type(&project, &self.0.type_name)
            .await
            .gql()?;
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

/// One page of an artifact's stored files.
pub(crate) async fn artifact_files(
    ctx: &Context<'_>,
    artifact: &Artifact,
    names: Option<Vec<String>>,
    after: Option<String>,
    first: Option<i32>,
) -> async_graphql::Result<FileConnection> {
    let first = page_size(first);
    let after = after.filter(|a| !a.is_empty());
    let names = names.filter(|n| !n.is_empty());
    let cairn = cairn(ctx);
    let mut entries = cairn
        .artifact_entries(artifact, names.as_deref(), after.as_deref(), first + 1)
        .await
        .gql()?;
    let has_next_page = entries.len() as i64 > first;
    entries.truncate(first as usize);
    let total = cairn
        .artifact_entry_count(artifact, names.as_deref())
        .await
        .gql()?;
    Ok(FileConnection {
        total_count: Some(total),
        page_info: PageInfo {
            end_cursor: entries.last().map(|e| e.path.clone()),
            start_cursor: entries.first().map(|e| e.path.clone()),
            has_next_page,
            ..PageInfo::default()
        },
        edges: entries
            .into_iter()
            .map(|entry| FileEdge {
                cursor: entry.path.clone(),
                node: FileObject::Artifact {
                    entry,
                    artifact_id: artifact.id,
                    updated_at: artifact.updated_at,
                },
            })
            .collect(),
    })
}

/// An artifact's manifest.
pub struct ArtifactManifestObject {
    /// The artifact.
    pub artifact_id: i64,
    /// The manifest file.
    pub file: FileObject,
}

#[Object(name = "ArtifactManifest")]
impl ArtifactManifestObject {
    async fn id(&self) -> ID {
        ids::encode("ArtifactManifest", self.artifact_id)
    }

    async fn file(&self) -> &FileObject {
        &self.file
    }
}

impl ArtifactManifestObject {
    /// The manifest of a pending artifact, with an upload URL for `md5`
    /// when the client is to upload it now.
    pub fn for_upload(ctx: &Context<'_>, artifact_id: i64, md5: Option<&str>) -> Self {
        let upload_url = md5.and_then(cairn_types::digest::hex_of).map(|hex| {
            signed_path(
                ctx,
                "PUT",
                &crate::urls::manifest_upload_path(artifact_id, &hex),
            )
        });
        ArtifactManifestObject {
            artifact_id,
            file: FileObject::Manifest {
                artifact_id,
                upload_url,
                direct_url: None,
            },
        }
    }
}

// ----- types, tags, aliases -----------------------------------------------------

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
    ) -> async_graphql::Result<Readable<cairn_core::model::Project>> {
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
        Ok(collection.map(|c| c.name).unwrap_or_default())
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

// ----- collections --------------------------------------------------------------

/// W&B's collection kinds, as filter arguments.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ArtifactCollectionType {
    /// Logged versions.
    Sequence,
    /// Linked versions.
    Portfolio,
}

pub(crate) fn kinds_of(types: Option<Vec<ArtifactCollectionType>>) -> Vec<CollectionKind> {
    match types {
        Some(t) if !t.is_empty() => t
            .into_iter()
            .map(|k| match k {
                ArtifactCollectionType::Sequence => CollectionKind::Sequence,
                ArtifactCollectionType::Portfolio => CollectionKind::Portfolio,
            })
            .collect(),
        _ => vec![CollectionKind::Sequence, CollectionKind::Portfolio],
    }
}

/// Names the generic collection object after its kind.
pub trait Kind: Send + Sync + 'static {
    /// The GraphQL type name.
    const NAME: &'static str;
}

/// `ArtifactSequence`.
pub struct Sequence;
/// `ArtifactPortfolio`.
pub struct Portfolio;

impl Kind for Sequence {
    const NAME: &'static str = "ArtifactSequence";
}

impl Kind for Portfolio {
    const NAME: &'static str = "ArtifactPortfolio";
}

/// A collection of either kind.
pub struct CollectionObject<K> {
    /// The record.
    pub collection: Collection,
    /// Seen only as the source of a version linked into a collection the
    /// caller may read: its name shows, its versions and aliases do not.
    name_only: bool,
    kind: PhantomData<K>,
}

impl<K> CollectionObject<K> {
    /// Wrap a record of a readable collection.
    pub fn new(collection: Collection) -> Self {
        CollectionObject {
            collection,
            name_only: false,
            kind: PhantomData,
        }
    }

    /// Wrap the sequence of an artifact readable only through a link.
    fn name_only(collection: Collection) -> Self {
        CollectionObject {
            name_only: true,
            ..Self::new(collection)
        }
    }
}

impl<K: Kind> TypeName for CollectionObject<K> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(K::NAME)
    }
}

#[Object(name_type)]
impl<K: Kind> CollectionObject<K> {
    async fn id(&self) -> ID {
        ids::encode("ArtifactCollection", self.collection.id)
    }

    async fn name(&self) -> &str {
        &self.collection.name
    }

    async fn description(&self) -> Option<&str> {
        self.collection.description.as_deref()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.collection.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.collection.updated_at)
    }

    /// Collections are deleted outright, so every one that answers is ready.
    async fn state(&self) -> &'static str {
        "READY"
    }

    async fn digest_algorithm(&self) -> ArtifactDigestAlgorithm {
        ArtifactDigestAlgorithm::ManifestMd5
    }

    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProjectObject>> {
        let project = cairn(ctx)
            .readable_project_by_id(actor(ctx), self.collection.project_id)
            .await
            .gql()?;
        Ok(project.map(ProjectObject))
    }

    async fn default_artifact_type(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ArtifactTypeObject>> {
        let Some(project) = cairn(ctx)
            .readable_project_by_id(actor(ctx), self.collection.project_id)
            .await
            .gql()?
        else {
            return Ok(None);
        };
        let found = cairn(ctx)
            .artifact_type(&project, &self.collection.type_name)
            .await
            .gql()?;
        Ok(found.map(ArtifactTypeObject))
    }

    async fn tags(&self) -> TagConnection {
        TagConnection {
            page_info: PageInfo::default(),
            edges: self
                .collection
                .tags
                .iter()
                .cloned()
                .map(|t| TagEdge { node: TagObject(t) })
                .collect(),
        }
    }

    /// Aliases held by its versions.
    async fn aliases(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<AliasConnection> {
        let _ = (after, first);
        let cairn = cairn(ctx);
        let mut aliases = Vec::new();
        let mut cursor_at = None;
        loop {
            if self.name_only {
                break;
            }
            let page = cairn
                .versions(
                    &self.collection,
                    None,
                    VersionOrder::NewestFirst,
                    cursor_at,
                    1000,
                )
                .await
                .gql()?;
            cursor_at = page.versions.last().map(|(m, _)| m.version_index);
            aliases.extend(page.versions.into_iter().flat_map(|(m, _)| m.aliases));
            if !page.has_next_page {
                break;
            }
        }
        Ok(AliasConnection {
            page_info: PageInfo::default(),
            edges: aliases
                .into_iter()
                .map(|a| AliasEdge {
                    cursor: cursor(a.id),
                    node: AliasObject(a),
                })
                .collect(),
        })
    }

    /// A version by `v3` or alias.
    async fn artifact_membership(
        &self,
        ctx: &Context<'_>,
        alias_name: String,
    ) -> async_graphql::Result<Option<MembershipObject>> {
        if self.name_only {
            return Ok(None);
        }
        let found = cairn(ctx)
            .membership(&self.collection, &alias_name)
            .await
            .gql()?;
        Ok(found.map(MembershipObject))
    }

    /// The version `latest` names.
    async fn latest_artifact(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ArtifactObject>> {
        let cairn = cairn(ctx);
        if self.name_only {
            return Ok(None);
        }
        let Some(m) = cairn.membership(&self.collection, LATEST).await.gql()? else {
            return Ok(None);
        };
        Ok(cairn
            .artifact(actor(ctx), m.artifact_id)
            .await
            .gql()?
            .map(ArtifactObject))
    }

    /// Versions, newest first unless `order` asks otherwise
    /// (`[+|-]version_index`, `[+|-]created_at`).
    async fn artifacts(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
        filters: Option<JsonString>,
    ) -> async_graphql::Result<VersionConnection> {
        let order = VersionOrder::parse(order.as_deref()).gql()?;
        if self.name_only {
            return Ok(VersionConnection {
                total_count: 0,
                edges: Vec::new(),
                page_info: PageInfo::default(),
            });
        }
        let filter = parse_filter(filters.as_ref())?;
        version_connection(ctx, &self.collection, filter.as_ref(), order, after, first).await
    }

    /// Versions as memberships, newest first.
    async fn artifact_memberships(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<MembershipConnection> {
        if self.name_only {
            return Ok(MembershipConnection {
                edges: Vec::new(),
                page_info: PageInfo::default(),
            });
        }
        let first = page_size(first);
        let after = after
            .filter(|a| !a.is_empty())
            .map(|a| a.parse::<i64>())
            .transpose()
            .map_err(|_| CoreError::InvalidInput("That is not a valid page cursor.".into()))
            .gql()?;
        let page = cairn(ctx)
            .versions(
                &self.collection,
                None,
                VersionOrder::NewestFirst,
                after,
                first,
            )
            .await
            .gql()?;
        Ok(MembershipConnection {
            page_info: PageInfo {
                end_cursor: page
                    .versions
                    .last()
                    .map(|(m, _)| m.version_index.to_string()),
                has_next_page: page.has_next_page,
                ..PageInfo::default()
            },
            edges: page
                .versions
                .into_iter()
                .map(|(m, _)| MembershipEdge {
                    cursor: m.version_index.to_string(),
                    node: MembershipObject(m),
                })
                .collect(),
        })
    }
}

/// `ArtifactCollection`: a sequence or a portfolio.
// The derive spells each field and argument as `name = …, ty = …`, which
// clippy takes for repeated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    name = "ArtifactCollection",
    field(name = "id", ty = "ID"),
    field(name = "name", ty = "&str"),
    field(name = "description", ty = "Option<&str>"),
    field(name = "created_at", ty = "DateTime"),
    field(name = "updated_at", ty = "DateTime"),
    field(name = "state", ty = "&'static str"),
    field(name = "project", ty = "Option<ProjectObject>"),
    field(name = "default_artifact_type", ty = "Option<ArtifactTypeObject>"),
    field(name = "tags", ty = "TagConnection"),
    field(
        name = "aliases",
        ty = "AliasConnection",
        arg(name = "after", ty = "Option<String>"),
        arg(name = "first", ty = "Option<i32>")
    ),
    field(
        name = "artifact_membership",
        ty = "Option<MembershipObject>",
        arg(name = "alias_name", ty = "String")
    ),
    field(name = "latest_artifact", ty = "Option<ArtifactObject>"),
    field(
        name = "artifacts",
        ty = "VersionConnection",
        arg(name = "after", ty = "Option<String>"),
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "order", ty = "Option<String>"),
        arg(name = "filters", ty = "Option<JsonString>")
    ),
    field(
        name = "artifact_memberships",
        ty = "MembershipConnection",
        arg(name = "after", ty = "Option<String>"),
        arg(name = "first", ty = "Option<i32>")
    )
)]
pub enum CollectionIface {
    /// Logged versions.
    Sequence(CollectionObject<Sequence>),
    /// Linked versions.
    Portfolio(CollectionObject<Portfolio>),
}

impl From<Collection> for CollectionIface {
    fn from(c: Collection) -> Self {
        match c.kind {
            CollectionKind::Sequence => CollectionIface::Sequence(CollectionObject::new(c)),
            CollectionKind::Portfolio => CollectionIface::Portfolio(CollectionObject::new(c)),
        }
    }
}

/// A page of collections.
#[derive(SimpleObject)]
pub struct CollectionConnection {
    /// How many match in all.
    pub total_count: i64,
    /// The collections.
    pub edges: Vec<CollectionEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One collection.
#[derive(SimpleObject)]
pub struct CollectionEdge {
    /// The collection.
    pub node: CollectionIface,
    /// Its cursor.
    pub cursor: String,
}

/// One page of a project's collections.
pub(crate) async fn collection_connection(
    ctx: &Context<'_>,
    project: &cairn_core::model::Project,
    type_id: Option<i64>,
    kinds: &[CollectionKind],
    filters: Option<JsonString>,
    after: Option<String>,
    first: Option<i32>,
) -> async_graphql::Result<CollectionConnection> {
    let first = page_size(first);
    let filter = parse_filter(filters.as_ref())?;
    let after = decode_cursor(after.as_deref()).gql()?;
    let cairn = cairn(ctx);
    let mut collections = cairn
        .collections(project, type_id, kinds, filter.as_ref(), after, first + 1)
        .await
        .gql()?;
    let has_next_page = collections.len() as i64 > first;
    collections.truncate(first as usize);
    let total_count = cairn
        .collection_count(project, type_id, kinds, filter.as_ref())
        .await
        .gql()?;
    Ok(collections_page(collections, has_next_page, total_count))
}

pub(crate) fn collections_page(
    collections: Vec<Collection>,
    has_next_page: bool,
    total_count: i64,
) -> CollectionConnection {
    CollectionConnection {
        total_count,
        page_info: PageInfo {
            end_cursor: collections.last().map(|c| cursor(c.id)),
            start_cursor: collections.first().map(|c| cursor(c.id)),
            has_next_page,
            ..PageInfo::default()
        },
        edges: collections
            .into_iter()
            .map(|c| CollectionEdge {
                cursor: cursor(c.id),
                node: CollectionIface::from(c),
            })
            .collect(),
    }
}

// ----- versions -------------------------------------------------------------------

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

async fn version_connection(
    ctx: &Context<'_>,
    collection: &Collection,
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
    run: &Readable<Run>,
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
        if cairn.artifact(actor(ctx), a.id).await.gql()?.is_some() {
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

/// Find `collection:version-or-alias` in a project: the collection, the
/// membership and the artifact. `name` without `:` means `latest`.
pub(crate) async fn resolve_membership(
    ctx: &Context<'_>,
    project: &cairn_core::model::Project,
    name: &str,
) -> async_graphql::Result<Option<(Collection, Membership, Artifact)>> {
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
