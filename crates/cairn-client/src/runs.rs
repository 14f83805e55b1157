//! [`Run`] and the lazy [`Runs`] pager.
//!
//! Names follow Python's `wandb.apis.public.Run`, including its one
//! surprise: [`Run::id`] is the run id the logging client chose (`abc123`),
//! [`Run::storage_id`] is the server's opaque id that mutations take, and
//! [`Run::name`] is the display name.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::files::{File, FilePages, Files};
use crate::filters::Filter;
use crate::history::{HistoryRow, HistoryScan, ProjectRun, RunRef};
use crate::pager::{Connection, Counted, Page, PageSource, Pager};
use crate::queries;
use crate::relaxed;

/// Config keys that belong to the W&B client, not to the user.
const INTERNAL_CONFIG_KEYS: [&str; 2] = ["_wandb", "wandb_version"];

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunData {
    /// The server's opaque id.
    #[serde(rename = "id")]
    storage_id: String,
    /// The run id (`abc123`); GraphQL calls it `name`.
    #[serde(rename = "name")]
    run_id: String,
    display_name: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    sweep_name: Option<String>,
    state: Option<String>,
    config: Option<String>,
    group: Option<String>,
    job_type: Option<String>,
    commit: Option<String>,
    read_only: Option<bool>,
    created_at: Option<String>,
    heartbeat_at: Option<String>,
    description: Option<String>,
    notes: Option<String>,
    system_metrics: Option<String>,
    summary_metrics: Option<String>,
    history_line_count: Option<i64>,
    user: Option<RunUser>,
    history_keys: Option<Value>,
    project_id: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct RunUser {
    username: Option<String>,
}

/// A run, like Python's `wandb.apis.public.Run`.
///
/// Change it with the setters and [`Run::config_mut`] /
/// [`Run::summary_mut`], then persist with [`Run::update`].
#[derive(Clone)]
pub struct Run {
    api: Api,
    entity: String,
    project: String,
    data: RunData,
    /// The user's config, `{key: value}`.
    config: Map<String, Value>,
    /// `_wandb` and other client-owned config entries, kept as stored.
    internal_config: Map<String, Value>,
    summary: Map<String, Value>,
    /// The summary as loaded, to tell whether `update` must send it.
    loaded_summary: Map<String, Value>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("path", &self.path())
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// A JSON string field as an object; relaxed JSON (NaN) allowed.
fn json_object(text: Option<&str>, what: &str) -> Result<Map<String, Value>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Map::new()),
        Some(text) => match relaxed::parse(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(Value::Null) => Ok(Map::new()),
            Ok(other) => Err(Error::Decode(format!(
                "the run's {what} is not a JSON object: {other}"
            ))),
            Err(e) => Err(Error::Decode(format!("the run's {what} is not JSON: {e}"))),
        },
    }
}

impl Run {
    pub(crate) fn new(api: Api, entity: &str, project: &str, data: RunData) -> Result<Run> {
        let mut config = Map::new();
        let mut internal_config = Map::new();
        for (key, value) in json_object(data.config.as_deref(), "config")? {
            // Stored as `{"value": v, "desc": …}`; older runs may hold `v`.
            let value = match value {
                Value::Object(mut entry) if entry.contains_key("value") => {
                    entry.remove("value").unwrap_or(Value::Null)
                }
                other => other,
            };
            if INTERNAL_CONFIG_KEYS.contains(&key.as_str()) {
                internal_config.insert(key, value);
            } else {
                config.insert(key, value);
            }
        }
        let summary = json_object(data.summary_metrics.as_deref(), "summary")?;
        Ok(Run {
            api,
            entity: entity.to_string(),
            project: project.to_string(),
            data,
            config,
            internal_config,
            loaded_summary: summary.clone(),
            summary,
        })
    }

    /// Load `entity/project/run_id`; `NotFound` if it does not exist or is
    /// hidden from the caller.
    pub(crate) async fn load(api: Api, entity: &str, project: &str, name: &str) -> Result<Run> {
        let data: ProjectRun<RunData> = api
            .transport
            .execute(
                queries::RUN,
                json!({"entity": entity, "project": project, "name": name}),
            )
            .await?;
        let data = data
            .project
            .and_then(|p| p.run)
            .ok_or_else(|| Error::NotFound {
                what: "run",
                name: format!("{entity}/{project}/{name}"),
            })?;
        Run::new(api, entity, project, data)
    }

