//! Launch: run queues, pushing runs onto them, the agents that pop them,
//! and the items' lifecycle (PENDING → LEASED → CLAIMED → FINISHED or
//! FAILED).
//!
//! A queue lives in a project of its entity (W&B's `model-registry` unless
//! the client names another), so access to a queue is access to that
//! project, through the one path in `access.rs`: readers see queues and
//! their items; whoever may write to the project creates, changes and
//! deletes queues; whoever may log runs to it pushes, pops and reports on
//! items and runs agents. A queue a caller may not see is "not found".
//!
//! Everything a push brings is checked before anything is stored: the run
//! spec's JSON, the template variable values against their schemas, the
//! priority, and the job it names. Handing each item to one agent is the
//! store's single statement (see `LaunchStore::pop_item`).

use std::time::Duration;

use serde_json::Value;

use crate::authz::{Actor, ProjectAction, Readable};
use crate::error::{CoreError, CoreResult};
use crate::launch::records::{
    ItemReport, LaunchAgent, NewLaunchAgent, NewQueueItem, NewResourceConfig, NewRunQueue,
    Prioritization, QueueItem, ResourceConfig, RunQueue,
};
use crate::launch::spec::{self, check_resource, config_warnings, parse_config};
use crate::launch::template::Templates;
use crate::launch::{DEFAULT_PRIORITY, MAX_QUEUE_NAME, QUEUE_PROJECT};
use crate::model::Project;
use crate::{Cairn, names};

/// Most queues, items or agents one listing returns.
pub const MAX_QUEUE_LISTING: i64 = 1_000;

/// What `createRunQueue` / `upsertRunQueue` carry.
#[derive(Debug, Clone, Default)]
pub struct QueueSpec {
    /// The entity.
    pub entity: String,
    /// The project; [`QUEUE_PROJECT`] when absent.
    pub project: Option<String>,
    /// The queue's name.
    pub name: String,
    /// `PROJECT` (default) or `USER`.
    pub access: Option<String>,
    /// `V0` or `DISABLED` (default).
    pub prioritization: Option<String>,
    /// `{"links": [...]}`, JSON.
    pub external_links: Option<String>,
}

/// What a push carries.
#[derive(Debug, Clone)]
pub struct PushSpec {
    /// The run spec, JSON.
    pub run_spec: String,
    /// Template variable values, JSON.
    pub template_variable_values: Option<String>,
    /// 0 … 3.
    pub priority: Option<i64>,
}

/// A queue and the project it lives in.
pub struct QueueInProject {
    /// The queue.
    pub queue: Readable<RunQueue>,
    /// Its project.
    pub project: Readable<Project>,
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn cutoff(timeout: Duration) -> i64 {
    now_ms().saturating_sub(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX))
}

fn queue_not_found(name: &str) -> CoreError {
    CoreError::NotFound(format!("No run queue named {name:?} exists here."))
}

fn item_not_found(id: i64) -> CoreError {
    CoreError::NotFound(format!("No run queue item with id {id} exists."))
}

