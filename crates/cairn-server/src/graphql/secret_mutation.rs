//! Entity secret mutations in W&B's shapes: `insertSecret` (set or
//! replace, as W&B's web app sends it) and `deleteSecret`. Neither answers
//! with the value.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use crate::error::GqlResultExt;
use crate::graphql::{actor, cairn};

/// Mutations on entity secrets.
#[derive(Default)]
pub struct SecretMutation;

#[derive(InputObject)]
struct InsertSecretInput {
    entity_name: String,
    secret_name: String,
    secret_value: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteSecretInput {
    entity_name: String,
    secret_name: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct InsertSecretPayload {
    success: bool,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct DeleteSecretPayload {
    success: bool,
    client_mutation_id: Option<String>,
}

#[Object]
impl SecretMutation {
    /// Set an entity secret, replacing its value if it exists (the
    /// entity's admins may).
    async fn insert_secret(
        &self,
        ctx: &Context<'_>,
        input: InsertSecretInput,
    ) -> async_graphql::Result<InsertSecretPayload> {
        cairn(ctx)
            .set_secret(
                actor(ctx),
                &input.entity_name,
                &input.secret_name,
                &input.secret_value,
            )
            .await
            .gql()?;
        Ok(InsertSecretPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete an entity secret (the entity's admins may).
    async fn delete_secret(
        &self,
        ctx: &Context<'_>,
        input: DeleteSecretInput,
    ) -> async_graphql::Result<DeleteSecretPayload> {
        cairn(ctx)
            .delete_secret(actor(ctx), &input.entity_name, &input.secret_name)
            .await
            .gql()?;
        Ok(DeleteSecretPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
