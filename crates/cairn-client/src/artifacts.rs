//! Artifacts: [`Artifact`], [`ArtifactType`], [`ArtifactCollection`], their
//! lazy pagers, and the `Api` methods that find them.
//!
//! Names follow Python's `wandb.Api`/`wandb.Artifact`. An artifact is
//! always seen *through* a collection: `entity/project/collection:vN`. For a
//! logged version that is its own sequence; for one linked into a registry
//! it is the portfolio, where its version number and aliases differ. The
//! collection it was fetched through is the one [`Artifact::name`],
//! [`Artifact::aliases`] and [`Artifact::save`] act on, as in Python.
//! Transfers (download and logging) live in `artifact_transfer.rs`.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::pager::{Connection, Counted, Page, PageInfo, PageSource, Pager};
use crate::queries;
use crate::runs::Run;

/// The prefix that marks a project as a registry.
pub(crate) use cairn_types::REGISTRY_PREFIX;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NameOnly {
    pub(crate) name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectInfo {
    pub(crate) name: String,
    pub(crate) entity: Option<NameOnly>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CollectionInfo {
    pub(crate) name: String,
    pub(crate) project: Option<ProjectInfo>,
}

impl CollectionInfo {
    fn entity(&self) -> Option<&str> {
        self.project
            .as_ref()
            .and_then(|p| p.entity.as_ref())
            .map(|e| e.name.as_str())
    }

    fn project(&self) -> Option<&str> {
        self.project.as_ref().map(|p| p.name.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AliasData {
    alias: String,
    artifact_collection: Option<CollectionInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TagData {
    name: String,
}

/// Python's `ArtifactFragment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArtifactData {
    pub(crate) id: String,
    artifact_sequence: Option<CollectionInfo>,
    version_index: Option<i64>,
    artifact_type: NameOnly,
    description: Option<String>,
    metadata: Option<String>,
    ttl_duration_seconds: Option<i64>,
    #[serde(default)]
    tags: Vec<TagData>,
    history_step: Option<i64>,
    state: String,
    size: Option<i64>,
    digest: String,
    commit_hash: Option<String>,
    file_count: Option<i64>,
    created_at: Option<String>,
    updated_at: Option<String>,
    aliases: Option<Vec<AliasData>>,
}

/// Python's `ArtifactMembershipFragment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembershipData {
    version_index: i64,
    #[serde(default)]
    aliases: Vec<AliasData>,
    artifact_collection: Option<CollectionInfo>,
    artifact: Option<ArtifactData>,
}

/// An artifact version, like Python's `wandb.Artifact` once logged.
///
/// Change aliases, tags, metadata or the description, then [`Artifact::save`].
#[derive(Clone)]
pub struct Artifact {
    pub(crate) api: Api,
    pub(crate) data: ArtifactData,
    /// The collection it was fetched through: entity, project, name.
    pub(crate) entity: String,
    pub(crate) project: String,
    pub(crate) collection: String,
    /// Its version in that collection.
    version_index: i64,
    aliases: Vec<String>,
    saved_aliases: Vec<String>,
    tags: Vec<String>,
    saved_tags: Vec<String>,
    metadata: Map<String, Value>,
    description: Option<String>,
}

impl std::fmt::Debug for Artifact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Artifact")
            .field("path", &self.qualified_name())
            .field("type", &self.data.artifact_type.name)
            .field("state", &self.data.state)
            .finish_non_exhaustive()
    }
}

fn metadata_map(text: Option<&str>) -> Result<Map<String, Value>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Map::new()),
        Some(text) => match crate::relaxed::parse(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(Value::Null) => Ok(Map::new()),
            Ok(other) => Err(Error::Decode(format!(
                "an artifact's metadata is not a JSON object: {other}"
            ))),
            Err(e) => Err(Error::Decode(format!(
                "an artifact's metadata is not JSON: {e}"
            ))),
        },
    }
}

impl Artifact {
    /// An artifact seen through `entity/project/collection` at `version_index`.
    pub(crate) fn new(
        api: Api,
        entity: &str,
        project: &str,
        collection: &str,
        version_index: i64,
        aliases: Option<Vec<String>>,
        data: ArtifactData,
    ) -> Result<Artifact> {
        // Without the membership's own list, the aliases it holds in that
        // collection.
        let aliases = aliases.unwrap_or_else(|| {
            data.aliases
                .iter()
                .flatten()
                .filter(|a| {
                    a.artifact_collection.as_ref().is_none_or(|c| {
                        c.name == collection
                            && c.project().is_none_or(|p| p == project)
                            && c.entity().is_none_or(|e| e == entity)
                    })
                })
                .map(|a| a.alias.clone())
                .collect()
        });
        let tags: Vec<String> = data.tags.iter().map(|t| t.name.clone()).collect();
        Ok(Artifact {
            metadata: metadata_map(data.metadata.as_deref())?,
            description: data.description.clone(),
            api,
            entity: entity.to_string(),
            project: project.to_string(),
            collection: collection.to_string(),
            version_index,
            saved_aliases: aliases.clone(),
            aliases,
            saved_tags: tags.clone(),
            tags,
            data,
        })
    }

