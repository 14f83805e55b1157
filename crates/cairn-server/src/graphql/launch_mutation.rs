//! Launch mutations, in the shapes the official client sends them
//! (`api.create_run_queue`, `api.upsert_run_queue`, `launch_add`, and the
//! launch agent's `popFromRunQueue` / `ackRunQueueItem` /
//! `failRunQueueItem` loop).
//!
//! Most payloads answer `success`; failures the client should see are
//! GraphQL errors with the reason (the official client turns a bare
//! `success: false` into an error without one).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use cairn_core::launch::records::ItemReport;
use cairn_core::{CoreError, PushSpec, QueueSpec};

use crate::error::GqlResultExt;
use crate::graphql::mutation::SuccessPayload;
use crate::graphql::scalars::{Json, JsonString};
use crate::graphql::types::launch::{AccessType, PrioritizationMode};
use crate::graphql::{Settings, actor, cairn, ids};

/// Mutations on run queues, their items and launch agents.
#[derive(Default)]
pub struct LaunchMutation;

#[derive(InputObject)]
struct CreateDefaultResourceConfigInput {
    entity_name: String,
    resource: String,
    /// `{"resource_args": {"<resource>": {...}}}`.
    config: JsonString,
    /// `{"<name>": {"schema": {...}}}`.
    template_variables: Option<JsonString>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateDefaultResourceConfigPayload {
    #[graphql(name = "defaultResourceConfigID")]
    default_resource_config_id: Option<ID>,
    success: bool,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateRunQueueInput {
    entity_name: String,
    project_name: String,
    queue_name: String,
    access: AccessType,
    prioritization_mode: Option<PrioritizationMode>,
    #[graphql(name = "defaultResourceConfigID")]
    default_resource_config_id: Option<ID>,
    external_links: Option<JsonString>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateRunQueuePayload {
    success: bool,
    #[graphql(name = "queueID")]
    queue_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpsertRunQueueInput {
    entity_name: String,
    project_name: String,
    queue_name: String,
    resource_type: String,
    resource_config: JsonString,
    template_variables: Option<JsonString>,
    prioritization_mode: Option<PrioritizationMode>,
    external_links: Option<JsonString>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct UpsertRunQueuePayload {
    success: bool,
    config_schema_validation_errors: Vec<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteRunQueuesInput {
    #[graphql(name = "queueIDs")]
    queue_ids: Vec<ID>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct PushToRunQueueByNameInput {
    entity_name: String,
    project_name: String,
    queue_name: String,
    run_spec: JsonString,
    template_variable_values: Option<JsonString>,
    priority: Option<i32>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct PushToRunQueueInput {
    #[graphql(name = "queueID")]
    queue_id: ID,
    run_spec: JsonString,
    template_variable_values: Option<JsonString>,
    priority: Option<i32>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(name = "PushToRunQueueByNamePayload")]
struct PushByNamePayload {
    run_queue_item_id: ID,
    /// The spec as stored: the queue's resource and arguments applied.
    run_spec: JsonString,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct PushToRunQueuePayload {
    run_queue_item_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct PopFromRunQueueInput {
    entity_name: String,
    project_name: String,
    queue_name: String,
    launch_agent_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct PopFromRunQueuePayload {
    run_queue_item_id: ID,
    /// A JSON object here (the agent reads it as one), unlike the push
    /// payload's JSON text.
    run_spec: Json,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct AckRunQueueItemInput {
    run_queue_item_id: ID,
    /// The run id the agent's run will have.
    run_name: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct ReportRunQueueItemInput {
    run_queue_item_id: ID,
    message: String,
    stage: String,
    file_paths: Option<Vec<String>>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteFromRunQueueInput {
    #[graphql(name = "queueID")]
    queue_id: ID,
    run_queue_item_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct CreateLaunchAgentInput {
    entity_name: String,
    project_name: String,
    run_queues: Vec<ID>,
    hostname: String,
    agent_config: Option<JsonString>,
    version: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct CreateLaunchAgentPayload {
    launch_agent_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct UpdateLaunchAgentInput {
    launch_agent_id: ID,
    agent_status: Option<String>,
    stop_polling: Option<bool>,
    client_mutation_id: Option<String>,
}

fn report(input: ReportRunQueueItemInput) -> ItemReport {
    ItemReport {
        message: input.message,
        stage: input.stage,
        file_paths: input.file_paths.unwrap_or_default(),
    }
}

fn priority(p: Option<i32>) -> Option<i64> {
    p.map(i64::from)
}

#[Object]
impl LaunchMutation {
    /// Store a default resource configuration for an entity's queues.
    async fn create_default_resource_config(
        &self,
        ctx: &Context<'_>,
        input: CreateDefaultResourceConfigInput,
    ) -> async_graphql::Result<CreateDefaultResourceConfigPayload> {
        let config = cairn(ctx)
            .create_resource_config(
                actor(ctx),
                &input.entity_name,
                &input.resource,
                &input.config.0,
                input.template_variables.as_ref().map(|t| t.0.as_str()),
            )
            .await
            .gql()?;
        Ok(CreateDefaultResourceConfigPayload {
            default_resource_config_id: Some(ids::encode("DefaultResourceConfig", config.id)),
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Create a queue; an error when one of that name exists.
    async fn create_run_queue(
        &self,
        ctx: &Context<'_>,
        input: CreateRunQueueInput,
    ) -> async_graphql::Result<CreateRunQueuePayload> {
        let config = input
            .default_resource_config_id
            .as_ref()
            .map(|id| ids::decode("DefaultResourceConfig", id))
            .transpose()
            .gql()?;
        let spec = QueueSpec {
            entity: input.entity_name,
            project: Some(input.project_name),
            name: input.queue_name,
            access: Some(input.access.as_str().to_string()),
            prioritization: input.prioritization_mode.map(|p| p.as_str().to_string()),
            external_links: input.external_links.map(|l| l.0),
        };
        let created = cairn(ctx)
            .create_run_queue(actor(ctx), spec, config)
            .await
            .gql()?;
        Ok(CreateRunQueuePayload {
            success: true,
            queue_id: Some(ids::encode("RunQueue", created.queue.id)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Create a queue, or give one a new configuration.
    async fn upsert_run_queue(
        &self,
        ctx: &Context<'_>,
        input: UpsertRunQueueInput,
    ) -> async_graphql::Result<UpsertRunQueuePayload> {
        let spec = QueueSpec {
            entity: input.entity_name,
            project: Some(input.project_name),
            name: input.queue_name,
            access: None,
            prioritization: input.prioritization_mode.map(|p| p.as_str().to_string()),
            external_links: input.external_links.map(|l| l.0),
        };
        let (_, warnings) = cairn(ctx)
            .upsert_run_queue(
                actor(ctx),
                spec,
                &input.resource_type,
                &input.resource_config.0,
                input.template_variables.as_ref().map(|t| t.0.as_str()),
            )
            .await
            .gql()?;
        Ok(UpsertRunQueuePayload {
            success: true,
            config_schema_validation_errors: warnings,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete queues and their items.
    async fn delete_run_queues(
        &self,
        ctx: &Context<'_>,
        input: DeleteRunQueuesInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let ids = input
            .queue_ids
            .iter()
            .map(|id| ids::decode("RunQueue", id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        cairn(ctx).delete_run_queues(actor(ctx), &ids).await.gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Push a run spec onto a queue named by entity, project and name.
    async fn push_to_run_queue_by_name(
        &self,
        ctx: &Context<'_>,
        input: PushToRunQueueByNameInput,
    ) -> async_graphql::Result<PushByNamePayload> {
        let push = PushSpec {
            run_spec: input.run_spec.0,
            template_variable_values: input.template_variable_values.map(|t| t.0),
            priority: priority(input.priority),
        };
        let item = cairn(ctx)
            .push_to_run_queue_by_name(
                actor(ctx),
                &input.entity_name,
                Some(&input.project_name),
                &input.queue_name,
                push,
            )
            .await
            .gql()?;
        Ok(PushByNamePayload {
            run_queue_item_id: ids::encode("RunQueueItem", item.id),
            run_spec: JsonString(item.run_spec),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Push a run spec onto a queue by id.
    async fn push_to_run_queue(
        &self,
        ctx: &Context<'_>,
        input: PushToRunQueueInput,
    ) -> async_graphql::Result<PushToRunQueuePayload> {
        let queue = ids::decode("RunQueue", &input.queue_id).gql()?;
        let push = PushSpec {
            run_spec: input.run_spec.0,
            template_variable_values: input.template_variable_values.map(|t| t.0),
            priority: priority(input.priority),
        };
        let item = cairn(ctx)
            .push_to_run_queue(actor(ctx), queue, push)
            .await
            .gql()?;
        Ok(PushToRunQueuePayload {
            run_queue_item_id: ids::encode("RunQueueItem", item.id),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Lease the next item of a queue; null when none is pending.
    async fn pop_from_run_queue(
        &self,
        ctx: &Context<'_>,
        input: PopFromRunQueueInput,
    ) -> async_graphql::Result<Option<PopFromRunQueuePayload>> {
        let agent = input
            .launch_agent_id
            .as_ref()
            .map(|id| ids::decode("LaunchAgent", id))
            .transpose()
            .gql()?;
        let timeout = ctx.data_unchecked::<Settings>().launch_lease_timeout;
        let item = cairn(ctx)
            .pop_from_run_queue(
                actor(ctx),
                &input.entity_name,
                Some(&input.project_name),
                &input.queue_name,
                agent,
                timeout,
            )
            .await
            .gql()?;
        Ok(item.map(|item| PopFromRunQueuePayload {
            run_queue_item_id: ids::encode("RunQueueItem", item.id),
            run_spec: Json(serde_json::from_str(&item.run_spec).unwrap_or_default()),
            client_mutation_id: input.client_mutation_id,
        }))
    }

    /// Claim a leased item for the run its agent starts; `success: false`
    /// when it was not leased (claimed by another agent, or its lease
    /// expired).
    async fn ack_run_queue_item(
        &self,
        ctx: &Context<'_>,
        input: AckRunQueueItemInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = ids::decode("RunQueueItem", &input.run_queue_item_id).gql()?;
        let success = cairn(ctx)
            .ack_run_queue_item(actor(ctx), id, &input.run_name)
            .await
            .gql()?;
        Ok(SuccessPayload {
            success,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Record that an item failed.
    async fn fail_run_queue_item(
        &self,
        ctx: &Context<'_>,
        input: ReportRunQueueItemInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = ids::decode("RunQueueItem", &input.run_queue_item_id).gql()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let success = cairn(ctx)
            .fail_run_queue_item(actor(ctx), id, report(input))
            .await
            .gql()?;
        Ok(SuccessPayload {
            success,
            client_mutation_id,
        })
    }

    /// Add a warning to an item.
    async fn update_run_queue_item_warning(
        &self,
        ctx: &Context<'_>,
        input: ReportRunQueueItemInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = ids::decode("RunQueueItem", &input.run_queue_item_id).gql()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let success = cairn(ctx)
            .warn_run_queue_item(actor(ctx), id, report(input))
            .await
            .gql()?;
        Ok(SuccessPayload {
            success,
            client_mutation_id,
        })
    }

    /// Remove an item from its queue.
    async fn delete_from_run_queue(
        &self,
        ctx: &Context<'_>,
        input: DeleteFromRunQueueInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let queue = ids::decode("RunQueue", &input.queue_id).gql()?;
        let item = ids::decode("RunQueueItem", &input.run_queue_item_id).gql()?;
        cairn(ctx)
            .delete_from_run_queue(actor(ctx), queue, item)
            .await
            .gql()?;
        Ok(SuccessPayload {
            success: true,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Register a launch agent.
    async fn create_launch_agent(
        &self,
        ctx: &Context<'_>,
        input: CreateLaunchAgentInput,
    ) -> async_graphql::Result<CreateLaunchAgentPayload> {
        let queues = input
            .run_queues
            .iter()
            .map(|id| ids::decode("RunQueue", id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        if input.hostname.trim().is_empty() {
            return Err(CoreError::InvalidInput(
                "hostname: must not be empty".into(),
            ))
            .gql();
        }
        let agent = cairn(ctx)
            .create_launch_agent(
                actor(ctx),
                &input.entity_name,
                Some(&input.project_name),
                &queues,
                &input.hostname,
                input.agent_config.map(|c| c.0),
                input.version,
            )
            .await
            .gql()?;
        Ok(CreateLaunchAgentPayload {
            launch_agent_id: ids::encode("LaunchAgent", agent.id),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// An agent's status report (also its heartbeat), or a request that it
    /// stop polling.
    async fn update_launch_agent(
        &self,
        ctx: &Context<'_>,
        input: UpdateLaunchAgentInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let id = ids::decode("LaunchAgent", &input.launch_agent_id).gql()?;
        let success = cairn(ctx)
            .update_launch_agent(
                actor(ctx),
                id,
                input.agent_status.as_deref(),
                input.stop_polling,
            )
            .await
            .gql()?;
        Ok(SuccessPayload {
            success,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
