//! Reading artifacts, collections, versions and files: everything here
//! takes or returns a `Readable` proof.

use super::*;

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
}