    /// An artifact seen through its own sequence.
    pub(crate) fn from_source(api: Api, data: ArtifactData) -> Result<Artifact> {
        let source = data
            .artifact_sequence
            .clone()
            .ok_or_else(|| Error::Decode(format!("artifact {} names no sequence", data.id)))?;
        let entity = source.entity().unwrap_or_default().to_string();
        let project = source.project().unwrap_or_default().to_string();
        let version = data.version_index.unwrap_or(0);
        Artifact::new(api, &entity, &project, &source.name, version, None, data)
    }

    pub(crate) fn from_membership(
        api: Api,
        entity: &str,
        project: &str,
        membership: MembershipData,
    ) -> Result<Option<Artifact>> {
        let Some(data) = membership.artifact else {
            return Ok(None);
        };
        let collection = membership.artifact_collection.as_ref();
        let name = collection
            .map(|c| c.name.clone())
            .ok_or_else(|| Error::Decode("a membership names no collection".into()))?;
        let entity = collection.and_then(|c| c.entity()).unwrap_or(entity);
        let project = collection.and_then(|c| c.project()).unwrap_or(project);
        let aliases = membership.aliases.into_iter().map(|a| a.alias).collect();
        Artifact::new(
            api,
            entity,
            project,
            &name,
            membership.version_index,
            Some(aliases),
            data,
        )
        .map(Some)
    }

    /// Opaque id (`base64("Artifact:<n>")`).
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// `collection:vN` in the collection it was fetched through.
    pub fn name(&self) -> String {
        format!("{}:v{}", self.collection, self.version_index)
    }

    /// The collection's name.
    pub fn collection_name(&self) -> &str {
        &self.collection
    }

    /// `vN`.
    pub fn version(&self) -> String {
        format!("v{}", self.version_index)
    }

    /// `N` of `vN`.
    pub fn version_index(&self) -> i64 {
        self.version_index
    }

    /// The entity of the collection it was fetched through.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The project of the collection it was fetched through.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// `entity/project/collection:vN`.
    pub fn qualified_name(&self) -> String {
        format!("{}/{}/{}", self.entity, self.project, self.name())
    }

    /// The sequence it was logged into: `(entity, project, name)`.
    pub fn source(&self) -> (String, String, String) {
        match &self.data.artifact_sequence {
            Some(s) => (
                s.entity().unwrap_or(&self.entity).to_string(),
                s.project().unwrap_or(&self.project).to_string(),
                s.name.clone(),
            ),
            None => (
                self.entity.clone(),
                self.project.clone(),
                self.collection.clone(),
            ),
        }
    }

    /// The version in its own sequence (`vN`).
    pub fn source_version(&self) -> String {
        format!("v{}", self.data.version_index.unwrap_or(self.version_index))
    }

    /// The artifact type (`dataset`, `model`, …).
    pub fn artifact_type(&self) -> &str {
        &self.data.artifact_type.name
    }

    /// `PENDING` or `COMMITTED`.
    pub fn state(&self) -> &str {
        &self.data.state
    }

    /// Bytes of its stored files.
    pub fn size(&self) -> u64 {
        self.data.size.unwrap_or(0).max(0) as u64
    }

    /// Hex MD5 of the manifest (W&B's manifest digest).
    pub fn digest(&self) -> &str {
        &self.data.digest
    }

    /// How many files it holds.
    pub fn file_count(&self) -> u64 {
        self.data.file_count.unwrap_or(0).max(0) as u64
    }

    /// Commit hash, if any.
    pub fn commit_hash(&self) -> Option<&str> {
        self.data.commit_hash.as_deref()
    }

    /// The run history step it was logged at, if any.
    pub fn history_step(&self) -> Option<i64> {
        self.data.history_step
    }

    /// Seconds to live, if a TTL is set.
    pub fn ttl_seconds(&self) -> Option<i64> {
        self.data.ttl_duration_seconds.filter(|t| *t >= 0)
    }

