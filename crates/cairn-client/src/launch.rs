//! Launch: run queues ([`RunQueue`]), runs pushed onto them
//! ([`QueuedRun`], [`Api::launch_add`]), the agent side of the protocol
//! ([`Api::pop_from_run_queue`], [`Api::ack_run_queue_item`],
//! [`Api::fail_run_queue_item`]), and jobs ([`Job`], [`Api::list_jobs`]).
//! The same operations as Python's `api.create_run_queue`, `launch_add`,
//! `api.queued_run` and the launch agent.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;
use crate::runs::Run;

/// The project an entity's queues live in (W&B's `model-registry`).
pub const QUEUE_PROJECT: &str = "model-registry";

/// The resource types W&B's agents run.
pub const RESOURCES: [&str; 5] = [
    "local-container",
    "local-process",
    "kubernetes",
    "sagemaker",
    "gcp-vertex",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceConfigData {
    resource: String,
    config: Value,
    #[serde(default)]
    template_variables: Vec<TemplateVariableData>,
}

#[derive(Debug, Clone, Deserialize)]
struct TemplateVariableData {
    name: String,
    schema: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueData {
    id: String,
    name: String,
    access: String,
    prioritization_mode: String,
    #[serde(default)]
    external_links: Option<String>,
    created_at: Option<String>,
    default_resource_config: Option<ResourceConfigData>,
}

/// A run queue, like Python's `wandb.apis.public.RunQueue`.
#[derive(Clone)]
pub struct RunQueue {
    api: Api,
    entity: String,
    data: QueueData,
}

impl std::fmt::Debug for RunQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunQueue")
            .field("entity", &self.entity)
            .field("name", &self.data.name)
            .finish()
    }
}

impl RunQueue {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The entity that owns it.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The opaque GraphQL id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// `PROJECT` or `USER`.
    pub fn access(&self) -> &str {
        &self.data.access
    }

    /// `DISABLED` (first in, first out) or `V0` (priority 0 first).
    pub fn prioritization_mode(&self) -> &str {
        &self.data.prioritization_mode
    }

    /// The resource type its agents run (`local-process`, …).
    pub fn resource(&self) -> Option<&str> {
        self.data
            .default_resource_config
            .as_ref()
            .map(|c| c.resource.as_str())
    }

    /// `{"resource_args": {"<resource>": {...}}}`, templates unfilled.
    pub fn default_resource_config(&self) -> Value {
        self.data
            .default_resource_config
            .as_ref()
            .map_or_else(|| json!({}), |c| c.config.clone())
    }

    /// Each template variable's JSON schema, by name.
    pub fn template_variables(&self) -> BTreeMap<String, Value> {
        self.data
            .default_resource_config
            .iter()
            .flat_map(|c| &c.template_variables)
            .map(|v| (v.name.clone(), v.schema.clone()))
            .collect()
    }

    /// `{"links": [{"label", "url"}]}`.
    pub fn external_links(&self) -> Value {
        self.data
            .external_links
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null)
    }

    /// When it was created, as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Up to `limit` of its items (at most 1,000), pending ones first in
    /// the order agents will get them.
    pub async fn items(&self, limit: u32) -> Result<Vec<QueuedRun>> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Queue {
            run_queue_items: Edges,
        }
        #[derive(Deserialize)]
        struct Edges {
            edges: Vec<Edge>,
        }
        #[derive(Deserialize)]
        struct Edge {
            node: ItemData,
        }
        let data: ProjectQueue<Queue> = self
            .api
            .transport
            .execute(
                queries::GET_RUN_QUEUE_ITEMS,
                json!({"entityName": self.entity, "projectName": QUEUE_PROJECT, "runQueue": self.data.name, "first": limit.min(1000)}),
            )
            .await?;
        let queue = data.queue().ok_or_else(|| self.not_found())?;
        Ok(queue
            .run_queue_items
            .edges
            .into_iter()
            .map(|e| QueuedRun {
                api: self.api.clone(),
                entity: self.entity.clone(),
                queue: self.data.name.clone(),
                data: e.node,
            })
            .collect())
    }

    /// Delete it, with its items.
    pub async fn delete(self) -> Result<()> {
        self.api
            .transport
            .execute::<Value>(queries::DELETE_RUN_QUEUE, json!({"id": self.data.id}))
            .await?;
        Ok(())
    }

    fn not_found(&self) -> Error {
        Error::NotFound {
            what: "run queue",
            name: format!("{}/{}", self.entity, self.data.name),
        }
    }
}

