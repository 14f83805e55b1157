//! Runs: creating and updating them (`upsertBucket`), streaming what they
//! log, searching, and reading history and files back.
//!
//! Reading a run needs read access to its project; everything else needs
//! membership of the project's entity (or instance admin). Methods that
//! serve a run's data without an actor take a [`Readable`] run (or
//! project), which only the checked lookups here grant; methods that write
//! take a [`Writable`] one.

use crate::authz::{Actor, ProjectAction, Readable, Writable};
use crate::branch::{BranchPoint, branch_point, rewind_step};
use crate::error::{CoreError, CoreResult};
use crate::model::Project;
use crate::run::{
    HistoryKey, LogLine, RUN_STATES, Run, RunFile, RunPage, RunPatch, RunQuery, RunSearch,
};
use crate::stream::{StreamBatch, StreamOutcome};
use crate::{Cairn, names};

/// Project that runs land in when the client names none (W&B's default).
pub const DEFAULT_PROJECT: &str = "uncategorized";

/// Largest page of runs, history rows or files one request may ask for.
pub const MAX_PAGE: i64 = 10_000;

/// Largest number of history samples one request may ask for.
pub const MAX_SAMPLES: i64 = 100_000;

/// Where an upsert points.
#[derive(Debug, Clone, Default)]
pub struct RunTarget {
    /// The run's id (`Run.id`), when the client knows it.
    pub id: Option<i64>,
    /// Entity; the caller's own when absent.
    pub entity: Option<String>,
    /// Project; [`DEFAULT_PROJECT`] when absent.
    pub project: Option<String>,
    /// Run name; generated when absent.
    pub name: Option<String>,
}

impl Cairn {
    /// Create a run, or update one (W&B's `upsertBucket`). Creating a run in
    /// a project that does not exist creates the project, as W&B does.
    pub async fn upsert_run(
        &self,
        actor: &Actor,
        target: RunTarget,
        patch: RunPatch,
    ) -> CoreResult<(Writable<Run>, bool)> {
        check_patch(&patch)?;
        if let Some(id) = target.id {
            let run = self.writable_run(actor, id).await?;
            let run = self.store.update_run(run.id, &patch).await?;
            return run
                .map(|r| (Writable::grant(r), false))
                .ok_or_else(|| CoreError::NotFound(format!("No run with id {id} exists.")));
        }
        let entity = target
            .entity
            .unwrap_or_else(|| actor.user().default_entity_name().to_string());
        let project = target
            .project
            .unwrap_or_else(|| DEFAULT_PROJECT.to_string());
        let name = match target.name {
            Some(name) => name,
            None => names::random_id()?,
        };
        names::validate_run_id(&name)?;
        let project = self
            .ensure_project(actor, &entity, &project, ProjectAction::LogRuns)
            .await?;
        // A fork (a new run whose config names another run as its branch
        // point) starts with that run's history; its parent must exist.
        let fork = match patch.config.as_deref().and_then(branch_point) {
            Some(point) if point.run_id != name => {
                match self.store.run_by_name(project.id, &name).await? {
                    Some(_) => None,
                    None => Some((self.fork_parent(&project, &point).await?, point.step)),
                }
            }
            _ => None,
        };
        let (mut run, created) = self
            .store
            .upsert_run(
                project.id,
                &name,
                &patch,
                actor.user().id,
                &crate::run_names::fresh_display_name,
            )
            .await?;
        if let Some((parent, step)) = fork
            && created
        {
            // Forking copies rows; compacted ones go back to rows first.
            self.restore_compacted_history(parent).await?;
            self.store.fork_history(run.id, parent, step).await?;
            run = self.store.run_by_id(run.id).await?.unwrap_or(run);
        }
        Ok((Writable::grant(run), created))
    }

    /// The row id of the run a fork in `project` branches from.
    async fn fork_parent(
        &self,
        project: &Readable<Project>,
        point: &BranchPoint,
    ) -> CoreResult<i64> {
        let parent = self.store.run_by_name(project.id, &point.run_id).await?;
        parent.map(|r| r.id).ok_or_else(|| {
            CoreError::NotFound(format!(
                "Cannot fork from run {}: no run with that id exists in project {}.",
                point.run_id, project.name
            ))
        })
    }

