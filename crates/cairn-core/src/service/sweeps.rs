//! Sweeps: creating and controlling them (`upsertSweep`), their agents, and
//! the controller that answers every agent heartbeat.
//!
//! The controller runs inside the server, one heartbeat at a time per
//! request and with no state of its own in memory: everything it knows is
//! read from the store at each heartbeat, so any number of agents (and,
//! later, server replicas) may ask at once. What it decides is pure
//! ([`crate::sweep::controller`]); what it needs to stay correct under
//! concurrency is the store's: a grid point or a place under the run cap is
//! taken by an insert that fails when it is already gone.
//!
//! Access follows the project: readers read sweeps and their agents; whoever
//! may log runs to the project creates sweeps, changes their state and runs
//! agents for them.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::authz::{Actor, ProjectAction, Readable};
use crate::error::{CoreError, CoreResult};
use crate::model::Project;
use crate::service::DEFAULT_PROJECT;
use crate::sweep::controller::{self, Command, Plan};
use crate::sweep::records::{
    Assignment, NewSweep, Sweep, SweepAgent, SweepPatch, SweepState, TrialRow,
};
use crate::sweep::{self as search, Method, SweepConfig, Trial};
use crate::{Cairn, names};

/// Most trials the search method reads at a heartbeat (the bayes model
/// takes the best and most recent of them).
const MAX_TRIALS: i64 = 5_000;

/// Most history values a run contributes to early termination.
const MAX_HISTORY_PER_RUN: i64 = 10_000;

/// How often the controller tries to hand out a grid point before giving
/// up on this heartbeat (another agent took each point it picked; the agent
/// asks again at its next heartbeat).
const ASSIGN_ATTEMPTS: usize = 1_000;

/// Most agents or agent runs one listing returns.
pub const MAX_AGENTS: i64 = 1_000;

/// What `upsertSweep` carries when it creates a sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepSpec {
    /// Entity; the caller's default when absent.
    pub entity: Option<String>,
    /// Project; [`DEFAULT_PROJECT`] when absent.
    pub project: Option<String>,
    /// The configuration (YAML or JSON).
    pub config: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Name shown for it.
    pub display_name: Option<String>,
    /// First state (W&B clients may create a sweep paused).
    pub state: Option<String>,
}

/// A sweep and the project it lives in.
pub struct SweepInProject {
    /// The sweep.
    pub sweep: Readable<Sweep>,
    /// Its project.
    pub project: Readable<Project>,
    /// Non-fatal remarks on its configuration.
    pub warnings: Vec<String>,
}

impl Cairn {
    /// Create a sweep (`upsertSweep` without an id). Creating one in a
    /// project that does not exist creates the project, as for runs.
    pub async fn create_sweep(&self, actor: &Actor, spec: SweepSpec) -> CoreResult<SweepInProject> {
        let text = spec.config.as_deref().ok_or_else(|| {
            CoreError::InvalidInput("config: a new sweep needs a configuration.".into())
        })?;
        let (config, warnings) = SweepConfig::parse(text)?;
        let state = match spec.state.as_deref() {
            Some(state) => SweepState::parse(state)?,
            None => SweepState::Running,
        };
        let entity = spec
            .entity
            .unwrap_or_else(|| actor.user().default_entity_name().to_string());
        let project = spec.project.unwrap_or_else(|| DEFAULT_PROJECT.to_string());
        let project = self
            .ensure_project(actor, &entity, &project, ProjectAction::LogRuns)
            .await?;
        let (metric_path, maximize, expected_runs) = derived(&config);
        let new = NewSweep {
            project_id: project.id,
            name: names::random_id()?,
            display_name: spec.display_name,
            description: spec.description,
            method: config.method().as_str().to_string(),
            state,
            config: text.to_string(),
            metric_path,
            maximize,
            expected_runs,
            created_by: actor.user().id,
        };
        let sweep = self.store.create_sweep(&new).await?;
        Ok(SweepInProject {
            sweep: project.part(sweep),
            project,
            warnings,
        })
    }

