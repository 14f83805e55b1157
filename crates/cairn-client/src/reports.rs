//! Reports ([`Report`], [`Api::reports`]): W&B's views of type `runs`,
//! whose spec is the report document `wandb-workspaces` writes (blocks,
//! panel grids, run sets). The client keeps the spec as JSON and never
//! interprets it, as the server does, so a report made in Python reads
//! back here unchanged and the other way round.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::pager::{Connection, Page, PageSource, Pager};
use crate::queries;

/// The view type of a published report.
pub const REPORT_TYPE: &str = "runs";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewData {
    id: String,
    name: String,
    display_name: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "type")]
    kind: String,
    spec: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    user: Option<ViewUser>,
    project: Option<ViewProject>,
}

#[derive(Debug, Clone, Deserialize)]
struct ViewUser {
    username: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewProject {
    name: String,
    entity_name: String,
}

/// A report, like Python's `BetaReport` (and `wandb_workspaces`' `Report`
/// for saving).
#[derive(Clone)]
pub struct Report {
    api: Api,
    entity: String,
    project: String,
    data: ViewData,
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Report")
            .field("path", &format!("{}/{}", self.entity, self.project))
            .field("id", &self.data.id)
            .field("title", &self.data.display_name)
            .finish()
    }
}

/// What a new report holds.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The report document (`{"blocks": [...], ...}`), stored as given.
    pub spec: Value,
    /// Save it as a draft (seen only by its author) instead of publishing.
    pub draft: bool,
}

impl Report {
    fn new(api: Api, data: ViewData, entity: &str, project: &str) -> Report {
        let (entity, project) = match &data.project {
            Some(p) => (p.entity_name.clone(), p.name.clone()),
            None => (entity.to_string(), project.to_string()),
        };
        Report {
            api,
            entity,
            project,
            data,
        }
    }

    /// The GraphQL id (`base64("View:<n>")`).
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// The internal name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The title.
    pub fn display_name(&self) -> &str {
        &self.data.display_name
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.data.description
    }

    /// `runs`, or `runs/draft` for a draft.
    pub fn kind(&self) -> &str {
        &self.data.kind
    }

    /// The entity.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The project.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The author's username.
    pub fn user(&self) -> Option<&str> {
        self.data.user.as_ref().map(|u| u.username.as_str())
    }

    /// When it was created (ISO 8601).
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// When it last changed (ISO 8601).
    pub fn updated_at(&self) -> Option<&str> {
        self.data.updated_at.as_deref()
    }

    /// The report document as the server keeps it, byte for byte.
    pub fn spec_text(&self) -> &str {
        &self.data.spec
    }

    /// The report document.
    pub fn spec(&self) -> Result<Value> {
        serde_json::from_str(&self.data.spec)
            .map_err(|e| Error::Decode(format!("report spec is not JSON: {e}")))
    }

    /// Where the app shows it: `<base>/entity/project/reports/Title--ID`,
    /// the title's non-word characters as `-` and the id without padding,
    /// as the official client builds it.
    pub fn url(&self) -> String {
        let mut slug = String::new();
        for c in self.data.display_name.chars() {
            let c = if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            };
            if !(c == '-' && slug.ends_with('-')) {
                slug.push(c);
            }
        }
        let slug = percent_encoding::utf8_percent_encode(
            slug.trim_matches('-'),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string()
        .replace("%2D", "-")
        .replace("%5F", "_");
        format!(
            "{}/{}/{}/reports/{}--{}",
            self.api.base_url().trim_end_matches('/'),
            self.entity,
            self.project,
            slug,
            self.data.id.trim_end_matches('=')
        )
    }

    /// Change its title, description and/or document (`None` keeps each).
    pub async fn update(
        &mut self,
        title: Option<&str>,
        description: Option<&str>,
        spec: Option<&Value>,
    ) -> Result<()> {
        let spec = spec.map(Value::to_string);
        self.data = upsert(
            &self.api,
            json!({"id": self.data.id, "displayName": title, "description": description, "spec": spec}),
        )
        .await?;
        Ok(())
    }