    /// Rewind a run (W&B's `rewindRun`, `wandb.init(resume_from=...)`):
    /// drop its history after a step, so that it continues from the next.
    /// The run keeps its id, name and config; its summary and counters
    /// follow the history that remains.
    pub async fn rewind_run(
        &self,
        actor: &Actor,
        entity: Option<&str>,
        project: Option<&str>,
        name: &str,
        metric_name: &str,
        metric_value: f64,
    ) -> CoreResult<Writable<Run>> {
        let step = rewind_step(metric_name, metric_value)?;
        let entity = entity.unwrap_or_else(|| actor.user().default_entity_name());
        let project = project.unwrap_or(DEFAULT_PROJECT);
        let run = self
            .writable_run_by_name(actor, entity, project, name)
            .await?;
        // Rewinding cuts rows; compacted ones go back to rows first.
        self.restore_compacted_history(run.id).await?;
        let rewound = self.store.rewind_history(run.id, step).await?;
        rewound
            .map(Writable::grant)
            .ok_or_else(|| CoreError::NotFound(format!("No run with id {} exists.", run.id)))
    }

    /// A run the caller may read; `None` when unknown or hidden.
    pub async fn run(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        name: &str,
    ) -> CoreResult<Option<Readable<Run>>> {
        let Some(project) = self.project(actor, entity, project).await? else {
            return Ok(None);
        };
        self.run_in(&project, name).await
    }

    /// A run of a readable project.
    pub async fn run_in(
        &self,
        project: &Readable<Project>,
        name: &str,
    ) -> CoreResult<Option<Readable<Run>>> {
        let run = self.store.run_by_name(project.id, name).await?;
        Ok(run.map(|run| project.part(run)))
    }

    /// A page of a readable project's runs.
    pub async fn runs(
        &self,
        project: &Readable<Project>,
        query: &RunQuery,
        cursor: Option<&str>,
        first: i64,
    ) -> CoreResult<RunPage<Readable<Run>>> {
        check_page(first, "runs")?;
        let search = RunSearch::parse(query)?;
        let page = self
            .store
            .search_runs(project.id, &search, cursor, first)
            .await?;
        Ok(RunPage {
            runs: (page.runs.into_iter())
                .map(|(run, cursor)| (project.part(run), cursor))
                .collect(),
            has_next_page: page.has_next_page,
        })
    }

    /// How many runs of a readable project match.
    pub async fn run_count(
        &self,
        project: &Readable<Project>,
        query: &RunQuery,
    ) -> CoreResult<i64> {
        // A count has no order, so a bad one is not its error.
        let search = RunSearch::parse(&RunQuery {
            order: None,
            ..query.clone()
        })?;
        Ok(self.store.count_runs(project.id, &search).await?)
    }

    /// Set a run's state (`updateRunState`).
    pub async fn set_run_state(
        &self,
        actor: &Actor,
        id: i64,
        state: &str,
    ) -> CoreResult<Writable<Run>> {
        let patch = RunPatch {
            state: Some(state.to_string()),
            ..RunPatch::default()
        };
        Ok(self
            .upsert_run(
                actor,
                RunTarget {
                    id: Some(id),
                    ..RunTarget::default()
                },
                patch,
            )
            .await?
            .0)
    }

    /// Ask a running run to stop; its client learns on its next stream call.
    pub async fn stop_run(&self, actor: &Actor, id: i64) -> CoreResult<()> {
        let run = self.writable_run(actor, id).await?;
        Ok(self.store.request_stop(run.id).await?)
    }

    /// Delete a run and all it logged. Returns it, so that its files can go;
    /// `None` when no run has that id (any more): deleting is idempotent, as
    /// on W&B. A run that exists but that the caller may not change is
    /// still an error.
    pub async fn delete_run(&self, actor: &Actor, id: i64) -> CoreResult<Option<Run>> {
        let Some(run) = self.store.run_by_id(id).await? else {
            return Ok(None);
        };
        let not_found = || CoreError::NotFound(format!("No run with id {id} exists."));
        let run = self.check_write(actor, run, not_found).await?;
        self.store.delete_run(run.id).await?;
        Ok(Some(run.into_inner()))
    }

