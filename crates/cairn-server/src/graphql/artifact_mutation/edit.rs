//! Everything after logging: links and unlinks, aliases, tags, edits of
//! versions and collections, and deletion with garbage collection of blobs
//! nothing references any more.

use super::*;

/// Artifact mutations that change or delete what was logged.
#[derive(Default)]
pub struct ArtifactMutation;

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

/// Rename or describe a collection of either kind.
async fn update_collection(
    ctx: &Context<'_>,
    id: &ID,
    name: Option<&str>,
    description: Option<&str>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<ArtifactCollectionPayload> {
    let collection = cairn(ctx)
        .update_collection(actor(ctx), collection_id(id)?, name, description)
        .await
        .gql()?;
    Ok(ArtifactCollectionPayload {
        artifact_collection: Some(collection.into()),
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

#[Object]
impl ArtifactMutation {
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
        update_collection(
            ctx,
            &input.artifact_sequence_id,
            input.name.as_deref(),
            input.description.as_deref(),
            input.client_mutation_id,
        )
        .await
    }

    /// Rename or describe a portfolio.
    async fn update_artifact_portfolio(
        &self,
        ctx: &Context<'_>,
        input: UpdateArtifactPortfolioInput,
    ) -> async_graphql::Result<ArtifactCollectionPayload> {
        update_collection(
            ctx,
            &input.artifact_portfolio_id,
            input.name.as_deref(),
            input.description.as_deref(),
            input.client_mutation_id,
        )
        .await
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
