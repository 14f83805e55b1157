//! Links into portfolios and registries, registry settings and listings,
//! and registry members.

use super::*;

impl Cairn {
    // ----- linking and registries --------------------------------------------

    /// Link an artifact into the portfolio `entity/project/name`.
    pub async fn link_artifact(
        &self,
        actor: &Actor,
        artifact: &Artifact,
        entity: &str,
        project: &str,
        portfolio: &str,
        aliases: &[String],
    ) -> CoreResult<Membership> {
        names::validate("artifact collection", portfolio)?;
        for alias in aliases {
            validate_label("Alias", alias).map_err(CoreError::InvalidInput)?;
        }
        if artifact.state != crate::artifact::ArtifactState::Committed {
            return Err(CoreError::InvalidInput(
                "Only committed artifacts can be linked.".into(),
            ));
        }
        // A missing project is created, as W&B does (the legacy
        // `model-registry`, any portfolio path); a registry never is.
        let target = self
            .ensure_project(actor, entity, project, ProjectAction::Write)
            .await?;
        self.check_registry_type(&target, &artifact.type_name)
            .await?;
        let aliases: Vec<String> = aliases.iter().filter(|a| *a != LATEST).cloned().collect();
        Ok(self
            .store
            .link_artifact(artifact.id, target.id, portfolio, &aliases)
            .await?)
    }

    /// Remove an artifact from a portfolio.
    pub async fn unlink_artifact(
        &self,
        actor: &Actor,
        artifact_id: i64,
        collection_id: i64,
    ) -> CoreResult<()> {
        self.artifact_or_error(actor, artifact_id).await?;
        self.writable_collection(actor, collection_id).await?;
        if !self
            .store
            .unlink_artifact(artifact_id, collection_id)
            .await?
        {
            return Err(CoreError::NotFound(
                "That artifact is not linked into that collection.".into(),
            ));
        }
        Ok(())
    }

    /// Registry settings: all types allowed, or the list.
    pub async fn registry_types(
        &self,
        project: &Readable<Project>,
    ) -> CoreResult<(bool, Vec<String>)> {
        Ok(self.store.registry_types(project.id).await?)
    }

    /// Set which artifact types a registry accepts.
    pub async fn set_registry_types(
        &self,
        actor: &Actor,
        project: &Project,
        allow_all: bool,
        types: &[String],
    ) -> CoreResult<()> {
        self.authorize(actor, project, ProjectAction::Manage)
            .await?;
        for t in types {
            validate_type_name(t)?;
        }
        Ok(self
            .store
            .set_registry_types(project.id, allow_all, types)
            .await?)
    }

    /// Registries, collections or versions of the organization whose entity
    /// is `org_entity_id` that the caller may see, per `query`, ready for the
    /// store: the organization and viewer are decided here (whatever
    /// `query` says of them; the store leaves out the restricted registries
    /// the viewer has no part in) and the filters parsed against their
    /// schemas. Someone outside the organization gets no organization to
    /// list.
    pub async fn registry_query(
        &self,
        actor: &Actor,
        org_entity_id: i64,
        query: RegistryQuery,
    ) -> CoreResult<RegistrySearch> {
        check_page(query.first)?;
        let org = self
            .org_of_entity(org_entity_id)
            .ok_or_else(|| CoreError::NotFound("That entity is not an organization's.".into()))?;
        if !self.belongs_to(actor, &org).await? {
            return Err(CoreError::NotFound(format!(
                "No organization {:?} exists, or you are not one of its members.",
                org.name
            )));
        }
        let parse = |filter: &Option<serde_json::Value>, schema| {
            Filter::parse_optional(filter.as_ref(), schema)
        };
        Ok(RegistrySearch {
            org_entity_id: org.entity_id,
            viewer: actor.admin().is_none().then(|| actor.user().id),
            registry_filter: parse(&query.registry_filter, &REGISTRIES)?,
            collection_filter: parse(&query.collection_filter, &COLLECTIONS)?,
            version_filter: parse(&query.version_filter, &VERSIONS)?,
            order: match query.listing {
                RegistryListing::Registries => {
                    Order::parse_for(&REGISTRIES, "registries", query.order.as_deref())?
                }
                RegistryListing::Collections => {
                    Order::parse_for(&COLLECTIONS, "collections", query.order.as_deref())?
                }
                RegistryListing::Versions => {
                    Order::parse_for(&VERSIONS, "versions", query.order.as_deref())?
                }
            },
            after: query.after,
            first: query.first,
        })
    }

    /// Registry project ids matching a prepared query, in its order, each
    /// with the cursor of the page that follows it.
    pub async fn registry_ids(&self, query: &RegistrySearch) -> CoreResult<Vec<(i64, String)>> {
        Ok(self.store.registry_ids(query).await?)
    }

    /// Registry collection ids matching a prepared query.
    pub async fn registry_collection_ids(
        &self,
        query: &RegistrySearch,
    ) -> CoreResult<Vec<(i64, String)>> {
        Ok(self.store.registry_collection_ids(query).await?)
    }

    /// How many registry collections match a prepared query.
    pub async fn registry_collection_count(&self, query: &RegistrySearch) -> CoreResult<i64> {
        Ok(self.store.registry_collection_count(query).await?)
    }