#[derive(Deserialize)]
struct ProjectQueue<T> {
    project: Option<QueueHolder<T>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueHolder<T> {
    run_queue: Option<T>,
}

impl<T> ProjectQueue<T> {
    fn queue(self) -> Option<T> {
        self.project.and_then(|p| p.run_queue)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemData {
    id: String,
    state: String,
    priority: Option<i64>,
    associated_run_id: Option<String>,
    run_spec: Option<String>,
    created_at: Option<String>,
    error: Option<Value>,
}

/// A run pushed onto a queue, like Python's `QueuedRun`.
#[derive(Clone)]
pub struct QueuedRun {
    api: Api,
    entity: String,
    queue: String,
    data: ItemData,
}

impl std::fmt::Debug for QueuedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedRun")
            .field("queue", &self.queue)
            .field("id", &self.data.id)
            .field("state", &self.data.state)
            .finish()
    }
}

impl QueuedRun {
    /// The item's id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// The queue's name.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// `PENDING`, `LEASED`, `CLAIMED`, `FINISHED` or `FAILED`, as of the
    /// last read ([`QueuedRun::reload`] reads again).
    pub fn state(&self) -> &str {
        &self.data.state
    }

    /// 0 (critical) … 3 (low).
    pub fn priority(&self) -> Option<i64> {
        self.data.priority
    }

    /// The run id its agent started, once it has.
    pub fn associated_run_id(&self) -> Option<&str> {
        self.data.associated_run_id.as_deref()
    }

    /// The run spec its agent gets.
    pub fn run_spec(&self) -> Value {
        self.data
            .run_spec
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null)
    }

    /// `{"message", "stage", "filePaths"}` when its agent reported a
    /// failure.
    pub fn error(&self) -> Option<&Value> {
        self.data.error.as_ref().filter(|e| !e.is_null())
    }

    /// When it was pushed, as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Read it again.
    pub async fn reload(&mut self) -> Result<()> {
        *self = self
            .api
            .queued_run(&self.entity, &self.queue, &self.data.id)
            .await?;
        Ok(())
    }