    /// Creation time as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Last change, as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.data.updated_at.as_deref()
    }

    /// Aliases in the collection it was fetched through.
    pub fn aliases(&self) -> &[String] {
        &self.aliases
    }

    /// The aliases, to change before [`Artifact::save`].
    pub fn aliases_mut(&mut self) -> &mut Vec<String> {
        &mut self.aliases
    }

    /// Tags.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// The tags, to change before [`Artifact::save`].
    pub fn tags_mut(&mut self) -> &mut Vec<String> {
        &mut self.tags
    }

    /// Metadata, a JSON object.
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }

    /// The metadata, to change before [`Artifact::save`].
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.metadata
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Set the description (persisted by [`Artifact::save`]).
    pub fn set_description(&mut self, description: impl Into<String>) {
        self.description = Some(description.into());
    }

    /// Persist alias, tag, metadata and description changes, as Python's
    /// `artifact.save()` does on a logged artifact: `AddAliases` and
    /// `DeleteAliases` for the alias difference, then `UpdateArtifact`.
    pub async fn save(&mut self) -> Result<()> {
        let dedup = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
        let (old, new) = (dedup(&self.saved_aliases), dedup(&self.aliases));
        let target = |alias: &String| {
            json!({
                "alias": alias,
                "artifactCollectionName": self.collection,
                "entityName": self.entity,
                "projectName": self.project,
            })
        };
        let changes = [
            (queries::ADD_ALIASES, new.difference(&old)),
            (queries::DELETE_ALIASES, old.difference(&new)),
        ];
        for (mutation, aliases) in changes {
            let aliases: Vec<Value> = aliases.map(target).collect();
            if !aliases.is_empty() {
                let _: Value = self
                    .api
                    .transport
                    .execute(
                        mutation,
                        json!({"input": {"artifactID": self.data.id, "aliases": aliases}}),
                    )
                    .await?;
            }
        }
        self.aliases = new.into_iter().collect();
        self.saved_aliases = self.aliases.clone();

        let (old, new) = (dedup(&self.saved_tags), dedup(&self.tags));
        let tag = |t: &String| json!({"tagName": t});
        #[derive(Deserialize)]
        struct Payload {
            result: Option<Updated>,
        }
        #[derive(Deserialize)]
        struct Updated {
            artifact: Option<ArtifactData>,
        }
        let data: Payload = self
            .api
            .transport
            .execute(
                queries::UPDATE_ARTIFACT,
                json!({"input": {
                    "artifactID": self.data.id,
                    "description": self.description,
                    "metadata": Value::Object(self.metadata.clone()).to_string(),
                    "tagsToAdd": new.difference(&old).map(tag).collect::<Vec<_>>(),
                    "tagsToDelete": old.difference(&new).map(tag).collect::<Vec<_>>(),
                }}),
            )
            .await?;
        let updated = data
            .result
            .and_then(|r| r.artifact)
            .ok_or_else(|| Error::Decode("no artifact in the answer to UpdateArtifact".into()))?;
        let aliases = self.aliases.clone();
        *self = Artifact::new(
            self.api.clone(),
            &self.entity,
            &self.project,
            &self.collection,
            self.version_index,
            Some(aliases),
            updated,
        )?;
        Ok(())
    }

    /// Load it again from the server, through the same collection.
    pub async fn reload(&mut self) -> Result<()> {
        let path = format!("{}/{}/{}", self.entity, self.project, self.name());
        *self = self
            .api
            .artifact(&path, None)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "artifact",
                name: path,
            })?;
        Ok(())
    }

    /// Delete this version. Unless `delete_aliases`, the server refuses
    /// while it holds aliases other than `latest`.
    pub async fn delete(self, delete_aliases: bool) -> Result<()> {
        let _: Value = self
            .api
            .transport
            .execute(
                queries::DELETE_ARTIFACT,
                json!({"input": {"artifactID": self.data.id, "deleteAliases": delete_aliases}}),
            )
            .await?;
        Ok(())
    }

    /// Link into a collection (a portfolio) and return the linked version.
    /// `target_path` is `name`, `project/name` or `entity/project/name`;
    /// registry targets (`wandb-registry-model/name`, optionally prefixed
    /// by the organization) go to the organization's entity.
    pub async fn link(&self, target_path: &str, aliases: &[&str]) -> Result<Artifact> {
        let parts: Vec<&str> = target_path.trim_matches('/').split('/').collect();
        let (prefix, project, name) = match parts.as_slice() {
            [name] => (None, None, *name),
            [project, name] => (None, Some(*project), *name),
            [entity, project, name] => (Some(*entity), Some(*project), *name),
            _ => {
                return Err(Error::Config(format!(
                    "invalid link target {target_path:?}: use [ENTITY/]PROJECT/NAME"
                )));
            }
        };
        if name.is_empty() || name.contains(':') {
            return Err(Error::Config(format!(
                "invalid link target {target_path:?}: name a collection without a version"
            )));
        }
        let project = project
            .map(str::to_string)
            .or_else(|| self.api.project.clone())
            .unwrap_or_else(|| "uncategorized".into());
        let (source_entity, _, _) = self.source();
        let entity = if project.starts_with(REGISTRY_PREFIX) {
            self.api
                .resolve_org(&source_entity, prefix)
                .await?
                .entity_name
        } else {
            prefix.map_or(source_entity, str::to_string)
        };
        #[derive(Deserialize)]
        struct Payload {
            result: Option<Linked>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Linked {
            version_index: Option<i64>,
            artifact_membership: Option<MembershipData>,
        }
        let alias_inputs: Vec<Value> = aliases
            .iter()
            .map(|a| json!({"alias": a, "artifactCollectionName": name}))
            .collect();
        let data: Payload = self
            .api
            .transport
            .execute(
                queries::LINK_ARTIFACT,
                json!({"input": {
                    "artifactID": self.data.id,
                    "artifactPortfolioName": name,
                    "entityName": entity,
                    "projectName": project,
                    "aliases": alias_inputs,
                }}),
            )
            .await?;
        let linked = data
            .result
            .ok_or_else(|| Error::Decode("no result in the answer to LinkArtifact".into()))?;
        if let Some(membership) = linked.artifact_membership
            && let Some(artifact) =
                Artifact::from_membership(self.api.clone(), &entity, &project, membership)?
        {
            return Ok(artifact);
        }
        let version = linked
            .version_index
            .ok_or_else(|| Error::Decode("no version in the answer to LinkArtifact".into()))?;
        let path = format!("{entity}/{project}/{name}:v{version}");
        self.api
            .artifact(&path, None)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "artifact",
                name: path,
            })
    }

    /// The run that logged it, if any (`artifact.logged_by()`).
    pub async fn logged_by(&self) -> Result<Option<Run>> {
        #[derive(Deserialize)]
        struct Payload {
            artifact: Option<CreatedBy>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct CreatedBy {
            created_by: Option<RunInfo>,
        }
        let data: Payload = self
            .api
            .transport
            .execute(queries::ARTIFACT_CREATED_BY, json!({"id": self.data.id}))
            .await?;
        match data.artifact.and_then(|a| a.created_by) {
            Some(run) if run.typename.as_deref().is_none_or(|t| t == "Run") => {
                run.load(&self.api).await.map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The runs that used it (`artifact.used_by()`).
    pub async fn used_by(&self) -> Result<Vec<Run>> {
        #[derive(Deserialize)]
        struct Payload {
            artifact: Option<UsedBy>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct UsedBy {
            used_by: crate::api::Edges<RunInfo>,
        }
        let data: Payload = self
            .api
            .transport
            .execute(queries::ARTIFACT_USED_BY, json!({"id": self.data.id}))
            .await?;
        let mut runs = Vec::new();
        for run in data
            .artifact
            .map(|a| a.used_by.edges)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.node)
        {
            runs.push(run.load(&self.api).await?);
        }
        Ok(runs)
    }

    /// Its files, all or those named, fetched lazily `per_page` at a time.
    pub fn files(&self, names: &[&str], per_page: u32) -> ArtifactFiles {
        ArtifactFiles::new(ArtifactFilePages {
            artifact: self.clone(),
            names: names.iter().map(|n| n.to_string()).collect(),
            per_page: per_page.clamp(1, 10_000),
        })
    }
}

#[derive(Deserialize)]
struct RunInfo {
    #[serde(rename = "__typename")]
    typename: Option<String>,
    name: String,
    project: Option<ProjectInfo>,
}

impl RunInfo {
    async fn load(self, api: &Api) -> Result<Run> {
        let project = self
            .project
            .ok_or_else(|| Error::Decode(format!("run {} names no project", self.name)))?;
        let entity = project
            .entity
            .map(|e| e.name)
            .ok_or_else(|| Error::Decode(format!("run {} names no entity", self.name)))?;
        Run::load(api.clone(), &entity, &project.name, &self.name).await
    }
}

/// One file of an artifact, as `artifact.files()` lists them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactFile {
    id: String,
    name: String,
    url: Option<String>,
    size_bytes: Option<i64>,
    storage_path: Option<String>,
    mimetype: Option<String>,
    updated_at: Option<String>,
    md5: Option<String>,
    direct_url: Option<String>,
}

impl ArtifactFile {
    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Path within the artifact.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size_bytes.unwrap_or(0).max(0) as u64
    }

    /// Base64 MD5 of the bytes.
    pub fn md5(&self) -> Option<&str> {
        self.md5.as_deref()
    }

    /// MIME type, if known.
    pub fn mimetype(&self) -> Option<&str> {
        self.mimetype.as_deref()
    }

    /// Last change, as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.updated_at.as_deref()
    }

    /// Where the bytes live in the server's store.
    pub fn storage_path(&self) -> Option<&str> {
        self.storage_path.as_deref()
    }

    /// A download URL.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// A download URL that needs no credentials.
    pub fn direct_url(&self) -> Option<&str> {
        self.direct_url.as_deref()
    }
}