    /// Delete it, with the drafts made from it.
    pub async fn delete(self) -> Result<()> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            delete_view: Option<Deleted>,
        }
        #[derive(Deserialize)]
        struct Deleted {
            success: bool,
        }
        let data: Data = self
            .api
            .transport
            .execute(
                queries::DELETE_VIEW,
                json!({"id": self.data.id, "deleteDrafts": true}),
            )
            .await?;
        match data.delete_view {
            Some(Deleted { success: true }) => Ok(()),
            _ => Err(Error::Api(format!(
                "the server did not delete report {}",
                self.data.id
            ))),
        }
    }
}

async fn upsert(api: &Api, variables: Value) -> Result<ViewData> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        upsert_view: Option<Upserted>,
    }
    #[derive(Deserialize)]
    struct Upserted {
        view: Option<ViewData>,
    }
    let data: Data = api
        .transport
        .execute(queries::UPSERT_VIEW, variables)
        .await?;
    data.upsert_view
        .and_then(|u| u.view)
        .ok_or_else(|| Error::Decode("no view in the answer to upsertView".into()))
}

use crate::api::split_project;

impl Api {
    /// A project's published reports (`entity/project`, or `project` in the
    /// default entity), newest first, fetched lazily `per_page` at a time;
    /// only the one with internal name `name` when given (Python's
    /// `api.reports(path, name=None, per_page=50)`).
    pub fn reports(&self, project: &str, name: Option<&str>, per_page: u32) -> Reports {
        let (entity, project) = split_project(project);
        Pager::new(ReportPages {
            api: self.clone(),
            entity,
            project,
            name: name.map(str::to_string),
            per_page: per_page.max(1),
        })
    }

    /// A report by its id, or by its URL or path
    /// (`…/entity/project/reports/Title--ID`); `None` when it does not
    /// exist or the caller may not see it.
    pub async fn report(&self, id_or_url: &str) -> Result<Option<Report>> {
        #[derive(Deserialize)]
        struct Data {
            view: Option<ViewData>,
        }
        let id = match id_or_url.rsplit_once("--") {
            Some((_, id)) => id.trim_end_matches('/'),
            None => id_or_url,
        };
        let data: Data = self
            .transport
            .execute(queries::VIEW, json!({"reportId": id}))
            .await?;
        Ok(data.view.map(|v| Report::new(self.clone(), v, "", "")))
    }

    /// Save a new report in a project (`entity/project` or `project`).
    pub async fn create_report(&self, project: &str, report: &NewReport) -> Result<Report> {
        let (entity, project) = split_project(project);
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let kind = if report.draft {
            "runs/draft".to_string()
        } else {
            REPORT_TYPE.to_string()
        };
        let data = upsert(
            self,
            json!({
                "entityName": entity,
                "projectName": project,
                "type": kind,
                "displayName": report.title,
                "description": report.description,
                "spec": report.spec.to_string(),
            }),
        )
        .await?;
        Ok(Report::new(self.clone(), data, &entity, &project))
    }
}

/// A project's reports, fetched a page at a time as you consume them.
pub type Reports = Pager<ReportPages>;

/// The [`PageSource`] behind [`Reports`]: `ProjectViews` pages.
pub struct ReportPages {
    api: Api,
    entity: Option<String>,
    project: String,
    name: Option<String>,
    per_page: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewsData {
    project: Option<ViewsProject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewsProject {
    all_views: Option<Connection<ViewData>>,
}

impl PageSource for ReportPages {
    type Item = Report;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Report>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        let data: ViewsData = self
            .api
            .transport
            .execute(
                queries::PROJECT_VIEWS,
                json!({"entity": entity, "project": self.project, "reportCursor": cursor,
                       "reportLimit": self.per_page, "viewType": REPORT_TYPE, "viewName": self.name}),
            )
            .await?;
        let Some(project) = data.project else {
            return Err(Error::NotFound {
                what: "project",
                name: format!("{entity}/{}", self.project),
            });
        };
        let Some(conn) = project.all_views else {
            return Ok(Page::last(None));
        };
        let (api, project) = (self.api.clone(), self.project.clone());
        conn.into_page(None, |data| {
            Ok(Report::new(api.clone(), data, &entity, &project))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_in_both_forms() {
        assert_eq!(split_project("e/p"), (Some("e".into()), "p".into()));
        assert_eq!(split_project("/p/"), (None, "p".into()));
    }
}
