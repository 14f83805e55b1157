//! Artifact mutations: the logging flow (`createArtifact`,
//! `createArtifactManifest`, `createArtifactFiles`, uploads,
//! `commitArtifact`), use, link and unlink, aliases, tags, edits, and
//! deletion with garbage collection of blobs nothing references any more.
//!
//! Input objects list every field the official client sends, used or not:
//! GraphQL rejects unknown input fields, and a client request must never
//! fail validation.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use cairn_core::artifact::{Artifact, ArtifactPatch, ManifestKind, NewArtifact, StagedFile};
use cairn_core::authz::Writable;
use cairn_core::content::ContentStore;
use cairn_core::multipart;
use cairn_core::{AliasTarget, CoreError};
use cairn_types::digest::{b64_of, hex_of};

use crate::error::GqlResultExt;
use crate::graphql::mutation::SuccessPayload;
use crate::graphql::scalars::{Int64, JsonString};
use crate::graphql::types::artifact::{
    ArtifactDigestAlgorithm, ArtifactManifestObject, ArtifactObject, ArtifactStorageLayout,
    CollectionIface, MembershipObject, TagObject,
};
use crate::graphql::types::file::{
    FileConnection, FileEdge, FileObject, UploadMultipartUrls, UploadUrlPart, signed_path,
};
use crate::graphql::types::{PageInfo, ProjectObject};
use crate::graphql::{actor, cairn, content, ids};
use crate::urls;

mod edit;
mod upload;

pub use edit::ArtifactMutation;
pub use upload::ArtifactUploadMutation;

#[derive(InputObject)]
struct ArtifactAliasInput {
    alias: String,
    artifact_collection_name: Option<String>,
}

#[derive(InputObject)]
struct ArtifactCollectionAliasInput {
    alias: String,
    artifact_collection_name: String,
    entity_name: Option<String>,
    project_name: Option<String>,
}

#[derive(InputObject)]
struct TagInput {
    tag_name: String,
    tag_category_name: Option<String>,
    attributes: Option<String>,
}

fn tag_names(tags: Option<Vec<TagInput>>) -> Vec<String> {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| {
            let _ = (t.tag_category_name, t.attributes);
            t.tag_name
        })
        .collect()
}

fn artifact_id(id: &str) -> async_graphql::Result<i64> {
    ids::decode("Artifact", id).gql()
}

fn collection_id(id: &str) -> async_graphql::Result<i64> {
    ids::decode("ArtifactCollection", id).gql()
}

/// Delete the bytes of blobs that lost their last reference. A failure is
/// logged, not returned: the deletion itself has happened, and the blob
/// can be collected later.
async fn collect(ctx: &Context<'_>, digests: &[String]) {
    if let Err(e) = content(ctx).collect(digests).await {
        tracing::warn!(error = %e, "collecting artifact blobs failed");
    }
}

/// `{artifact}` payloads, one W&B type name per mutation (clients write
/// fragments on them, e.g. `fragment CreatedArtifact on CreateArtifactPayload`).
macro_rules! artifact_payload {
    ($($name:ident),*) => {$(
        #[derive(SimpleObject)]
        struct $name {
            artifact: Option<ArtifactObject>,
            client_mutation_id: Option<String>,
        }
    )*};
}

artifact_payload!(
    CreateArtifactPayload,
    CommitArtifactPayload,
    UseArtifactPayload,
    UpdateArtifactPayload,
    DeleteArtifactPayload
);