/// An artifact's files, fetched a page at a time. [`len`](Pager::len) is
/// how many files match.
pub type ArtifactFiles = Pager<ArtifactFilePages>;

/// The [`PageSource`] behind [`ArtifactFiles`]: `ArtifactMembershipFiles`.
pub struct ArtifactFilePages {
    artifact: Artifact,
    names: Vec<String>,
    per_page: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembershipFiles {
    files: Option<CountedConnection<ArtifactFile>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CollectionWithMembership<T> {
    artifact_membership: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectWithCollection<T> {
    artifact_collection: Option<T>,
}

#[derive(Deserialize)]
pub(crate) struct ProjectData<T> {
    pub(crate) project: Option<T>,
}

/// A connection with `totalCount` beside it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CountedConnection<T> {
    total_count: Option<u64>,
    #[serde(flatten)]
    connection: Connection<T>,
}

impl<T> CountedConnection<T> {
    pub(crate) fn into_page<U>(self, item: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        self.connection.into_page(self.total_count, item)
    }
}

impl PageSource for ArtifactFilePages {
    type Item = ArtifactFile;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<ArtifactFile>> {
        let a = &self.artifact;
        let names = (!self.names.is_empty()).then_some(&self.names);
        let data: ProjectData<ProjectWithCollection<CollectionWithMembership<MembershipFiles>>> = a
            .api
            .transport
            .execute(
                queries::ARTIFACT_MEMBERSHIP_FILES,
                json!({
                    "entity": a.entity, "project": a.project,
                    "collection": a.collection, "alias": a.version(),
                    "fileNames": names, "cursor": cursor, "perPage": self.per_page,
                }),
            )
            .await?;
        let files = data
            .project
            .and_then(|p| p.artifact_collection)
            .and_then(|c| c.artifact_membership)
            .ok_or_else(|| Error::NotFound {
                what: "artifact",
                name: a.qualified_name(),
            })?
            .files;
        match files {
            Some(conn) => conn.into_page(Ok),
            None => Ok(Page::last(None)),
        }
    }
}

impl Counted for ArtifactFilePages {}

// ----- types and collections -------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactTypeData {
    id: String,
    name: String,
    description: Option<String>,
    created_at: Option<String>,
}

/// An artifact type in a project, like Python's `ArtifactType`.
#[derive(Clone)]
pub struct ArtifactType {
    api: Api,
    entity: String,
    project: String,
    data: ArtifactTypeData,
}

impl std::fmt::Debug for ArtifactType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactType")
            .field("name", &self.data.name)
            .finish_non_exhaustive()
    }
}