    /// Registry version (membership) ids matching a prepared query.
    pub async fn registry_membership_ids(
        &self,
        query: &RegistrySearch,
    ) -> CoreResult<Vec<(i64, String)>> {
        Ok(self.store.registry_membership_ids(query).await?)
    }

    /// Delete a registry (or any project the caller administers) with all
    /// its collections. Returns digests whose blobs may now be unused.
    pub async fn delete_project(
        &self,
        actor: &Actor,
        project: &Project,
    ) -> CoreResult<Vec<String>> {
        self.authorize(actor, project, ProjectAction::Delete)
            .await?;
        Ok(self.store.delete_project(project.id).await?)
    }

    /// Rename a project (registries are renamed this way).
    pub async fn rename_project(
        &self,
        actor: &Actor,
        project: &Project,
        name: &str,
    ) -> CoreResult<Readable<Project>> {
        names::validate("project", name)?;
        self.authorize(actor, project, ProjectAction::Manage)
            .await?;
        self.store.rename_project(project.id, name).await?;
        let renamed = self.store.project_by_id(project.id).await?;
        renamed
            .map(Readable::grant)
            .ok_or_else(|| CoreError::Internal("project vanished".into()))
    }

    pub(super) async fn check_registry_type(
        &self,
        project: &Project,
        type_name: &str,
    ) -> CoreResult<()> {
        if !project.name.starts_with(REGISTRY_PREFIX) {
            return Ok(());
        }
        let (allow_all, types) = self.store.registry_types(project.id).await?;
        if allow_all || types.iter().any(|t| t == type_name) {
            return Ok(());
        }
        Err(CoreError::InvalidInput(format!(
            "Registry {:?} accepts artifacts of type {}, not {type_name:?}.",
            project.name.trim_start_matches(REGISTRY_PREFIX),
            types.join(", ")
        )))
    }

    // ----- registry members -------------------------------------------------

    /// Refuse member changes by anyone but the registry's admins (its
    /// creator, instance admins, members with the admin role).
    async fn check_registry_admin(&self, actor: &Actor, project: &Project) -> CoreResult<()> {
        if !self.is_registry(project) {
            return Err(CoreError::InvalidInput(format!(
                "{}/{} is not a registry; only registries have members.",
                project.entity_name, project.name
            )));
        }
        self.authorize(actor, project, ProjectAction::Manage).await
    }

    /// The users holding a role in a registry.
    pub async fn registry_user_members(
        &self,
        project: &Project,
    ) -> CoreResult<Vec<(User, RegistryRole)>> {
        Ok(self.store.registry_user_members(project.id).await?)
    }

    /// The teams holding a role in a registry.
    pub async fn registry_team_members(
        &self,
        project: &Project,
    ) -> CoreResult<Vec<(Entity, RegistryRole)>> {
        Ok(self.store.registry_team_members(project.id).await?)
    }

    /// Add users and teams to a registry as members (those already in it
    /// keep their role). Every one of them must exist.
    pub async fn add_registry_members(
        &self,
        actor: &Actor,
        project: &Project,
        members: &[RegistryMemberRef],
    ) -> CoreResult<()> {
        self.check_registry_admin(actor, project).await?;
        for member in members {
            match *member {
                RegistryMemberRef::User(id) => {
                    if self.store.user_by_id(id).await?.is_none() {
                        return Err(CoreError::NotFound(format!("No user with id {id} exists.")));
                    }
                }
                RegistryMemberRef::Team(id) => {
                    if self.store.team_by_id(id).await?.is_none() {
                        return Err(CoreError::NotFound(format!("No team with id {id} exists.")));
                    }
                }
            }
        }
        Ok(self
            .store
            .add_registry_members(project.id, members, RegistryRole::Member)
            .await?)
    }

    /// Take users and teams out of a registry.
    pub async fn remove_registry_members(
        &self,
        actor: &Actor,
        project: &Project,
        members: &[RegistryMemberRef],
    ) -> CoreResult<()> {
        self.check_registry_admin(actor, project).await?;
        Ok(self
            .store
            .remove_registry_members(project.id, members)
            .await?)
    }

    /// Change a registry member's role (`admin`, `member`, `viewer`,
    /// `restricted_viewer`).
    pub async fn set_registry_member_role(
        &self,
        actor: &Actor,
        project: &Project,
        member: RegistryMemberRef,
        role: &str,
    ) -> CoreResult<()> {
        self.check_registry_admin(actor, project).await?;
        let role = RegistryRole::parse(role).ok_or_else(|| {
            CoreError::InvalidInput(format!(
                "Unknown registry role {role:?}; use one of {}.",
                RegistryRole::ALL.map(RegistryRole::as_str).join(", ")
            ))
        })?;
        if self
            .store
            .set_registry_member_role(project.id, member, role)
            .await?
        {
            return Ok(());
        }
        let who = match member {
            RegistryMemberRef::User(id) => format!("User {id}"),
            RegistryMemberRef::Team(id) => format!("Team {id}"),
        };
        Err(CoreError::NotFound(format!(
            "{who} is not a member of registry {:?}; add them first.",
            project.name.trim_start_matches(REGISTRY_PREFIX)
        )))
    }
}
