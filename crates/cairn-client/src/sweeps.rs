//! Sweeps: [`Sweep`], the lazy [`Sweeps`] pager, and the agent protocol
//! (`createAgent`, `agentHeartbeat`) a sweep agent speaks — the same
//! operations `wandb.sweep`, `wandb sweep --pause` and `wandb agent` send.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::filters::Filter;
use crate::pager::{Connection, Page, PageSource, Pager};
use crate::queries;
use crate::runs::{Run, Runs};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SweepData {
    /// The opaque GraphQL id (`Sweep.id` on the wire).
    #[serde(rename = "id")]
    gid: String,
    name: String,
    display_name: Option<String>,
    method: Option<String>,
    state: String,
    description: Option<String>,
    best_loss: Option<f64>,
    config: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    run_count: Option<i64>,
    run_count_expected: Option<i64>,
}

/// A sweep, like Python's `wandb.apis.public.Sweep`.
#[derive(Clone)]
pub struct Sweep {
    api: Api,
    entity: String,
    project: String,
    data: SweepData,
}

impl std::fmt::Debug for Sweep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweep")
            .field("path", &self.path())
            .field("state", &self.data.state)
            .finish()
    }
}

/// A sweep's lifecycle states, as [`Sweep::state`] reports them.
pub const SWEEP_STATES: [&str; 4] = ["RUNNING", "PAUSED", "FINISHED", "CANCELED"];

impl Sweep {
    /// The sweep id (`ab12cd34`), as in `entity/project/ab12cd34`.
    pub fn id(&self) -> &str {
        &self.data.name
    }

    /// The opaque GraphQL id.
    pub fn graphql_id(&self) -> &str {
        &self.data.gid
    }

    /// The name shown for it: its display name, else the configuration's
    /// `name`, else its id (Python's `Sweep.name`).
    pub fn name(&self) -> String {
        self.data
            .display_name
            .clone()
            .or_else(|| {
                self.config()
                    .ok()
                    .and_then(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
            })
            .unwrap_or_else(|| self.data.name.clone())
    }

    /// The entity it belongs to.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The project its runs go to.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// `entity/project/id`.
    pub fn path(&self) -> String {
        format!("{}/{}/{}", self.entity, self.project, self.data.name)
    }

    /// Where the app shows it: `<base>/entity/project/sweeps/id`.
    pub fn url(&self) -> String {
        format!(
            "{}/{}/{}/sweeps/{}",
            self.api.base_url().trim_end_matches('/'),
            self.entity,
            self.project,
            self.data.name
        )
    }

    /// `RUNNING`, `PAUSED`, `FINISHED` or `CANCELED`.
    pub fn state(&self) -> &str {
        &self.data.state
    }

    /// `grid`, `random` or `bayes`.
    pub fn method(&self) -> Option<&str> {
        self.data.method.as_deref()
    }

    /// Free text.
    pub fn description(&self) -> Option<&str> {
        self.data.description.as_deref()
    }

    /// The best value of the sweep's metric so far.
    pub fn best_loss(&self) -> Option<f64> {
        self.data.best_loss
    }

    /// Runs that belong to it.
    pub fn run_count(&self) -> i64 {
        self.data.run_count.unwrap_or(0)
    }

    /// How many runs it will start in all, when bounded (run cap, grid).
    pub fn expected_run_count(&self) -> Option<i64> {
        self.data.run_count_expected
    }

    /// Creation time as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Last change as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.data.updated_at.as_deref()
    }

    /// The configuration text as it was sent (YAML).
    pub fn config_text(&self) -> &str {
        &self.data.config
    }

    /// The configuration, parsed.
    pub fn config(&self) -> Result<Value> {
        serde_yaml_ng::from_str(&self.data.config)
            .map_err(|e| Error::Decode(format!("the sweep's config is not YAML: {e}")))
    }

    /// The order that ranks its runs best first, from the metric:
    /// `+summary_metrics.<name>` to minimise, `-…` to maximise.
    pub fn order(&self) -> Option<String> {
        let config = self.config().ok()?;
        let metric = config.get("metric")?;
        let name = metric.get("name")?.as_str()?;
        let sign = match metric.get("goal").and_then(Value::as_str) {
            Some("maximize") => '-',
            _ => '+',
        };
        Some(format!("{sign}summary_metrics.{name}"))
    }