impl ArtifactType {
    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Name (`dataset`, `model`, …).
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.data.description.as_deref()
    }

    /// Creation time as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// The project's entity.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The project.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The type's collections, fetched lazily.
    pub fn collections(&self, per_page: u32) -> ArtifactCollections {
        ArtifactCollections::new(CollectionPages {
            api: self.api.clone(),
            entity: self.entity.clone(),
            project: self.project.clone(),
            type_name: self.data.name.clone(),
            per_page: per_page.max(1),
        })
    }

    /// One of its collections by name, if it exists.
    pub async fn collection(&self, name: &str) -> Result<Option<ArtifactCollection>> {
        self.api
            .artifact_collection(
                &self.data.name,
                &format!("{}/{}/{name}", self.entity, self.project),
            )
            .await
    }
}

/// A project's artifact types, fetched a page at a time.
pub type ArtifactTypes = Pager<ArtifactTypePages>;

/// The [`PageSource`] behind [`ArtifactTypes`]: `ProjectArtifactTypes`.
pub struct ArtifactTypePages {
    api: Api,
    entity: Option<String>,
    project: String,
    per_page: u32,
}

impl PageSource for ArtifactTypePages {
    type Item = ArtifactType;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<ArtifactType>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        self.entity = Some(entity.clone());
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Types {
            artifact_types: Option<Connection<ArtifactTypeData>>,
        }
        let data: ProjectData<Types> = self
            .api
            .transport
            .execute(
                queries::PROJECT_ARTIFACT_TYPES,
                json!({"entity": entity, "project": self.project, "cursor": cursor, "perPage": self.per_page}),
            )
            .await?;
        let project = data.project.ok_or_else(|| Error::NotFound {
            what: "project",
            name: format!("{entity}/{}", self.project),
        })?;
        match project.artifact_types {
            Some(conn) => conn.into_page(None, |data| {
                Ok(ArtifactType {
                    api: self.api.clone(),
                    entity: entity.clone(),
                    project: self.project.clone(),
                    data,
                })
            }),
            None => Ok(Page::last(None)),
        }
    }
}

/// Python's `ArtifactCollectionFragment` (and the registry variant).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CollectionData {
    #[serde(rename = "__typename")]
    typename: Option<String>,
    id: String,
    name: String,
    description: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    project: Option<ProjectInfo>,
    #[serde(rename = "type")]
    default_type: Option<NameOnly>,
    tags: Option<crate::api::Edges<TagData>>,
}

/// A collection of artifact versions — a sequence (versions logged into
/// it) or a portfolio (versions linked into it, as registries hold) —
/// like Python's `ArtifactCollection`.
#[derive(Clone)]
pub struct ArtifactCollection {
    api: Api,
    entity: String,
    project: String,
    data: CollectionData,
}

