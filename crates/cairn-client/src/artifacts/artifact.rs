//! [`Artifact`]: one version as seen through a collection, with the
//! edits [`Artifact::save`] sends and the runs that logged and used it.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    ArtifactData, ArtifactFilePages, ArtifactFiles, MembershipData, ProjectInfo, REGISTRY_PREFIX,
};
use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;
use crate::runs::Run;

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
    pub(super) tags: Vec<String>,
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
