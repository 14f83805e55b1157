//! The `ArtifactCollection` interface and its two kinds. The official
//! client validates `__typename`s as literals, so a sequence must answer
//! `ArtifactSequence` and a portfolio `ArtifactPortfolio`, never the
//! interface's name. Both are one generic object here, named through
//! [`async_graphql::TypeName`].

use std::borrow::Cow;
use std::marker::PhantomData;

use async_graphql::{Context, ID, Interface, Object, SimpleObject, TypeName};
use cairn_core::CoreError;
use cairn_core::artifact::{Collection, CollectionKind, LATEST, VersionOrder};
use cairn_core::authz::Readable;

use super::artifact_type::ArtifactTypeObject;
use super::labels::{AliasConnection, AliasEdge, AliasObject, TagConnection, TagEdge, TagObject};
use super::membership::{
    MembershipConnection, MembershipEdge, MembershipObject, VersionConnection, version_connection,
};
use super::version::{ArtifactDigestAlgorithm, ArtifactObject};
use super::{page_size, parse_filter};
use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::page::{PageInfo, cursor, decode_cursor};
use crate::graphql::types::project::ProjectObject;
use crate::graphql::{actor, cairn, ids};

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
    seen: Seen,
    kind: PhantomData<K>,
}

/// How the caller may see a collection.
enum Seen {
    /// Wholly: it is readable.
    Readable(Readable<Collection>),
    /// Only as the source of a version linked into one they may read: its
    /// name shows, its versions and aliases do not.
    NameOnly(Collection),
}

impl<K> CollectionObject<K> {
    /// Wrap a readable collection.
    pub fn new(collection: Readable<Collection>) -> Self {
        CollectionObject {
            seen: Seen::Readable(collection),
            kind: PhantomData,
        }
    }

    /// Wrap the sequence of an artifact readable only through a link.
    pub(super) fn name_only(collection: Collection) -> Self {
        CollectionObject {
            seen: Seen::NameOnly(collection),
            kind: PhantomData,
        }
    }

    /// The record, however it is seen.
    fn collection(&self) -> &Collection {
        match &self.seen {
            Seen::Readable(c) => c,
            Seen::NameOnly(c) => c,
        }
    }

    /// The proof that the caller may read it, if they may.
    fn readable(&self) -> Option<&Readable<Collection>> {
        match &self.seen {
            Seen::Readable(c) => Some(c),
            Seen::NameOnly(_) => None,
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
        ids::encode("ArtifactCollection", self.collection().id)
    }

    async fn name(&self) -> &str {
        &self.collection().name
    }

    async fn description(&self) -> Option<&str> {
        self.collection().description.as_deref()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.collection().created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.collection().updated_at)
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
            .readable_project_by_id(actor(ctx), self.collection().project_id)
            .await
            .gql()?;
        Ok(project.map(ProjectObject))
    }

    async fn default_artifact_type(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ArtifactTypeObject>> {
        let Some(project) = cairn(ctx)
            .readable_project_by_id(actor(ctx), self.collection().project_id)
            .await
            .gql()?
        else {
            return Ok(None);
        };
        let found = cairn(ctx)
            .artifact_type(&project, &self.collection().type_name)
            .await
            .gql()?;
        Ok(found.map(ArtifactTypeObject))
    }

    async fn tags(&self) -> TagConnection {
        TagConnection {
            page_info: PageInfo::default(),
            edges: self
                .collection()
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
        while let Some(collection) = self.readable() {
            let page = cairn
                .versions(collection, None, VersionOrder::NewestFirst, cursor_at, 1000)
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
        let Some(collection) = self.readable() else {
            return Ok(None);
        };
        let found = cairn(ctx).membership(collection, &alias_name).await.gql()?;
        Ok(found.map(MembershipObject))
    }

    /// The version `latest` names.
    async fn latest_artifact(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ArtifactObject>> {
        let cairn = cairn(ctx);
        let Some(collection) = self.readable() else {
            return Ok(None);
        };
        let Some(m) = cairn.membership(collection, LATEST).await.gql()? else {
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
        let Some(collection) = self.readable() else {
            return Ok(VersionConnection {
                total_count: 0,
                edges: Vec::new(),
                page_info: PageInfo::default(),
            });
        };
        let filter = parse_filter(filters.as_ref())?;
        version_connection(ctx, collection, filter.as_ref(), order, after, first).await
    }

    /// Versions as memberships, newest first.
    async fn artifact_memberships(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<MembershipConnection> {
        let Some(collection) = self.readable() else {
            return Ok(MembershipConnection {
                edges: Vec::new(),
                page_info: PageInfo::default(),
            });
        };
        let first = page_size(first);
        let after = after
            .filter(|a| !a.is_empty())
            .map(|a| a.parse::<i64>())
            .transpose()
            .map_err(|_| CoreError::InvalidInput("That is not a valid page cursor.".into()))
            .gql()?;
        let page = cairn(ctx)
            .versions(collection, None, VersionOrder::NewestFirst, after, first)
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

impl From<Readable<Collection>> for CollectionIface {
    fn from(c: Readable<Collection>) -> Self {
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
    project: &Readable<cairn_core::model::Project>,
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
    collections: Vec<Readable<Collection>>,
    has_next_page: bool,
    total_count: i64,
) -> CollectionConnection {
    let collections = collections
        .into_iter()
        .map(|c| {
            let after = cursor(c.id);
            (c, after)
        })
        .collect();
    collections_page_with_cursors(collections, has_next_page, total_count)
}

/// A page of collections, each with the cursor of the page after it.
pub(crate) fn collections_page_with_cursors(
    collections: Vec<(Readable<Collection>, String)>,
    has_next_page: bool,
    total_count: i64,
) -> CollectionConnection {
    CollectionConnection {
        total_count,
        page_info: PageInfo {
            end_cursor: collections.last().map(|(_, c)| c.clone()),
            start_cursor: collections.first().map(|(_, c)| c.clone()),
            has_next_page,
            ..PageInfo::default()
        },
        edges: collections
            .into_iter()
            .map(|(c, cursor)| CollectionEdge {
                cursor,
                node: CollectionIface::from(c),
            })
            .collect(),
    }
}