impl std::fmt::Debug for ArtifactCollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCollection")
            .field("path", &self.path())
            .finish_non_exhaustive()
    }
}

impl ArtifactCollection {
    pub(crate) fn new(api: Api, entity: &str, project: &str, data: CollectionData) -> Self {
        let info = data.project.as_ref();
        let entity = info
            .and_then(|p| p.entity.as_ref())
            .map_or(entity, |e| e.name.as_str())
            .to_string();
        let project = info.map_or(project, |p| p.name.as_str()).to_string();
        ArtifactCollection {
            api,
            entity,
            project,
            data,
        }
    }

    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The entity.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The project.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// `entity/project/name`.
    pub fn path(&self) -> String {
        format!("{}/{}/{}", self.entity, self.project, self.data.name)
    }

    /// The artifact type of its versions.
    pub fn artifact_type(&self) -> Option<&str> {
        self.data.default_type.as_ref().map(|t| t.name.as_str())
    }

    /// Whether it is a sequence (versions logged into it), not a portfolio.
    pub fn is_sequence(&self) -> bool {
        self.data.typename.as_deref() != Some("ArtifactPortfolio")
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.data.description.as_deref()
    }

    /// Creation time as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Last change, as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.data.updated_at.as_deref()
    }

    /// Tags.
    pub fn tags(&self) -> Vec<String> {
        self.data
            .tags
            .iter()
            .flat_map(|t| &t.edges)
            .filter_map(|e| e.node.as_ref())
            .map(|t| t.name.clone())
            .collect()
    }

    /// Its committed versions, newest first, fetched lazily.
    pub fn artifacts(&self, per_page: u32) -> Artifacts {
        self.api.artifacts(
            self.artifact_type().unwrap_or_default(),
            &self.path(),
            per_page,
            &[],
        )
    }
}

/// Collections of one type, fetched a page at a time. [`len`](Pager::len)
/// is how many there are.
pub type ArtifactCollections = Pager<CollectionPages>;

/// The [`PageSource`] behind [`ArtifactCollections`]:
/// `ArtifactTypeArtifactCollections`.
pub struct CollectionPages {
    api: Api,
    entity: String,
    project: String,
    type_name: String,
    per_page: u32,
}

impl PageSource for CollectionPages {
    type Item = ArtifactCollection;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<ArtifactCollection>> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Type {
            artifact_collections: Option<CountedConnection<CollectionData>>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_type: Option<Type>,
        }
        let data: ProjectData<Project> = self
            .api
            .transport
            .execute(
                queries::ARTIFACT_TYPE_ARTIFACT_COLLECTIONS,
                json!({
                    "entity": self.entity, "project": self.project, "type": self.type_name,
                    "cursor": cursor, "perPage": self.per_page,
                }),
            )
            .await?;
        match data
            .project
            .and_then(|p| p.artifact_type)
            .and_then(|t| t.artifact_collections)
        {
            Some(conn) => conn.into_page(|data| {
                Ok(ArtifactCollection::new(
                    self.api.clone(),
                    &self.entity,
                    &self.project,
                    data,
                ))
            }),
            None => Ok(Page::last(Some(0))),
        }
    }
}

impl Counted for CollectionPages {}

/// A collection's committed versions, newest first, fetched a page at a
/// time. [`len`](Pager::len) is how many versions it has (before the tag
/// filter, which Python also applies client-side).
pub type Artifacts = Pager<ArtifactPages>;

