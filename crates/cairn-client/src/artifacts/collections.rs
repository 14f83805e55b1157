//! [`ArtifactType`] and [`ArtifactCollection`], with their pagers: the
//! levels above a version in `project → type → collection → version`.

use serde::Deserialize;
use serde_json::json;

use super::{Artifacts, CountedConnection, NameOnly, ProjectData, ProjectInfo, TagData};
use crate::api::Api;
use crate::error::{Error, Result};
use crate::pager::{Connection, Counted, Page, PageSource, Pager};
use crate::queries;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArtifactTypeData {
    id: String,
    name: String,
    description: Option<String>,
    created_at: Option<String>,
}

/// An artifact type in a project, like Python's `ArtifactType`.
#[derive(Clone)]
pub struct ArtifactType {
    pub(super) api: Api,
    pub(super) entity: String,
    pub(super) project: String,
    pub(super) data: ArtifactTypeData,
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
    pub(super) api: Api,
    pub(super) entity: Option<String>,
    pub(super) project: String,
    pub(super) per_page: u32,
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
    pub(super) api: Api,
    pub(super) entity: String,
    pub(super) project: String,
    pub(super) type_name: String,
    pub(super) per_page: u32,
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
