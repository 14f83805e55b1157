//! Organizations: the owners of registries.
//!
//! The organization made on first start is the default: every user belongs
//! to it, and it is the one the official client gets when it names none.
//! An instance admin creates further organizations ([`Cairn::create_organization`]);
//! each gets its own entity (`<name>-org`, which owns its `wandb-registry-*`
//! projects). Belonging to a further organization means being a member of
//! its entity, so users are added the way team members are (`createInvite`
//! on the organization's entity). Registry rules are the same in every
//! organization (see [`crate::authz::decide`]); the one difference is that
//! only the default organization's entity counts everyone as a member.
//!
//! Every organization has W&B's core registries, `model` and `dataset`
//! ([`CORE_REGISTRIES`]), as W&B creates them: users expect to link into
//! `wandb-registry-model` without creating it first.

use crate::authz::{Actor, Admin};
use crate::error::{CoreError, CoreResult};
use crate::model::{EntityId, Organization, UserId};
use crate::names;
use crate::service::Cairn;

/// W&B's core registries, each accepting the artifact type of its name.
pub const CORE_REGISTRIES: [&str; 2] = ["model", "dataset"];

impl Cairn {
    /// Create the core registries an organization lacks (on start, for
    /// instances made before they existed, and with each new organization).
    /// They are visible to the whole organization and made by the first
    /// instance admin; before any user exists there is nothing to do yet.
    pub async fn ensure_core_registries(&self) -> CoreResult<()> {
        let Some(creator) = self.store.first_admin().await? else {
            return Ok(());
        };
        for org in self.organizations_snapshot() {
            for kind in CORE_REGISTRIES {
                let name = format!("{}{kind}", crate::REGISTRY_PREFIX);
                if self
                    .store
                    .project_by_name(org.entity_id, &name)
                    .await?
                    .is_some()
                {
                    continue;
                }
                let created = self
                    .store
                    .create_project(crate::model::NewProject {
                        entity_id: org.entity_id,
                        name,
                        description: Some(format!("The core registry of {kind}s.")),
                        access: "PRIVATE".into(),
                        created_by: creator,
                    })
                    .await;
                match created {
                    Ok(project) => {
                        self.store
                            .set_registry_types(project.id, false, &[kind.to_string()])
                            .await?
                    }
                    // Another server process made it first.
                    Err(crate::store::StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    fn organizations_snapshot(&self) -> Vec<Organization> {
        self.organizations
            .read()
            .map(|orgs| orgs.clone())
            .unwrap_or_default()
    }

    /// The first organization `wanted` picks, looked up under the read lock
    /// (registry checks ask this on every request; no list is copied).
    fn find_org(&self, wanted: impl Fn(&Organization) -> bool) -> Option<Organization> {
        self.organizations
            .read()
            .ok()?
            .iter()
            .find(|o| wanted(o))
            .cloned()
    }

    /// The default organization (made on first start).
    pub fn default_organization(&self) -> Organization {
        Organization {
            id: self.organization_id,
            name: crate::service::DEFAULT_ORGANIZATION.to_string(),
            entity_id: self.org_entity_id,
            entity_name: self.org_entity_name.clone(),
        }
    }

    /// The organization whose entity this is, if any.
    pub fn org_of_entity(&self, entity_id: EntityId) -> Option<Organization> {
        self.find_org(|o| o.entity_id == entity_id)
    }

    /// Whether an entity of this name is an organization's.
    pub(crate) fn is_org_entity_name(&self, name: &str) -> bool {
        self.find_org(|o| o.entity_name == name).is_some()
    }

    /// An organization by its row id (an entity's `organization_id`).
    pub fn organization_by_id(&self, id: i64) -> Option<Organization> {
        self.find_org(|o| o.id == id)
    }

    /// Whether the caller belongs to `org`: everyone to the default one,
    /// members of its entity to the others; instance admins to all.
    pub async fn belongs_to(&self, actor: &Actor, org: &Organization) -> CoreResult<bool> {
        self.user_belongs_to(actor.user().id, org, actor.admin().is_some())
            .await
    }

    async fn user_belongs_to(
        &self,
        user_id: UserId,
        org: &Organization,
        admin: bool,
    ) -> CoreResult<bool> {
        Ok(admin
            || org.entity_id == self.org_entity_id
            || self
                .store
                .membership(org.entity_id, user_id)
                .await?
                .is_some())
    }

    /// An organization by its name (or its entity's name) that the caller
    /// belongs to; `None` when unknown or not theirs.
    pub async fn organization(
        &self,
        actor: &Actor,
        name: &str,
    ) -> CoreResult<Option<Organization>> {
        match self.find_org(|o| o.name == name || o.entity_name == name) {
            Some(org) if self.belongs_to(actor, &org).await? => Ok(Some(org)),
            _ => Ok(None),
        }
    }

    /// The organizations a user belongs to, the default first. Only the
    /// user themselves and instance admins see more than the default.
    pub async fn organizations_of(
        &self,
        actor: &Actor,
        user_id: UserId,
        user_is_admin: bool,
    ) -> CoreResult<Vec<Organization>> {
        let all = self.organizations_snapshot();
        if actor.user().id != user_id && actor.admin().is_none() {
            return Ok(all.into_iter().take(1).collect());
        }
        let mut mine = Vec::new();
        for org in all {
            if self.user_belongs_to(user_id, &org, user_is_admin).await? {
                mine.push(org);
            }
        }
        Ok(mine)
    }

    /// Create a further organization (instance admins only), with its own
    /// entity `<name>-org` that owns its registries. Nobody but instance
    /// admins belongs to it until they are added to that entity.
    pub async fn create_organization(
        &self,
        admin: Admin<'_>,
        name: &str,
    ) -> CoreResult<Organization> {
        let _ = admin;
        let name = name.trim();
        names::validate("organization", name)?;
        if self
            .find_org(|o| o.name == name || o.entity_name == name)
            .is_some()
        {
            return Err(CoreError::Conflict(format!(
                "An organization named {name:?} already exists."
            )));
        }
        let id = self.store.create_organization(name).await?;
        let (entity_id, entity_name) = self
            .store
            .ensure_org_entity(id, &format!("{name}-org"))
            .await?;
        let org = Organization {
            id,
            name: name.to_string(),
            entity_id,
            entity_name,
        };
        self.organizations
            .write()
            .map_err(|_| CoreError::Internal("organization list lock poisoned".into()))?
            .push(org.clone());
        self.ensure_core_registries().await?;
        Ok(org)
    }
}