/// The [`PageSource`] behind [`Artifacts`]: `ProjectArtifacts`.
pub struct ArtifactPages {
    api: Api,
    entity: Option<String>,
    project: String,
    collection: String,
    type_name: String,
    per_page: u32,
    tags: Vec<String>,
    /// Whether `entity` is final (registry paths name the organization).
    resolved: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionConnection {
    total_count: Option<u64>,
    page_info: PageInfo,
    edges: Vec<VersionEdge>,
}

#[derive(Deserialize)]
struct VersionEdge {
    version: String,
    node: Option<ArtifactData>,
}

impl PageSource for ArtifactPages {
    type Item = Artifact;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Artifact>> {
        // Registry versions live in the organization's entity, which the
        // path's prefix (if any) names.
        let entity = match (&self.entity, self.resolved) {
            (Some(entity), true) => entity.clone(),
            _ => {
                let entity = self
                    .api
                    .artifact_entity(self.entity.clone(), &self.project)
                    .await?;
                self.entity = Some(entity.clone());
                self.resolved = true;
                entity
            }
        };
        #[derive(Deserialize)]
        struct Collection {
            artifacts: Option<VersionConnection>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Type {
            artifact_collection: Option<Collection>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_type: Option<Type>,
        }
        let data: ProjectData<Project> = self
            .api
            .transport
            .execute(
                queries::PROJECT_ARTIFACTS,
                json!({
                    "entity": entity, "project": self.project, "type": self.type_name,
                    "collection": self.collection, "cursor": cursor, "perPage": self.per_page,
                    "filters": json!({"state": "COMMITTED"}).to_string(),
                }),
            )
            .await?;
        let Some(conn) = data
            .project
            .and_then(|p| p.artifact_type)
            .and_then(|t| t.artifact_collection)
            .and_then(|c| c.artifacts)
        else {
            return Ok(Page::last(Some(0)));
        };
        let mut items = Vec::with_capacity(conn.edges.len());
        for edge in conn.edges {
            let Some(node) = edge.node else { continue };
            let index = parse_version(&edge.version)
                .or(node.version_index)
                .unwrap_or(0);
            let artifact = Artifact::new(
                self.api.clone(),
                &entity,
                &self.project,
                &self.collection,
                index,
                None,
                node,
            )?;
            if self.tags.iter().all(|t| artifact.tags.contains(t)) {
                items.push(artifact);
            }
        }
        Ok(Page {
            items,
            end_cursor: conn.page_info.end_cursor,
            has_next_page: conn.page_info.has_next_page,
            total: conn.total_count,
        })
    }
}

impl Counted for ArtifactPages {}

/// `v3` → 3.
fn parse_version(version: &str) -> Option<i64> {
    version.strip_prefix('v')?.parse().ok()
}

/// An artifact path split the way Python's `_parse_artifact_path` does:
/// `entity/project/name`, `project/name` or `name`, missing parts from the
/// configured defaults (`uncategorized` for the project).
pub(crate) async fn parse_artifact_path(
    api: &Api,
    path: &str,
) -> Result<(Option<String>, String, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    let default_project = || {
        api.project
            .clone()
            .unwrap_or_else(|| "uncategorized".into())
    };
    let (entity, project, name) = match parts.as_slice() {
        [name] => (None, default_project(), *name),
        [project, name] => (None, project.to_string(), *name),
        [entity, project, name] => (Some(entity.to_string()), project.to_string(), *name),
        _ => {
            return Err(Error::Config(format!(
                "invalid artifact path {path:?}: use ENTITY/PROJECT/NAME[:ALIAS]"
            )));
        }
    };
    if name.is_empty() || project.is_empty() || entity.as_deref() == Some("") {
        return Err(Error::Config(format!(
            "invalid artifact path {path:?}: use ENTITY/PROJECT/NAME[:ALIAS]"
        )));
    }
    Ok((entity, project, name.to_string()))
}

impl Api {
    /// The entity an artifact path's prefix names: for registry projects
    /// the organization's entity (the prefix, if any, names the
    /// organization), else the prefix or the default entity.
    async fn artifact_entity(&self, prefix: Option<String>, project: &str) -> Result<String> {
        if project.starts_with(REGISTRY_PREFIX) {
            let own = self.resolve_entity(None).await?;
            return Ok(self.resolve_org(&own, prefix.as_deref()).await?.entity_name);
        }
        self.resolve_entity(prefix.as_deref()).await
    }

    /// An artifact version by `entity/project/name:alias` (`name:v3`; no
    /// alias means `latest`), if it exists and the caller may read it.
    /// With `type_name`, an artifact of another type is
    /// [`Error::TypeMismatch`] (Python's `ValueError`).
    pub async fn artifact(&self, name: &str, type_name: Option<&str>) -> Result<Option<Artifact>> {
        let (prefix, project, artifact) = parse_artifact_path(self, name).await?;
        let entity = self.artifact_entity(prefix, &project).await?;
        let artifact = if artifact.contains(':') {
            artifact
        } else {
            format!("{artifact}:latest")
        };
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_collection_membership: Option<MembershipData>,
        }
        let data: ProjectData<Project> = self
            .transport
            .execute(
                queries::ARTIFACT_MEMBERSHIP_BY_NAME,
                json!({"entity": entity, "project": project, "name": artifact}),
            )
            .await?;
        let Some(membership) = data.project.and_then(|p| p.artifact_collection_membership) else {
            return Ok(None);
        };
        let found = Artifact::from_membership(self.clone(), &entity, &project, membership)?;
        if let (Some(want), Some(found)) = (type_name, &found)
            && found.artifact_type() != want
        {
            return Err(Error::TypeMismatch {
                name: name.to_string(),
                expected: want.to_string(),
                actual: found.artifact_type().to_string(),
            });
        }
        Ok(found)
    }

    /// An artifact by its opaque id, if it exists and the caller may read
    /// it, seen through its own sequence.
    pub async fn artifact_by_id(&self, id: &str) -> Result<Option<Artifact>> {
        #[derive(Deserialize)]
        struct Payload {
            artifact: Option<ArtifactData>,
        }
        let data: Payload = self
            .transport
            .execute(queries::ARTIFACT_BY_ID, json!({"id": id}))
            .await?;
        data.artifact
            .map(|a| Artifact::from_source(self.clone(), a))
            .transpose()
    }

