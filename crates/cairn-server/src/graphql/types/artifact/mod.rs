//! `Artifact`, `ArtifactType`, the `ArtifactCollection` interface with its
//! two kinds (`ArtifactSequence`, `ArtifactPortfolio`),
//! `ArtifactCollectionMembership`, `ArtifactAlias`, `Tag`, and their
//! connections.
//!
//! The official client validates `__typename`s as literals, so a sequence
//! must answer `ArtifactSequence` and a portfolio `ArtifactPortfolio`, never
//! the interface's name. Both are one generic object here, named through
//! [`async_graphql::TypeName`].
//!
//! One file per type: `version.rs` (`Artifact`), `manifest.rs` (its
//! manifest and files), `artifact_type.rs`, `labels.rs` (tags and
//! aliases), `collection.rs` (the interface and its kinds) and
//! `membership.rs` (versions in a collection). This file keeps the paging
//! and filter helpers they share.

mod artifact_type;
mod collection;
mod labels;
mod manifest;
mod membership;
mod version;

pub use artifact_type::{ArtifactTypeConnection, ArtifactTypeEdge, ArtifactTypeObject};
pub use collection::{
    ArtifactCollectionType, CollectionConnection, CollectionIface, CollectionObject, Portfolio,
    Sequence,
};
pub(crate) use collection::{
    collection_connection, collections_page, collections_page_with_cursors, kinds_of,
};
pub use labels::TagObject;
pub use manifest::ArtifactManifestObject;
pub(crate) use membership::resolve_membership;
pub use membership::{MembershipConnection, MembershipEdge, MembershipObject};
pub(crate) use version::run_artifacts;
pub use version::{
    ArtifactConnection, ArtifactDigestAlgorithm, ArtifactObject, ArtifactStorageLayout,
};

use cairn_core::CoreError;

use crate::graphql::scalars::JsonString;

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
