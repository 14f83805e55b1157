//! The mutation root. Input types mirror W&B's so the official client's
//! inline `input: {…}` objects validate.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use cairn_core::{CoreError, MemberRef};

use crate::error::{GqlResultExt, to_graphql};
use crate::graphql::scalars::JsonString;
use crate::graphql::types::organization::OrganizationObject;
use crate::graphql::types::{ApiKeyObject, EntityObject, InviteObject, ProjectObject, UserObject};
use crate::graphql::{actor, cairn, ids};

/// Mutations on users, keys, teams and projects.
#[derive(Default)]
pub struct AccountMutation;

#[derive(InputObject)]
struct CreateUserInput {
    email: String,
    admin: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateUserPayload {
    user: Option<UserObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct GenerateApiKeyInput {
    description: Option<String>,
    /// Cairn extension: an instance admin may create a key for this user.
    user_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct GenerateApiKeyPayload {
    api_key: Option<ApiKeyObject>,
    client_mutation_id: Option<String>,
}

/// W&B's `UpdateUserInput`. The flags W&B keeps for its web UI are
/// accepted and ignored, so a request written for W&B validates.
#[derive(InputObject)]
struct UpdateUserInput {
    /// The user to change; the caller when absent. Others: admins only.
    id: Option<ID>,
    /// Display name.
    name: Option<String>,
    /// Profile picture URL; an empty string clears it.
    photo_url: Option<String>,
    /// Name of the entity (own or a team's) runs go to by default.
    default_entity: Option<String>,
    /// Instance admin flag (admins only, never for themselves).
    admin: Option<bool>,
    default_framework: Option<String>,
    code: Option<String>,
    settings_visited: Option<bool>,
    gallery_visited: Option<bool>,
    onboarding_hidden: Option<bool>,
    hide_teams_from_public: Option<bool>,
    private: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct UpdateUserPayload {
    user: Option<UserObject>,
    client_mutation_id: Option<String>,
}

/// Cairn extension: set or clear a person's web UI password.
#[derive(InputObject)]
struct SetUserPasswordInput {
    /// Whose password changes.
    username: String,
    /// The new password, 8 to 256 bytes; null clears it (API keys keep
    /// working).
    password: Option<String>,
    client_mutation_id: Option<String>,
}

/// Cairn extension: deactivate or reactivate a user.
#[derive(InputObject)]
struct SetUserActiveInput {
    /// The user.
    username: String,
    /// False deactivates: their keys and sessions stop working, their data
    /// stays. True reactivates.
    active: bool,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct SetUserActivePayload {
    /// The user after the change (`deletedAt` set while deactivated).
    user: Option<UserObject>,
    client_mutation_id: Option<String>,
}

/// Cairn extension: register an existing key for a user.
#[derive(InputObject)]
struct ImportApiKeyInput {
    /// The key's owner.
    user_id: ID,
    /// The whole key, as the user's client sends it.
    api_key: String,
    description: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct ImportApiKeyPayload {
    /// The key's record; `name` is its public name, never the secret.
    api_key: Option<ApiKeyObject>,
    client_mutation_id: Option<String>,
}

/// Cairn extension: a further organization.
#[derive(InputObject)]
struct CreateOrganizationInput {
    /// Unique name; its entity is `<name>-org`.
    name: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateOrganizationPayload {
    organization: Option<OrganizationObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteApiKeyInput {
    id: String,
    client_mutation_id: Option<String>,
}

/// `{success}` payloads, shared by every mutation that answers with one.
#[derive(SimpleObject)]
pub(crate) struct SuccessPayload {
    pub(crate) success: bool,
    pub(crate) client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateTeamInput {
    team_name: String,
    team_admin_user_name: Option<String>,
    organization_id: Option<String>,
    bucket_type: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateTeamPayload {
    entity: Option<EntityObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateInviteInput {
    entity_name: String,
    email: Option<String>,
    username: Option<String>,
    admin: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateInvitePayload {
    invite: Option<InviteObject>,
    success: bool,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteInviteInput {
    id: Option<String>,
    entity_name: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateServiceAccountInput {
    entity_name: String,
    description: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateServiceAccountPayload {
    user: Option<UserObject>,
    client_mutation_id: Option<String>,
}

/// W&B's `UpsertModelInput`. Fields Cairn does not use yet are accepted
/// and ignored so that valid client requests never fail validation.
#[derive(InputObject)]
struct UpsertModelInput {
    name: Option<String>,
    entity_name: Option<String>,
    description: Option<String>,
    access: Option<String>,
    id: Option<String>,
    views: Option<JsonString>,
    framework: Option<String>,
    docker_image: Option<String>,
    repo: Option<String>,
    is_benchmark: Option<bool>,
    is_published: Option<bool>,
    owner: Option<ID>,
    allow_all_artifact_types_in_registry: Option<bool>,
    /// Registries: the artifact types it accepts.
    artifact_types: Option<Vec<ArtifactTypeInput>>,
    client_mutation_id: Option<String>,
}

/// An artifact type a registry accepts.
#[derive(InputObject)]
struct ArtifactTypeInput {
    name: String,
    description: Option<String>,
}

#[derive(SimpleObject)]
struct UpsertModelPayload {
    project: Option<ProjectObject>,
    /// The same project, under W&B's older name.
    model: Option<ProjectObject>,
    inserted: bool,
    client_mutation_id: Option<String>,
}

#[Object]
impl AccountMutation {
    /// Create a user from an email (instance admins only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let caller = actor(ctx);
        let admin = caller.admin_for("create users").gql()?;
        let user = cairn(ctx)
            .create_user(admin, &input.email, input.admin.unwrap_or(false))
            .await
            .gql()?;
        Ok(CreateUserPayload {
            user: Some(UserObject(user)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Generate an API key for the caller (or, for an instance admin, for
    /// `userId`). The answer's `apiKey.name` is the full secret — the only
    /// time it is ever shown.
    async fn generate_api_key(
        &self,
        ctx: &Context<'_>,
        input: GenerateApiKeyInput,
    ) -> async_graphql::Result<GenerateApiKeyPayload> {
        let for_user = match &input.user_id {
            Some(id) => Some(ids::decode("User", id).gql()?),
            None => None,
        };
        let (key, secret) = cairn(ctx)
            .generate_api_key(actor(ctx), for_user, input.description.as_deref())
            .await
            .gql()?;
        Ok(GenerateApiKeyPayload {
            api_key: Some(ApiKeyObject::generated(key, secret)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Change a user's profile and default entity: the user themselves, or
    /// an instance admin for anyone.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UpdateUserPayload> {
        let _ = (
            input.default_framework,
            input.code,
            input.settings_visited,
            input.gallery_visited,
            input.onboarding_hidden,
            input.hide_teams_from_public,
            input.private,
        );
        let id = match &input.id {
            Some(id) => Some(ids::decode("User", id).gql()?),
            None => None,
        };
        let user = cairn(ctx)
            .update_user(
                actor(ctx),
                id,
                input.name.as_deref(),
                input.photo_url.as_deref(),
                input.default_entity.as_deref(),
                input.admin,
            )
            .await
            .gql()?;
        Ok(UpdateUserPayload {
            user: Some(UserObject(user)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Cairn extension (instance admins only): set a person's password for
    /// signing in to the web UI, or clear it with a null `password`. Either
    /// way, every browser session of theirs ends.
    async fn set_user_password(
        &self,
        ctx: &Context<'_>,
        input: SetUserPasswordInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let caller = actor(ctx);
        let admin = caller.admin_for("set passwords").gql()?;
        cairn(ctx)
            .set_password(admin, input.username.trim(), input.password.as_deref())
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Cairn extension (instance admins only, never for themselves):
    /// deactivate a user (`active: false`) or reactivate them. A
    /// deactivated user's API keys and browser sessions are refused; their
    /// runs, projects and artifacts stay. W&B shows such a user with
    /// `deletedAt` set, and so does Cairn.
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        input: SetUserActiveInput,
    ) -> async_graphql::Result<SetUserActivePayload> {
        let caller = actor(ctx);
        let admin = caller.admin_for("deactivate or reactivate users").gql()?;
        let user = cairn(ctx)
            .set_user_active(admin, input.username.trim(), input.active)
            .await
            .gql()?;
        Ok(SetUserActivePayload {
            user: Some(UserObject(user)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Cairn extension (instance admins only): register a key the user
    /// already has on another W&B server, so it keeps working here. Only
    /// its hash is stored; the answer never repeats it.
    async fn import_api_key(
        &self,
        ctx: &Context<'_>,
        input: ImportApiKeyInput,
    ) -> async_graphql::Result<ImportApiKeyPayload> {
        let caller = actor(ctx);
        let admin = caller.admin_for("import API keys").gql()?;
        let user_id = ids::decode("User", &input.user_id).gql()?;
        let key = cairn(ctx)
            .import_api_key(
                admin,
                user_id,
                input.api_key.trim(),
                input.description.as_deref(),
            )
            .await
            .gql()?;
        Ok(ImportApiKeyPayload {
            api_key: Some(ApiKeyObject::listed(key)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Revoke an API key (its owner or an instance admin). Takes effect at once.
    async fn delete_api_key(
        &self,
        ctx: &Context<'_>,
        input: DeleteApiKeyInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = ids::decode("ApiKey", &input.id).gql()?;
        cairn(ctx).delete_api_key(actor(ctx), id).await.gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Create a team.
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        input: CreateTeamInput,
    ) -> async_graphql::Result<CreateTeamPayload> {
        let _ = (input.organization_id, input.bucket_type);
        let entity = cairn(ctx)
            .create_team(
                actor(ctx),
                input.team_name.trim(),
                input.team_admin_user_name.as_deref(),
            )
            .await
            .gql()?;
        Ok(CreateTeamPayload {
            entity: Some(EntityObject(entity)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Cairn extension (instance admins only): create a further
    /// organization with its own entity (`<name>-org`, the owner of its
    /// registries). Users join it by being added to that entity, like team
    /// members (`createInvite`).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> async_graphql::Result<CreateOrganizationPayload> {
        let caller = actor(ctx);
        let admin = caller.admin_for("create organizations").gql()?;
        let org = cairn(ctx)
            .create_organization(admin, &input.name)
            .await
            .gql()?;
        Ok(CreateOrganizationPayload {
            organization: Some(OrganizationObject(org)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Add a user to a team, or invite an email that has no account yet.
    async fn create_invite(
        &self,
        ctx: &Context<'_>,
        input: CreateInviteInput,
    ) -> async_graphql::Result<CreateInvitePayload> {
        let member = cairn(ctx)
            .invite(
                actor(ctx),
                &input.entity_name,
                input.username.as_deref().map(str::trim),
                input.email.as_deref().map(str::trim),
                input.admin.unwrap_or(false),
            )
            .await
            .gql()?;
        Ok(CreateInvitePayload {
            invite: Some(InviteObject(member)),
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Remove a team member (by user id) or withdraw an invitation (by invite id).
    async fn delete_invite(
        &self,
        ctx: &Context<'_>,
        input: DeleteInviteInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let (Some(id), Some(team)) = (input.id.as_deref(), input.entity_name.as_deref()) else {
            return Err(to_graphql(CoreError::InvalidInput(
                "deleteInvite needs both an id and an entityName.".into(),
            )));
        };
        let member = match ids::decode_any(id) {
            Some((kind, n)) if kind == "User" => MemberRef::User(n),
            Some((kind, n)) if kind == "Invite" => MemberRef::Invite(n),
            _ => {
                return Err(to_graphql(CoreError::InvalidInput(format!(
                    "{id:?} is not a member or invitation id."
                ))));
            }
        };
        cairn(ctx)
            .remove_member(actor(ctx), team, member)
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Create a service account in a team. Its API key appears once, in the
    /// next team-admin view of the team's members.
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceAccountInput,
    ) -> async_graphql::Result<CreateServiceAccountPayload> {
        let created = cairn(ctx)
            .create_service_account(actor(ctx), &input.entity_name, &input.description)
            .await
            .gql()?;
        Ok(CreateServiceAccountPayload {
            user: Some(UserObject(created.user)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Create a project, or update an existing one's description and access.
    async fn upsert_model(
        &self,
        ctx: &Context<'_>,
        input: UpsertModelInput,
    ) -> async_graphql::Result<UpsertModelPayload> {
        let _ = (
            input.id,
            input.views,
            input.framework,
            input.docker_image,
            input.repo,
            input.is_benchmark,
            input.is_published,
            input.owner,
        );
        let Some(name) = input.name else {
            return Err(to_graphql(CoreError::InvalidInput(
                "upsertModel needs a project name.".into(),
            )));
        };
        let (project, inserted) = cairn(ctx)
            .upsert_project(
                actor(ctx),
                input.entity_name.as_deref(),
                name.trim(),
                input.description.as_deref(),
                input.access.as_deref(),
            )
            .await
            .gql()?;
        let types: Vec<String> = input
            .artifact_types
            .unwrap_or_default()
            .into_iter()
            .map(|t| {
                let _ = t.description;
                t.name
            })
            .collect();
        if project.name.starts_with(cairn_core::REGISTRY_PREFIX)
            && (input.allow_all_artifact_types_in_registry.is_some() || !types.is_empty())
        {
            let allow_all = input
                .allow_all_artifact_types_in_registry
                .unwrap_or(types.is_empty());
            cairn(ctx)
                .set_registry_types(actor(ctx), &project, allow_all, &types)
                .await
                .gql()?;
        }
        Ok(UpsertModelPayload {
            project: Some(ProjectObject(project.clone())),
            model: Some(ProjectObject(project)),
            inserted,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
