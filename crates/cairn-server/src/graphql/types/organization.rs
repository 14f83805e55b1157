//! `Organization` and the organization-wide registry listings.
//!
//! Each organization's entity (`cairn-org` for the default one) owns its
//! registries (`wandb-registry-<name>` projects). Every user belongs to the
//! default organization; instance admins create further ones, whose
//! members are the members of their entity (see `cairn_core`'s
//! `service::organizations`).
//! The registry listings of the official client (`api.registries()`,
//! `.collections()`, `.versions()`) hang off `organization.orgEntity`, with
//! MongoDB-style filters per level that the store compiles to SQL.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::model::Organization;
use cairn_core::store::{RegistryListing, RegistryQuery};

use crate::error::GqlResultExt;
use crate::graphql::scalars::JsonString;
use crate::graphql::types::artifact::{
    ArtifactCollectionType, CollectionConnection, MembershipConnection, MembershipEdge,
    MembershipObject, collections_page_with_cursors, page_size, parse_filter,
};
use crate::graphql::types::page::PageInfo;
use crate::graphql::types::{EntityObject, ProjectConnection, ProjectEdge, ProjectObject};
use crate::graphql::{actor, cairn, ids};

/// An organization.
pub struct OrganizationObject(pub Organization);

#[Object(name = "Organization")]
impl OrganizationObject {
    async fn id(&self) -> ID {
        ids::encode("Organization", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The entity that owns the registries.
    async fn org_entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EntityObject>> {
        let entity = cairn(ctx)
            .entity(actor(ctx), &self.0.entity_name)
            .await
            .gql()?;
        Ok(entity.map(EntityObject))
    }

    /// Optional registry features: none of the advanced ones.
    async fn advanced_registry_features(&self) -> AdvancedRegistryFeatures {
        AdvancedRegistryFeatures {
            advanced_search: false,
        }
    }

    /// Feature flags: none.
    async fn feature_flags(&self, ramp_id_type: Option<String>) -> Vec<FeatureFlag> {
        let _ = ramp_id_type;
        Vec::new()
    }

    /// Not a CoreWeave organization.
    async fn core_weave_organization_id(&self) -> Option<String> {
        None
    }
}

/// Optional registry features.
#[derive(SimpleObject)]
pub struct AdvancedRegistryFeatures {
    /// Advanced search (extra filter fields and orders).
    pub advanced_search: bool,
}

/// One organization feature flag.
#[derive(SimpleObject)]
pub struct FeatureFlag {
    /// The flag.
    pub ramp_key: String,
    /// Whether it is on.
    pub is_enabled: bool,
}

/// Where a page of an organization-wide listing starts, how long it is and
/// in which order (W&B's `order` string), as the GraphQL arguments give them.
pub(crate) struct ListingPage {
    pub order: Option<String>,
    pub after: Option<String>,
    pub first: Option<i32>,
}

/// Registries of the organization whose entity is `org_entity_id`
/// matching `filters`, in `order` (creation order when none).
pub(crate) async fn registries(
    ctx: &Context<'_>,
    org_entity_id: i64,
    filters: Option<JsonString>,
    page: ListingPage,
) -> async_graphql::Result<ProjectConnection> {
    let ListingPage {
        order,
        after,
        first,
    } = page;
    let first = page_size(first);
    let query = RegistryQuery {
        registry_filter: parse_filter(filters.as_ref())?,
        listing: RegistryListing::Registries,
        order,
        after,
        first: first + 1,
        ..RegistryQuery::default()
    };
    let cairn = cairn(ctx);
    let query = cairn
        .registry_query(actor(ctx), org_entity_id, query)
        .await
        .gql()?;
    let mut ids = cairn.registry_ids(&query).await.gql()?;
    let has_next_page = ids.len() as i64 > first;
    ids.truncate(first as usize);
    let mut edges = Vec::with_capacity(ids.len());
    for (id, cursor) in ids {
        if let Some(project) = cairn.readable_project_by_id(actor(ctx), id).await.gql()? {
            edges.push(ProjectEdge {
                cursor,
                node: Some(ProjectObject(project)),
            });
        }
    }
    Ok(ProjectConnection {
        page_info: PageInfo {
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
            has_next_page,
            has_previous_page: false,
        },
        edges,
    })
}

/// Registry collections matching the registry and collection filters.
pub(crate) async fn registry_collections(
    ctx: &Context<'_>,
    org_entity_id: i64,
    project_filters: Option<JsonString>,
    filters: Option<JsonString>,
    collection_types: Option<Vec<ArtifactCollectionType>>,
    page: ListingPage,
) -> async_graphql::Result<CollectionConnection> {
    let _ = collection_types;
    let ListingPage {
        order,
        after,
        first,
    } = page;
    let first = page_size(first);
    let query = RegistryQuery {
        registry_filter: parse_filter(project_filters.as_ref())?,
        collection_filter: parse_filter(filters.as_ref())?,
        listing: RegistryListing::Collections,
        order,
        after,
        first: first + 1,
        ..RegistryQuery::default()
    };
    let cairn = cairn(ctx);
    let query = cairn
        .registry_query(actor(ctx), org_entity_id, query)
        .await
        .gql()?;
    let mut ids = cairn.registry_collection_ids(&query).await.gql()?;
    let has_next_page = ids.len() as i64 > first;
    ids.truncate(first as usize);
    let total = cairn.registry_collection_count(&query).await.gql()?;
    let mut collections = Vec::with_capacity(ids.len());
    for (id, cursor) in ids {
        if let Some(c) = cairn.collection_by_id(actor(ctx), id).await.gql()? {
            collections.push((c, cursor));
        }
    }
    Ok(collections_page_with_cursors(
        collections,
        has_next_page,
        total,
    ))
}

/// Registry versions matching the registry, collection and version filters.
pub(crate) async fn registry_versions(
    ctx: &Context<'_>,
    org_entity_id: i64,
    project_filters: Option<JsonString>,
    collection_filters: Option<JsonString>,
    filters: Option<JsonString>,
    page: ListingPage,
) -> async_graphql::Result<MembershipConnection> {
    let ListingPage {
        order,
        after,
        first,
    } = page;
    let first = page_size(first);
    let query = RegistryQuery {
        registry_filter: parse_filter(project_filters.as_ref())?,
        collection_filter: parse_filter(collection_filters.as_ref())?,
        version_filter: parse_filter(filters.as_ref())?,
        listing: RegistryListing::Versions,
        order,
        after,
        first: first + 1,
    };
    let cairn = cairn(ctx);
    let query = cairn
        .registry_query(actor(ctx), org_entity_id, query)
        .await
        .gql()?;
    let mut ids = cairn.registry_membership_ids(&query).await.gql()?;
    let has_next_page = ids.len() as i64 > first;
    ids.truncate(first as usize);
    let mut edges = Vec::with_capacity(ids.len());
    for (id, cursor) in ids {
        if let Some(m) = cairn.membership_by_id(actor(ctx), id).await.gql()? {
            edges.push(MembershipEdge {
                cursor,
                node: MembershipObject(m),
            });
        }
    }
    Ok(MembershipConnection {
        page_info: PageInfo {
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
            has_next_page,
            has_previous_page: false,
        },
        edges,
    })
}
