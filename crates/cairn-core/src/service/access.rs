//! The one path from a caller to a project: every operation that takes a
//! project — by name, by id, or through a run, artifact or collection in
//! it — gets it here, checked with [`crate::authz::decide`].
//!
//! Gathering the facts (membership, registry roles) is the only storage
//! work; the rule itself is the pure table in `authz`. Projects a caller may
//! not see are reported with [`not_found`], word for word what a missing
//! project gets, so that no answer tells a hidden registry from a free name.

use crate::authz::{Actor, ProjectAction, ProjectStanding, Readable, Verdict, decide};
use crate::error::{CoreError, CoreResult};
use crate::model::{Access, Project};
use crate::service::artifacts::{REGISTRY_PREFIX, RESTRICTED};
use crate::{Cairn, artifact::RegistryRole};

impl Cairn {
    /// A project the caller may read; `None` when unknown or hidden.
    pub async fn project(
        &self,
        actor: &Actor,
        entity_name: &str,
        name: &str,
    ) -> CoreResult<Option<Readable<Project>>> {
        let Some(project) = self.lookup_project(entity_name, name).await? else {
            return Ok(None);
        };
        Ok(
            match self.verdict(actor, &project, ProjectAction::Read).await? {
                Verdict::Allow => Some(Readable::grant(project)),
                Verdict::Deny | Verdict::Hide => None,
            },
        )
    }

    /// A project by entity and name on which the caller may do `action`;
    /// not found when it is missing or hidden, permission denied when the
    /// caller sees it but may not do this. Whoever may do anything to a
    /// project may read it, so the answer is [`Readable`] whatever `action`
    /// was checked.
    pub async fn project_for(
        &self,
        actor: &Actor,
        entity_name: &str,
        name: &str,
        action: ProjectAction,
    ) -> CoreResult<Readable<Project>> {
        let project = self
            .lookup_project(entity_name, name)
            .await?
            .ok_or_else(|| self.not_found(entity_name, name))?;
        self.authorize(actor, &project, action).await?;
        Ok(Readable::grant(project))
    }