    /// The run id chosen when it was created (`abc123`), as in Python.
    pub fn id(&self) -> &str {
        &self.data.run_id
    }

    /// The server's opaque id, which mutations take.
    pub fn storage_id(&self) -> &str {
        &self.data.storage_id
    }

    /// The display name (Python's `run.name`).
    pub fn name(&self) -> Option<&str> {
        self.display_name()
    }

    /// The display name.
    pub fn display_name(&self) -> Option<&str> {
        self.data.display_name.as_deref()
    }

    /// The entity.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The project.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// `entity/project/run_id`.
    pub fn path(&self) -> String {
        format!("{}/{}/{}", self.entity, self.project, self.data.run_id)
    }

    /// `running`, `finished`, `failed`, `crashed`, `pending`, …
    pub fn state(&self) -> &str {
        self.data.state.as_deref().unwrap_or("unknown")
    }

    /// Tags.
    pub fn tags(&self) -> &[String] {
        &self.data.tags
    }

    /// Group.
    pub fn group(&self) -> Option<&str> {
        self.data.group.as_deref()
    }

    /// Job type.
    pub fn job_type(&self) -> Option<&str> {
        self.data.job_type.as_deref()
    }

    /// Notes.
    pub fn notes(&self) -> Option<&str> {
        self.data.notes.as_deref()
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.data.description.as_deref()
    }

    /// The sweep the run belongs to, if any.
    pub fn sweep_name(&self) -> Option<&str> {
        self.data.sweep_name.as_deref()
    }

    /// The git commit it ran from, if known.
    pub fn commit(&self) -> Option<&str> {
        self.data.commit.as_deref()
    }

    /// Whether the caller may only read the run.
    pub fn read_only(&self) -> bool {
        self.data.read_only.unwrap_or(false)
    }

    /// Creation time as the server wrote it (`YYYY-MM-DDTHH:MM:SS`, UTC).
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Last heartbeat, in the same format.
    pub fn heartbeat_at(&self) -> Option<&str> {
        self.data.heartbeat_at.as_deref()
    }

    /// Username of whoever created the run.
    pub fn user(&self) -> Option<&str> {
        self.data.user.as_ref().and_then(|u| u.username.as_deref())
    }

    /// History rows logged.
    pub fn history_line_count(&self) -> i64 {
        self.data.history_line_count.unwrap_or(0)
    }

    /// The last history step, if any (from `historyKeys`).
    pub fn last_history_step(&self) -> Option<i64> {
        self.data
            .history_keys
            .as_ref()?
            .get("lastStep")
            .and_then(Value::as_i64)
    }

    /// `historyKeys`: `{"lastStep": n, "keys": {"loss": {"typeCounts": …}}}`.
    pub fn history_keys(&self) -> Option<&Value> {
        self.data.history_keys.as_ref()
    }

    /// The project's numeric id.
    pub fn project_internal_id(&self) -> Option<i64> {
        match self.data.project_id.as_ref()? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The config, `{key: value}`, without the W&B client's own entries.
    pub fn config(&self) -> &Map<String, Value> {
        &self.config
    }

    /// The config, to change before [`Run::update`].
    pub fn config_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.config
    }

    /// The summary. NaN and infinities appear as the strings `"NaN"`,
    /// `"Infinity"` and `"-Infinity"` (see [`crate::number`]).
    pub fn summary(&self) -> &Map<String, Value> {
        &self.summary
    }

