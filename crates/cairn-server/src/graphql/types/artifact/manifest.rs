//! An artifact's manifest and its stored files as a `FileConnection`.

use async_graphql::{Context, ID, Object};
use cairn_core::artifact::Artifact;
use cairn_core::authz::Readable;

use super::page_size;
use crate::error::GqlResultExt;
use crate::graphql::types::file::{FileConnection, FileEdge, FileObject, signed_path};
use crate::graphql::types::page::PageInfo;
use crate::graphql::{cairn, ids};

/// One page of an artifact's stored files.
pub(crate) async fn artifact_files(
    ctx: &Context<'_>,
    artifact: &Readable<Artifact>,
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
