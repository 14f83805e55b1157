//! The logging flow: `createArtifact`, `createArtifactManifest`,
//! `createArtifactFiles` (with the upload URLs they hand out),
//! `completeMultipartUploadArtifact`, `commitArtifact` and `useArtifact`.

use super::*;

/// Artifact mutations that log a version.
#[derive(Default)]
pub struct ArtifactUploadMutation;

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

#[Object]
impl ArtifactUploadMutation {
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
}