    /// Wait, polling every `poll`, until its agent has started its run, and
    /// return the run (`project` is where the run logs). Gives up with
    /// [`Error::Timeout`] after `timeout`, and with the failure when the
    /// item failed first.
    pub async fn wait_until_running(
        &mut self,
        project: &str,
        poll: Duration,
        timeout: Duration,
    ) -> Result<Run> {
        let started = Instant::now();
        loop {
            self.reload().await?;
            if let Some(run) = self.data.associated_run_id.clone() {
                if let Ok(run) = self
                    .api
                    .run(&format!("{}/{project}/{run}", self.entity))
                    .await
                {
                    return Ok(run);
                }
            } else if self.data.state == "FAILED" {
                return Err(Error::Api(format!(
                    "queued run {} failed: {}",
                    self.data.id,
                    self.error()
                        .map_or_else(|| "no reason given".into(), Value::to_string)
                )));
            }
            if started.elapsed() > timeout {
                return Err(Error::Timeout(format!(
                    "queued run {} did not start within {timeout:?}",
                    self.data.id
                )));
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Wait, polling every `poll`, until it is finished or failed, and
    /// return its run.
    pub async fn wait_until_finished(
        &mut self,
        project: &str,
        poll: Duration,
        timeout: Duration,
    ) -> Result<Run> {
        let started = Instant::now();
        self.wait_until_running(project, poll, timeout).await?;
        loop {
            self.reload().await?;
            if matches!(self.data.state.as_str(), "FINISHED" | "FAILED") {
                let run = self.data.associated_run_id.clone().unwrap_or_default();
                return self
                    .api
                    .run(&format!("{}/{project}/{run}", self.entity))
                    .await;
            }
            if started.elapsed() > timeout {
                return Err(Error::Timeout(format!(
                    "queued run {} did not finish within {timeout:?}",
                    self.data.id
                )));
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Remove it from its queue.
    pub async fn delete(self) -> Result<()> {
        let queue = self.api.run_queue(&self.entity, &self.queue).await?;
        self.api
            .transport
            .execute::<Value>(
                queries::DELETE_FROM_RUN_QUEUE,
                json!({"queueID": queue.data.id, "runQueueItemId": self.data.id}),
            )
            .await?;
        Ok(())
    }
}

/// What [`Api::launch_add`] pushes besides the job and queue.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Entity of the queue and of the run; the default entity when `None`.
    pub entity: Option<String>,
    /// Project the run logs to; the job's project when `None`.
    pub project: Option<String>,
    /// Values for the queue's template variables.
    pub template_variables: BTreeMap<String, Value>,
    /// 0 (critical) … 3 (low); the server's default (2) when `None`.
    pub priority: Option<i64>,
    /// The run's configuration overrides (`overrides.run_config`).
    pub config: Option<Value>,
    /// Extra arguments for the job's entrypoint (`overrides.args`).
    pub args: Vec<String>,
}

/// A popped item, as an agent gets it.
#[derive(Debug, Clone)]
pub struct PoppedItem {
    /// The item's id.
    pub id: String,
    /// The run spec to run.
    pub run_spec: Value,
}

/// A job, like Python's `wandb.apis.public.Job`: a version of a `job`
/// artifact and its `wandb-job.json`.
#[derive(Debug, Clone)]
pub struct Job {
    /// `entity/project/name:alias` as asked for.
    pub name: String,
    /// `wandb-job.json`.
    pub info: Value,
}

impl Job {
    /// `artifact`, `repo` or `image`.
    pub fn source_type(&self) -> Option<&str> {
        self.info.get("source_type").and_then(Value::as_str)
    }

    /// The command that runs it (`["python", "train.py"]`).
    pub fn entrypoint(&self) -> Vec<String> {
        self.info
            .pointer("/source/entrypoint")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The code artifact it runs, for `artifact` jobs.
    pub fn source_artifact(&self) -> Option<&str> {
        self.info
            .pointer("/source/artifact")
            .and_then(Value::as_str)
    }

    /// The type of its inputs (its run config), as W&B writes it.
    pub fn input_types(&self) -> &Value {
        self.info.get("input_types").unwrap_or(&Value::Null)
    }
}

/// One version of a job, as [`Api::list_jobs`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobVersion {
    /// The job's name.
    pub name: String,
    /// The artifact's id.
    pub id: String,
    /// `COMMITTED`, …
    pub state: String,
    /// Its aliases (`latest`, `v0`, …).
    pub aliases: Vec<String>,
}

fn entity_project(path: &str) -> (Option<String>, Option<String>) {
    match path.trim_matches('/').split_once('/') {
        Some((e, p)) => (Some(e.to_string()), Some(p.to_string())),
        None if path.is_empty() => (None, None),
        None => (None, Some(path.to_string())),
    }
}

impl Api {
    /// Create a run queue of `resource` type in `entity` (the default
    /// entity when `None`), with `config` as its resource arguments (which
    /// may use `{{variable}}` templates), `template_variables` as
    /// `{"<name>": {"schema": {...}}}`, and `prioritization_mode` `V0` or
    /// `None` (first in, first out). The same calls as Python's
    /// `api.create_run_queue`.
    pub async fn create_run_queue(
        &self,
        name: &str,
        resource: &str,
        entity: Option<&str>,
        prioritization_mode: Option<&str>,
        config: Value,
        template_variables: Option<Value>,
    ) -> Result<RunQueue> {
        let entity = self.resolve_entity(entity).await?;
        let data: Value = self
            .transport
            .execute(
                queries::CREATE_DEFAULT_RESOURCE_CONFIG,
                json!({
                    "entityName": entity,
                    "resource": resource,
                    "config": json!({"resource_args": {resource: config}}).to_string(),
                    "templateVariables": template_variables.map(|t| t.to_string()),
                }),
            )
            .await?;
        let config_id = data["createDefaultResourceConfig"]["defaultResourceConfigID"].clone();
        self.transport
            .execute::<Value>(
                queries::CREATE_RUN_QUEUE,
                json!({
                    "entity": entity,
                    "project": QUEUE_PROJECT,
                    "queueName": name,
                    "access": "PROJECT",
                    "prioritizationMode": prioritization_mode.map(str::to_ascii_uppercase),
                    "defaultResourceConfigID": config_id,
                }),
            )
            .await?;
        self.run_queue(&entity, name).await
    }

    /// Create a queue or give it a new configuration (Python's
    /// `api.upsert_run_queue`); returns it with the server's remarks on the
    /// configuration (placeholders without a variable and the like).
    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_run_queue(
        &self,
        name: &str,
        resource_config: Value,
        resource: &str,
        entity: Option<&str>,
        template_variables: Option<Value>,
        external_links: &BTreeMap<String, String>,
        prioritization_mode: Option<&str>,
    ) -> Result<(RunQueue, Vec<String>)> {
        let entity = self.resolve_entity(entity).await?;
        let links: Vec<Value> = external_links
            .iter()
            .map(|(label, url)| json!({"label": label, "url": url}))
            .collect();
        let data: Value = self
            .transport
            .execute(
                queries::UPSERT_RUN_QUEUE,
                json!({
                    "entityName": entity,
                    "projectName": QUEUE_PROJECT,
                    "queueName": name,
                    "resourceType": resource,
                    "resourceConfig": json!({"resource_args": {resource: resource_config}}).to_string(),
                    "templateVariables": template_variables.map(|t| t.to_string()),
                    "prioritizationMode": prioritization_mode.map(str::to_ascii_uppercase).unwrap_or_else(|| "DISABLED".into()),
                    "externalLinks": json!({"links": links}).to_string(),
                }),
            )
            .await?;
        let warnings = data["upsertRunQueue"]["configSchemaValidationErrors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok((self.run_queue(&entity, name).await?, warnings))
    }

    /// A queue of `entity` by name; `NotFound` when it does not exist or is
    /// hidden.
    pub async fn run_queue(&self, entity: &str, name: &str) -> Result<RunQueue> {
        let data: ProjectQueue<QueueData> = self
            .transport
            .execute(
                queries::GET_RUN_QUEUE,
                json!({"entityName": entity, "projectName": QUEUE_PROJECT, "runQueue": name}),
            )
            .await?;
        let data = data.queue().ok_or_else(|| Error::NotFound {
            what: "run queue",
            name: format!("{entity}/{name}"),
        })?;
        Ok(RunQueue {
            api: self.clone(),
            entity: entity.to_string(),
            data,
        })
    }

    /// The queues of `entity` (the default entity when `None`), oldest
    /// first.
    pub async fn run_queues(&self, entity: Option<&str>) -> Result<Vec<RunQueue>> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload {
            project: Option<Queues>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Queues {
            run_queues: Vec<QueueData>,
        }
        let entity = self.resolve_entity(entity).await?;
        let data: Payload = self
            .transport
            .execute(
                queries::PROJECT_RUN_QUEUES,
                json!({"entityName": entity, "projectName": QUEUE_PROJECT}),
            )
            .await?;
        Ok(data
            .project
            .map(|p| p.run_queues)
            .unwrap_or_default()
            .into_iter()
            .map(|data| RunQueue {
                api: self.clone(),
                entity: entity.clone(),
                data,
            })
            .collect())
    }

    /// An item of a queue by id.
    pub async fn queued_run(&self, entity: &str, queue: &str, id: &str) -> Result<QueuedRun> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Queue {
            run_queue_item: Option<ItemData>,
        }
        let data: ProjectQueue<Queue> = self
            .transport
            .execute(
                queries::GET_RUN_QUEUE_ITEM,
                json!({"entityName": entity, "projectName": QUEUE_PROJECT, "runQueue": queue, "itemId": id}),
            )
            .await?;
        let data = data
            .queue()
            .and_then(|q| q.run_queue_item)
            .ok_or_else(|| Error::NotFound {
                what: "queued run",
                name: format!("{entity}/{queue}/{id}"),
            })?;
        Ok(QueuedRun {
            api: self.clone(),
            entity: entity.to_string(),
            queue: queue.to_string(),
            data,
        })
    }

    /// Push `job` (`entity/project/name:alias`) onto `queue` (Python's
    /// `launch_add(job=…, queue_name=…)`). The server checks the template
    /// variables against their schemas and that the job exists, and
    /// refuses with the reason before anything is queued.
    pub async fn launch_add(
        &self,
        job: &str,
        queue: &str,
        options: LaunchOptions,
    ) -> Result<QueuedRun> {
        let entity = self.resolve_entity(options.entity.as_deref()).await?;
        let job_project = job.split('/').nth(1).map(str::to_string);
        let project = options.project.clone().or(job_project).ok_or_else(|| {
            Error::Config(format!("job {job:?}: expected entity/project/name:alias"))
        })?;
        let mut overrides = serde_json::Map::new();
        if let Some(config) = options.config {
            overrides.insert("run_config".into(), config);
        }
        if !options.args.is_empty() {
            overrides.insert("args".into(), json!(options.args));
        }
        let spec = json!({
            "job": job,
            "entity": entity,
            "project": project,
            "overrides": overrides,
        });
        let values = (!options.template_variables.is_empty())
            .then(|| json!(options.template_variables).to_string());
        let data: Value = self
            .transport
            .execute(
                queries::PUSH_TO_RUN_QUEUE_BY_NAME,
                json!({
                    "entityName": entity,
                    "projectName": QUEUE_PROJECT,
                    "queueName": queue,
                    "runSpec": spec.to_string(),
                    "templateVariableValues": values,
                    "priority": options.priority,
                }),
            )
            .await?;
        let id = data["pushToRunQueueByName"]["runQueueItemId"]
            .as_str()
            .ok_or_else(|| {
                Error::Decode("no item id in the answer to pushToRunQueueByName".into())
            })?;
        self.queued_run(&entity, queue, id).await
    }

    /// Lease the next item of `entity`'s `queue` to an agent; `None` when
    /// nothing is pending. Each item goes to exactly one caller.
    pub async fn pop_from_run_queue(
        &self,
        entity: &str,
        queue: &str,
        agent_id: Option<&str>,
    ) -> Result<Option<PoppedItem>> {
        let data: Value = self
            .transport
            .execute(
                queries::POP_FROM_RUN_QUEUE,
                json!({"entity": entity, "project": QUEUE_PROJECT, "queueName": queue, "launchAgentId": agent_id}),
            )
            .await?;
        let popped = &data["popFromRunQueue"];
        if popped.is_null() {
            return Ok(None);
        }
        let id = popped["runQueueItemId"]
            .as_str()
            .ok_or_else(|| Error::Decode("no item id in the answer to popFromRunQueue".into()))?;
        Ok(Some(PoppedItem {
            id: id.to_string(),
            run_spec: popped["runSpec"].clone(),
        }))
    }

    /// Claim a popped item for the run `run_id`; false when it was not
    /// leased any more (its lease expired, or another agent claimed it).
    pub async fn ack_run_queue_item(&self, item: &str, run_id: &str) -> Result<bool> {
        let data: Value = self
            .transport
            .execute(
                queries::ACK_RUN_QUEUE_ITEM,
                json!({"itemId": item, "runId": run_id}),
            )
            .await?;
        Ok(data["ackRunQueueItem"]["success"] == true)
    }

    /// Record that an item failed, at `stage` (`agent`, `run`, …).
    pub async fn fail_run_queue_item(&self, item: &str, message: &str, stage: &str) -> Result<()> {
        self.transport
            .execute::<Value>(
                queries::FAIL_RUN_QUEUE_ITEM,
                json!({"runQueueItemId": item, "message": message, "stage": stage, "filePaths": []}),
            )
            .await?;
        Ok(())
    }

    /// A job (`entity/project/name:alias`), its files downloaded into
    /// `root` (Python's `api.job(name, path)`). `NotFound` when there is no
    /// such job.
    pub async fn job(&self, name: &str, root: impl AsRef<Path>) -> Result<Job> {
        let not_found = || Error::NotFound {
            what: "job",
            name: name.to_string(),
        };
        let artifact = self
            .artifact(name, Some("job"))
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => not_found(),
                other => other,
            })?
            .ok_or_else(not_found)?;
        let root = root.as_ref();
        artifact.download(root).await?;
        let text = tokio::fs::read_to_string(root.join("wandb-job.json"))
            .await
            .map_err(|e| Error::Decode(format!("job {name}: no wandb-job.json: {e}")))?;
        let info = serde_json::from_str(&text)
            .map_err(|e| Error::Decode(format!("job {name}: wandb-job.json is not JSON: {e}")))?;
        Ok(Job {
            name: name.to_string(),
            info,
        })
    }

    /// The versions of every job in `project` (`entity/project`, or a
    /// project of the default entity).
    pub async fn list_jobs(&self, project: &str) -> Result<Vec<JobVersion>> {
        let (entity, project) = entity_project(project);
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let project = project
            .or_else(|| self.project.clone())
            .ok_or_else(|| Error::Config("list_jobs: no project given".into()))?;
        let data: Value = self
            .transport
            .execute(
                queries::ARTIFACT_OF_TYPE,
                json!({"entityName": entity, "projectName": project, "artifactTypeName": "job"}),
            )
            .await?;
        let mut jobs = Vec::new();
        let collections = data["project"]["artifactType"]["artifactCollections"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for collection in collections {
            for version in collection["node"]["artifacts"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                let node = &version["node"];
                jobs.push(JobVersion {
                    name: node["artifactSequence"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    id: node["id"].as_str().unwrap_or_default().to_string(),
                    state: node["state"].as_str().unwrap_or_default().to_string(),
                    aliases: node["aliases"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x["alias"].as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
        Ok(jobs)
    }
}