    /// A run the caller may write to, by entity/project/name (file_stream,
    /// file uploads).
    pub async fn writable_run_by_name(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        name: &str,
    ) -> CoreResult<Writable<Run>> {
        let not_found = || {
            CoreError::NotFound(format!(
                "No run {entity}/{project}/{name} exists; create it with upsertBucket first."
            ))
        };
        let run = self
            .find_run(entity, project, name)
            .await?
            .ok_or_else(not_found)?;
        self.check_write(actor, run, not_found).await
    }

    /// A run named in a URL the server itself signed. The signature is the
    /// authorization (it was checked by whoever handed the URL out, and the
    /// server verified it before calling this), so this is for the signed
    /// upload/download routes only.
    pub async fn run_for_signed_url(
        &self,
        entity: &str,
        project: &str,
        name: &str,
    ) -> CoreResult<Option<Readable<Run>>> {
        let run = self.find_run(entity, project, name).await?;
        Ok(run.map(Readable::grant))
    }

    /// A run by entity, project and name, without any access check.
    async fn find_run(&self, entity: &str, project: &str, name: &str) -> CoreResult<Option<Run>> {
        let Some(entity) = self.store.entity_by_name(entity).await? else {
            return Ok(None);
        };
        let Some(project) = self.store.project_by_name(entity.id, project).await? else {
            return Ok(None);
        };
        Ok(self.store.run_by_name(project.id, name).await?)
    }

