//! Run mutations: `upsertBucket` (create/update a run), `createRunFiles`
//! (upload URLs), state changes, stop, and deletion of runs and files.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use cairn_core::authz::Writable;
use cairn_core::blob::{run_file_key, run_prefix};
use cairn_core::run::{Run, RunPatch};
use cairn_core::{CoreError, ProjectAction, RunTarget, names};

use crate::error::GqlResultExt;
use crate::graphql::ids::RunRef;
use crate::graphql::mutation::SuccessPayload;
use crate::graphql::scalars::{Duration, JsonString};
use crate::graphql::types::RunObject;
use crate::graphql::types::file::signed_url;
use crate::graphql::{actor, blobs, cairn, ids};

/// Mutations on runs.
#[derive(Default)]
pub struct RunMutation;

#[derive(InputObject)]
struct UpsertBucketInput {
    /// The run's GraphQL id, when updating a known run.
    id: Option<String>,
    /// The run id (`abc123`).
    name: Option<String>,
    group_name: Option<String>,
    /// The project.
    model_name: Option<String>,
    entity_name: Option<String>,
    description: Option<String>,
    display_name: Option<String>,
    notes: Option<String>,
    config: Option<JsonString>,
    commit: Option<String>,
    host: Option<String>,
    debug: Option<bool>,
    job_program: Option<String>,
    job_repo: Option<String>,
    job_type: Option<String>,
    state: Option<String>,
    sweep: Option<String>,
    tags: Option<Vec<String>>,
    summary_metrics: Option<JsonString>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct UpsertBucketPayload {
    bucket: Option<RunObject>,
    inserted: bool,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct RewindRunInput {
    /// The run id (`abc123`).
    run_name: String,
    /// The run's entity; the caller's own when absent.
    entity_name: Option<String>,
    /// The run's project; `uncategorized` when absent.
    project_name: Option<String>,
    /// The metric to rewind on; only `_step` is supported (as on W&B).
    metric_name: String,
    /// The last value of the metric to keep.
    metric_value: f64,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct RewindRunPayload {
    rewound_run: Option<RunObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateRunFilesInput {
    entity_name: String,
    project_name: String,
    run_name: String,
    files: Vec<String>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(name = "CreateRunFilesPayload")]
struct CreateRunFilesPayload {
    #[graphql(name = "runID")]
    run_id: ID,
    /// `Name:Value` headers to send with each PUT (none needed).
    upload_headers: Vec<String>,
    files: Vec<UploadUrl>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(name = "RunFileUploadUrl")]
struct UploadUrl {
    name: String,
    upload_url: String,
}

#[derive(InputObject)]
struct MarkRunFilesUploadedInput {
    entity_name: String,
    project_name: String,
    run_name: String,
    files: Vec<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateRunStateInput {
    id: ID,
    state: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct StopRunInput {
    id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteRunInput {
    id: ID,
    /// Accepted; runs own no artifacts yet.
    delete_artifacts: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteFilesInput {
    files: Vec<ID>,
    /// Accepted for compatibility; files are found by id.
    project_id: Option<i64>,
    client_mutation_id: Option<String>,
}

/// How loud an alert is.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum AlertSeverity {
    #[graphql(name = "INFO")]
    Info,
    #[graphql(name = "WARN")]
    Warn,
    #[graphql(name = "ERROR")]
    Error,
}

#[derive(InputObject)]
struct NotifyScriptableRunAlertInput {
    entity_name: String,
    project_name: String,
    run_name: String,
    title: String,
    text: String,
    severity: Option<AlertSeverity>,
    /// Minimum time between alerts of the same title, in ms (a minute when
    /// left out).
    wait_duration: Option<Duration>,
    client_mutation_id: Option<String>,
}

/// `{clientMutationId}` payloads.
#[derive(SimpleObject)]
struct DeleteRunPayload {
    client_mutation_id: Option<String>,
}

/// A run named by entity, project and run name, if the caller may write it.
async fn writable_run(
    ctx: &Context<'_>,
    entity: &str,
    project: &str,
    run: &str,
) -> async_graphql::Result<Writable<Run>> {
    cairn(ctx)
        .writable_run_by_name(actor(ctx), entity, project, run)
        .await
        .gql()
}

/// The row id of a run a mutation names by GraphQL id, in Cairn's form or
/// W&B's (`Run:v1:<run>:<project>:<entity>`); a run named the W&B way must
/// exist and be writable.
async fn run_row_id(ctx: &Context<'_>, id: &str) -> Result<i64, CoreError> {
    match ids::decode_run(id)? {
        RunRef::Row(n) => Ok(n),
        RunRef::Named {
            entity,
            project,
            name,
        } => Ok(cairn(ctx)
            .writable_run_by_name(actor(ctx), &entity, &project, &name)
            .await?
            .id),
    }
}

fn success(client_mutation_id: Option<String>) -> SuccessPayload {
    SuccessPayload {
        success: true,
        client_mutation_id,
    }
}

#[Object]
impl RunMutation {
    /// Create a run or change one (W&B's name for a run is "bucket").
    async fn upsert_bucket(
        &self,
        ctx: &Context<'_>,
        input: UpsertBucketInput,
    ) -> async_graphql::Result<UpsertBucketPayload> {
        let _ = input.debug;
        let id = match input.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => Some(run_row_id(ctx, id).await.gql()?),
            None => None,
        };
        let target = RunTarget {
            id,
            entity: input.entity_name,
            project: input.model_name,
            name: input.name,
        };
        let patch = RunPatch {
            display_name: input.display_name,
            description: input.description,
            notes: input.notes,
            group: input.group_name,
            job_type: input.job_type,
            state: input.state,
            host: input.host,
            program: input.job_program,
            commit: input.commit,
            repo: input.job_repo,
            sweep_name: input.sweep,
            config: input.config.map(|c| c.0),
            summary: input.summary_metrics.map(|s| s.0),
            tags: input.tags,
        };
        let (run, inserted) = cairn(ctx)
            .upsert_run(actor(ctx), target, patch)
            .await
            .gql()?;
        Ok(UpsertBucketPayload {
            bucket: Some(RunObject(run.readable())),
            inserted,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Rewind a run (`wandb.init(resume_from="run?_step=N")`): drop its
    /// history after step N; the client then resumes it at the answered
    /// `historyLineCount`.
    async fn rewind_run(
        &self,
        ctx: &Context<'_>,
        input: RewindRunInput,
    ) -> async_graphql::Result<RewindRunPayload> {
        let run = cairn(ctx)
            .rewind_run(
                actor(ctx),
                input.entity_name.as_deref(),
                input.project_name.as_deref(),
                &input.run_name,
                &input.metric_name,
                input.metric_value,
            )
            .await
            .gql()?;
        Ok(RewindRunPayload {
            rewound_run: Some(RunObject(run.readable())),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Signed upload URLs for a run's files.
    async fn create_run_files(
        &self,
        ctx: &Context<'_>,
        input: CreateRunFilesInput,
    ) -> async_graphql::Result<CreateRunFilesPayload> {
        for name in &input.files {
            names::validate_file_path(name).gql()?;
        }
        let run = writable_run(
            ctx,
            &input.entity_name,
            &input.project_name,
            &input.run_name,
        )
        .await?;
        let files = input
            .files
            .into_iter()
            .map(|name| UploadUrl {
                upload_url: signed_url(ctx, "PUT", &run, &name),
                name,
            })
            .collect();
        Ok(CreateRunFilesPayload {
            run_id: ids::encode("Run", run.id),
            upload_headers: Vec::new(),
            files,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Acknowledge uploads (they were recorded when the bytes arrived).
    async fn mark_run_files_uploaded(
        &self,
        ctx: &Context<'_>,
        input: MarkRunFilesUploadedInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let _ = input.files;
        writable_run(
            ctx,
            &input.entity_name,
            &input.project_name,
            &input.run_name,
        )
        .await?;
        Ok(success(input.client_mutation_id))
    }

    /// Set a run's state (`pending`, `failed`, …).
    async fn update_run_state(
        &self,
        ctx: &Context<'_>,
        input: UpdateRunStateInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = run_row_id(ctx, &input.id).await.gql()?;
        cairn(ctx)
            .set_run_state(actor(ctx), id, &input.state)
            .await
            .gql()?;
        Ok(success(input.client_mutation_id))
    }

    /// Ask a running run to stop.
    async fn stop_run(
        &self,
        ctx: &Context<'_>,
        input: StopRunInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = run_row_id(ctx, &input.id).await.gql()?;
        cairn(ctx).stop_run(actor(ctx), id).await.gql()?;
        Ok(success(input.client_mutation_id))
    }

    /// `run.alert(...)`. Cairn has no notification channels yet: the alert
    /// goes to the server log (target `cairn::alert`), so that a script
    /// that raises alerts keeps running.
    async fn notify_scriptable_run_alert(
        &self,
        ctx: &Context<'_>,
        input: NotifyScriptableRunAlertInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let run = writable_run(
            ctx,
            &input.entity_name,
            &input.project_name,
            &input.run_name,
        )
        .await?;
        let severity = match input.severity.unwrap_or(AlertSeverity::Info) {
            AlertSeverity::Info => cairn_core::automation::Severity::Info,
            AlertSeverity::Warn => cairn_core::automation::Severity::Warn,
            AlertSeverity::Error => cairn_core::automation::Severity::Error,
        };
        // W&B's default wait between alerts of one title: a minute.
        let wait_ms = input.wait_duration.map_or(60_000, |d| d.0);
        let outcome = cairn(ctx)
            .run_alert(
                actor(ctx),
                &run,
                &input.title,
                &input.text,
                severity,
                wait_ms,
            )
            .await
            .gql()?;
        tracing::info!(
            target: "cairn::alert",
            run = %format!("{}/{}/{}", run.entity_name, run.project_name, run.name),
            severity = severity.as_str(),
            title = %input.title,
            outcome = ?outcome,
            "run alert"
        );
        Ok(success(input.client_mutation_id))
    }

    /// Delete a run, its history and its files.
    async fn delete_run(
        &self,
        ctx: &Context<'_>,
        input: DeleteRunInput,
    ) -> async_graphql::Result<DeleteRunPayload> {
        let _ = input.delete_artifacts;
        // Deleting is idempotent, as on W&B: a run that is already gone
        // answers success, so a repeated `run.delete()` does not fail. A run
        // the caller may not change (or see) is still an error, and so is a
        // W&B-form id naming a project the caller cannot see.
        let run = match ids::decode_run(&input.id).gql()? {
            RunRef::Row(id) => cairn(ctx).delete_run(actor(ctx), id).await.gql()?,
            RunRef::Named {
                entity,
                project,
                name,
            } => {
                let service = cairn(ctx);
                let project = service
                    .project_for(actor(ctx), &entity, &project, ProjectAction::Read)
                    .await
                    .gql()?;
                match service.run_in(&project, &name).await.gql()? {
                    Some(run) => service.delete_run(actor(ctx), run.id).await.gql()?,
                    None => None,
                }
            }
        };
        if let Some(run) = run
            && let Err(e) = blobs(ctx).delete_prefix(&run_prefix(run.id)).await
        {
            tracing::warn!(run = run.id, error = %e, "could not delete a deleted run's files");
        }
        Ok(DeleteRunPayload {
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete run files.
    async fn delete_files(
        &self,
        ctx: &Context<'_>,
        input: DeleteFilesInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let _ = input.project_id;
        let file_ids = input
            .files
            .iter()
            .map(|id| ids::decode("File", id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        let deleted = cairn(ctx)
            .delete_run_files(actor(ctx), &file_ids)
            .await
            .gql()?;
        for file in deleted {
            let key = run_file_key(file.run_id, &file.name);
            if let Err(e) = blobs(ctx).delete(&key).await {
                tracing::warn!(%key, error = %e, "could not delete a run file's bytes");
            }
        }
        Ok(success(input.client_mutation_id))
    }
}
