//! [`Project`] and the lazy [`Projects`] pager.

use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::json;

use crate::api::Api;
use crate::error::Result;
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

#[derive(Deserialize)]
struct ModelsData {
    models: Option<Connection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    page_info: PageInfo,
    edges: Vec<crate::api::Edge<ProjectData>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    end_cursor: Option<String>,
    has_next_page: bool,
}

/// An entity's projects, fetched a page at a time as you consume them.
pub struct Projects {
    api: Api,
    entity: Option<String>,
    per_page: u32,
    buffer: VecDeque<Project>,
    cursor: Option<String>,
    done: bool,
}

impl Projects {
    pub(crate) fn new(api: Api, entity: Option<String>, per_page: u32) -> Self {
        Projects {
            api,
            entity,
            per_page: per_page.max(1),
            buffer: VecDeque::new(),
            cursor: None,
            done: false,
        }
    }

    /// The next project, fetching the next page when needed.
    pub async fn next(&mut self) -> Result<Option<Project>> {
        if self.buffer.is_empty() && !self.done {
            self.fetch_page().await?;
        }
        Ok(self.buffer.pop_front())
    }

    /// Drain the rest into a `Vec`.
    pub async fn collect_all(mut self) -> Result<Vec<Project>> {
        let mut all = Vec::new();
        while let Some(p) = self.next().await? {
            all.push(p);
        }
        Ok(all)
    }

    async fn fetch_page(&mut self) -> Result<()> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        let data: ModelsData = self
            .api
            .transport
            .execute(
                queries::GET_PROJECTS,
                json!({"entity": entity, "cursor": self.cursor, "perPage": self.per_page}),
            )
            .await?;
        let Some(conn) = data.models else {
            self.done = true;
            return Ok(());
        };
        self.buffer.extend(
            conn.edges
                .into_iter()
                .filter_map(|e| e.node)
                .map(Project::from),
        );
        self.cursor = conn.page_info.end_cursor;
        self.done = !conn.page_info.has_next_page || self.cursor.is_none();
        Ok(())
    }
}