    /// Its runs, in `order` (`+created_at` when `None`).
    pub fn runs(&self, order: Option<&str>, per_page: u32) -> Runs {
        self.api.runs(
            &format!("{}/{}", self.entity, self.project),
            Filter::from(json!({"$and": [{"sweep": self.data.name}]})),
            order,
            per_page,
        )
    }

    /// Its best run by the metric (the newest run when it has no metric).
    pub async fn best_run(&self) -> Result<Option<Run>> {
        let order = self.order();
        self.runs(order.as_deref(), 1).next().await
    }

    /// Read it again from the server.
    pub async fn reload(&self) -> Result<Sweep> {
        self.api.sweep(&self.path()).await
    }

    async fn set_state(&self, state: &str) -> Result<Sweep> {
        self.api
            .transport
            .execute::<Value>(
                queries::UPSERT_SWEEP_STATE,
                json!({"id": self.data.gid, "state": state, "entityName": self.entity, "projectName": self.project}),
            )
            .await?;
        self.reload().await
    }

    /// Pause it: agents get no new runs until it is resumed.
    pub async fn pause(&self) -> Result<Sweep> {
        self.set_state("PAUSED").await
    }

    /// Resume a paused (or stopped) sweep.
    pub async fn resume(&self) -> Result<Sweep> {
        self.set_state("RUNNING").await
    }

    /// Stop it: running runs finish, agents then exit.
    pub async fn stop(&self) -> Result<Sweep> {
        self.set_state("FINISHED").await
    }

    /// Cancel it: agents stop their runs and exit.
    pub async fn cancel(&self) -> Result<Sweep> {
        self.set_state("CANCELED").await
    }
}

/// A sweep id or path split: `(entity, project, id)`. Accepts
/// `entity/project/id`, `entity/project/sweeps/id`, `project/id` and `id`.
pub(crate) fn parse_sweep_path(path: &str) -> Result<(Option<String>, Option<String>, String)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let owned = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    match parts.as_slice() {
        [id] if !id.is_empty() => Ok((None, None, id.to_string())),
        [project, id] => Ok((None, owned(project), id.to_string())),
        [entity, project, id] => Ok((owned(entity), owned(project), id.to_string())),
        [entity, project, "sweeps", id] => Ok((owned(entity), owned(project), id.to_string())),
        _ => Err(Error::Config(format!(
            "invalid sweep path {path:?}: use ENTITY/PROJECT/SWEEP_ID"
        ))),
    }
}

#[derive(Deserialize)]
struct ProjectSweep {
    project: Option<SweepHolder>,
}

#[derive(Deserialize)]
struct SweepHolder {
    sweep: Option<SweepData>,
}

/// What `create_sweep` answers.
#[derive(Debug, Clone)]
pub struct CreatedSweep {
    /// The new sweep.
    pub sweep: Sweep,
    /// Remarks on its configuration that did not stop it.
    pub warnings: Vec<String>,
}

impl Api {
    /// A sweep by path (`entity/project/id`, `entity/project/sweeps/id`;
    /// `project/id` and `id` use the configured entity and project).
    /// `NotFound` if it does not exist or is hidden.
    pub async fn sweep(&self, path: &str) -> Result<Sweep> {
        let (entity, project, id) = parse_sweep_path(path)?;
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let project = project
            .or_else(|| self.project.clone())
            .ok_or_else(|| Error::Config(format!("invalid sweep path {path:?}: no project")))?;
        let data: ProjectSweep = self
            .transport
            .execute(
                queries::GET_SWEEP,
                json!({"name": id, "project": project, "entity": entity}),
            )
            .await?;
        let data = data
            .project
            .and_then(|p| p.sweep)
            .ok_or_else(|| Error::NotFound {
                what: "sweep",
                name: format!("{entity}/{project}/{id}"),
            })?;
        Ok(Sweep {
            api: self.clone(),
            entity,
            project,
            data,
        })
    }

