//! [`ArtifactFile`] and the pager over an artifact's files
//! (`artifact.files()`), with the GraphQL shapes that reach them.

use serde::Deserialize;
use serde_json::json;

use super::{Artifact, CountedConnection, ProjectData};
use crate::error::{Error, Result};
use crate::pager::{Counted, Page, PageSource, Pager};
use crate::queries;

/// One file of an artifact, as `artifact.files()` lists them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactFile {
    id: String,
    name: String,
    url: Option<String>,
    size_bytes: Option<i64>,
    storage_path: Option<String>,
    mimetype: Option<String>,
    updated_at: Option<String>,
    md5: Option<String>,
    direct_url: Option<String>,
}

impl ArtifactFile {
    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Path within the artifact.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size_bytes.unwrap_or(0).max(0) as u64
    }

    /// Base64 MD5 of the bytes.
    pub fn md5(&self) -> Option<&str> {
        self.md5.as_deref()
    }

    /// MIME type, if known.
    pub fn mimetype(&self) -> Option<&str> {
        self.mimetype.as_deref()
    }

    /// Last change, as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.updated_at.as_deref()
    }

    /// Where the bytes live in the server's store.
    pub fn storage_path(&self) -> Option<&str> {
        self.storage_path.as_deref()
    }

    /// A download URL.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// A download URL that needs no credentials.
    pub fn direct_url(&self) -> Option<&str> {
        self.direct_url.as_deref()
    }
}

/// An artifact's files, fetched a page at a time. [`len`](Pager::len) is
/// how many files match.
pub type ArtifactFiles = Pager<ArtifactFilePages>;

/// The [`PageSource`] behind [`ArtifactFiles`]: `ArtifactMembershipFiles`.
pub struct ArtifactFilePages {
    pub(super) artifact: Artifact,
    pub(super) names: Vec<String>,
    pub(super) per_page: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembershipFiles {
    files: Option<CountedConnection<ArtifactFile>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CollectionWithMembership<T> {
    artifact_membership: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectWithCollection<T> {
    artifact_collection: Option<T>,
}

impl PageSource for ArtifactFilePages {
    type Item = ArtifactFile;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<ArtifactFile>> {
        let a = &self.artifact;
        let names = (!self.names.is_empty()).then_some(&self.names);
        let data: ProjectData<ProjectWithCollection<CollectionWithMembership<MembershipFiles>>> = a
            .api
            .transport
            .execute(
                queries::ARTIFACT_MEMBERSHIP_FILES,
                json!({
                    "entity": a.entity, "project": a.project,
                    "collection": a.collection, "alias": a.version(),
                    "fileNames": names, "cursor": cursor, "perPage": self.per_page,
                }),
            )
            .await?;
        let files = data
            .project
            .and_then(|p| p.artifact_collection)
            .and_then(|c| c.artifact_membership)
            .ok_or_else(|| Error::NotFound {
                what: "artifact",
                name: a.qualified_name(),
            })?
            .files;
        match files {
            Some(conn) => conn.into_page(Ok),
            None => Ok(Page::last(None)),
        }
    }
}

impl Counted for ArtifactFilePages {}
