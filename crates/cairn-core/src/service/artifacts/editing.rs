//! Editing artifacts and collections: metadata, aliases, tags, moves and
//! deletion.

use super::*;

impl Cairn {
    // ----- editing ----------------------------------------------------------

    /// Change description, metadata, tags or TTL.
    pub async fn update_artifact(
        &self,
        actor: &Actor,
        id: i64,
        patch: ArtifactPatch,
    ) -> CoreResult<Readable<Artifact>> {
        let artifact = self.writable_artifact(actor, id).await?;
        if let Some(metadata) = &patch.metadata {
            check_metadata(metadata)?;
        }
        for tag in patch.tags_to_add.iter().chain(&patch.tags_to_delete) {
            validate_label("Tag", tag).map_err(CoreError::InvalidInput)?;
        }
        let updated = self.store.update_artifact(artifact.id, &patch).await?;
        // Writable, so readable.
        Ok(Readable::grant(updated))
    }

    /// Give or take aliases of an artifact in the collections they name.
    pub async fn set_aliases(
        &self,
        actor: &Actor,
        id: i64,
        targets: &[AliasTarget],
        add: bool,
    ) -> CoreResult<()> {
        let artifact = self.writable_artifact(actor, id).await?;
        let home = self.project_of(&artifact).await?;
        for target in targets {
            validate_label("Alias", &target.alias).map_err(CoreError::InvalidInput)?;
            let project = match (&target.entity, &target.project) {
                (Some(e), Some(p)) if (e, p) != (&home.entity_name, &home.name) => self
                    .project_for(actor, e, p, ProjectAction::Write)
                    .await?
                    .into_inner(),
                _ => home.clone(),
            };
            self.authorize(actor, &project, ProjectAction::Write)
                .await?;
            let collection = self
                .store
                .collection_by_name(project.id, &target.collection)
                .await?
                .ok_or_else(|| {
                    CoreError::NotFound(format!(
                        "No artifact collection {:?} exists in {}/{}.",
                        target.collection, project.entity_name, project.name
                    ))
                })?;
            let membership = self
                .store
                .memberships_of(artifact.id)
                .await?
                .into_iter()
                .find(|m| m.collection_id == collection.id)
                .ok_or_else(|| {
                    CoreError::InvalidInput(format!(
                        "This artifact is not a version of {:?}, so it cannot hold an alias there.",
                        target.collection
                    ))
                })?;
            let aliases = [target.alias.clone()];
            if add {
                self.store.add_aliases(membership.id, &aliases).await?;
            } else {
                self.store.remove_aliases(membership.id, &aliases).await?;
            }
        }
        Ok(())
    }

    /// Delete an artifact. Without `delete_aliases` it must hold no alias
    /// but `latest`. Returns the digests whose blobs may now be unused.
    pub async fn delete_artifact(
        &self,
        actor: &Actor,
        id: i64,
        delete_aliases: bool,
    ) -> CoreResult<(Readable<Artifact>, Vec<String>)> {
        let artifact = self.writable_artifact(actor, id).await?;
        if !delete_aliases {
            let held: Vec<String> = self
                .store
                .memberships_of(artifact.id)
                .await?
                .into_iter()
                .flat_map(|m| m.aliases)
                .map(|a| a.alias)
                .filter(|a| a != LATEST)
                .collect();
            if !held.is_empty() {
                return Err(CoreError::Conflict(format!(
                    "Cannot delete artifact {}:v{} while it has aliases ({}); delete them first or pass delete_aliases=True.",
                    artifact.sequence_name,
                    artifact.version_index.unwrap_or_default(),
                    held.join(", ")
                )));
            }
        }
        let digests = self.store.delete_artifact(artifact.id).await?;
        // What the caller was allowed to delete, as it was.
        Ok((artifact.readable(), digests))
    }

    /// Rename or describe a collection.
    pub async fn update_collection(
        &self,
        actor: &Actor,
        id: i64,
        name: Option<&str>,
        description: Option<&str>,
    ) -> CoreResult<Readable<Collection>> {
        let collection = self.writable_collection(actor, id).await?;
        if let Some(name) = name {
            names::validate("artifact collection", name)?;
        }
        let updated = self
            .store
            .update_collection(collection.id, name, description)
            .await?;
        // Writable, so readable.
        Ok(Readable::grant(updated))
    }

    /// Move a sequence to another type.
    pub async fn move_collection(
        &self,
        actor: &Actor,
        id: i64,
        type_name: &str,
    ) -> CoreResult<Readable<Collection>> {
        let collection = self.writable_collection(actor, id).await?;
        validate_type_name(type_name)?;
        let moved = self.store.move_collection(collection.id, type_name).await?;
        // Writable, so readable.
        Ok(Readable::grant(moved))
    }

    /// Add and remove a collection's tags.
    pub async fn tag_collection(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        name: &str,
        add: &[String],
        remove: &[String],
    ) -> CoreResult<Readable<Collection>> {
        for tag in add.iter().chain(remove) {
            validate_label("Tag", tag).map_err(CoreError::InvalidInput)?;
        }
        let project = self
            .project_for(actor, entity, project, ProjectAction::Read)
            .await?;
        let collection = self
            .store
            .collection_by_name(project.id, name)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!("No artifact collection {name:?} exists."))
            })?;
        let collection = self.writable_collection(actor, collection.id).await?;
        self.store
            .tag_collection(collection.id, add, remove)
            .await?;
        self.collection_by_id(actor, collection.id)
            .await?
            .ok_or_else(|| CoreError::Internal("collection vanished".into()))
    }

    /// Delete a collection (and a sequence's versions). Returns digests
    /// whose blobs may now be unused.
    pub async fn delete_collection(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<(Readable<Collection>, Vec<String>)> {
        let collection = self.writable_collection(actor, id).await?;
        let digests = self.store.delete_collection(collection.id).await?;
        // What the caller was allowed to delete, as it was.
        Ok((Readable::grant(collection), digests))
    }

    pub(super) async fn writable_collection(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<Collection> {
        let collection = self.collection_by_id(actor, id).await?.ok_or_else(|| {
            CoreError::NotFound(format!("No artifact collection with id {id} exists."))
        })?;
        let project = self
            .store
            .project_by_id(collection.project_id)
            .await?
            .ok_or_else(|| CoreError::Internal("collection without project".into()))?;
        self.authorize(actor, &project, ProjectAction::Write)
            .await?;
        Ok(collection.into_inner())
    }
}