    /// Whether an artifact version exists (and, with `type_name`, has that
    /// type), as `api.artifact_exists`.
    pub async fn artifact_exists(&self, name: &str, type_name: Option<&str>) -> Result<bool> {
        match self.artifact(name, type_name).await {
            Ok(found) => Ok(found.is_some()),
            Err(Error::TypeMismatch { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A project's artifact types (`api.artifact_types(project)`); `project`
    /// is `entity/project` or `project`.
    pub fn artifact_types(&self, project: &str, per_page: u32) -> ArtifactTypes {
        let (entity, project) = split_project(self, project);
        ArtifactTypes::new(ArtifactTypePages {
            api: self.clone(),
            entity,
            project,
            per_page: per_page.max(1),
        })
    }

    /// One artifact type of a project, if it is used there.
    pub async fn artifact_type(
        &self,
        type_name: &str,
        project: &str,
    ) -> Result<Option<ArtifactType>> {
        let (entity, project) = split_project(self, project);
        let entity = self.resolve_entity(entity.as_deref()).await?;
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_type: Option<ArtifactTypeData>,
        }
        let data: ProjectData<Project> = self
            .transport
            .execute(
                queries::PROJECT_ARTIFACT_TYPE,
                json!({"entity": entity, "project": project, "type": type_name}),
            )
            .await?;
        Ok(data
            .project
            .and_then(|p| p.artifact_type)
            .map(|data| ArtifactType {
                api: self.clone(),
                entity,
                project,
                data,
            }))
    }

    /// The collections of one type in a project
    /// (`api.artifact_collections(project, type)`), fetched lazily.
    pub async fn artifact_collections(
        &self,
        project: &str,
        type_name: &str,
        per_page: u32,
    ) -> Result<ArtifactCollections> {
        let (entity, project) = split_project(self, project);
        let entity = self.resolve_entity(entity.as_deref()).await?;
        Ok(ArtifactCollections::new(CollectionPages {
            api: self.clone(),
            entity,
            project,
            type_name: type_name.to_string(),
            per_page: per_page.max(1),
        }))
    }

    /// A collection by `entity/project/name` and type, if it exists.
    pub async fn artifact_collection(
        &self,
        type_name: &str,
        name: &str,
    ) -> Result<Option<ArtifactCollection>> {
        let (prefix, project, collection) = parse_artifact_path(self, name).await?;
        let entity = self.artifact_entity(prefix, &project).await?;
        let collection = collection
            .split_once(':')
            .map_or(collection.as_str(), |(c, _)| c);
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Type {
            artifact_collection: Option<CollectionData>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_type: Option<Type>,
        }
        let data: ProjectData<Project> = self
            .transport
            .execute(
                queries::PROJECT_ARTIFACT_COLLECTION,
                json!({"entity": entity, "project": project, "type": type_name, "name": collection}),
            )
            .await?;
        Ok(data
            .project
            .and_then(|p| p.artifact_type)
            .and_then(|t| t.artifact_collection)
            .map(|c| ArtifactCollection::new(self.clone(), &entity, &project, c)))
    }

    /// Whether a collection of that type exists.
    pub async fn artifact_collection_exists(&self, name: &str, type_name: &str) -> Result<bool> {
        Ok(self.artifact_collection(type_name, name).await?.is_some())
    }

    /// A collection's committed versions (`api.artifacts(type, name,
    /// per_page, tags)`), newest first, fetched lazily; with `tags`, only
    /// versions holding all of them. `name` is `entity/project/collection`.
    pub fn artifacts(
        &self,
        type_name: &str,
        name: &str,
        per_page: u32,
        tags: &[&str],
    ) -> Artifacts {
        let parts: Vec<&str> = name.split('/').collect();
        let default_project = || {
            self.project
                .clone()
                .unwrap_or_else(|| "uncategorized".into())
        };
        let (entity, project, collection) = match parts.as_slice() {
            [entity, project, name] => (Some(entity.to_string()), project.to_string(), *name),
            [project, name] => (None, project.to_string(), *name),
            _ => (None, default_project(), name),
        };
        Artifacts::new(ArtifactPages {
            api: self.clone(),
            entity,
            project,
            collection: collection.to_string(),
            type_name: type_name.to_string(),
            per_page: per_page.max(1),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            resolved: false,
        })
    }
}

/// `entity/project` or `project` → (entity, project).
fn split_project(api: &Api, path: &str) -> (Option<String>, String) {
    let path = path.trim_matches('/');
    match path.split_once('/') {
        Some((entity, project)) => (
            Some(entity.to_string()).filter(|e| !e.is_empty()),
            project.to_string(),
        ),
        None if path.is_empty() => (
            None,
            api.project
                .clone()
                .unwrap_or_else(|| "uncategorized".into()),
        ),
        None => (None, path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("v12"), Some(12));
        assert_eq!(parse_version("latest"), None);
    }
}