    /// The summary, to change before [`Run::update`].
    pub fn summary_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.summary
    }

    /// The latest system metrics.
    pub fn system_metrics(&self) -> Result<Map<String, Value>> {
        json_object(self.data.system_metrics.as_deref(), "system metrics")
    }

    /// Set the display name (persisted by [`Run::update`]).
    pub fn set_display_name(&mut self, name: impl Into<String>) {
        self.data.display_name = Some(name.into());
    }

    /// Set the notes (persisted by [`Run::update`]).
    pub fn set_notes(&mut self, notes: impl Into<String>) {
        self.data.notes = Some(notes.into());
    }

    /// Set the description (persisted by [`Run::update`]).
    pub fn set_description(&mut self, description: impl Into<String>) {
        self.data.description = Some(description.into());
    }

    /// Replace the tags (persisted by [`Run::update`]).
    pub fn set_tags<S: Into<String>>(&mut self, tags: impl IntoIterator<Item = S>) {
        self.data.tags = tags.into_iter().map(Into::into).collect();
    }

    /// Set the group (persisted by [`Run::update`]).
    pub fn set_group(&mut self, group: impl Into<String>) {
        self.data.group = Some(group.into());
    }

    /// Set the job type (persisted by [`Run::update`]).
    pub fn set_job_type(&mut self, job_type: impl Into<String>) {
        self.data.job_type = Some(job_type.into());
    }

    /// The config as the server stores it: `{key: {"value": v, "desc": null}}`,
    /// the client's own entries included.
    pub fn json_config(&self) -> String {
        let mut out = Map::new();
        for (key, value) in self.internal_config.iter().chain(&self.config) {
            out.insert(key.clone(), json!({"value": value, "desc": null}));
        }
        Value::Object(out).to_string()
    }

    /// Persist tags, notes, description, display name, group, job type and
    /// config, then the summary if it changed (Python sends it always; a
    /// live run may be writing it, so an unchanged one is left alone).
    /// The run then holds what the server stored.
    pub async fn update(&mut self) -> Result<()> {
        #[derive(Deserialize)]
        struct Payload {
            #[serde(rename = "upsertBucket")]
            upsert_bucket: Option<Bucket>,
        }
        #[derive(Deserialize)]
        struct Bucket {
            bucket: Option<RunData>,
        }
        let data: Payload = self
            .api
            .transport
            .execute(
                queries::UPDATE_RUN,
                json!({
                    "id": self.data.storage_id,
                    "description": self.data.description,
                    "display_name": self.data.display_name,
                    "notes": self.data.notes,
                    "tags": self.data.tags,
                    "config": self.json_config(),
                    "groupName": self.data.group,
                    "jobType": self.data.job_type,
                }),
            )
            .await?;
        if self.summary != self.loaded_summary {
            let summary = Value::Object(self.summary.clone()).to_string();
            let _: Value = self
                .api
                .transport
                .execute(
                    queries::UPDATE_RUN_SUMMARY,
                    json!({"id": self.data.storage_id, "summaryMetrics": summary}),
                )
                .await?;
        }
        match data.upsert_bucket.and_then(|b| b.bucket) {
            Some(bucket) if self.summary == self.loaded_summary => {
                let project_id = self.data.project_id.take();
                *self = Run::new(self.api.clone(), &self.entity, &self.project, bucket)?;
                self.data.project_id = project_id;
                Ok(())
            }
            _ => self.reload().await,
        }
    }

    /// Load the run again from the server.
    pub async fn reload(&mut self) -> Result<()> {
        *self = Run::load(
            self.api.clone(),
            &self.entity,
            &self.project,
            &self.data.run_id,
        )
        .await?;
        Ok(())
    }

    /// Set the state (`pending` or `failed`, as W&B allows). True when the
    /// server accepted it.
    pub async fn update_state(&mut self, state: &str) -> Result<bool> {
        #[derive(Deserialize)]
        struct Payload {
            #[serde(rename = "updateRunState")]
            update_run_state: Option<Success>,
        }
        let data: Payload = self
            .api
            .transport
            .execute(
                queries::UPDATE_RUN_STATE,
                json!({"input": {"id": self.data.storage_id, "state": state}}),
            )
            .await?;
        let ok = data.update_run_state.is_some_and(|s| s.success);
        if ok {
            self.data.state = Some(state.to_string());
        }
        Ok(ok)
    }

    /// Ask the run to stop; its process learns on its next heartbeat.
    pub async fn stop(&self) -> Result<()> {
        let _: Value = self
            .api
            .transport
            .execute(queries::STOP_RUN, json!({"id": self.data.storage_id}))
            .await?;
        Ok(())
    }

    /// Delete the run, its history and its files.
    pub async fn delete(self) -> Result<()> {
        let _: Value = self
            .api
            .transport
            .execute(
                queries::DELETE_RUN,
                json!({"id": self.data.storage_id, "deleteArtifacts": false}),
            )
            .await?;
        Ok(())
    }

    pub(crate) fn run_ref(&self) -> RunRef {
        RunRef {
            api: self.api.clone(),
            entity: self.entity.clone(),
            project: self.project.clone(),
            name: self.data.run_id.clone(),
        }
    }

    /// Up to `samples` history rows spread over the run, the first and last
    /// included. With `keys`, only rows having all of them, holding only
    /// them and `_step`.
    pub async fn history(&self, samples: u32, keys: &[&str]) -> Result<Vec<HistoryRow>> {
        let run = self.run_ref();
        if keys.is_empty() {
            return run.full_history(samples).await;
        }
        let mut spec_keys = vec!["_step".to_string()];
        spec_keys.extend(keys.iter().map(|k| k.to_string()));
        run.sampled_history(&spec_keys, samples).await
    }

    /// Every history row with `min_step <= _step < max_step` (default: from
    /// 0 to the last step logged when the scan starts), read lazily
    /// `page_size` rows at a time. With `keys`, only rows having all of
    /// them, holding only them and `_step`.
    pub fn scan_history(
        &self,
        keys: &[&str],
        min_step: Option<i64>,
        max_step: Option<i64>,
        page_size: u32,
    ) -> HistoryScan {
        let _ = page_size;
        HistoryScan::new(
            self.run_ref(),
            keys.iter().map(|k| k.to_string()).collect(),
            min_step,
            max_step,
        )
    }

    /// The run's files, all or those named, fetched lazily.
    pub fn files(&self, names: &[&str], per_page: u32) -> Files {
        Files::new(FilePages::new(
            self.run_ref(),
            names.iter().map(|n| n.to_string()).collect(),
            None,
            per_page,
        ))
    }

    /// Files whose names match a SQL `LIKE` pattern (`%.json`).
    pub fn files_matching(&self, pattern: &str, per_page: u32) -> Files {
        Files::new(FilePages::new(
            self.run_ref(),
            Vec::new(),
            Some(pattern.to_string()),
            per_page,
        ))
    }

    /// One file by name; `NotFound` if the run has none by that name.
    pub async fn file(&self, name: &str) -> Result<File> {
        self.files(&[name], 1)
            .next()
            .await?
            .filter(|f| f.name() == name)
            .ok_or_else(|| Error::NotFound {
                what: "run file",
                name: format!("{}/{name}", self.path()),
            })
    }

    /// Upload a local file; its name in the run is its path relative to
    /// `root` (Python's `run.upload_file(path, root=".")`).
    pub async fn upload_file(
        &self,
        path: impl AsRef<Path>,
        root: impl AsRef<Path>,
    ) -> Result<File> {
        let name = crate::files::upload(&self.run_ref(), path.as_ref(), root.as_ref()).await?;
        self.file(&name).await
    }
}

