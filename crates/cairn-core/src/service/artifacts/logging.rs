//! Logging an artifact: a pending version, its staged and proven files,
//! its manifest, the commit, and which runs used it.

use super::*;

impl Cairn {
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

    /// Delete up to `batch` artifact versions whose TTL has run out, as
    /// W&B does: a version with `ttl` set goes (with its aliases and
    /// links) once its creation is `ttl` ago. Returns how many went and the
    /// digests that lost references, for the blob collector.
    pub async fn sweep_expired_artifacts(&self, batch: i64) -> CoreResult<(usize, Vec<String>)> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let expired = self.store.expired_artifacts(now, batch).await?;
        let mut digests = Vec::new();
        for id in &expired {
            digests.extend(self.store.delete_artifact(*id).await?);
        }
        Ok((expired.len(), digests))
    }
}