    /// Change a sweep (`upsertSweep` with an id): its state (pause, resume,
    /// stop, cancel), configuration, description or name.
    pub async fn update_sweep(
        &self,
        actor: &Actor,
        id: i64,
        spec: SweepSpec,
    ) -> CoreResult<SweepInProject> {
        let (sweep, project) = self.sweep_for(actor, id, ProjectAction::LogRuns).await?;
        let mut warnings = Vec::new();
        let mut patch = SweepPatch {
            description: spec.description,
            display_name: spec.display_name,
            ..SweepPatch::default()
        };
        if let Some(text) = spec.config {
            let (config, found) = SweepConfig::parse(&text)?;
            if config.method().as_str() != sweep.method {
                return Err(CoreError::InvalidInput(format!(
                    "method: a {} sweep cannot become a {} sweep; create a new sweep instead.",
                    sweep.method,
                    config.method().as_str()
                )));
            }
            warnings = found;
            let (path, maximize, expected) = derived(&config);
            patch.config = Some((text, path, maximize, expected));
        }
        if let Some(state) = spec.state.as_deref() {
            patch.state = Some(SweepState::parse(state)?);
        }
        let sweep = self
            .store
            .update_sweep(sweep.id, &patch)
            .await?
            .ok_or_else(|| sweep_not_found(id))?;
        Ok(SweepInProject {
            sweep: project.part(sweep),
            project,
            warnings,
        })
    }

    /// A sweep of a readable project by its id (`sweepName`).
    pub async fn sweep(
        &self,
        project: &Readable<Project>,
        name: &str,
    ) -> CoreResult<Option<Readable<Sweep>>> {
        let Some(sweep) = self.store.sweep_by_name(project.id, name).await? else {
            return Ok(None);
        };
        Ok(Some(project.part(self.settle(sweep).await?)))
    }

    /// A page of a readable project's sweeps, newest first.
    pub async fn sweeps(
        &self,
        project: &Readable<Project>,
        before_id: Option<i64>,
        first: i64,
    ) -> CoreResult<Vec<Readable<Sweep>>> {
        if !(0..=crate::MAX_PAGE).contains(&first) {
            return Err(CoreError::InvalidInput(format!(
                "first: a page of sweeps holds 0 to {} sweeps, not {first}.",
                crate::MAX_PAGE
            )));
        }
        let mut out = Vec::new();
        for sweep in self.store.sweeps(project.id, before_id, first).await? {
            out.push(project.part(self.settle(sweep).await?));
        }
        Ok(out)
    }

    /// How many sweeps a readable project has.
    pub async fn sweep_count(&self, project: &Readable<Project>) -> CoreResult<i64> {
        Ok(self.store.sweep_count(project.id).await?)
    }