    /// A project by id, if the caller may read it.
    pub async fn readable_project_by_id(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<Option<Readable<Project>>> {
        let Some(project) = self.store.project_by_id(id).await? else {
            return Ok(None);
        };
        Ok(
            match self.verdict(actor, &project, ProjectAction::Read).await? {
                Verdict::Allow => Some(Readable::grant(project)),
                Verdict::Deny | Verdict::Hide => None,
            },
        )
    }

    /// Whether the caller may do `action` to a project.
    pub async fn may(
        &self,
        actor: &Actor,
        project: &Project,
        action: ProjectAction,
    ) -> CoreResult<bool> {
        Ok(self.verdict(actor, project, action).await? == Verdict::Allow)
    }

    /// `Ok` if the caller may do `action` to `project`; otherwise the error
    /// that says why, or not found if they may not know it exists.
    pub async fn authorize(
        &self,
        actor: &Actor,
        project: &Project,
        action: ProjectAction,
    ) -> CoreResult<()> {
        self.authorize_or(actor, project, action, || {
            self.not_found(&project.entity_name, &project.name)
        })
        .await
    }

    /// Like [`Cairn::authorize`], with the caller's own not-found error (for
    /// a run or artifact addressed by id, whose project the caller did not
    /// name).
    pub(crate) async fn authorize_or(
        &self,
        actor: &Actor,
        project: &Project,
        action: ProjectAction,
        not_found: impl FnOnce() -> CoreError,
    ) -> CoreResult<()> {
        match self.verdict(actor, project, action).await? {
            Verdict::Allow => Ok(()),
            Verdict::Hide => Err(not_found()),
            Verdict::Deny => Err(self.denied(actor, project, action).await?),
        }
    }

    /// The caller's role in a registry (see
    /// [`ProjectStanding::registry_role`]); `None` when it is hidden from
    /// them or `project` is not a registry.
    pub async fn registry_role(
        &self,
        actor: &Actor,
        project: &Project,
    ) -> CoreResult<Option<RegistryRole>> {
        let standing = self.standing(actor, project).await?;
        Ok(standing
            .registry
            .then(|| standing.registry_role())
            .flatten())
    }

    /// Whether a project is one of the organization's registries.
    pub(crate) fn is_registry(&self, project: &Project) -> bool {
        self.is_registry_name(project.entity_id, &project.name)
    }

    /// Whether a project of this name in this entity would be a registry.
    pub(crate) fn is_registry_name(&self, entity_id: i64, name: &str) -> bool {
        crate::registry::is_registry_name(name) && self.org_of_entity(entity_id).is_some()
    }

    /// The error for a project that is missing or hidden from the caller.
    pub(crate) fn not_found(&self, entity_name: &str, name: &str) -> CoreError {
        match name.strip_prefix(REGISTRY_PREFIX) {
            Some(registry) if self.is_org_entity_name(entity_name) => CoreError::NotFound(format!(
                "No registry {registry:?} exists in this organization, or you are not one of its members."
            )),
            _ => CoreError::NotFound(format!(
                "No project {entity_name}/{name} exists, or you may not see it."
            )),
        }
    }

    async fn lookup_project(&self, entity_name: &str, name: &str) -> CoreResult<Option<Project>> {
        let Some(entity) = self.store.entity_by_name(entity_name).await? else {
            return Ok(None);
        };
        Ok(self.store.project_by_name(entity.id, name).await?)
    }

    async fn verdict(
        &self,
        actor: &Actor,
        project: &Project,
        action: ProjectAction,
    ) -> CoreResult<Verdict> {
        Ok(decide(&self.standing(actor, project).await?, action))
    }

    /// The facts [`decide`] needs, read with as few queries as the case
    /// allows (none for instance admins).
    async fn standing(&self, actor: &Actor, project: &Project) -> CoreResult<ProjectStanding> {
        let admin = actor.admin().is_some();
        let registry = self.is_registry(project);
        let creator = project.created_by == Some(actor.user().id);
        let entity_member = admin
            || project.entity_id == self.org_entity_id
            || self
                .store
                .membership(project.entity_id, actor.user().id)
                .await?
                .is_some();
        let held_role = if registry && !admin && !creator {
            self.store
                .registry_roles_of(project.id, actor.user().id)
                .await?
                .into_iter()
                .max()
        } else {
            None
        };
        Ok(ProjectStanding {
            admin,
            creator,
            entity_member,
            registry,
            restricted: project.access == RESTRICTED,
            public: project.visibility() == Access::Public,
            held_role,
        })
    }

    /// Why a caller who sees `project` may not do `action` to it.
    async fn denied(
        &self,
        actor: &Actor,
        project: &Project,
        action: ProjectAction,
    ) -> CoreResult<CoreError> {
        let path = format!("{}/{}", project.entity_name, project.name);
        if !self.is_registry(project) {
            return Ok(CoreError::PermissionDenied(match action {
                ProjectAction::Delete => {
                    format!("Only its creator or an instance admin may delete project {path}.")
                }
                _ => format!(
                    "You may read {path} but only members of {:?} may change it.",
                    project.entity_name
                ),
            }));
        }
        let registry = project.name.trim_start_matches(REGISTRY_PREFIX);
        let role = self
            .registry_role(actor, project)
            .await?
            .map_or("member", RegistryRole::as_str);
        Ok(CoreError::PermissionDenied(match action {
            ProjectAction::LogRuns => format!(
                "Registry {registry:?} holds linked artifact versions, not runs; log runs to a project and link their artifacts."
            ),
            ProjectAction::Manage | ProjectAction::Delete => format!(
                "You are a {role} of registry {registry:?}; only its admins (its creator, instance admins and members with the admin role) may change its settings, members or existence."
            ),
            ProjectAction::Read | ProjectAction::Write => format!(
                "You are a {role} of registry {registry:?}, so you may read it but not change it."
            ),
        }))
    }
}
