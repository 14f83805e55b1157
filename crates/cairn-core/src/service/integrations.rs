//! Integrations of an entity: its admins (a team's admins, a user for their
//! own entity, instance admins) create and delete them; its members list
//! them. Every webhook URL is checked against the operator's allow-list
//! (see [`crate::integration`]) before it is stored, and the secrets it
//! names (`secretRef`, `accessTokenRef`) must be secrets of the entity
//! (see `service/secrets.rs`).

use crate::authz::Actor;
use crate::error::{CoreError, CoreResult};
use crate::integration::{self, AllowList, Integration, NewWebhook};
use crate::model::Entity;
use crate::{Cairn, MAX_PAGE};

impl Cairn {
    /// The webhook allow-list this server checks (empty: nothing allowed).
    pub fn webhook_allow(&self) -> &AllowList {
        &self.webhook_allow
    }

    /// Use `allow` as the webhook allow-list.
    pub fn with_webhook_allow(mut self, allow: AllowList) -> Self {
        self.webhook_allow = std::sync::Arc::new(allow);
        self
    }

    /// Create a generic webhook integration in `entity` (a Slack incoming
    /// webhook when `new.slack_channel` is set).
    pub async fn create_webhook_integration(
        &self,
        actor: &Actor,
        entity: &str,
        new: NewWebhook,
    ) -> CoreResult<Integration> {
        let entity = self.entity_for_integrations(actor, entity).await?;
        let new = NewWebhook {
            name: new.name.trim().to_string(),
            url: new.url.trim().to_string(),
            secret_ref: new.secret_ref.filter(|s| !s.trim().is_empty()),
            access_token_ref: new.access_token_ref.filter(|s| !s.trim().is_empty()),
            slack_channel: new.slack_channel.map(|c| c.trim().to_string()),
        };
        integration::check_name(&new.name)?;
        if let Some(channel) = &new.slack_channel {
            integration::check_channel(channel)?;
        }
        let url = integration::parse_url(&new.url)?;
        if !self.webhook_allow.allows(&url) {
            return Err(AllowList::refusal(&url));
        }
        let refs = [
            ("secretRef", &new.secret_ref),
            ("accessTokenRef", &new.access_token_ref),
        ];
        for (field, secret) in refs {
            if let Some(secret) = secret
                && !self.has_secret(entity.id, secret).await?
            {
                return Err(CoreError::InvalidInput(format!(
                    "The {field} {secret:?} names no secret of {:?}; set it first (insertSecret, or `cairn secret set`).",
                    entity.name
                )));
            }
        }
        Ok(self
            .store
            .create_webhook(entity.id, &new, actor.user().id)
            .await?)
    }

    /// One page of an entity's integrations, oldest first, and whether
    /// more follow; empty for a caller who is not a member of the entity.
    pub async fn integrations(
        &self,
        actor: &Actor,
        entity: &Entity,
        after: Option<i64>,
        first: i64,
    ) -> CoreResult<(Vec<Integration>, bool)> {
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(CoreError::InvalidInput(format!(
                "A page holds 0 to {MAX_PAGE} integrations."
            )));
        }
        if !self.is_member_or_admin(actor, entity).await? {
            return Ok((Vec::new(), false));
        }
        let mut rows = self.store.integrations(entity.id, after, first + 1).await?;
        let more = rows.len() as i64 > first;
        rows.truncate(first as usize);
        Ok((rows, more))
    }

    /// An integration and its entity, when the caller belongs to the
    /// entity; not found (the same words as for a missing one) otherwise.
    pub(crate) async fn member_integration(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<(Integration, Entity)> {
        let missing = || CoreError::NotFound(format!("No integration with id {id} exists."));
        let found = self
            .store
            .integration_by_id(id)
            .await?
            .ok_or_else(missing)?;
        let entity = self
            .store
            .entity_by_id(found.entity_id)
            .await?
            .ok_or_else(missing)?;
        if !self.is_member_or_admin(actor, &entity).await? {
            return Err(missing());
        }
        Ok((found, entity))
    }

    /// Delete an integration; its entity's admins may.
    pub async fn delete_integration(&self, actor: &Actor, id: i64) -> CoreResult<()> {
        let (_, entity) = self.member_integration(actor, id).await?;
        if !self.is_team_admin(actor, &entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of {:?} can delete its integrations.",
                entity.name
            )));
        }
        self.store.delete_integration(id).await?;
        Ok(())
    }

    /// An entity whose integrations the caller may change.
    async fn entity_for_integrations(&self, actor: &Actor, name: &str) -> CoreResult<Entity> {
        let missing = || CoreError::NotFound(format!("No team or user named {name:?} exists."));
        let entity = self.store.entity_by_name(name).await?.ok_or_else(missing)?;
        if !self.is_member_or_admin(actor, &entity).await? {
            return Err(missing());
        }
        if !self.is_team_admin(actor, &entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of {name:?} can create its integrations."
            )));
        }
        Ok(entity)
    }
}
