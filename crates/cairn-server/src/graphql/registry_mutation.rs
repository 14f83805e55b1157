//! Registry member mutations: `createProjectMembers`,
//! `deleteProjectMembers`, `updateProjectMember`, `updateProjectTeamMember`
//! (`registry.add_members`, `remove_members`, `update_member`).
//!
//! Ids arrive as W&B sends them: the registry's `base64("Project:<n>")`,
//! users' `base64("User:<n>")` and teams' `base64("Entity:<n>")`.

use async_graphql::{Context, ID, InputObject, Object};
use cairn_core::CoreError;
use cairn_core::artifact::RegistryMemberRef;
use cairn_core::authz::Readable;
use cairn_core::model::Project;

use crate::error::GqlResultExt;
use crate::graphql::mutation::SuccessPayload;
use crate::graphql::{actor, cairn, ids};

/// Mutations on registry members.
#[derive(Default)]
pub struct RegistryMutation;

#[derive(InputObject)]
struct CreateProjectMembersInput {
    project_id: ID,
    user_ids: Option<Vec<ID>>,
    team_ids: Option<Vec<ID>>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteProjectMembersInput {
    project_id: ID,
    user_ids: Option<Vec<ID>>,
    team_ids: Option<Vec<ID>>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateProjectMemberInput {
    project_id: ID,
    user_id: ID,
    user_project_role: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateProjectTeamMemberInput {
    project_id: ID,
    team_id: ID,
    team_project_role: String,
    client_mutation_id: Option<String>,
}

/// The registry an id names, if the caller may see it.
async fn registry(ctx: &Context<'_>, id: &ID) -> Result<Readable<Project>, CoreError> {
    let n = ids::decode("Project", id)?;
    cairn(ctx)
        .readable_project_by_id(actor(ctx), n)
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("No registry with id {} exists.", id.0)))
}

/// User and team ids as member references.
fn member_refs(
    user_ids: Option<Vec<ID>>,
    team_ids: Option<Vec<ID>>,
) -> Result<Vec<RegistryMemberRef>, CoreError> {
    let mut refs = Vec::new();
    for id in user_ids.unwrap_or_default() {
        refs.push(RegistryMemberRef::User(ids::decode("User", &id)?));
    }
    for id in team_ids.unwrap_or_default() {
        refs.push(RegistryMemberRef::Team(ids::decode("Entity", &id)?));
    }
    if refs.is_empty() {
        return Err(CoreError::InvalidInput(
            "Name at least one user or team (userIds or teamIds).".into(),
        ));
    }
    Ok(refs)
}

#[Object]
impl RegistryMutation {
    /// Add users and teams to a registry (as members).
    async fn create_project_members(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectMembersInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let project = registry(ctx, &input.project_id).await.gql()?;
        let members = member_refs(input.user_ids, input.team_ids).gql()?;
        cairn(ctx)
            .add_registry_members(actor(ctx), &project, &members)
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Take users and teams out of a registry.
    async fn delete_project_members(
        &self,
        ctx: &Context<'_>,
        input: DeleteProjectMembersInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let project = registry(ctx, &input.project_id).await.gql()?;
        let members = member_refs(input.user_ids, input.team_ids).gql()?;
        cairn(ctx)
            .remove_registry_members(actor(ctx), &project, &members)
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Change a user's role in a registry.
    async fn update_project_member(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectMemberInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let project = registry(ctx, &input.project_id).await.gql()?;
        let user = ids::decode("User", &input.user_id).gql()?;
        cairn(ctx)
            .set_registry_member_role(
                actor(ctx),
                &project,
                RegistryMemberRef::User(user),
                &input.user_project_role,
            )
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Change a team's role in a registry.
    async fn update_project_team_member(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectTeamMemberInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let project = registry(ctx, &input.project_id).await.gql()?;
        let team = ids::decode("Entity", &input.team_id).gql()?;
        cairn(ctx)
            .set_registry_member_role(
                actor(ctx),
                &project,
                RegistryMemberRef::Team(team),
                &input.team_project_role,
            )
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
