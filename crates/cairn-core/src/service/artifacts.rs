//! Artifacts and registries: logging, reading, editing, linking, deleting.
//!
//! Access follows the project an artifact lives in: whoever may read the
//! project reads its artifacts; members of its entity (or instance admins)
//! change them. Registries are projects of the organization's entity, which
//! every user of the organization belongs to; a `RESTRICTED` registry is
//! visible only to its creator, instance admins and its members (users and
//! teams added with a role). A member's role decides what they may do in a
//! registry: viewers read, members also link and edit, admins also manage
//! members. Without a role of their own, organization members act as
//! members of a non-restricted registry.
//!
//! Blob bytes are not handled here: this layer decides which digests a
//! caller may upload, prove and read, and `content.rs` stores and collects
//! the bytes (each upload under a key of its own, so that a collection
//! never deletes bytes an upload of the same digest is recording).

use crate::artifact::{
    Artifact, ArtifactPatch, ArtifactType, Collection, CollectionKind, Entry, LATEST, Membership,
    NewArtifact, RegistryMemberRef, RegistryRole, StagedFile, VersionPage, validate_label,
};
use crate::authz::{Actor, ProjectAction, Readable, Writable};
use crate::error::{CoreError, CoreResult};
use crate::filter::{COLLECTIONS, Filter, REGISTRIES, VERSIONS};
use crate::model::{Entity, Project, User};
use crate::run::Run;
use crate::store::{RegistryQuery, RegistrySearch};
use crate::{Cairn, names};

pub use crate::registry::{REGISTRY_PREFIX, RESTRICTED};

/// Largest page of artifacts, collections or files.
const MAX_ARTIFACT_PAGE: i64 = 10_000;

/// Where a client wants an alias: a collection by entity/project/name.
#[derive(Debug, Clone)]
pub struct AliasTarget {
    /// The alias.
    pub alias: String,
    /// Collection name.
    pub collection: String,
    /// Entity of the collection's project (the artifact's own when absent).
    pub entity: Option<String>,
    /// The collection's project (the artifact's own when absent).
    pub project: Option<String>,
}

impl Cairn {
    // ----- reading ----------------------------------------------------------

    /// An artifact the caller may read: its project is readable, or it is
    /// linked into a collection they may read (a registry shares what is
    /// linked into it with everyone who sees the registry).
    pub async fn artifact(&self, actor: &Actor, id: i64) -> CoreResult<Option<Readable<Artifact>>> {
        let Some(artifact) = self.store.artifact_by_id(id).await? else {
            return Ok(None);
        };
        if let Some(project) = self
            .readable_project_by_id(actor, artifact.project_id)
            .await?
        {
            return Ok(Some(project.part(artifact)));
        }
        for membership in self.store.memberships_of(artifact.id).await? {
            if let Some(collection) = self
                .collection_by_id(actor, membership.collection_id)
                .await?
            {
                return Ok(Some(collection.part(artifact)));
            }
        }
        Ok(None)
    }

    /// An artifact the caller may read, or a not-found error.
    pub async fn artifact_or_error(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<Readable<Artifact>> {
        self.artifact(actor, id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("No artifact with id {id} exists.")))
    }

    /// An artifact by id with no access check: only for requests that carry
    /// a URL signature the server made for it.
    pub async fn artifact_for_signed_url(&self, id: i64) -> CoreResult<Option<Artifact>> {
        Ok(self.store.artifact_by_id(id).await?)
    }

    /// The server artifact a client id names, if readable.
    pub async fn artifact_by_client_id(
        &self,
        actor: &Actor,
        client_id: &str,
    ) -> CoreResult<Option<Readable<Artifact>>> {
        match self.store.artifact_by_client_id(client_id).await? {
            Some(a) => self.artifact(actor, a.id).await,
            None => Ok(None),
        }
    }

    /// A project's artifact types.
    pub async fn artifact_types(
        &self,
        project: &Readable<Project>,
        after: Option<i64>,
        first: i64,
    ) -> CoreResult<Vec<ArtifactType>> {
        check_page(first)?;
        Ok(self.store.artifact_types(project.id, after, first).await?)
    }