    /// Create a sweep in `project` (`entity/project`, or `project` in the
    /// default entity) from a configuration: YAML or JSON text, or a
    /// [`Value`]. Bad configurations are refused by the server with an
    /// error naming the field; nothing is created.
    pub async fn create_sweep(
        &self,
        project: &str,
        config: impl Into<SweepConfigText>,
    ) -> Result<CreatedSweep> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload {
            upsert_sweep: Option<Upserted>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Upserted {
            sweep: Option<Named>,
            #[serde(default)]
            config_validation_warnings: Vec<String>,
        }
        #[derive(Deserialize)]
        struct Named {
            name: String,
            project: Option<NamedProject>,
        }
        #[derive(Deserialize)]
        struct NamedProject {
            name: String,
            entity: Option<NamedEntity>,
        }
        #[derive(Deserialize)]
        struct NamedEntity {
            name: String,
        }
        let (entity, project) = match project.trim_matches('/').split_once('/') {
            Some((e, p)) => (Some(e.to_string()), p.to_string()),
            None => (None, project.to_string()),
        };
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let config = config.into().0;
        let data: Payload = self
            .transport
            .execute(
                queries::UPSERT_SWEEP,
                json!({"config": config, "entityName": entity, "projectName": project}),
            )
            .await?;
        let upserted = data
            .upsert_sweep
            .ok_or_else(|| Error::Decode("no answer to UpsertSweep".into()))?;
        let named = upserted
            .sweep
            .ok_or_else(|| Error::Decode("no sweep in the answer to UpsertSweep".into()))?;
        let (entity, project) = match named.project {
            Some(p) => (p.entity.map_or(entity, |e| e.name), p.name),
            None => (entity, project),
        };
        Ok(CreatedSweep {
            sweep: self
                .sweep(&format!("{entity}/{project}/{}", named.name))
                .await?,
            warnings: upserted.config_validation_warnings,
        })
    }

    /// A project's sweeps (`entity/project`, or `project` in the default
    /// entity), newest first, fetched lazily `per_page` at a time
    /// (Python's `api.project(…).sweeps()`).
    pub fn sweeps(&self, project: &str, per_page: u32) -> Sweeps {
        let (entity, project) = match project.trim_matches('/').split_once('/') {
            Some((e, p)) => (Some(e.to_string()), p.to_string()),
            None => (None, project.to_string()),
        };
        Pager::new(SweepPages {
            api: self.clone(),
            entity,
            project,
            per_page: per_page.max(1),
        })
    }

    /// Register a sweep agent running on `host` (`createAgent`); returns its
    /// id for [`Api::agent_heartbeat`].
    pub async fn create_agent(&self, sweep: &Sweep, host: &str) -> Result<String> {
        let data: Value = self
            .transport
            .execute(
                queries::CREATE_AGENT,
                json!({"host": host, "entityName": sweep.entity, "projectName": sweep.project, "sweep": sweep.data.name}),
            )
            .await?;
        data["createAgent"]["agent"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::Decode("no agent in the answer to CreateAgent".into()))
    }

    /// An agent's heartbeat: the ids of the runs it is running in, what it
    /// should do next out.
    pub async fn agent_heartbeat(
        &self,
        agent_id: &str,
        running: &[String],
    ) -> Result<Vec<AgentCommand>> {
        let run_state: Map<String, Value> = running
            .iter()
            .map(|r| (r.clone(), Value::Bool(true)))
            .collect();
        let data: Value = self
            .transport
            .execute(
                queries::HEARTBEAT,
                json!({"id": agent_id, "metrics": "{}", "runState": Value::Object(run_state).to_string()}),
            )
            .await?;
        let text = data["agentHeartbeat"]["commands"]
            .as_str()
            .ok_or_else(|| Error::Decode("no commands in the answer to Heartbeat".into()))?;
        let commands: Vec<Value> = serde_json::from_str(text)
            .map_err(|e| Error::Decode(format!("the heartbeat's commands are not JSON: {e}")))?;
        Ok(commands.into_iter().map(AgentCommand::from_json).collect())
    }
}

/// A sweep configuration as text: YAML or JSON (`&str`, `String`), or a
/// [`Value`] (sent as JSON, which is YAML too).
pub struct SweepConfigText(String);

impl From<&str> for SweepConfigText {
    fn from(text: &str) -> Self {
        SweepConfigText(text.to_string())
    }
}

impl From<String> for SweepConfigText {
    fn from(text: String) -> Self {
        SweepConfigText(text)
    }
}

impl From<Value> for SweepConfigText {
    fn from(value: Value) -> Self {
        SweepConfigText(value.to_string())
    }
}

