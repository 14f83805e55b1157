//! Secrets of an entity (W&B's team secrets): its admins (a team's admins,
//! a user for their own entity, instance admins) set and delete them; its
//! members list their names. No operation hands a value back to a caller:
//! values leave the store only through [`Cairn::entity_secret_value`], for
//! the server's own deliveries. Outsiders are told the entity does not
//! exist, in the words used for a missing one.

use std::sync::Arc;

use crate::Cairn;
use crate::authz::Actor;
use crate::error::{CoreError, CoreResult};
use crate::model::Entity;
use crate::secret::{self, SecretBox, SecretInfo};
use crate::service::no_entity;

impl Cairn {
    /// Seal entity secrets with `secret_box` (the server's secrets key).
    /// Without one, setting or reading a secret value is an internal error.
    pub fn with_secret_box(mut self, secret_box: SecretBox) -> Self {
        self.secret_box = Some(Arc::new(secret_box));
        self
    }

    /// Set the secret `name` of `entity` to `value`, replacing any value it
    /// had; the entity's admins may.
    pub async fn set_secret(
        &self,
        actor: &Actor,
        entity: &str,
        name: &str,
        value: &str,
    ) -> CoreResult<()> {
        let entity = self.entity_for_secrets(actor, entity, "set").await?;
        secret::check_name(name)?;
        secret::check_value(value)?;
        let sealed = self.secret_box()?.seal(entity.id, name, value)?;
        self.store
            .put_entity_secret(entity.id, name, &sealed, actor.user().id)
            .await?;
        Ok(())
    }

    /// Delete the secret `name` of `entity`; the entity's admins may.
    pub async fn delete_secret(&self, actor: &Actor, entity: &str, name: &str) -> CoreResult<()> {
        let found = self.entity_for_secrets(actor, entity, "delete").await?;
        if !self.store.delete_entity_secret(found.id, name).await? {
            return Err(CoreError::NotFound(format!(
                "{entity:?} has no secret named {name:?}."
            )));
        }
        Ok(())
    }

    /// The names of an entity's secrets (never their values), by name;
    /// empty for a caller who is not a member of the entity.
    pub async fn secrets(&self, actor: &Actor, entity: &Entity) -> CoreResult<Vec<SecretInfo>> {
        if !self.is_member_or_admin(actor, entity).await? {
            return Ok(Vec::new());
        }
        Ok(self.store.entity_secrets(entity.id).await?)
    }

    /// The value of an entity's secret, for the server's own use (signing
    /// and authorizing webhook deliveries); `None` when there is no such
    /// secret. No API hands this to a caller.
    pub async fn entity_secret_value(
        &self,
        entity_id: i64,
        name: &str,
    ) -> CoreResult<Option<String>> {
        let Some(sealed) = self.store.entity_secret(entity_id, name).await? else {
            return Ok(None);
        };
        self.secret_box()?.open(entity_id, name, &sealed).map(Some)
    }

    /// Whether `entity_id` has a secret called `name`.
    pub(crate) async fn has_secret(&self, entity_id: i64, name: &str) -> CoreResult<bool> {
        Ok(self.store.entity_secret(entity_id, name).await?.is_some())
    }

    fn secret_box(&self) -> CoreResult<&SecretBox> {
        self.secret_box.as_deref().ok_or_else(|| {
            CoreError::Internal("this server was started without a secrets key".into())
        })
    }

    /// An entity whose secrets the caller may change (`verb` them).
    async fn entity_for_secrets(
        &self,
        actor: &Actor,
        name: &str,
        verb: &str,
    ) -> CoreResult<Entity> {
        let entity = self
            .store
            .entity_by_name(name)
            .await?
            .ok_or_else(|| no_entity(name))?;
        if !self.is_member_or_admin(actor, &entity).await? {
            return Err(no_entity(name));
        }
        if !self.is_team_admin(actor, &entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of {name:?} can {verb} its secrets."
            )));
        }
        Ok(entity)
    }
}
