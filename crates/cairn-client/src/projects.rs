//! [`Project`] and the lazy [`Projects`] pager.

use serde::Deserialize;
use serde_json::json;

use crate::api::Api;
use crate::error::Result;
use crate::pager::{Connection, Page, PageSource, Pager};
use crate::queries;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectData {
    id: String,
    pub(crate) name: String,
    entity_name: String,
    created_at: Option<String>,
    is_benchmark: Option<bool>,
}

/// A project, like Python's `wandb.apis.public.Project`.
#[derive(Debug, Clone)]
pub struct Project {
    data: ProjectData,
}

impl From<ProjectData> for Project {
    fn from(data: ProjectData) -> Self {
        Project { data }
    }
}

impl Project {
    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The owning entity.
    pub fn entity(&self) -> &str {
        &self.data.entity_name
    }

    /// `entity/name`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.data.entity_name, self.data.name)
    }

    /// Creation time as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// W&B benchmark flag.
    pub fn is_benchmark(&self) -> bool {
        self.data.is_benchmark.unwrap_or(false)
    }
}

/// An entity's projects, fetched a page at a time as you consume them.
pub type Projects = Pager<ProjectPages>;

/// The [`PageSource`] behind [`Projects`]: `GetProjects` pages.
pub struct ProjectPages {
    api: Api,
    entity: Option<String>,
    per_page: u32,
}

impl ProjectPages {
    pub(crate) fn new(api: Api, entity: Option<String>, per_page: u32) -> Self {
        ProjectPages {
            api,
            entity,
            per_page: per_page.max(1),
        }
    }
}

impl PageSource for ProjectPages {
    type Item = Project;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Project>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        let data: ModelsData = self
            .api
            .transport
            .execute(
                queries::GET_PROJECTS,
                json!({"entity": entity, "cursor": cursor, "perPage": self.per_page}),
            )
            .await?;
        match data.models {
            Some(conn) => conn.into_page(None, |data| Ok(Project::from(data))),
            None => Ok(Page::last(None)),
        }
    }
}

#[derive(Deserialize)]
struct ModelsData {
    models: Option<Connection<ProjectData>>,
}
