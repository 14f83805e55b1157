//! The `Api` methods that turn a path (`entity/project/name:alias`) into
//! an artifact, a collection or a type, as Python's `_parse_artifact_path`
//! and `api.artifact(...)` do.

use serde::Deserialize;
use serde_json::json;

use super::{
    Artifact, ArtifactCollection, ArtifactCollections, ArtifactData, ArtifactPages, ArtifactType,
    ArtifactTypeData, ArtifactTypePages, ArtifactTypes, Artifacts, CollectionData, CollectionPages,
    MembershipData, ProjectData, REGISTRY_PREFIX,
};
use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;

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
    pub(super) async fn artifact_entity(
        &self,
        prefix: Option<String>,
        project: &str,
    ) -> Result<String> {
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