#[derive(Deserialize)]
struct Success {
    success: bool,
}

/// A project's runs matching a filter, fetched a page at a time as you
/// consume them. [`len`](Pager::len) is how many runs match (`runCount`,
/// as `len(runs)` in Python).
pub type Runs = Pager<RunPages>;

/// The [`PageSource`] behind [`Runs`]: `Runs` query pages.
pub struct RunPages {
    api: Api,
    entity: Option<String>,
    project: String,
    filters: String,
    order: String,
    per_page: u32,
}

impl RunPages {
    pub(crate) fn new(
        api: Api,
        entity: Option<String>,
        project: String,
        filters: Filter,
        order: Option<&str>,
        per_page: u32,
    ) -> Self {
        RunPages {
            api,
            entity,
            project,
            filters: filters.into_json().to_string(),
            order: order
                .filter(|o| !o.is_empty())
                .unwrap_or("+created_at")
                .to_string(),
            per_page: per_page.max(1),
        }
    }
}

impl PageSource for RunPages {
    type Item = Run;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Run>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        self.entity = Some(entity.clone());
        let data: RunsData = self
            .api
            .transport
            .execute(
                queries::RUNS,
                json!({
                    "project": self.project,
                    "entity": entity,
                    "cursor": cursor,
                    "perPage": self.per_page,
                    "order": self.order,
                    "filters": self.filters,
                }),
            )
            .await?;
        let project = data.project.ok_or_else(|| Error::NotFound {
            what: "project",
            name: format!("{entity}/{}", self.project),
        })?;
        match project.runs {
            Some(conn) => conn.into_page(project.run_count, |node| {
                Run::new(self.api.clone(), &entity, &self.project, node)
            }),
            None => Ok(Page::last(project.run_count)),
        }
    }
}

