//! Artifacts: [`Artifact`], [`ArtifactType`], [`ArtifactCollection`], their
//! lazy pagers, and the `Api` methods that find them.
//!
//! Names follow Python's `wandb.Api`/`wandb.Artifact`. An artifact is
//! always seen *through* a collection: `entity/project/collection:vN`. For a
//! logged version that is its own sequence; for one linked into a registry
//! it is the portfolio, where its version number and aliases differ. The
//! collection it was fetched through is the one [`Artifact::name`],
//! [`Artifact::aliases`] and [`Artifact::save`] act on, as in Python.
//!
//! One file per type a caller holds: `artifact.rs` (a version),
//! `files.rs` (its files), `collections.rs` (types and collections),
//! `versions.rs` (the pager over a collection's versions) and `lookup.rs`
//! (the `Api` methods that resolve paths to them). This file keeps the
//! GraphQL shapes they share. Transfers (download and logging) live in
//! `artifact_transfer/`.

mod artifact;
mod collections;
mod files;
mod lookup;
mod versions;

pub use artifact::Artifact;
pub use collections::{
    ArtifactCollection, ArtifactCollections, ArtifactType, ArtifactTypePages, ArtifactTypes,
    CollectionPages,
};
pub(crate) use collections::{ArtifactTypeData, CollectionData};
pub use files::{ArtifactFile, ArtifactFilePages, ArtifactFiles};
pub use versions::{ArtifactPages, Artifacts};

use serde::Deserialize;

use crate::error::Result;
use crate::pager::{Connection, Page};

/// The prefix that marks a project as a registry.
pub(crate) use cairn_types::REGISTRY_PREFIX;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NameOnly {
    pub(crate) name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectInfo {
    pub(crate) name: String,
    pub(crate) entity: Option<NameOnly>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CollectionInfo {
    pub(crate) name: String,
    pub(crate) project: Option<ProjectInfo>,
}

impl CollectionInfo {
    fn entity(&self) -> Option<&str> {
        self.project
            .as_ref()
            .and_then(|p| p.entity.as_ref())
            .map(|e| e.name.as_str())
    }

    fn project(&self) -> Option<&str> {
        self.project.as_ref().map(|p| p.name.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AliasData {
    alias: String,
    artifact_collection: Option<CollectionInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TagData {
    name: String,
}

/// Python's `ArtifactFragment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArtifactData {
    pub(crate) id: String,
    artifact_sequence: Option<CollectionInfo>,
    version_index: Option<i64>,
    artifact_type: NameOnly,
    description: Option<String>,
    metadata: Option<String>,
    ttl_duration_seconds: Option<i64>,
    #[serde(default)]
    tags: Vec<TagData>,
    history_step: Option<i64>,
    state: String,
    size: Option<i64>,
    digest: String,
    commit_hash: Option<String>,
    file_count: Option<i64>,
    created_at: Option<String>,
    updated_at: Option<String>,
    aliases: Option<Vec<AliasData>>,
}

/// Python's `ArtifactMembershipFragment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembershipData {
    version_index: i64,
    #[serde(default)]
    aliases: Vec<AliasData>,
    artifact_collection: Option<CollectionInfo>,
    artifact: Option<ArtifactData>,
}

#[derive(Deserialize)]
pub(crate) struct ProjectData<T> {
    pub(crate) project: Option<T>,
}

/// A connection with `totalCount` beside it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CountedConnection<T> {
    total_count: Option<u64>,
    #[serde(flatten)]
    connection: Connection<T>,
}

impl<T> CountedConnection<T> {
    pub(crate) fn into_page<U>(self, item: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        self.connection.into_page(self.total_count, item)
    }
}
