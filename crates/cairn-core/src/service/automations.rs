//! Automations: who may save, change, list and delete triggers, and where
//! they sit. As in W&B, a team's admins manage the automations of its
//! projects and of the team itself (a user those of their own projects,
//! instance admins any); a registry's automations are managed by whoever
//! manages the registry (its admins). Whoever reads a project reads its
//! automations; a team's members read the team's. An action's integration
//! must belong to the same entity.

use crate::authz::{Actor, ProjectAction};
use crate::automation::{Action, ScopeKind, Trigger, TriggerSpec};
use crate::error::{CoreError, CoreResult};
use crate::model::{Entity, Project};
use crate::store::{Placement, StoreError};
use crate::{Cairn, MAX_PAGE};

/// Most triggers listed for one project (a project's `triggers` is not
/// paged in W&B's schema).
pub const MAX_PROJECT_TRIGGERS: i64 = 1000;

impl Cairn {
    /// Save a new trigger.
    pub async fn create_trigger(&self, actor: &Actor, spec: TriggerSpec) -> CoreResult<Trigger> {
        let spec = spec.check()?;
        let at = self.placement_for(actor, &spec).await?;
        self.store
            .create_trigger(&at, &spec, actor.user().id)
            .await
            .map_err(|e| name_conflict(e, &spec))
    }

    /// Replace a trigger by id with `spec`.
    pub async fn update_trigger(
        &self,
        actor: &Actor,
        id: i64,
        spec: TriggerSpec,
    ) -> CoreResult<Trigger> {
        self.trigger_to_change(actor, id).await?;
        let spec = spec.check()?;
        let at = self.placement_for(actor, &spec).await?;
        self.store
            .update_trigger(id, &at, &spec)
            .await
            .map_err(|e| name_conflict(e, &spec))?
            .ok_or_else(|| trigger_not_found(id))
    }

    /// Delete a trigger by id.
    pub async fn delete_trigger(&self, actor: &Actor, id: i64) -> CoreResult<()> {
        self.trigger_to_change(actor, id).await?;
        self.store.delete_trigger(id).await?;
        Ok(())
    }