impl Counted for RunPages {}

#[derive(Deserialize)]
struct RunsData {
    project: Option<RunsProject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunsProject {
    run_count: Option<u64>,
    runs: Option<Connection<RunData>>,
}

/// Split a run path the way Python's `Api._parse_path` does:
/// `entity/project/runs/id`, `entity/project/id`, `entity/project:id`,
/// `project/id`, `project:id` or `id`. Missing parts are `None`.
pub(crate) fn parse_run_path(path: &str) -> Result<(Option<String>, Option<String>, String)> {
    let invalid = || Error::Config(format!("invalid run path {path:?}"));
    let cleaned = path.replace("/runs/", "/");
    let parts: Vec<&str> = cleaned
        .trim_matches(|c| c == '/' || c == ' ')
        .split('/')
        .map(str::trim)
        .collect();
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let (entity, project, id) = match parts.as_slice() {
        [entity, project, id] => (some(entity), some(project), *id),
        [entity, rest] if rest.contains(':') => {
            let (project, id) = rest.split_once(':').ok_or_else(invalid)?;
            (some(entity), some(project), id)
        }
        [project, id] => (None, some(project), *id),
        [rest] if rest.contains(':') => {
            let (project, id) = rest.split_once(':').ok_or_else(invalid)?;
            (None, some(project), id)
        }
        [id] => (None, None, *id),
        _ => return Err(invalid()),
    };
    let id = id.trim();
    if id.is_empty() {
        return Err(invalid());
    }
    Ok((entity, project, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_paths_parse_like_python() {
        let p = |s: &str| parse_run_path(s).unwrap();
        let full = (Some("e".into()), Some("p".into()), "abc".to_string());
        assert_eq!(p("e/p/abc"), full);
        assert_eq!(p("e/p/runs/abc"), full);
        assert_eq!(p("/e/p/runs/abc/"), full);
        assert_eq!(p("e/p:abc"), full);
        assert_eq!(p("p/abc"), (None, Some("p".into()), "abc".into()));
        assert_eq!(p("p:abc"), (None, Some("p".into()), "abc".into()));
        assert_eq!(p("abc"), (None, None, "abc".into()));
        assert!(parse_run_path("").is_err());
        assert!(parse_run_path("a/b/c/d/e").is_err());
    }

    #[test]
    fn config_is_unwrapped_and_written_back_wrapped() {
        let data: RunData = serde_json::from_value(json!({
            "id": "UnVuOjE=",
            "name": "abc",
            "config": "{\"lr\": {\"value\": 0.1, \"desc\": null}, \"raw\": 3, \"_wandb\": {\"value\": {\"t\": 1}}}",
            "summaryMetrics": "{\"loss\": NaN}",
        }))
        .unwrap();
        let api = Api::builder()
            .base_url("http://127.0.0.1:1")
            .api_key(format!("p-{}", "x".repeat(40)))
            .build()
            .unwrap();
        let run = Run::new(api, "e", "p", data).unwrap();
        assert_eq!(
            Value::Object(run.config().clone()),
            json!({"lr": 0.1, "raw": 3})
        );
        assert!(crate::number(&run.summary()["loss"]).unwrap().is_nan());
        let stored: Value = serde_json::from_str(&run.json_config()).unwrap();
        assert_eq!(
            stored,
            json!({
                "_wandb": {"value": {"t": 1}, "desc": null},
                "lr": {"value": 0.1, "desc": null},
                "raw": {"value": 3, "desc": null},
            })
        );
    }
}