/// One instruction from the sweep controller to an agent.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentCommand {
    /// Start a run under `run_id` with these parameter values.
    Run {
        /// The run id to start it under (`WANDB_RUN_ID`).
        run_id: String,
        /// The sweep's `program`, if it has one.
        program: Option<String>,
        /// Parameter name → value.
        args: Map<String, Value>,
    },
    /// Stop this run.
    Stop {
        /// The run.
        run_id: String,
    },
    /// Stop everything and quit.
    Exit,
    /// A command this client does not know, kept as sent.
    Other(Value),
}

impl AgentCommand {
    fn from_json(command: Value) -> AgentCommand {
        let run_id = command["run_id"].as_str().map(str::to_string);
        match (command["type"].as_str(), run_id) {
            (Some("run" | "resume"), Some(run_id)) => AgentCommand::Run {
                run_id,
                program: command["program"].as_str().map(str::to_string),
                args: command["args"]
                    .as_object()
                    .map(|args| {
                        args.iter()
                            .map(|(k, v)| {
                                (k.clone(), v.get("value").cloned().unwrap_or(Value::Null))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            (Some("stop"), Some(run_id)) => AgentCommand::Stop { run_id },
            (Some("exit"), _) => AgentCommand::Exit,
            _ => AgentCommand::Other(command),
        }
    }
}

/// A project's sweeps, fetched a page at a time as you consume them.
pub type Sweeps = Pager<SweepPages>;

/// The [`PageSource`] behind [`Sweeps`]: `GetSweeps` pages.
pub struct SweepPages {
    api: Api,
    entity: Option<String>,
    project: String,
    per_page: u32,
}

#[derive(Deserialize)]
struct SweepsData {
    project: Option<SweepsProject>,
}

#[derive(Deserialize)]
struct SweepsProject {
    sweeps: Option<Connection<SweepData>>,
}

impl PageSource for SweepPages {
    type Item = Sweep;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Sweep>> {
        let entity = self.api.resolve_entity(self.entity.as_deref()).await?;
        let data: SweepsData = self
            .api
            .transport
            .execute(
                queries::GET_SWEEPS,
                json!({"entity": entity, "project": self.project, "filters": "{}", "cursor": cursor, "perPage": self.per_page}),
            )
            .await?;
        let Some(conn) = data.project.and_then(|p| p.sweeps) else {
            return Ok(Page::last(None));
        };
        let (api, project) = (self.api.clone(), self.project.clone());
        conn.into_page(None, |data| {
            Ok(Sweep {
                api: api.clone(),
                entity: entity.clone(),
                project: project.clone(),
                data,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_paths_in_every_form() {
        let p = |s: &str| parse_sweep_path(s).unwrap();
        assert_eq!(
            p("e/p/abc"),
            (Some("e".into()), Some("p".into()), "abc".into())
        );
        assert_eq!(
            p("e/p/sweeps/abc"),
            (Some("e".into()), Some("p".into()), "abc".into())
        );
        assert_eq!(p("p/abc"), (None, Some("p".into()), "abc".into()));
        assert_eq!(p("abc"), (None, None, "abc".into()));
        assert!(parse_sweep_path("a/b/c/d/e").is_err());
        assert!(parse_sweep_path("").is_err());
    }

    #[test]
    fn commands_decode_and_unknown_ones_are_kept() {
        let run = AgentCommand::from_json(
            json!({"type": "run", "run_id": "r1", "program": "t.py", "args": {"lr": {"value": 0.1}}}),
        );
        let mut args = Map::new();
        args.insert("lr".into(), json!(0.1));
        assert_eq!(
            run,
            AgentCommand::Run {
                run_id: "r1".into(),
                program: Some("t.py".into()),
                args
            }
        );
        assert_eq!(
            AgentCommand::from_json(json!({"type": "stop", "run_id": "r1"})),
            AgentCommand::Stop {
                run_id: "r1".into()
            }
        );
        assert_eq!(
            AgentCommand::from_json(json!({"type": "exit"})),
            AgentCommand::Exit
        );
        let odd = json!({"type": "dance"});
        assert_eq!(
            AgentCommand::from_json(odd.clone()),
            AgentCommand::Other(odd)
        );
    }
}
