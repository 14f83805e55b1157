//! Sweep mutations: `upsertSweep` (create a sweep, or change its state,
//! configuration or names), `createAgent` and `agentHeartbeat`, in the
//! shapes the official client sends (`wandb.sweep`, `wandb sweep --pause`,
//! `wandb agent`, `wandb.agent(function=…)`).
//!
//! Inputs the client sends for features Cairn does not run (a local
//! `controller`, a launch `scheduler`, template variables, prior runs) are
//! accepted so its queries validate, and refused with a clear error when
//! they ask for something.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use cairn_core::{CoreError, SweepSpec};

use crate::error::GqlResultExt;
use crate::graphql::scalars::JsonString;
use crate::graphql::types::sweep::{AgentObject, SweepObject};
use crate::graphql::{Settings, actor, cairn, ids};

/// Mutations on sweeps.
#[derive(Default)]
pub struct SweepMutation;

#[derive(InputObject)]
struct UpsertSweepInput {
    /// The sweep's GraphQL id, when changing one.
    id: Option<ID>,
    /// The configuration, YAML.
    config: Option<String>,
    description: Option<String>,
    display_name: Option<String>,
    entity_name: Option<String>,
    project_name: Option<String>,
    /// `RUNNING`, `PAUSED`, `FINISHED`, `CANCELED`.
    state: Option<String>,
    controller: Option<JsonString>,
    launch_scheduler: Option<JsonString>,
    scheduler: Option<JsonString>,
    template_variable_values: Option<JsonString>,
    prior_runs_filters: Option<JsonString>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct UpsertSweepPayload {
    sweep: Option<SweepObject>,
    inserted: bool,
    config_validation_warnings: Vec<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateAgentInput {
    host: String,
    project_name: Option<String>,
    entity_name: Option<String>,
    /// The sweep's id (`ab12cd34`).
    sweep: String,
    persistent: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateAgentPayload {
    agent: Option<AgentObject>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct AgentHeartbeatInput {
    /// The agent's GraphQL id.
    id: ID,
    /// The agent's own metrics (unused).
    metrics: Option<JsonString>,
    /// `{"<run id>": true}` for each run the agent is running.
    run_state: Option<JsonString>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct AgentHeartbeatPayload {
    agent: Option<AgentObject>,
    /// JSON list of commands for the agent.
    commands: JsonString,
    client_mutation_id: Option<String>,
}

/// A JSON option that counts as absent: null, empty, `{}`, `[]`, `""`.
fn is_unset(value: &Option<JsonString>) -> bool {
    match value {
        None => true,
        Some(JsonString(text)) => {
            matches!(
                serde_json::from_str::<serde_json::Value>(text),
                Ok(serde_json::Value::Null)
            ) || matches!(text.trim(), "" | "{}" | "[]" | "\"\"")
        }
    }
}

#[Object]
impl SweepMutation {
    /// Create a sweep, or change one.
    async fn upsert_sweep(
        &self,
        ctx: &Context<'_>,
        input: UpsertSweepInput,
    ) -> async_graphql::Result<UpsertSweepPayload> {
        for (field, value) in [
            ("controller", &input.controller),
            ("launchScheduler", &input.launch_scheduler),
            ("scheduler", &input.scheduler),
            ("priorRunsFilters", &input.prior_runs_filters),
        ] {
            if !is_unset(value) {
                return Err(CoreError::InvalidInput(format!(
                    "{field}: not supported; sweeps on this server run the server's own \
                     controller."
                )))
                .gql();
            }
        }
        let spec = SweepSpec {
            entity: input.entity_name.filter(|e| !e.is_empty()),
            project: input.project_name.filter(|p| !p.is_empty()),
            config: input.config,
            description: input.description,
            display_name: input.display_name,
            state: input.state,
        };
        let (result, inserted) = match input.id {
            Some(id) => {
                let id = ids::decode("Sweep", &id).gql()?;
                (cairn(ctx).update_sweep(actor(ctx), id, spec).await, false)
            }
            None => (cairn(ctx).create_sweep(actor(ctx), spec).await, true),
        };
        let result = result.gql()?;
        Ok(UpsertSweepPayload {
            sweep: Some(SweepObject {
                sweep: result.sweep,
                project: result.project,
            }),
            inserted,
            config_validation_warnings: result.warnings,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Register an agent for a sweep.
    async fn create_agent(
        &self,
        ctx: &Context<'_>,
        input: CreateAgentInput,
    ) -> async_graphql::Result<CreateAgentPayload> {
        let _ = input.persistent;
        let cairn = cairn(ctx);
        let actor = actor(ctx);
        let agent = cairn
            .create_agent(
                actor,
                input.entity_name.as_deref().filter(|e| !e.is_empty()),
                input.project_name.as_deref().filter(|p| !p.is_empty()),
                &input.sweep,
                &input.host,
            )
            .await
            .gql()?;
        Ok(CreateAgentPayload {
            agent: Some(agent_object(ctx, agent).await?),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// An agent's heartbeat: what it runs in, what it should do out.
    async fn agent_heartbeat(
        &self,
        ctx: &Context<'_>,
        input: AgentHeartbeatInput,
    ) -> async_graphql::Result<AgentHeartbeatPayload> {
        let _ = input.metrics;
        let id = ids::decode("Agent", &input.id).gql()?;
        let running = match input.run_state {
            None => Vec::new(),
            Some(JsonString(text)) => running_runs(&text).gql()?,
        };
        let settings = ctx.data_unchecked::<Settings>();
        let (agent, commands) = cairn(ctx)
            .agent_heartbeat(actor(ctx), id, running, settings.run_start_timeout)
            .await
            .gql()?;
        Ok(AgentHeartbeatPayload {
            agent: Some(agent_object(ctx, agent).await?),
            commands: JsonString(serde_json::Value::Array(commands).to_string()),
            client_mutation_id: input.client_mutation_id,
        })
    }
}

/// The runs an agent reports as running: the keys of `{"<run id>": true}`
/// whose value is true.
fn running_runs(text: &str) -> Result<Vec<String>, CoreError> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map
            .into_iter()
            .filter(|(_, v)| v.as_bool().unwrap_or(false))
            .map(|(k, _)| k)
            .collect()),
        Ok(serde_json::Value::Null) => Ok(Vec::new()),
        _ => Err(CoreError::InvalidInput(
            "runState: expected a JSON object of run ids.".into(),
        )),
    }
}

/// An agent with its (readable) sweep and project.
async fn agent_object(
    ctx: &Context<'_>,
    agent: cairn_core::sweep::records::SweepAgent,
) -> async_graphql::Result<AgentObject> {
    let (sweep, project) = cairn(ctx)
        .readable_sweep_by_id(actor(ctx), agent.sweep_id)
        .await
        .gql()?;
    Ok(AgentObject {
        agent,
        sweep,
        project,
    })
}