    /// One page of an entity's triggers (only the one named `name` when
    /// given), oldest first, and whether more follow; empty for a caller
    /// who is not a member of the entity.
    pub async fn entity_triggers(
        &self,
        actor: &Actor,
        entity: &Entity,
        name: Option<&str>,
        after: Option<i64>,
        first: i64,
    ) -> CoreResult<(Vec<Trigger>, bool)> {
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(CoreError::InvalidInput(format!(
                "A page holds 0 to {MAX_PAGE} automations."
            )));
        }
        if !self.is_member_or_admin(actor, entity).await? {
            return Ok((Vec::new(), false));
        }
        let mut rows = self
            .store
            .triggers_of_entity(entity.id, name, after, first + 1)
            .await?;
        let more = rows.len() as i64 > first;
        rows.truncate(first as usize);
        Ok((rows, more))
    }

    /// The triggers on a project the caller reads, and on its collections.
    pub async fn project_triggers(
        &self,
        project: &crate::authz::Readable<Project>,
    ) -> CoreResult<Vec<Trigger>> {
        Ok(self
            .store
            .triggers_of_project(project.id, MAX_PROJECT_TRIGGERS)
            .await?)
    }

    /// A trigger the caller may change; not found when it is missing or
    /// its scope is hidden from them.
    pub async fn trigger_to_change(&self, actor: &Actor, id: i64) -> CoreResult<Trigger> {
        let trigger = self
            .store
            .trigger_by_id(id)
            .await?
            .ok_or_else(|| trigger_not_found(id))?;
        match trigger.project_id {
            Some(project_id) => {
                let project = self
                    .store
                    .project_by_id(project_id)
                    .await?
                    .ok_or_else(|| trigger_not_found(id))?;
                self.may_automate(actor, &project, || trigger_not_found(id))
                    .await?;
            }
            None => {
                let entity = self
                    .store
                    .entity_by_id(trigger.entity_id)
                    .await?
                    .ok_or_else(|| trigger_not_found(id))?;
                self.team_admin_of(actor, &entity, || trigger_not_found(id))
                    .await?;
            }
        }
        Ok(trigger)
    }

    /// Where a trigger of `spec` sits, once the caller is known to manage
    /// its scope and its integration is known to be the scope entity's.
    async fn placement_for(&self, actor: &Actor, spec: &TriggerSpec) -> CoreResult<Placement> {
        let id = spec.scope.id;
        let at = match spec.scope.kind {
            ScopeKind::Project => {
                let missing = || CoreError::NotFound(format!("No project with id {id} exists."));
                let project = self.store.project_by_id(id).await?.ok_or_else(missing)?;
                self.may_automate(actor, &project, missing).await?;
                Placement {
                    entity_id: project.entity_id,
                    project_id: Some(project.id),
                    collection_id: None,
                }
            }
            ScopeKind::ArtifactCollection => {
                let missing =
                    || CoreError::NotFound(format!("No artifact collection with id {id} exists."));
                let collection = self.store.collection_by_id(id).await?.ok_or_else(missing)?;
                let project = self
                    .store
                    .project_by_id(collection.project_id)
                    .await?
                    .ok_or_else(missing)?;
                self.may_automate(actor, &project, missing).await?;
                Placement {
                    entity_id: project.entity_id,
                    project_id: Some(project.id),
                    collection_id: Some(collection.id),
                }
            }
            ScopeKind::Entity => {
                let missing = || CoreError::NotFound(format!("No team with id {id} exists."));
                let entity = self.store.entity_by_id(id).await?.ok_or_else(missing)?;
                if !entity.is_team || self.org_of_entity(entity.id).is_some() {
                    return Err(CoreError::InvalidInput(format!(
                        "{:?} is not a team; an ENTITY scope is a team.",
                        entity.name
                    )));
                }
                self.team_admin_of(actor, &entity, missing).await?;
                Placement {
                    entity_id: entity.id,
                    project_id: None,
                    collection_id: None,
                }
            }
        };
        if let Some(integration_id) = spec.action.integration_id() {
            let missing = || {
                CoreError::InvalidInput(format!(
                    "No integration with id {integration_id} exists in the automation's entity."
                ))
            };
            let integration = self
                .store
                .integration_by_id(integration_id)
                .await?
                .ok_or_else(missing)?;
            if integration.entity_id != at.entity_id {
                return Err(missing());
            }
            match (&spec.action, &integration.slack_channel) {
                (Action::Notification { .. }, None) => {
                    return Err(CoreError::InvalidInput(format!(
                        "Integration {:?} is a generic webhook; send to it with a GENERIC_WEBHOOK action (notifications go to Slack integrations).",
                        integration.name
                    )));
                }
                (Action::Webhook { .. }, Some(_)) => {
                    return Err(CoreError::InvalidInput(format!(
                        "Integration {:?} is a Slack webhook; send to it with a NOTIFICATION action.",
                        integration.name
                    )));
                }
                _ => {}
            }
        }
        Ok(at)
    }

    /// `Ok` when the caller may manage automations of `project`: its
    /// entity's admins (a registry's: whoever manages it); `hidden` when
    /// they may not know it exists, permission denied otherwise.
    async fn may_automate(
        &self,
        actor: &Actor,
        project: &Project,
        hidden: impl FnOnce() -> CoreError,
    ) -> CoreResult<()> {
        if self.is_registry(project) {
            return self
                .authorize_or(actor, project, ProjectAction::Manage, hidden)
                .await;
        }
        self.authorize_or(actor, project, ProjectAction::Read, hidden)
            .await?;
        let entity = self
            .store
            .entity_by_id(project.entity_id)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!("No entity with id {}.", project.entity_id))
            })?;
        if !self.is_team_admin(actor, &entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of {:?} can change the automations of its projects.",
                entity.name
            )));
        }
        Ok(())
    }

    /// `Ok` when the caller administers the team; `hidden` when they are
    /// not even a member, permission denied otherwise.
    async fn team_admin_of(
        &self,
        actor: &Actor,
        entity: &Entity,
        hidden: impl FnOnce() -> CoreError,
    ) -> CoreResult<()> {
        if !self.is_member_or_admin(actor, entity).await? {
            return Err(hidden());
        }
        if !self.is_team_admin(actor, entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of {:?} can change its automations.",
                entity.name
            )));
        }
        Ok(())
    }
}

fn trigger_not_found(id: i64) -> CoreError {
    CoreError::NotFound(format!("Automation {id} not found."))
}

fn name_conflict(err: StoreError, spec: &TriggerSpec) -> CoreError {
    match err {
        StoreError::Conflict(_) => CoreError::Conflict(format!(
            "An automation named {:?} already exists in this entity.",
            spec.name
        )),
        other => other.into(),
    }
}

/// What a trigger watches, as the caller may see it.
pub enum TriggerScope {
    /// A project.
    Project(crate::authz::Readable<Project>),
    /// An artifact collection.
    Collection(crate::authz::Readable<crate::artifact::Collection>),
    /// A team.
    Team(Entity),
}

impl Cairn {
    /// A trigger's scope, if the caller may see it.
    pub async fn trigger_scope(
        &self,
        actor: &Actor,
        trigger: &Trigger,
    ) -> CoreResult<Option<TriggerScope>> {
        let id = trigger.spec.scope.id;
        Ok(match trigger.spec.scope.kind {
            ScopeKind::Project => self
                .readable_project_by_id(actor, id)
                .await?
                .map(TriggerScope::Project),
            ScopeKind::ArtifactCollection => self
                .collection_by_id(actor, id)
                .await?
                .map(TriggerScope::Collection),
            ScopeKind::Entity => match self.store.entity_by_id(id).await? {
                Some(entity) if self.is_member_or_admin(actor, &entity).await? => {
                    Some(TriggerScope::Team(entity))
                }
                _ => None,
            },
        })
    }

    /// An integration of a trigger's action, for showing it to a caller
    /// who may see the trigger.
    pub async fn trigger_integration(
        &self,
        id: i64,
    ) -> CoreResult<Option<crate::integration::Integration>> {
        Ok(self.store.integration_by_id(id).await?)
    }
}