    /// A run the caller may read, or why not.
    pub async fn readable_run(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        name: &str,
    ) -> CoreResult<Readable<Run>> {
        self.run(actor, entity, project, name)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("No run {entity}/{project}/{name} exists.")))
    }

    /// A run by id that the caller may read, or why not.
    pub async fn readable_run_by_id(&self, actor: &Actor, id: i64) -> CoreResult<Readable<Run>> {
        let not_found = || CoreError::NotFound(format!("No run with id {id} exists."));
        let run = self.store.run_by_id(id).await?.ok_or_else(not_found)?;
        let project = self
            .project(actor, &run.entity_name, &run.project_name)
            .await?
            .ok_or_else(not_found)?;
        Ok(project.part(run))
    }

    /// The URL-signing secret, created on first use.
    pub async fn url_signing_key(&self) -> CoreResult<Vec<u8>> {
        let mut candidate = vec![0u8; 32];
        getrandom::fill(&mut candidate)
            .map_err(|e| CoreError::Internal(format!("no randomness for a secret: {e}")))?;
        Ok(self
            .store
            .secret_or_insert("url-signing-key", candidate)
            .await?)
    }

    /// Store one file_stream request for a run the caller may write.
    pub async fn append_stream(
        &self,
        run: &Writable<Run>,
        batch: &StreamBatch,
    ) -> CoreResult<StreamOutcome> {
        let events = self.metric_events(run, batch).await?;
        let outcome = self.store.append_stream(run.id, batch, &events).await?;
        if batch.history.is_some() {
            self.note_history_logged();
        }
        Ok(outcome)
    }

    /// Mark running runs silent for longer than `silence` as crashed.
    pub async fn mark_silent_runs_crashed(&self, silence: std::time::Duration) -> CoreResult<u64> {
        let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let silence_ms = i64::try_from(silence.as_millis()).unwrap_or(i64::MAX);
        Ok(self
            .store
            .mark_crashed(now_ms.saturating_sub(silence_ms))
            .await?)
    }

    /// The keys of a run's history.
    pub async fn history_keys(&self, run: &Readable<Run>) -> CoreResult<Vec<HistoryKey>> {
        Ok(self.store.history_keys(run.id).await?)
    }

    /// At most `samples` system-metric rows.
    pub async fn events(&self, run: &Readable<Run>, samples: i64) -> CoreResult<Vec<String>> {
        check_samples(samples)?;
        Ok(self.store.events(run.id, samples).await?)
    }

    /// Console lines from line `from`.
    pub async fn log_lines(
        &self,
        run: &Readable<Run>,
        from: i64,
        limit: i64,
    ) -> CoreResult<Vec<LogLine>> {
        check_page(limit, "console lines")?;
        Ok(self.store.log_lines(run.id, from.max(0), limit).await?)
    }

    /// Record a completed upload of a run file.
    pub async fn record_run_file(&self, file: &RunFile) -> CoreResult<RunFile> {
        Ok(self.store.put_run_file(file).await?)
    }

    /// A page of a run's files.
    pub async fn run_files(
        &self,
        run: &Readable<Run>,
        names: &[String],
        pattern: Option<&str>,
        after_name: Option<&str>,
        first: i64,
    ) -> CoreResult<Vec<RunFile>> {
        check_page(first, "files")?;
        Ok(self
            .store
            .run_files(run.id, names, pattern, after_name, first)
            .await?)
    }

    /// How many files a run has.
    pub async fn run_file_count(&self, run: &Readable<Run>) -> CoreResult<i64> {
        Ok(self.store.run_file_count(run.id).await?)
    }

    /// A run file and its run, if the caller may read them.
    pub async fn run_file(
        &self,
        actor: &Actor,
        file_id: i64,
    ) -> CoreResult<Option<(Readable<Run>, RunFile)>> {
        let Some(file) = self.store.run_file_by_id(file_id).await? else {
            return Ok(None);
        };
        let Some(run) = self.store.run_by_id(file.run_id).await? else {
            return Ok(None);
        };
        let project = self
            .project(actor, &run.entity_name, &run.project_name)
            .await?;
        Ok(project.map(|project| (project.part(run), file)))
    }

    /// Delete run files by id; every one must be writable by the caller.
    pub async fn delete_run_files(&self, actor: &Actor, ids: &[i64]) -> CoreResult<Vec<RunFile>> {
        for id in ids {
            let Some(file) = self.store.run_file_by_id(*id).await? else {
                return Err(CoreError::NotFound(format!(
                    "No run file with id {id} exists."
                )));
            };
            self.writable_run(actor, file.run_id).await?;
        }
        Ok(self.store.delete_run_files(ids).await?)
    }

    /// A run by id that the caller may change.
    pub async fn writable_run(&self, actor: &Actor, id: i64) -> CoreResult<Writable<Run>> {
        let not_found = || CoreError::NotFound(format!("No run with id {id} exists."));
        let run = self.store.run_by_id(id).await?.ok_or_else(not_found)?;
        self.check_write(actor, run, not_found).await
    }

    /// Whether the caller may change a run they can see.
    pub async fn may_write_run(&self, actor: &Actor, run: &Run) -> CoreResult<bool> {
        let project = self.project_of_run(run).await?;
        self.may(actor, &project, ProjectAction::LogRuns).await
    }

    /// `run` if the caller may change it; otherwise why not, without
    /// telling outsiders that a private run exists (`not_found`).
    async fn check_write(
        &self,
        actor: &Actor,
        run: Run,
        not_found: impl FnOnce() -> CoreError,
    ) -> CoreResult<Writable<Run>> {
        let project = self.project_of_run(&run).await?;
        self.authorize_or(actor, &project, ProjectAction::LogRuns, not_found)
            .await?;
        Ok(Writable::grant(run))
    }

    async fn project_of_run(&self, run: &Run) -> CoreResult<Project> {
        self.store
            .project_by_id(run.project_id)
            .await?
            .ok_or_else(|| CoreError::Internal(format!("run {} has no project", run.id)))
    }
}

pub(super) fn check_page(first: i64, what: &str) -> CoreResult<()> {
    if (1..=MAX_PAGE).contains(&first) {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "Page size {first} is out of range; ask for 1 to {MAX_PAGE} {what}."
        )))
    }
}

pub(super) fn check_samples(samples: i64) -> CoreResult<()> {
    if (1..=MAX_SAMPLES).contains(&samples) {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "samples must be between 1 and {MAX_SAMPLES}, got {samples}."
        )))
    }
}

fn check_patch(patch: &RunPatch) -> CoreResult<()> {
    if let Some(state) = &patch.state
        && !RUN_STATES.contains(&state.as_str())
    {
        return Err(CoreError::InvalidInput(format!(
            "Unknown run state {state:?}; use one of {}.",
            RUN_STATES.join(", ")
        )));
    }
    for (what, doc) in [("config", &patch.config), ("summary", &patch.summary)] {
        if let Some(doc) = doc
            && !matches!(
                crate::stream::parse_relaxed(doc),
                Ok(serde_json::Value::Object(_))
            )
        {
            return Err(CoreError::InvalidInput(format!(
                "The run {what} must be a JSON object."
            )));
        }
    }
    Ok(())
}