fn check_queue_name(name: &str) -> CoreResult<()> {
    if name.trim().is_empty() {
        return Err(CoreError::InvalidInput(
            "queueName: must not be empty".into(),
        ));
    }
    if name.chars().count() > MAX_QUEUE_NAME {
        return Err(CoreError::InvalidInput(format!(
            "queueName: at most {MAX_QUEUE_NAME} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::InvalidInput(
            "queueName: must not contain control characters".into(),
        ));
    }
    Ok(())
}

fn access_of(access: Option<&str>) -> CoreResult<String> {
    match access.map(str::to_ascii_uppercase).as_deref() {
        None | Some("PROJECT") => Ok("PROJECT".into()),
        Some("USER") => Ok("USER".into()),
        Some(other) => Err(CoreError::InvalidInput(format!(
            "access: unknown access {other:?} (expected PROJECT or USER)"
        ))),
    }
}

fn links_of(links: Option<&str>) -> CoreResult<String> {
    match links.map(str::trim) {
        None | Some("") | Some("null") => Ok(r#"{"links":[]}"#.into()),
        Some(text) => {
            let map = spec::parse_object("externalLinks", text)?;
            match map.get("links") {
                None | Some(Value::Array(_)) => Ok(Value::Object(map).to_string()),
                Some(_) => Err(CoreError::InvalidInput(
                    "externalLinks.links: expected a list of {\"label\", \"url\"}".into(),
                )),
            }
        }
    }
}

impl Cairn {
    /// The entity's queue project, created if needed, checked for `action`.
    async fn queue_project(
        &self,
        actor: &Actor,
        entity: &str,
        project: Option<&str>,
        action: ProjectAction,
    ) -> CoreResult<Readable<Project>> {
        let project = project.unwrap_or(QUEUE_PROJECT);
        self.ensure_project(actor, entity, project, action).await
    }

    /// Store a default resource configuration for `entity`
    /// (`createDefaultResourceConfig`).
    pub async fn create_resource_config(
        &self,
        actor: &Actor,
        entity: &str,
        resource: &str,
        config: &str,
        template_variables: Option<&str>,
    ) -> CoreResult<ResourceConfig> {
        check_resource(resource)?;
        let parsed = parse_config(config)?;
        let templates = Templates::parse(template_variables.unwrap_or(""))?;
        let project = self
            .queue_project(actor, entity, None, ProjectAction::Write)
            .await?;
        let new = NewResourceConfig {
            entity_id: project.entity_id,
            resource: resource.to_string(),
            config: Value::Object(parsed).to_string(),
            template_variables: templates.to_json(),
        };
        Ok(self.store.create_resource_config(&new).await?)
    }

    /// A default resource configuration of `entity`, if the caller may read
    /// the entity's queues.
    pub async fn resource_config(
        &self,
        actor: &Actor,
        entity: &str,
        id: i64,
    ) -> CoreResult<Option<ResourceConfig>> {
        let Some(project) = self.project(actor, entity, QUEUE_PROJECT).await? else {
            return Ok(None);
        };
        Ok(self
            .store
            .resource_config(id)
            .await?
            .filter(|c| c.entity_id == project.entity_id))
    }

    /// Create a queue (`createRunQueue`); a conflict when the name is taken.
    pub async fn create_run_queue(
        &self,
        actor: &Actor,
        spec: QueueSpec,
        resource_config_id: Option<i64>,
    ) -> CoreResult<QueueInProject> {
        check_queue_name(&spec.name)?;
        let prioritization = spec
            .prioritization
            .as_deref()
            .map(Prioritization::parse)
            .transpose()?
            .unwrap_or(Prioritization::Disabled);
        let access = access_of(spec.access.as_deref())?;
        let links = links_of(spec.external_links.as_deref())?;
        let project = self
            .queue_project(
                actor,
                &spec.entity,
                spec.project.as_deref(),
                ProjectAction::Write,
            )
            .await?;
        if let Some(id) = resource_config_id {
            let config = self.store.resource_config(id).await?;
            if config.is_none_or(|c| c.entity_id != project.entity_id) {
                return Err(CoreError::NotFound(format!(
                    "defaultResourceConfigID: no resource configuration {id} in entity {}",
                    project.entity_name
                )));
            }
        }
        let new = NewRunQueue {
            project_id: project.id,
            name: spec.name.clone(),
            access,
            prioritization,
            resource_config_id,
            external_links: links,
            created_by: actor.user().id,
        };
        let queue = self.store.create_run_queue(&new).await?;
        Ok(QueueInProject {
            queue: project.part(queue),
            project,
        })
    }

    /// Create or change a queue with a new configuration
    /// (`upsertRunQueue`); returns the queue and the configuration's
    /// warnings.
    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_run_queue(
        &self,
        actor: &Actor,
        spec: QueueSpec,
        resource: &str,
        config: &str,
        template_variables: Option<&str>,
    ) -> CoreResult<(QueueInProject, Vec<String>)> {
        check_queue_name(&spec.name)?;
        check_resource(resource)?;
        let parsed = parse_config(config)?;
        let templates = Templates::parse(template_variables.unwrap_or(""))?;
        let warnings = config_warnings(&parsed, resource, &templates);
        let prioritization = spec
            .prioritization
            .as_deref()
            .map(Prioritization::parse)
            .transpose()?
            .unwrap_or(Prioritization::Disabled);
        let access = access_of(spec.access.as_deref())?;
        let links = links_of(spec.external_links.as_deref())?;
        let project = self
            .queue_project(
                actor,
                &spec.entity,
                spec.project.as_deref(),
                ProjectAction::Write,
            )
            .await?;
        let queue = NewRunQueue {
            project_id: project.id,
            name: spec.name.clone(),
            access,
            prioritization,
            resource_config_id: None,
            external_links: links,
            created_by: actor.user().id,
        };
        let config = NewResourceConfig {
            entity_id: project.entity_id,
            resource: resource.to_string(),
            config: Value::Object(parsed).to_string(),
            template_variables: templates.to_json(),
        };
        let queue = self.store.upsert_run_queue(&queue, &config).await?;
        Ok((
            QueueInProject {
                queue: project.part(queue),
                project,
            },
            warnings,
        ))
    }

    /// A queue of a readable project by name.
    pub async fn run_queue(
        &self,
        project: &Readable<Project>,
        name: &str,
    ) -> CoreResult<Option<Readable<RunQueue>>> {
        let queue = self.store.run_queue_by_name(project.id, name).await?;
        Ok(queue.map(|q| project.part(q)))
    }

    /// A readable project's queues.
    pub async fn run_queues(
        &self,
        project: &Readable<Project>,
    ) -> CoreResult<Vec<Readable<RunQueue>>> {
        let queues = self.store.run_queues(project.id, MAX_QUEUE_LISTING).await?;
        Ok(queues.into_iter().map(|q| project.part(q)).collect())
    }

    /// A queue by id, checked for `action`; not found when hidden.
    async fn queue_for(
        &self,
        actor: &Actor,
        id: i64,
        action: ProjectAction,
    ) -> CoreResult<QueueInProject> {
        let not_found = || CoreError::NotFound(format!("No run queue with id {id} exists."));
        let queue = self
            .store
            .run_queue_by_id(id)
            .await?
            .ok_or_else(not_found)?;
        let project = self
            .store
            .project_by_id(queue.project_id)
            .await?
            .ok_or_else(not_found)?;
        self.authorize_or(actor, &project, action, not_found)
            .await?;
        let project = Readable::grant(project);
        Ok(QueueInProject {
            queue: project.part(queue),
            project,
        })
    }

    /// A queue by entity, project and name, checked for `action`.
    async fn queue_named(
        &self,
        actor: &Actor,
        entity: &str,
        project: Option<&str>,
        name: &str,
        action: ProjectAction,
    ) -> CoreResult<QueueInProject> {
        let project_name = project.unwrap_or(QUEUE_PROJECT);
        let project = self
            .project_for(actor, entity, project_name, action)
            .await
            .map_err(|e| match e {
                CoreError::NotFound(_) => queue_not_found(name),
                other => other,
            })?;
        let queue = self
            .store
            .run_queue_by_name(project.id, name)
            .await?
            .ok_or_else(|| queue_not_found(name))?;
        Ok(QueueInProject {
            queue: project.part(queue),
            project,
        })
    }

    /// Delete queues with their items (`deleteRunQueues`). Every id is
    /// checked before any is deleted.
    pub async fn delete_run_queues(&self, actor: &Actor, ids: &[i64]) -> CoreResult<()> {
        if ids.len() > MAX_QUEUE_LISTING as usize {
            return Err(CoreError::InvalidInput(format!(
                "queueIDs: at most {MAX_QUEUE_LISTING} at once"
            )));
        }
        for id in ids {
            self.queue_for(actor, *id, ProjectAction::Write).await?;
        }
        for id in ids {
            self.store.delete_run_queue(*id).await?;
        }
        Ok(())
    }

    /// A readable queue's items, pending first in pop order; leases past
    /// `lease_timeout` are let go first, so they read as pending.
    pub async fn queue_items(
        &self,
        queue: &Readable<RunQueue>,
        limit: i64,
        lease_timeout: Duration,
    ) -> CoreResult<Vec<QueueItem>> {
        self.store
            .expire_leases(queue.id, cutoff(lease_timeout))
            .await?;
        Ok(self
            .store
            .queue_items(
                queue.id,
                queue.prioritization,
                limit.clamp(0, MAX_QUEUE_LISTING),
            )
            .await?)
    }

    /// An item of a readable queue.
    pub async fn queue_item(
        &self,
        queue: &Readable<RunQueue>,
        id: i64,
        lease_timeout: Duration,
    ) -> CoreResult<Option<QueueItem>> {
        self.store
            .expire_leases(queue.id, cutoff(lease_timeout))
            .await?;
        Ok(self
            .store
            .queue_item(id)
            .await?
            .filter(|item| item.queue_id == queue.id))
    }

    /// Push a run onto a queue named by entity, project and name
    /// (`pushToRunQueueByName`).
    pub async fn push_to_run_queue_by_name(
        &self,
        actor: &Actor,
        entity: &str,
        project: Option<&str>,
        queue: &str,
        push: PushSpec,
    ) -> CoreResult<QueueItem> {
        let found = self
            .queue_named(actor, entity, project, queue, ProjectAction::LogRuns)
            .await?;
        self.push(actor, found.queue.into_inner(), push).await
    }

    /// Push a run onto a queue by id (`pushToRunQueue`).
    pub async fn push_to_run_queue(
        &self,
        actor: &Actor,
        queue_id: i64,
        push: PushSpec,
    ) -> CoreResult<QueueItem> {
        let found = self
            .queue_for(actor, queue_id, ProjectAction::LogRuns)
            .await?;
        self.push(actor, found.queue.into_inner(), push).await
    }

    async fn push(&self, actor: &Actor, queue: RunQueue, push: PushSpec) -> CoreResult<QueueItem> {
        let priority = push.priority.unwrap_or(DEFAULT_PRIORITY);
        if !(0..=3).contains(&priority) {
            return Err(CoreError::InvalidInput(format!(
                "priority: {priority} is out of range (0 critical, 1 high, 2 medium, 3 low)"
            )));
        }
        let config = match queue.resource_config_id {
            Some(id) => self.store.resource_config(id).await?,
            None => None,
        };
        let (resource, parsed, templates) = match &config {
            Some(c) => (
                Some(c.resource.as_str()),
                Some(parse_config(&c.config)?),
                Templates::parse(&c.template_variables)?,
            ),
            None => (None, None, Templates::default()),
        };
        let values = templates
            .resolve(push.template_variable_values.as_deref())
            .map_err(|e| match e {
                CoreError::InvalidInput(m) => {
                    CoreError::InvalidInput(format!("run queue {:?}: {m}", queue.name))
                }
                other => other,
            })?;
        let prepared = spec::prepare(&push.run_spec, resource, parsed.as_ref(), &values)?;
        if let Some(job) = &prepared.job {
            self.check_job(actor, job).await?;
        }
        let item = NewQueueItem {
            queue_id: queue.id,
            run_spec: prepared.spec,
            template_variable_values: (!values.is_empty())
                .then(|| Value::Object(values).to_string()),
            priority,
            run_entity: prepared.entity,
            run_project: prepared.project,
            created_by: actor.user().id,
        };
        Ok(self.store.push_item(&item).await?)
    }

    /// `Ok` when `job` (`entity/project/name:alias`) names a job the caller
    /// can read.
    async fn check_job(&self, actor: &Actor, job: &str) -> CoreResult<()> {
        let missing = |why: &str| CoreError::NotFound(format!("runSpec.job: {why} ({job:?})"));
        let (path, version) = job.rsplit_once(':').unwrap_or((job, "latest"));
        let parts: Vec<&str> = path.split('/').collect();
        let [entity, project, name] = parts[..] else {
            return Err(CoreError::InvalidInput(format!(
                "runSpec.job: expected entity/project/name:alias, got {job:?}"
            )));
        };
        let Some(project) = self.project(actor, entity, project).await? else {
            return Err(missing("no such job"));
        };
        let Some(collection) = self.collection(&project, name).await? else {
            return Err(missing("no such job"));
        };
        if self.membership(&collection, version).await?.is_none() {
            return Err(missing("the job has no such version or alias"));
        }
        Ok(())
    }

    /// Lease the next item of a queue to an agent (`popFromRunQueue`);
    /// `None` when nothing is pending.
    pub async fn pop_from_run_queue(
        &self,
        actor: &Actor,
        entity: &str,
        project: Option<&str>,
        queue: &str,
        agent_id: Option<i64>,
        lease_timeout: Duration,
    ) -> CoreResult<Option<QueueItem>> {
        let found = self
            .queue_named(actor, entity, project, queue, ProjectAction::LogRuns)
            .await?;
        if let Some(agent) = agent_id {
            self.agent_for(actor, agent).await?;
        }
        Ok(self
            .store
            .pop_item(
                found.queue.id,
                found.queue.prioritization,
                agent_id,
                cutoff(lease_timeout),
            )
            .await?)
    }

    /// An item by id whose queue the caller may log runs to.
    async fn item_for(&self, actor: &Actor, id: i64) -> CoreResult<QueueItem> {
        let item = self
            .store
            .queue_item(id)
            .await?
            .ok_or_else(|| item_not_found(id))?;
        self.queue_for(actor, item.queue_id, ProjectAction::LogRuns)
            .await
            .map_err(|e| match e {
                CoreError::NotFound(_) => item_not_found(id),
                other => other,
            })?;
        Ok(item)
    }

    /// Claim a leased item for the run its agent starts
    /// (`ackRunQueueItem`); false when it was not leased (another agent
    /// claimed it, or its lease expired).
    pub async fn ack_run_queue_item(&self, actor: &Actor, id: i64, run: &str) -> CoreResult<bool> {
        names::validate("runName", run)?;
        self.item_for(actor, id).await?;
        Ok(self.store.ack_item(id, run).await?)
    }

    /// Record that an item failed (`failRunQueueItem`).
    pub async fn fail_run_queue_item(
        &self,
        actor: &Actor,
        id: i64,
        report: ItemReport,
    ) -> CoreResult<bool> {
        self.item_for(actor, id).await?;
        Ok(self.store.fail_item(id, &bounded(report)?).await?)
    }

    /// Add a warning to an item (`updateRunQueueItemWarning`).
    pub async fn warn_run_queue_item(
        &self,
        actor: &Actor,
        id: i64,
        report: ItemReport,
    ) -> CoreResult<bool> {
        self.item_for(actor, id).await?;
        Ok(self.store.warn_item(id, &bounded(report)?).await?)
    }

    /// Remove an item from its queue (`deleteFromRunQueue`).
    pub async fn delete_from_run_queue(
        &self,
        actor: &Actor,
        queue_id: i64,
        id: i64,
    ) -> CoreResult<()> {
        self.queue_for(actor, queue_id, ProjectAction::LogRuns)
            .await?;
        if self.store.delete_item(queue_id, id).await? {
            Ok(())
        } else {
            Err(item_not_found(id))
        }
    }

    /// Register a launch agent polling `queues` (ids of queues in `entity`'s
    /// `project`) (`createLaunchAgent`).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_launch_agent(
        &self,
        actor: &Actor,
        entity: &str,
        project: Option<&str>,
        queues: &[i64],
        hostname: &str,
        agent_config: Option<String>,
        version: Option<String>,
    ) -> CoreResult<LaunchAgent> {
        if queues.len() > MAX_QUEUE_LISTING as usize {
            return Err(CoreError::InvalidInput(format!(
                "runQueues: at most {MAX_QUEUE_LISTING}"
            )));
        }
        let project = self
            .queue_project(actor, entity, project, ProjectAction::LogRuns)
            .await?;
        for id in queues {
            let found = self.queue_for(actor, *id, ProjectAction::LogRuns).await?;
            if found.queue.project_id != project.id {
                return Err(CoreError::InvalidInput(format!(
                    "runQueues: queue {:?} is not in {}/{}",
                    found.queue.name, project.entity_name, project.name
                )));
            }
        }
        if let Some(config) = &agent_config {
            spec::parse_object("agentConfig", config)?;
        }
        let new = NewLaunchAgent {
            entity_id: project.entity_id,
            project_id: project.id,
            name: names::random_id()?,
            hostname: hostname.chars().take(255).collect(),
            queue_ids: queues.to_vec(),
            agent_config,
            version: version.map(|v| v.chars().take(255).collect()),
            created_by: actor.user().id,
        };
        Ok(self.store.create_launch_agent(&new).await?)
    }

    /// A launch agent whose project the caller may log runs to.
    async fn agent_for(&self, actor: &Actor, id: i64) -> CoreResult<LaunchAgent> {
        let not_found = || CoreError::NotFound(format!("No launch agent with id {id} exists."));
        let agent = self.store.launch_agent(id).await?.ok_or_else(not_found)?;
        let project = self
            .store
            .project_by_id(agent.project_id)
            .await?
            .ok_or_else(not_found)?;
        self.authorize_or(actor, &project, ProjectAction::LogRuns, not_found)
            .await?;
        Ok(agent)
    }

    /// A launch agent (`launchAgent(id)`), if the caller may see its queues.
    pub async fn launch_agent(&self, actor: &Actor, id: i64) -> CoreResult<Option<LaunchAgent>> {
        let Some(agent) = self.store.launch_agent(id).await? else {
            return Ok(None);
        };
        Ok(self
            .readable_project_by_id(actor, agent.project_id)
            .await?
            .map(|_| agent))
    }

    /// The launch agents of an entity whose queue project the caller may
    /// read, newest first.
    pub async fn launch_agents(&self, actor: &Actor, entity: &str) -> CoreResult<Vec<LaunchAgent>> {
        let Some(project) = self.project(actor, entity, QUEUE_PROJECT).await? else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .launch_agents(project.entity_id, MAX_QUEUE_LISTING)
            .await?)
    }

    /// An agent's status report (`updateLaunchAgent`), which is also its
    /// heartbeat; `stop_polling` asks it to stop.
    pub async fn update_launch_agent(
        &self,
        actor: &Actor,
        id: i64,
        status: Option<&str>,
        stop_polling: Option<bool>,
    ) -> CoreResult<bool> {
        self.agent_for(actor, id).await?;
        let status = status.map(|s| s.chars().take(64).collect::<String>());
        Ok(self
            .store
            .update_launch_agent(id, status.as_deref(), stop_polling)
            .await?)
    }
}

/// A report with its text bounded.
fn bounded(report: ItemReport) -> CoreResult<ItemReport> {
    const MAX_MESSAGE: usize = 64 * 1024;
    const MAX_FILES: usize = 100;
    if report.file_paths.len() > MAX_FILES {
        return Err(CoreError::InvalidInput(format!(
            "filePaths: at most {MAX_FILES}"
        )));
    }
    Ok(ItemReport {
        message: report.message.chars().take(MAX_MESSAGE).collect(),
        stage: report.stage.chars().take(64).collect(),
        file_paths: report
            .file_paths
            .into_iter()
            .map(|p| p.chars().take(1024).collect())
            .collect(),
    })
}
