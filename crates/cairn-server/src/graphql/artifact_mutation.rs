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

/// Artifact mutations.
#[derive(Default)]
pub struct ArtifactMutation;

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

#[derive(InputObject)]
struct CreateArtifactInput {
    artifact_type_name: String,
    artifact_collection_name: Option<String>,
    artifact_collection_names: Option<Vec<String>>,
    entity_name: String,
    project_name: String,
    run_name: Option<String>,
    description: Option<String>,
    digest: String,
    digest_algorithm: Option<ArtifactDigestAlgorithm>,
    enable_digest_deduplication: Option<bool>,
    aliases: Option<Vec<ArtifactAliasInput>>,
    metadata: Option<JsonString>,
    #[graphql(name = "clientID")]
    client_id: Option<ID>,
    #[graphql(name = "sequenceClientID")]
    sequence_client_id: Option<ID>,
    #[graphql(name = "distributedID")]
    distributed_id: Option<String>,
    history_step: Option<Int64>,
    labels: Option<JsonString>,
    storage_region: Option<String>,
    ttl_duration_seconds: Option<Int64>,
    client_mutation_id: Option<String>,
    tags: Option<Vec<TagInput>>,
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

/// How a manifest relates to its base.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
enum ArtifactManifestType {
    Full,
    Incremental,
    Patch,
}

#[derive(InputObject)]
struct CreateArtifactManifestInput {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    #[graphql(name = "baseArtifactID")]
    base_artifact_id: Option<ID>,
    name: String,
    digest: String,
    entity_name: Option<String>,
    project_name: Option<String>,
    run_name: Option<String>,
    r#type: Option<ArtifactManifestType>,
    include_upload: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateArtifactManifestInput {
    #[graphql(name = "artifactManifestID")]
    artifact_manifest_id: ID,
    digest: Option<String>,
    #[graphql(name = "baseArtifactID")]
    base_artifact_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateArtifactManifestPayload {
    artifact_manifest: ArtifactManifestObject,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UploadPartsInput {
    part_number: Int64,
    #[graphql(name = "hexMD5")]
    hex_md5: String,
}

#[derive(InputObject)]
struct CreateArtifactFileSpecInput {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    #[graphql(name = "artifactManifestID")]
    artifact_manifest_id: Option<ID>,
    name: String,
    md5: String,
    mimetype: Option<String>,
    upload_parts_input: Option<Vec<UploadPartsInput>>,
    digest: Option<String>,
}

#[derive(InputObject)]
struct CreateArtifactFilesInput {
    artifact_files: Vec<CreateArtifactFileSpecInput>,
    storage_layout: Option<ArtifactStorageLayout>,
    #[graphql(name = "cloudRegionID")]
    cloud_region_id: Option<String>,
    digest_algorithm: Option<ArtifactDigestAlgorithm>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateArtifactFilesPayload {
    files: FileConnection,
    client_mutation_id: Option<String>,
}

/// The one action `completeMultipartUploadArtifact` knows.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "PascalCase")]
enum CompleteMultipartAction {
    Complete,
}

#[derive(InputObject)]
struct CompleteMultipartUploadArtifactInput {
    complete_multipart_action: CompleteMultipartAction,
    completed_parts: Vec<UploadPartsInput>,
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    storage_path: String,
    #[graphql(name = "uploadID")]
    upload_id: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CompleteMultipartUploadArtifactPayload {
    digest: Option<String>,
}

#[derive(InputObject)]
struct CommitArtifactInput {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UseArtifactInput {
    entity_name: String,
    project_name: String,
    run_name: String,
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    used_as: Option<String>,
    artifact_entity_name: Option<String>,
    artifact_project_name: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct LinkArtifactInput {
    #[graphql(name = "artifactID")]
    artifact_id: Option<ID>,
    #[graphql(name = "clientID")]
    client_id: Option<ID>,
    #[graphql(name = "artifactPortfolioID")]
    artifact_portfolio_id: Option<ID>,
    artifact_portfolio_name: Option<String>,
    entity_name: Option<String>,
    project_name: Option<String>,
    aliases: Option<Vec<ArtifactAliasInput>>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct LinkArtifactPayload {
    version_index: Option<i64>,
    artifact_membership: Option<MembershipObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UnlinkArtifactInput {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    #[graphql(name = "artifactPortfolioID")]
    artifact_portfolio_id: ID,
    client_mutation_id: Option<String>,
}

/// Input objects with one shape under two W&B names (clients declare
/// variables by type name, so both names must exist).
macro_rules! twin_inputs {
    ($($name:ident),* => $body:tt) => {
        $(
            #[derive(InputObject)]
            struct $name $body
        )*
    };
}

twin_inputs!(AddAliasesInput, DeleteAliasesInput => {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    aliases: Vec<ArtifactCollectionAliasInput>,
    client_mutation_id: Option<String>,
});

#[derive(InputObject)]
struct UpdateArtifactInput {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    description: Option<String>,
    metadata: Option<JsonString>,
    labels: Option<JsonString>,
    aliases: Option<Vec<ArtifactAliasInput>>,
    tags_to_add: Option<Vec<TagInput>>,
    tags_to_delete: Option<Vec<TagInput>>,
    ttl_duration_seconds: Option<Int64>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteArtifactInput {
    #[graphql(name = "artifactID")]
    artifact_id: ID,
    delete_aliases: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateArtifactSequenceInput {
    #[graphql(name = "artifactSequenceID")]
    artifact_sequence_id: ID,
    name: Option<String>,
    description: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateArtifactPortfolioInput {
    #[graphql(name = "artifactPortfolioID")]
    artifact_portfolio_id: ID,
    name: Option<String>,
    description: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct MoveArtifactSequenceInput {
    #[graphql(name = "artifactSequenceID")]
    artifact_sequence_id: ID,
    destination_artifact_type_name: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteArtifactSequenceInput {
    #[graphql(name = "artifactSequenceID")]
    artifact_sequence_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteArtifactPortfolioInput {
    #[graphql(name = "artifactPortfolioID")]
    artifact_portfolio_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct ArtifactCollectionPayload {
    artifact_collection: Option<CollectionIface>,
    client_mutation_id: Option<String>,
}

twin_inputs!(
    CreateArtifactCollectionTagAssignmentsInput,
    DeleteArtifactCollectionTagAssignmentsInput => {
    entity_name: String,
    project_name: String,
    artifact_collection_name: String,
    tags: Vec<TagInput>,
    #[graphql(name = "clientMutationID")]
    client_mutation_id: Option<String>,
});

#[derive(SimpleObject)]
struct CreateArtifactCollectionTagAssignmentsPayload {
    tags: Vec<TagObject>,
}

#[derive(InputObject)]
struct DeleteModelInput {
    id: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct RenameProjectInput {
    entity_name: String,
    old_project_name: String,
    new_project_name: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct RenameProjectPayload {
    inserted: bool,
    project: Option<ProjectObject>,
    client_mutation_id: Option<String>,
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

#[Object]
impl ArtifactMutation {
    /// Create a pending artifact (or, with deduplication, return the
    /// identical latest version, already committed).
    async fn create_artifact(
        &self,
        ctx: &Context<'_>,
        input: CreateArtifactInput,
    ) -> async_graphql::Result<CreateArtifactPayload> {
        let _ = (input.digest_algorithm, input.labels);
        let collection = input
            .artifact_collection_name
            .or_else(|| {
                input
                    .artifact_collection_names
                    .and_then(|n| n.into_iter().next())
            })
            .ok_or_else(|| {
                CoreError::InvalidInput("createArtifact needs a collection name.".into())
            })
            .gql()?;
        let new = NewArtifact {
            type_name: input.artifact_type_name,
            aliases: input
                .aliases
                .unwrap_or_default()
                .into_iter()
                .filter(|a| {
                    a.artifact_collection_name
                        .as_deref()
                        .is_none_or(|c| c == collection)
                })
                .map(|a| a.alias)
                .collect(),
            collection_name: collection,
            digest: input.digest,
            description: input.description,
            metadata: input.metadata.map(|m| m.0),
            tags: tag_names(input.tags),
            client_id: input.client_id.map(|i| i.0),
            sequence_client_id: input.sequence_client_id.map(|i| i.0),
            history_step: input.history_step.map(|s| s.0),
            ttl_seconds: input.ttl_duration_seconds.map(|t| t.0).filter(|t| *t > 0),
            deduplicate: input.enable_digest_deduplication.unwrap_or(false),
            storage_region: input.storage_region,
            distributed_id: input.distributed_id.filter(|d| !d.is_empty()),
            ..NewArtifact::default()
        };
        let (artifact, _) = cairn(ctx)
            .create_artifact(
                actor(ctx),
                &input.entity_name,
                &input.project_name,
                input.run_name.as_deref(),
                new,
            )
            .await
            .gql()?;
        Ok(CreateArtifactPayload {
            artifact: Some(ArtifactObject(artifact)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Reserve an artifact's manifest; with `digest` set, hand out the URL
    /// to upload it to.
    async fn create_artifact_manifest(
        &self,
        ctx: &Context<'_>,
        input: CreateArtifactManifestInput,
    ) -> async_graphql::Result<CreateArtifactManifestPayload> {
        let _ = (
            input.entity_name,
            input.project_name,
            input.run_name,
            input.include_upload,
            input.name,
        );
        let kind = match input.r#type {
            None | Some(ArtifactManifestType::Full) => ManifestKind::Full,
            Some(ArtifactManifestType::Incremental) => ManifestKind::Incremental,
            Some(ArtifactManifestType::Patch) => ManifestKind::Patch,
        };
        let base = input
            .base_artifact_id
            .as_ref()
            .filter(|b| !b.is_empty())
            .map(|b| artifact_id(b))
            .transpose()?;
        let artifact = cairn(ctx)
            .set_manifest_kind(actor(ctx), artifact_id(&input.artifact_id)?, kind, base)
            .await
            .gql()?;
        let digest = Some(input.digest.as_str()).filter(|d| !d.is_empty());
        Ok(CreateArtifactManifestPayload {
            artifact_manifest: ArtifactManifestObject::for_upload(ctx, artifact.id, digest),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// A new upload URL for a manifest (incremental or patch manifests).
    async fn update_artifact_manifest(
        &self,
        ctx: &Context<'_>,
        input: UpdateArtifactManifestInput,
    ) -> async_graphql::Result<CreateArtifactManifestPayload> {
        let _ = input.base_artifact_id;
        let id = ids::decode("ArtifactManifest", &input.artifact_manifest_id).gql()?;
        let artifact = cairn(ctx).writable_artifact(actor(ctx), id).await.gql()?;
        let digest = input.digest.as_deref().filter(|d| !d.is_empty());
        Ok(CreateArtifactManifestPayload {
            artifact_manifest: ArtifactManifestObject::for_upload(ctx, artifact.id, digest),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Upload URLs for an artifact's files, one edge per file in input
    /// order; `uploadUrl: null` where the bytes are already stored.
    async fn create_artifact_files(
        &self,
        ctx: &Context<'_>,
        input: CreateArtifactFilesInput,
    ) -> async_graphql::Result<CreateArtifactFilesPayload> {
        let _ = (
            input.storage_layout,
            input.cloud_region_id,
            input.digest_algorithm,
        );
        let cairn = cairn(ctx);
        let mut edges = Vec::with_capacity(input.artifact_files.len());
        // Consecutive files of one artifact are staged together.
        let mut files = input.artifact_files.into_iter().peekable();
        while let Some(first) = files.next() {
            let id = artifact_id(&first.artifact_id)?;
            let mut group = vec![first];
            while files
                .peek()
                .is_some_and(|f| f.artifact_id == group[0].artifact_id)
            {
                group.extend(files.next());
            }
            let staged: Vec<StagedFile> = group
                .iter()
                .map(|f| StagedFile {
                    path: f.name.clone(),
                    md5: f.md5.clone(),
                    mimetype: f.mimetype.clone(),
                })
                .collect();
            let stored = cairn
                .stage_artifact_files(actor(ctx), id, &staged)
                .await
                .gql()?;
            let artifact = cairn.writable_artifact(actor(ctx), id).await.gql()?;
            for (file, already) in group.into_iter().zip(stored) {
                let _ = (file.artifact_manifest_id, file.digest);
                edges.push(FileEdge {
                    cursor: file.name.clone(),
                    node: upload_file(ctx, &artifact, &file.md5, already, file.upload_parts_input)?,
                });
            }
        }
        Ok(CreateArtifactFilesPayload {
            files: FileConnection {
                total_count: Some(edges.len() as i64),
                edges,
                page_info: PageInfo::default(),
            },
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Join the parts of a multipart upload into the file's blob.
    async fn complete_multipart_upload_artifact(
        &self,
        ctx: &Context<'_>,
        input: CompleteMultipartUploadArtifactInput,
    ) -> async_graphql::Result<CompleteMultipartUploadArtifactPayload> {
        let _ = (input.complete_multipart_action, input.client_mutation_id);
        let artifact = cairn(ctx)
            .writable_artifact(actor(ctx), artifact_id(&input.artifact_id)?)
            .await
            .gql()?;
        let hex = input
            .storage_path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let md5 = b64_of(&hex)
            .ok_or_else(|| CoreError::InvalidInput("That storage path is not one of ours.".into()))
            .gql()?;
        multipart::check_upload_id(&input.upload_id).gql()?;
        let parts =
            multipart::part_order(input.completed_parts.iter().map(|p| p.part_number.0)).gql()?;
        content(ctx)
            .put_parts(&md5, &input.upload_id, &parts, Some(artifact.id))
            .await
            .gql()?;
        Ok(CompleteMultipartUploadArtifactPayload { digest: Some(md5) })
    }

    /// Commit a pending artifact with its uploaded manifest.
    async fn commit_artifact(
        &self,
        ctx: &Context<'_>,
        input: CommitArtifactInput,
    ) -> async_graphql::Result<CommitArtifactPayload> {
        let cairn = cairn(ctx);
        let artifact = cairn
            .writable_artifact(actor(ctx), artifact_id(&input.artifact_id)?)
            .await
            .gql()?;
        let entries = if artifact.state == cairn_core::artifact::ArtifactState::Committed {
            Vec::new()
        } else {
            cairn_core::manifest::for_commit(cairn, content(ctx), actor(ctx), &artifact)
                .await
                .gql()?
        };
        let committed = cairn
            .commit_artifact(actor(ctx), artifact.id, &entries)
            .await
            .gql()?;
        Ok(CommitArtifactPayload {
            artifact: Some(ArtifactObject(committed)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Record that a run used an artifact.
    async fn use_artifact(
        &self,
        ctx: &Context<'_>,
        input: UseArtifactInput,
    ) -> async_graphql::Result<UseArtifactPayload> {
        let _ = (input.artifact_entity_name, input.artifact_project_name);
        let cairn = cairn(ctx);
        let artifact = cairn
            .artifact_or_error(actor(ctx), artifact_id(&input.artifact_id)?)
            .await
            .gql()?;
        cairn
            .use_artifact(
                actor(ctx),
                &input.entity_name,
                &input.project_name,
                &input.run_name,
                &artifact,
                input.used_as.as_deref(),
            )
            .await
            .gql()?;
        Ok(UseArtifactPayload {
            artifact: Some(ArtifactObject(artifact)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Link an artifact into a portfolio (a registry collection).
    async fn link_artifact(
        &self,
        ctx: &Context<'_>,
        input: LinkArtifactInput,
    ) -> async_graphql::Result<LinkArtifactPayload> {
        let cairn = cairn(ctx);
        let artifact = match (&input.artifact_id, &input.client_id) {
            (Some(id), _) => cairn
                .artifact_or_error(actor(ctx), artifact_id(id)?)
                .await
                .gql()?,
            (None, Some(client)) => cairn
                .artifact_by_client_id(actor(ctx), client)
                .await
                .gql()?
                .ok_or_else(|| {
                    CoreError::NotFound(format!("No artifact has client id {}.", client.0))
                })
                .gql()?,
            (None, None) => {
                return Err(CoreError::InvalidInput(
                    "linkArtifact needs artifactID or clientID.".into(),
                ))
                .gql();
            }
        };
        let (entity, project, portfolio) = match (
            input.entity_name,
            input.project_name,
            input.artifact_portfolio_name,
            input.artifact_portfolio_id,
        ) {
            (Some(e), Some(p), Some(n), _) => (e, p, n),
            (_, _, _, Some(id)) => {
                let collection = cairn
                    .collection_by_id(actor(ctx), collection_id(&id)?)
                    .await
                    .gql()?
                    .ok_or_else(|| CoreError::NotFound("No such portfolio exists.".into()))
                    .gql()?;
                let project = cairn
                    .readable_project_by_id(actor(ctx), collection.project_id)
                    .await
                    .gql()?
                    .ok_or_else(|| CoreError::NotFound("No such portfolio exists.".into()))
                    .gql()?;
                let project = project.into_inner();
                (
                    project.entity_name,
                    project.name,
                    collection.into_inner().name,
                )
            }
            _ => {
                return Err(CoreError::InvalidInput(
                    "linkArtifact needs entityName, projectName and artifactPortfolioName.".into(),
                ))
                .gql();
            }
        };
        let aliases: Vec<String> = input
            .aliases
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.alias)
            .collect();
        let membership = cairn
            .link_artifact(
                actor(ctx),
                &artifact,
                &entity,
                &project,
                &portfolio,
                &aliases,
            )
            .await
            .gql()?;
        Ok(LinkArtifactPayload {
            version_index: Some(membership.version_index),
            artifact_membership: Some(MembershipObject(membership)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Remove an artifact from a portfolio.
    async fn unlink_artifact(
        &self,
        ctx: &Context<'_>,
        input: UnlinkArtifactInput,
    ) -> async_graphql::Result<SuccessPayload> {
        cairn(ctx)
            .unlink_artifact(
                actor(ctx),
                artifact_id(&input.artifact_id)?,
                collection_id(&input.artifact_portfolio_id)?,
            )
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Give aliases to an artifact, taking them from other versions.
    async fn add_aliases(
        &self,
        ctx: &Context<'_>,
        input: AddAliasesInput,
    ) -> async_graphql::Result<SuccessPayload> {
        set_aliases(
            ctx,
            input.artifact_id,
            input.aliases,
            input.client_mutation_id,
            true,
        )
        .await
    }

    /// Take aliases from an artifact.
    async fn delete_aliases(
        &self,
        ctx: &Context<'_>,
        input: DeleteAliasesInput,
    ) -> async_graphql::Result<SuccessPayload> {
        set_aliases(
            ctx,
            input.artifact_id,
            input.aliases,
            input.client_mutation_id,
            false,
        )
        .await
    }

    /// Change description, metadata, tags or TTL.
    async fn update_artifact(
        &self,
        ctx: &Context<'_>,
        input: UpdateArtifactInput,
    ) -> async_graphql::Result<UpdateArtifactPayload> {
        let _ = (input.labels, input.aliases);
        let patch = ArtifactPatch {
            description: input.description,
            metadata: input.metadata.map(|m| m.0),
            tags_to_add: tag_names(input.tags_to_add),
            tags_to_delete: tag_names(input.tags_to_delete),
            ttl_seconds: input.ttl_duration_seconds.map(|t| t.0),
        };
        let artifact = cairn(ctx)
            .update_artifact(actor(ctx), artifact_id(&input.artifact_id)?, patch)
            .await
            .gql()?;
        Ok(UpdateArtifactPayload {
            artifact: Some(ArtifactObject(artifact)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete an artifact; its blobs go when nothing else uses them.
    async fn delete_artifact(
        &self,
        ctx: &Context<'_>,
        input: DeleteArtifactInput,
    ) -> async_graphql::Result<DeleteArtifactPayload> {
        let (artifact, digests) = cairn(ctx)
            .delete_artifact(
                actor(ctx),
                artifact_id(&input.artifact_id)?,
                input.delete_aliases.unwrap_or(false),
            )
            .await
            .gql()?;
        collect(ctx, &digests).await;
        Ok(DeleteArtifactPayload {
            artifact: Some(ArtifactObject(artifact)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Rename or describe a sequence.
    async fn update_artifact_sequence(
        &self,
        ctx: &Context<'_>,
        input: UpdateArtifactSequenceInput,
    ) -> async_graphql::Result<ArtifactCollectionPayload> {
        let collection = cairn(ctx)
            .update_collection(
                actor(ctx),
                collection_id(&input.artifact_sequence_id)?,
                input.name.as_deref(),
                input.description.as_deref(),
            )
            .await
            .gql()?;
        Ok(ArtifactCollectionPayload {
            artifact_collection: Some(collection.into()),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Rename or describe a portfolio.
    async fn update_artifact_portfolio(
        &self,
        ctx: &Context<'_>,
        input: UpdateArtifactPortfolioInput,
    ) -> async_graphql::Result<ArtifactCollectionPayload> {
        let collection = cairn(ctx)
            .update_collection(
                actor(ctx),
                collection_id(&input.artifact_portfolio_id)?,
                input.name.as_deref(),
                input.description.as_deref(),
            )
            .await
            .gql()?;
        Ok(ArtifactCollectionPayload {
            artifact_collection: Some(collection.into()),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Move a sequence to another artifact type.
    async fn move_artifact_sequence(
        &self,
        ctx: &Context<'_>,
        input: MoveArtifactSequenceInput,
    ) -> async_graphql::Result<ArtifactCollectionPayload> {
        let collection = cairn(ctx)
            .move_collection(
                actor(ctx),
                collection_id(&input.artifact_sequence_id)?,
                &input.destination_artifact_type_name,
            )
            .await
            .gql()?;
        Ok(ArtifactCollectionPayload {
            artifact_collection: Some(collection.into()),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete a sequence with all its versions.
    async fn delete_artifact_sequence(
        &self,
        ctx: &Context<'_>,
        input: DeleteArtifactSequenceInput,
    ) -> async_graphql::Result<ArtifactCollectionPayload> {
        delete_collection(ctx, &input.artifact_sequence_id, input.client_mutation_id).await
    }

    /// Delete a portfolio (the linked artifacts stay in their sequences).
    async fn delete_artifact_portfolio(
        &self,
        ctx: &Context<'_>,
        input: DeleteArtifactPortfolioInput,
    ) -> async_graphql::Result<ArtifactCollectionPayload> {
        delete_collection(ctx, &input.artifact_portfolio_id, input.client_mutation_id).await
    }

    /// Tag a collection.
    async fn create_artifact_collection_tag_assignments(
        &self,
        ctx: &Context<'_>,
        input: CreateArtifactCollectionTagAssignmentsInput,
    ) -> async_graphql::Result<CreateArtifactCollectionTagAssignmentsPayload> {
        let _ = input.client_mutation_id;
        let tags = tag_names(Some(input.tags));
        cairn(ctx)
            .tag_collection(
                actor(ctx),
                &input.entity_name,
                &input.project_name,
                &input.artifact_collection_name,
                &tags,
                &[],
            )
            .await
            .gql()?;
        Ok(CreateArtifactCollectionTagAssignmentsPayload {
            tags: tags.into_iter().map(TagObject).collect(),
        })
    }

    /// Untag a collection.
    async fn delete_artifact_collection_tag_assignments(
        &self,
        ctx: &Context<'_>,
        input: DeleteArtifactCollectionTagAssignmentsInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let tags = tag_names(Some(input.tags));
        cairn(ctx)
            .tag_collection(
                actor(ctx),
                &input.entity_name,
                &input.project_name,
                &input.artifact_collection_name,
                &[],
                &tags,
            )
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete a project (used for registries) with everything in it.
    async fn delete_model(
        &self,
        ctx: &Context<'_>,
        input: DeleteModelInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let cairn = cairn(ctx);
        let id = ids::decode("Project", &input.id).gql()?;
        let project = cairn
            .readable_project_by_id(actor(ctx), id)
            .await
            .gql()?
            .ok_or_else(|| CoreError::NotFound(format!("No project with id {} exists.", input.id)))
            .gql()?;
        let digests = cairn.delete_project(actor(ctx), &project).await.gql()?;
        collect(ctx, &digests).await;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Rename a project (used for registries).
    async fn rename_project(
        &self,
        ctx: &Context<'_>,
        input: RenameProjectInput,
    ) -> async_graphql::Result<RenameProjectPayload> {
        let cairn = cairn(ctx);
        let project = cairn
            .project(actor(ctx), &input.entity_name, &input.old_project_name)
            .await
            .gql()?
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "No project {}/{} exists.",
                    input.entity_name, input.old_project_name
                ))
            })
            .gql()?;
        let renamed = cairn
            .rename_project(actor(ctx), &project, &input.new_project_name)
            .await
            .gql()?;
        Ok(RenameProjectPayload {
            inserted: false,
            project: Some(ProjectObject(renamed)),
            client_mutation_id: input.client_mutation_id,
        })
    }
}

/// The `File` answer for one file of `createArtifactFiles`.
fn upload_file(
    ctx: &Context<'_>,
    artifact: &Writable<Artifact>,
    md5: &str,
    already_stored: bool,
    parts: Option<Vec<UploadPartsInput>>,
) -> async_graphql::Result<FileObject> {
    let hex = hex_of(md5)
        .ok_or_else(|| CoreError::InvalidInput(format!("{md5:?} is not an MD5 digest.")))
        .gql()?;
    let storage_path = ContentStore::key(md5).unwrap_or_default();
    let (upload_url, multipart) = match (already_stored, parts) {
        (true, _) => (None, None),
        (false, Some(parts)) if !parts.is_empty() => {
            multipart::part_order(parts.iter().map(|p| p.part_number.0)).gql()?;
            let upload_id = multipart::new_upload_id().gql()?;
            let upload_url_parts = parts
                .iter()
                .map(|p| UploadUrlPart {
                    part_number: p.part_number.0,
                    upload_url: signed_path(
                        ctx,
                        "PUT",
                        &urls::part_upload_path(&upload_id, p.part_number.0),
                    ),
                })
                .collect();
            (
                Some(signed_path(
                    ctx,
                    "PUT",
                    &urls::blob_upload_path(artifact.id, &hex),
                )),
                Some(UploadMultipartUrls {
                    upload_id,
                    upload_url_parts,
                }),
            )
        }
        (false, _) => (
            Some(signed_path(
                ctx,
                "PUT",
                &urls::blob_upload_path(artifact.id, &hex),
            )),
            None,
        ),
    };
    Ok(FileObject::Upload {
        storage_path,
        upload_url,
        multipart,
        artifact: Box::new(artifact.clone()),
    })
}

async fn set_aliases(
    ctx: &Context<'_>,
    id: ID,
    aliases: Vec<ArtifactCollectionAliasInput>,
    client_mutation_id: Option<String>,
    add: bool,
) -> async_graphql::Result<SuccessPayload> {
    let targets: Vec<AliasTarget> = aliases
        .into_iter()
        .map(|a| AliasTarget {
            alias: a.alias,
            collection: a.artifact_collection_name,
            entity: a.entity_name,
            project: a.project_name,
        })
        .collect();
    cairn(ctx)
        .set_aliases(actor(ctx), artifact_id(&id)?, &targets, add)
        .await
        .gql()?;
    Ok(SuccessPayload {
        success: true,
        client_mutation_id,
    })
}

async fn delete_collection(
    ctx: &Context<'_>,
    id: &ID,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<ArtifactCollectionPayload> {
    let (collection, digests) = cairn(ctx)
        .delete_collection(actor(ctx), collection_id(id)?)
        .await
        .gql()?;
    collect(ctx, &digests).await;
    Ok(ArtifactCollectionPayload {
        artifact_collection: Some(collection.into()),
        client_mutation_id,
    })
}