    /// Register an agent for a sweep (`createAgent`).
    pub async fn create_agent(
        &self,
        actor: &Actor,
        entity: Option<&str>,
        project: Option<&str>,
        sweep_name: &str,
        host: &str,
    ) -> CoreResult<SweepAgent> {
        let entity = entity.unwrap_or_else(|| actor.user().default_entity_name());
        let project_name = project.unwrap_or(DEFAULT_PROJECT);
        let project = self
            .project_for(actor, entity, project_name, ProjectAction::LogRuns)
            .await?;
        let sweep = self
            .store
            .sweep_by_name(project.id, sweep_name)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "No sweep {sweep_name} exists in {entity}/{project_name}."
                ))
            })?;
        if host.len() > 1024 {
            return Err(CoreError::InvalidInput("host: at most 1024 bytes.".into()));
        }
        Ok(self
            .store
            .create_agent(sweep.id, &names::random_id()?, host, actor.user().id)
            .await?)
    }

    /// The agents of a readable sweep.
    pub async fn sweep_agents(&self, sweep: &Readable<Sweep>) -> CoreResult<Vec<SweepAgent>> {
        Ok(self.store.agents(sweep.id, MAX_AGENTS).await?)
    }

    /// An agent of a readable sweep by its name (or its numeric id).
    pub async fn sweep_agent(
        &self,
        sweep: &Readable<Sweep>,
        name: &str,
    ) -> CoreResult<Option<SweepAgent>> {
        if let Some(agent) = self.store.agent_by_name(sweep.id, name).await? {
            return Ok(Some(agent));
        }
        Ok(match name.parse::<i64>() {
            Ok(id) => self
                .store
                .agent_by_id(id)
                .await?
                .filter(|a| a.sweep_id == sweep.id),
            Err(_) => None,
        })
    }

    /// The run ids handed to an agent of a readable sweep.
    pub async fn agent_run_names(
        &self,
        sweep: &Readable<Sweep>,
        agent: &SweepAgent,
    ) -> CoreResult<Vec<String>> {
        if agent.sweep_id != sweep.id {
            return Ok(Vec::new());
        }
        Ok(self.store.agent_run_names(agent.id, MAX_AGENTS).await?)
    }

    /// An agent's heartbeat (`agentHeartbeat`): note the runs it reports
    /// running and answer with what it should do next. `start_timeout` is
    /// how long a handed-out run may take to show up before its place (and
    /// grid point) goes to another agent.
    pub async fn agent_heartbeat(
        &self,
        actor: &Actor,
        agent_id: i64,
        running: Vec<String>,
        start_timeout: Duration,
    ) -> CoreResult<(SweepAgent, Vec<Value>)> {
        let not_found =
            || CoreError::NotFound(format!("No sweep agent with id {agent_id} exists."));
        let agent = self
            .store
            .agent_by_id(agent_id)
            .await?
            .ok_or_else(not_found)?;
        let (sweep, _) = self
            .sweep_for(actor, agent.sweep_id, ProjectAction::LogRuns)
            .await
            .map_err(|e| match e {
                CoreError::NotFound(_) => not_found(),
                other => other,
            })?;
        let running: Vec<String> = running.into_iter().take(MAX_AGENTS as usize).collect();
        let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let expire_before = now_ms - i64::try_from(start_timeout.as_millis()).unwrap_or(i64::MAX);
        let view = self
            .store
            .agent_heartbeat(agent.id, &running, expire_before)
            .await?;
        let config = SweepConfig::parse(&sweep.config)?.0;
        let plan = controller::plan(sweep.state, &running, &view);
        let commands = match plan {
            Plan::Commands(commands) => commands,
            Plan::Judge => self.judge(&sweep, &config, &running).await?,
            Plan::Start => self.start_run(&sweep, &config, &agent).await?,
        };
        if commands.iter().any(|c| matches!(c, Command::Exit)) {
            self.store.finish_agent(agent.id).await?;
        }
        Ok((agent, commands.iter().map(Command::to_json).collect()))
    }

    /// Early termination: which of the agent's running runs should stop.
    async fn judge(
        &self,
        sweep: &Sweep,
        config: &SweepConfig,
        running: &[String],
    ) -> CoreResult<Vec<Command>> {
        let (Some(hyperband), Some(metric)) = (config.hyperband(), config.metric()) else {
            return Ok(Vec::new());
        };
        let per_run = hyperband
            .milestones()
            .last()
            .map_or(MAX_HISTORY_PER_RUN, |m| {
                (*m as i64).clamp(1, MAX_HISTORY_PER_RUN)
            });
        let mut histories = self
            .store
            .sweep_metric_histories(sweep.id, &metric.name, per_run)
            .await?;
        // Runs whose first values were compacted: those come first.
        for (run_id, name) in self.store.sweep_runs_with_segments(sweep.id).await? {
            let mut values = self
                .compacted_metric_values(run_id, &metric.name, per_run)
                .await?;
            match histories.iter_mut().find(|(n, _)| *n == name) {
                Some((_, live)) => {
                    values.append(live);
                    values.truncate(per_run as usize);
                    *live = values;
                }
                None => histories.push((name, values)),
            }
        }
        let borrowed: Vec<(&str, &[f64])> = histories
            .iter()
            .map(|(name, values)| (name.as_str(), values.as_slice()))
            .collect();
        let running: Vec<&str> = running.iter().map(String::as_str).collect();
        let stop: Vec<String> = hyperband
            .to_stop(metric.goal, &borrowed, &running)
            .into_iter()
            .map(str::to_string)
            .collect();
        if !stop.is_empty() {
            self.store.stop_sweep_runs(sweep.id, Some(&stop)).await?;
        }
        Ok(stop
            .into_iter()
            .map(|run_id| Command::Stop { run_id })
            .collect())
    }

    /// Hand the agent a new run, or tell it the sweep has nothing left.
    async fn start_run(
        &self,
        sweep: &Sweep,
        config: &SweepConfig,
        agent: &SweepAgent,
    ) -> CoreResult<Vec<Command>> {
        let cap = sweep.expected_runs;
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts > ASSIGN_ATTEMPTS {
                // Lost every race: ask again at the next heartbeat.
                return Ok(Vec::new());
            }
            // Read afresh each attempt: another agent may have taken what
            // the last attempt picked. Each lost race means another agent
            // got a run, so this ends once the sweep has none left.
            let trials = self.store.sweep_trials(sweep.id, MAX_TRIALS).await?;
            if cap.is_some_and(|cap| trials.len() as i64 >= cap) {
                break;
            }
            let (params, grid_index) = match config.method() {
                Method::Grid => {
                    let taken: Vec<u64> = (trials.iter())
                        .filter_map(|t| t.grid_index.and_then(|i| u64::try_from(i).ok()))
                        .collect();
                    let Some(index) = controller::free_grid_index(&taken, config.grid_size())
                    else {
                        break;
                    };
                    let Some(params) = search::grid_point(config, index) else {
                        break;
                    };
                    (params, Some(index as i64))
                }
                Method::Random | Method::Bayes => {
                    let trials = to_trials(&trials);
                    (search::suggest(config, &trials, random_seed()?)?, None)
                }
            };
            let assignment = Assignment {
                sweep_id: sweep.id,
                run_name: names::random_id()?,
                agent_id: agent.id,
                params: Value::Object(params.clone()).to_string(),
                grid_index,
            };
            if self.store.assign_run(&assignment, cap).await? {
                return Ok(vec![Command::Run {
                    run_id: assignment.run_name,
                    program: config.program().map(str::to_string),
                    params,
                }]);
            }
            if grid_index.is_none() {
                // Only the cap refuses a random or bayes run.
                break;
            }
        }
        // Nothing left to hand out. The sweep is done once every run it
        // handed out has ended.
        let unfinished = self
            .store
            .sweep_trials(sweep.id, MAX_TRIALS)
            .await?
            .iter()
            .any(|t| !t.finished);
        if !unfinished {
            self.store
                .finish_sweep(sweep.id, SweepState::Running, SweepState::Finished)
                .await?;
        }
        Ok(vec![Command::Exit])
    }

    /// A sweep by row id, with its project, if the caller may read it.
    pub async fn readable_sweep_by_id(
        &self,
        actor: &Actor,
        id: i64,
    ) -> CoreResult<(Readable<Sweep>, Readable<Project>)> {
        let (sweep, project) = self.sweep_for(actor, id, ProjectAction::Read).await?;
        Ok((project.part(self.settle(sweep).await?), project))
    }

    /// A running sweep whose every run has been handed out and has ended is
    /// finished, whether or not an agent was there to see the last one end
    /// (the agents may all have left): mark it so as it is read.
    async fn settle(&self, mut sweep: Sweep) -> CoreResult<Sweep> {
        if sweep.state == SweepState::Running && sweep.exhausted {
            self.store
                .finish_sweep(sweep.id, SweepState::Running, SweepState::Finished)
                .await?;
            sweep.state = SweepState::Finished;
        }
        Ok(sweep)
    }

    /// A sweep by row id and its project, if the caller may do `action`.
    async fn sweep_for(
        &self,
        actor: &Actor,
        id: i64,
        action: ProjectAction,
    ) -> CoreResult<(Sweep, Readable<Project>)> {
        let sweep = self
            .store
            .sweep_by_id(id)
            .await?
            .ok_or_else(|| sweep_not_found(id))?;
        let project = self
            .store
            .project_by_id(sweep.project_id)
            .await?
            .ok_or_else(|| sweep_not_found(id))?;
        self.authorize_or(actor, &project, action, || sweep_not_found(id))
            .await?;
        Ok((sweep, Readable::grant(project)))
    }
}

fn sweep_not_found(id: i64) -> CoreError {
    CoreError::NotFound(format!("No sweep with id {id} exists."))
}

/// The columns a sweep keeps from its configuration: the summary path its
/// runs are ranked by, whether higher is better, and how many runs it
/// starts in all.
fn derived(config: &SweepConfig) -> (Option<String>, bool, Option<i64>) {
    let metric = config.metric();
    (
        metric.map(|m| format!("summary_metrics.{}", m.name)),
        metric.is_some_and(|m| matches!(m.goal, search::Goal::Maximize)),
        config
            .expected_run_count()
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
    )
}

fn to_trials(rows: &[TrialRow]) -> Vec<Trial> {
    rows.iter()
        .map(|row| Trial {
            params: match serde_json::from_str::<Value>(&row.params) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            },
            metric: row.metric,
            finished: row.finished,
        })
        .collect()
}

fn random_seed() -> CoreResult<u64> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| CoreError::Internal(format!("no randomness for a sweep suggestion: {e}")))?;
    Ok(u64::from_le_bytes(bytes))
}