    /// A project's artifact type by name.
    pub async fn artifact_type(
        &self,
        project: &Readable<Project>,
        name: &str,
    ) -> CoreResult<Option<ArtifactType>> {
        Ok(self.store.artifact_type(project.id, name).await?)
    }

    /// The type of a readable artifact (also of one readable only through a
    /// registry link, whose own project the caller may not see).
    pub async fn artifact_type_of(
        &self,
        artifact: &Readable<Artifact>,
    ) -> CoreResult<Option<ArtifactType>> {
        Ok(self
            .store
            .artifact_type(artifact.project_id, &artifact.type_name)
            .await?)
    }

    /// A collection of a readable project by name.
    pub async fn collection(
        &self,
        project: &Readable<Project>,
        name: &str,
    ) -> CoreResult<Option<Readable<Collection>>> {
        let collection = self.store.collection_by_name(project.id, name).await?;
        Ok(collection.map(|c| project.part(c)))
    }

    /// A collection by id, if its project is readable.
    pub async fn collection_by_id(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<Option<Readable<Collection>>> {
        let Some(collection) = self.store.collection_by_id(id).await? else {
            return Ok(None);
        };
        let project = self
            .readable_project_by_id(actor, collection.project_id)
            .await?;
        Ok(project.map(|p| p.part(collection)))
    }

    /// The sequence an artifact was logged into, with no access check: for
    /// naming the source of an artifact the caller may read (not a
    /// [`Readable`]: the caller may see the artifact only through a link).
    pub async fn sequence_of(
        &self,
        artifact: &Readable<Artifact>,
    ) -> CoreResult<Option<Collection>> {
        Ok(self.store.collection_by_id(artifact.sequence_id).await?)
    }

    /// A page of a readable project's collections.
    pub async fn collections(
        &self,
        project: &Readable<Project>,
        type_id: Option<i64>,
        kinds: &[CollectionKind],
        filter: Option<&serde_json::Value>,
        after: Option<i64>,
        first: i64,
    ) -> CoreResult<Vec<Readable<Collection>>> {
        check_page(first)?;
        let filter = Filter::parse_optional(filter, &COLLECTIONS)?;
        let collections = self
            .store
            .collections(project.id, type_id, kinds, filter.as_ref(), after, first)
            .await?;
        Ok(collections.into_iter().map(|c| project.part(c)).collect())
    }

    /// How many collections [`Cairn::collections`] lists in all.
    pub async fn collection_count(
        &self,
        project: &Readable<Project>,
        type_id: Option<i64>,
        kinds: &[CollectionKind],
        filter: Option<&serde_json::Value>,
    ) -> CoreResult<i64> {
        let filter = Filter::parse_optional(filter, &COLLECTIONS)?;
        Ok(self
            .store
            .collection_count(project.id, type_id, kinds, filter.as_ref())
            .await?)
    }

    /// A version of a collection by `v3` or alias.
    pub async fn membership(
        &self,
        collection: &Readable<Collection>,
        version_or_alias: &str,
    ) -> CoreResult<Option<Membership>> {
        Ok(self
            .store
            .membership_by_name(collection.id, version_or_alias)
            .await?)
    }

    /// A membership by id, if its collection is readable.
    pub async fn membership_by_id(&self, actor: &Actor, id: i64) -> CoreResult<Option<Membership>> {
        let Some(membership) = self.store.membership_by_id(id).await? else {
            return Ok(None);
        };
        Ok(self
            .collection_by_id(actor, membership.collection_id)
            .await?
            .map(|_| membership))
    }

    /// An artifact's memberships (its sequence and every link).
    pub async fn memberships_of(
        &self,
        artifact: &Readable<Artifact>,
    ) -> CoreResult<Vec<Membership>> {
        Ok(self.store.memberships_of(artifact.id).await?)
    }

    /// A page of a collection's versions, newest first.
    pub async fn versions(
        &self,
        collection: &Readable<Collection>,
        filter: Option<&serde_json::Value>,
        order: crate::artifact::VersionOrder,
        after: Option<i64>,
        first: i64,
    ) -> CoreResult<VersionPage<Readable<Artifact>>> {
        check_page(first)?;
        let filter = Filter::parse_optional(filter, &VERSIONS)?;
        let page = self
            .store
            .versions(collection.id, filter.as_ref(), order, after, first)
            .await?;
        Ok(VersionPage {
            versions: (page.versions.into_iter())
                .map(|(m, a)| (m, collection.part(a)))
                .collect(),
            has_next_page: page.has_next_page,
        })
    }

    /// How many versions [`Cairn::versions`] lists in all.
    pub async fn version_count(
        &self,
        collection: &Readable<Collection>,
        filter: Option<&serde_json::Value>,
    ) -> CoreResult<i64> {
        let filter = Filter::parse_optional(filter, &VERSIONS)?;
        Ok(self
            .store
            .version_count(collection.id, filter.as_ref())
            .await?)
    }

    /// A page of an artifact's files (references included), by path.
    pub async fn artifact_entries(
        &self,
        artifact: &Readable<Artifact>,
        names: Option<&[String]>,
        after: Option<&str>,
        first: i64,
    ) -> CoreResult<Vec<Entry>> {
        check_page(first)?;
        Ok(self.store.entries(artifact.id, names, after, first).await?)
    }

    /// How many files an artifact has, references included.
    pub async fn artifact_entry_count(
        &self,
        artifact: &Readable<Artifact>,
        names: Option<&[String]>,
    ) -> CoreResult<i64> {
        Ok(self.store.entry_count(artifact.id, names).await?)
    }

    /// Runs that used an artifact (ids).
    pub async fn artifact_users(&self, artifact: &Readable<Artifact>) -> CoreResult<Vec<i64>> {
        Ok(self.store.artifact_users(artifact.id).await?)
    }

    /// Artifacts a run logged (`output`) or used.
    pub async fn run_artifacts(
        &self,
        run: &Readable<Run>,
        output: bool,
        after: Option<i64>,
        first: i64,
    ) -> CoreResult<Vec<Artifact>> {
        check_page(first)?;
        Ok(self
            .store
            .run_artifacts(run.id, output, after, first)
            .await?)
    }

    /// How many [`Cairn::run_artifacts`] lists.
    pub async fn run_artifact_count(&self, run: &Readable<Run>, output: bool) -> CoreResult<i64> {
        Ok(self.store.run_artifact_count(run.id, output).await?)
    }

    /// Whether the caller may read some artifact file with this digest in
    /// the entity (the `/artifacts/{entity}/{digest}` fallback download).
    pub async fn may_read_digest(
        &self,
        actor: &Actor,
        entity: &str,
        project: Option<&str>,
        md5: &str,
    ) -> CoreResult<bool> {
        let mut readable = Vec::new();
        match project {
            Some(name) => {
                if let Some(p) = self.project(actor, entity, name).await? {
                    readable.push(p.id);
                }
            }
            None => {
                let mut after = None;
                loop {
                    let page = self.projects(actor, entity, after, 1000).await?;
                    readable.extend(page.projects.iter().map(|p| p.id));
                    after = page.projects.last().map(|p| p.id);
                    if !page.has_next_page {
                        break;
                    }
                }
            }
        }
        if readable.is_empty() {
            return Ok(false);
        }
        Ok(self.store.digest_in_projects(md5, &readable).await?)
    }

    // ----- logging ----------------------------------------------------------

    /// Create a pending artifact in `entity/project` (created if missing, as
    /// runs do), logged by `run_name` if given. Returns the artifact and
    /// whether an identical latest version was returned instead.
    pub async fn create_artifact(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        run_name: Option<&str>,
        mut new: NewArtifact,
    ) -> CoreResult<(Readable<Artifact>, bool)> {
        names::validate("artifact", &new.collection_name)?;
        validate_type_name(&new.type_name)?;
        crate::artifact::check_storage_region(new.storage_region.as_deref())?;
        for alias in &new.aliases {
            validate_label("Alias", alias).map_err(CoreError::InvalidInput)?;
        }
        for tag in &new.tags {
            validate_label("Tag", tag).map_err(CoreError::InvalidInput)?;
        }
        new.aliases.retain(|a| a != LATEST);
        if let Some(metadata) = &new.metadata {
            check_metadata(metadata)?;
        }
        if new.digest.is_empty() || new.digest.len() > 128 {
            return Err(CoreError::InvalidInput(
                "An artifact needs a digest (the hex MD5 of its manifest).".into(),
            ));
        }
        let project = self
            .ensure_project(actor, entity, project, ProjectAction::Write)
            .await?;
        self.check_registry_type(&project, &new.type_name).await?;
        new.project_id = project.id;
        if let Some(run_name) = run_name.filter(|n| !n.is_empty()) {
            new.run_id = self.run_in(&project, run_name).await?.map(|r| r.id);
        }
        let (artifact, created) = self.store.create_artifact(&new).await?;
        Ok((project.part(artifact), created))
    }

    /// An artifact the caller may change.
    pub async fn writable_artifact(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<Writable<Artifact>> {
        let artifact = self.artifact_or_error(actor, id).await?;
        let project = self.project_of(&artifact).await?;
        // Readable through a registry link but not in its own project: the
        // caller knows the artifact, so say why rather than "not found".
        self.authorize_or(actor, &project, ProjectAction::Write, || {
            CoreError::PermissionDenied(format!(
                "Artifact {}: you may read it through a registry but only members of {:?} may change it.",
                artifact.sequence_name, project.entity_name
            ))
        })
        .await?;
        Ok(Writable::grant(artifact.into_inner()))
    }

    /// The project an artifact lives in.
    pub async fn project_of(&self, artifact: &Artifact) -> CoreResult<Project> {
        self.store
            .project_by_id(artifact.project_id)
            .await?
            .ok_or_else(|| CoreError::Internal(format!("artifact {} has no project", artifact.id)))
    }

    /// Record files a client is about to upload for a pending artifact.
    /// Returns, per file, whether the client may skip uploading it.
    ///
    /// Bytes are stored once for the whole instance, but knowing a digest
    /// must not let anyone reference (and then download) another user's
    /// file. So an upload is skipped only when the bytes are stored *and*
    /// the caller can already read an entry with that digest: one in the
    /// artifact's own project, or in another project they may read.
    /// Otherwise they upload, the bytes are checked against the digest as
    /// they arrive, and only then is the entry proven (`proving` in
    /// [`crate::content::ContentStore::put`]).
    /// The answer is the same whether or not someone else stored the bytes.
    pub async fn stage_artifact_files(
        &self,
        actor: &Actor,
        artifact_id: i64,
        files: &[StagedFile],
    ) -> CoreResult<Vec<bool>> {
        let artifact = self.writable_artifact(actor, artifact_id).await?;
        if artifact.state != crate::artifact::ArtifactState::Pending {
            return Err(CoreError::Conflict(format!(
                "Artifact {} is committed; its files cannot change.",
                artifact.id
            )));
        }
        for file in files {
            names::validate_file_path(&file.path)?;
            check_md5(&file.md5)?;
        }
        let states = self
            .store
            .stage_files(artifact.id, artifact.project_id, files)
            .await?;
        let elsewhere: Vec<String> = files
            .iter()
            .zip(&states)
            .filter(|(_, s)| s.stored && !s.proven_in_project)
            .map(|(f, _)| f.md5.clone())
            .collect();
        let readable = self.digests_readable_elsewhere(actor, &elsewhere).await?;
        let skip: Vec<bool> = files
            .iter()
            .zip(&states)
            .map(|(f, s)| s.stored && (s.proven_in_project || readable.contains(&f.md5)))
            .collect();
        let reused: Vec<String> = files
            .iter()
            .zip(&skip)
            .filter(|(_, skip)| **skip)
            .map(|(f, _)| f.md5.clone())
            .collect();
        self.store.prove_entries(artifact.id, &reused).await?;
        Ok(skip)
    }

    /// Which of `md5s` the caller may read in some project (other than the
    /// one already checked). Looks at a bounded number of candidate
    /// projects, each checked once; a digest found in none of them is simply
    /// uploaded again.
    async fn digests_readable_elsewhere(
        &self,
        actor: &Actor,
        md5s: &[String],
    ) -> CoreResult<std::collections::HashSet<String>> {
        const CANDIDATES: i64 = 10_000;
        let mut readable = std::collections::HashSet::new();
        if md5s.is_empty() {
            return Ok(readable);
        }
        let mut verdicts = std::collections::HashMap::new();
        for (md5, project_id) in self.store.digest_projects(md5s, CANDIDATES).await? {
            if readable.contains(&md5) {
                continue;
            }
            let may_read = match verdicts.get(&project_id) {
                Some(v) => *v,
                None => {
                    let v = self
                        .readable_project_by_id(actor, project_id)
                        .await?
                        .is_some();
                    verdicts.insert(project_id, v);
                    v
                }
            };
            if may_read {
                readable.insert(md5);
            }
        }
        Ok(readable)
    }

    /// Attach an uploaded manifest to a pending artifact.
    pub async fn set_artifact_manifest(&self, artifact: &Artifact, md5: &str) -> CoreResult<()> {
        Ok(self.store.set_manifest(artifact.id, md5).await?)
    }

    /// The manifest an artifact has now (for merging parts as they arrive).
    pub async fn manifest_md5_of(&self, artifact_id: i64) -> CoreResult<Option<String>> {
        Ok(self
            .store
            .artifact_by_id(artifact_id)
            .await?
            .and_then(|a| a.manifest_md5))
    }

    /// Set an artifact's manifest to `md5` if it still is `expected`.
    pub async fn replace_artifact_manifest(
        &self,
        artifact_id: i64,
        expected: Option<&str>,
        md5: &str,
    ) -> CoreResult<bool> {
        Ok(self
            .store
            .replace_manifest(artifact_id, expected, md5)
            .await?)
    }

    /// Declare how a pending artifact's manifest relates to other versions:
    /// an incremental manifest adds to `base`, a committed version of the
    /// same sequence the caller may read.
    pub async fn set_manifest_kind(
        &self,
        actor: &Actor,
        artifact_id: i64,
        kind: crate::artifact::ManifestKind,
        base: Option<i64>,
    ) -> CoreResult<Writable<Artifact>> {
        let artifact = self.writable_artifact(actor, artifact_id).await?;
        let base = match (kind, base) {
            (crate::artifact::ManifestKind::Incremental, Some(base_id)) => {
                let base = self.artifact_or_error(actor, base_id).await?;
                if base.sequence_id != artifact.sequence_id
                    || base.state != crate::artifact::ArtifactState::Committed
                {
                    return Err(CoreError::InvalidInput(format!(
                        "An incremental version builds on a committed version of {:?}; \
                         artifact {} is not one.",
                        artifact.sequence_name, base.id
                    )));
                }
                Some(base.id)
            }
            _ => None,
        };
        if artifact.state == crate::artifact::ArtifactState::Pending {
            self.store
                .set_manifest_kind(artifact.id, kind, base)
                .await?;
        }
        Ok(artifact)
    }

    /// Commit a pending artifact with the entries of its manifest.
    pub async fn commit_artifact(
        &self,
        actor: &Actor,
        artifact_id: i64,
        entries: &[Entry],
    ) -> CoreResult<Readable<Artifact>> {
        let artifact = self.writable_artifact(actor, artifact_id).await?;
        for entry in entries {
            names::validate_file_path(&entry.path)?;
            if entry.reference.is_none() {
                check_md5(&entry.digest)?;
            }
        }
        if artifact.state == crate::artifact::ArtifactState::Pending {
            self.check_entries_proven(actor, &artifact, entries).await?;
        }
        let committed = self.store.commit_artifact(artifact.id, entries).await?;
        // Writable, so readable.
        Ok(Readable::grant(committed))
    }

    /// Refuse a manifest naming bytes the caller neither uploaded nor may
    /// read, in the same words whether or not they are stored (and without
    /// their size).
    async fn check_entries_proven(
        &self,
        actor: &Actor,
        artifact: &Artifact,
        entries: &[Entry],
    ) -> CoreResult<()> {
        let unproven = self
            .store
            .unproven_entries(artifact.project_id, entries)
            .await?;
        if unproven.is_empty() {
            return Ok(());
        }
        let md5s: Vec<String> = unproven.iter().map(|(_, d)| d.clone()).collect();
        let readable = self.digests_readable_elsewhere(actor, &md5s).await?;
        match unproven.iter().find(|(_, d)| !readable.contains(d)) {
            Some((path, digest)) => Err(CoreError::InvalidInput(format!(
                "Cannot commit: the file {path:?} (digest {digest}) was never uploaded for this artifact."
            ))),
            None => Ok(()),
        }
    }

    /// Record that a run used an artifact.
    pub async fn use_artifact(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        run_name: &str,
        artifact: &Artifact,
        used_as: Option<&str>,
    ) -> CoreResult<()> {
        let run = self
            .writable_run_by_name(actor, entity, project, run_name)
            .await?;
        Ok(self
            .store
            .use_artifact(run.id, artifact.id, used_as)
            .await?)
    }

    /// Delete artifacts whose upload was abandoned: pending and untouched
    /// for `age`. Their staged files would otherwise keep blobs alive
    /// forever. Returns the digests that lost references.
    pub async fn sweep_abandoned_artifacts(
        &self,
        age: std::time::Duration,
    ) -> CoreResult<(usize, Vec<String>)> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let before = now - i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
        let stale = self.store.stale_pending_artifacts(before).await?;
        let mut digests = Vec::new();
        for id in &stale {
            digests.extend(self.store.delete_artifact(*id).await?);
        }
        Ok((stale.len(), digests))
    }

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

    async fn writable_collection(&self, actor: &Actor, id: i64) -> CoreResult<Collection> {
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
            after: query.after,
            first: query.first,
        })
    }

    /// Registry project ids matching a prepared query.
    pub async fn registry_ids(&self, query: &RegistrySearch) -> CoreResult<Vec<i64>> {
        Ok(self.store.registry_ids(query).await?)
    }

    /// Registry collection ids matching a prepared query.
    pub async fn registry_collection_ids(&self, query: &RegistrySearch) -> CoreResult<Vec<i64>> {
        Ok(self.store.registry_collection_ids(query).await?)
    }

    /// How many registry collections match a prepared query.
    pub async fn registry_collection_count(&self, query: &RegistrySearch) -> CoreResult<i64> {
        Ok(self.store.registry_collection_count(query).await?)
    }

    /// Registry version (membership) ids matching a prepared query.
    pub async fn registry_membership_ids(&self, query: &RegistrySearch) -> CoreResult<Vec<i64>> {
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

    async fn check_registry_type(&self, project: &Project, type_name: &str) -> CoreResult<()> {
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
}

fn check_page(first: i64) -> CoreResult<()> {
    if (1..=MAX_ARTIFACT_PAGE).contains(&first) {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "Page size {first} is out of range; ask for 1 to {MAX_ARTIFACT_PAGE}."
        )))
    }
}

impl Cairn {
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

/// Artifact type names: letters, digits, `-`, `_`, `.` and inner spaces.
fn validate_type_name(name: &str) -> CoreResult<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= names::MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        && !name.starts_with(' ')
        && !name.ends_with(' ');
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "The artifact type {name:?} must be 1 to {} letters, digits, '-', '_', '.' or inner spaces.",
            names::MAX_NAME_LEN
        )))
    }
}

/// Metadata must be a JSON object.
fn check_metadata(metadata: &str) -> CoreResult<()> {
    match serde_json::from_str::<serde_json::Value>(metadata) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(CoreError::InvalidInput(
            "Artifact metadata must be a JSON object.".into(),
        )),
    }
}

/// A file digest must be the base64 of 16 bytes (an MD5).
pub fn check_md5(md5: &str) -> CoreResult<()> {
    use base64::Engine;
    match base64::engine::general_purpose::STANDARD.decode(md5) {
        Ok(bytes) if bytes.len() == 16 => Ok(()),
        _ => Err(CoreError::InvalidInput(format!(
            "{md5:?} is not a file digest (the base64 of an MD5)."
        ))),
    }
}
