//! W&B Launch's types: `RunQueue`, `RunQueueItem`, `DefaultResourceConfig`
//! and `LaunchAgent`, under W&B's names, and the enums the official client
//! names in its variables (`RunQueueAccessType`,
//! `RunQueuePrioritizationMode`).

use std::time::Duration;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use cairn_core::authz::Readable;
use cairn_core::launch::records::{
    ItemState, LaunchAgent, Prioritization, QueueItem, ResourceConfig, RunQueue,
};
use cairn_core::launch::template::Templates;
use cairn_core::model::Project;
use serde_json::Value;

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, Json, JsonString};
use crate::graphql::types::page::{PageInfo, cursor};
use crate::graphql::{Settings, actor, cairn, ids};

/// Who may use a queue (Cairn treats both as "follows the project").
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "RunQueueAccessType", rename_items = "SCREAMING_SNAKE_CASE")]
pub enum AccessType {
    /// Everyone who may use the project.
    Project,
    /// Recorded as asked; access still follows the project.
    User,
}

impl AccessType {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessType::Project => "PROJECT",
            AccessType::User => "USER",
        }
    }
}

/// How a queue orders its items.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "RunQueuePrioritizationMode")]
pub enum PrioritizationMode {
    /// First in, first out.
    #[graphql(name = "DISABLED")]
    Disabled,
    /// Priority 0 (critical) first, FIFO within a priority.
    #[graphql(name = "V0")]
    V0,
}

impl From<Prioritization> for PrioritizationMode {
    fn from(p: Prioritization) -> Self {
        match p {
            Prioritization::Disabled => PrioritizationMode::Disabled,
            Prioritization::V0 => PrioritizationMode::V0,
        }
    }
}

impl PrioritizationMode {
    /// The domain's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PrioritizationMode::Disabled => "DISABLED",
            PrioritizationMode::V0 => "V0",
        }
    }
}

/// Where an item stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "RunQueueItemState", rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ItemStateObject {
    /// Waiting for an agent.
    Pending,
    /// Popped, not yet acknowledged.
    Leased,
    /// Acknowledged; its run is starting or running.
    Claimed,
    /// Its agent reported a failure, or its run failed.
    Failed,
    /// Its run finished.
    Finished,
}

impl From<ItemState> for ItemStateObject {
    fn from(s: ItemState) -> Self {
        match s {
            ItemState::Pending => ItemStateObject::Pending,
            ItemState::Leased => ItemStateObject::Leased,
            ItemState::Claimed => ItemStateObject::Claimed,
            ItemState::Failed => ItemStateObject::Failed,
            ItemState::Finished => ItemStateObject::Finished,
        }
    }
}

fn json_or_null(text: Option<&str>) -> Option<Json> {
    text.and_then(|t| serde_json::from_str::<Value>(t).ok())
        .map(Json)
}

/// A run queue.
pub struct RunQueueObject {
    /// The queue.
    pub queue: Readable<RunQueue>,
    /// Its project.
    pub project: Readable<Project>,
}

fn lease_timeout(ctx: &Context<'_>) -> Duration {
    ctx.data_unchecked::<Settings>().launch_lease_timeout
}

#[Object(name = "RunQueue")]
impl RunQueueObject {
    /// `base64("RunQueue:<n>")`.
    async fn id(&self) -> ID {
        ids::encode("RunQueue", self.queue.id)
    }

    async fn name(&self) -> &str {
        &self.queue.name
    }

    async fn access(&self) -> AccessType {
        if self.queue.access == "USER" {
            AccessType::User
        } else {
            AccessType::Project
        }
    }

    /// The creator's username, when the caller may see it.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(id) = self.queue.created_by else {
            return Ok(None);
        };
        let user = cairn(ctx).user_by_id(actor(ctx), id).await.gql()?;
        Ok(user.map(|u| u.username))
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.queue.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.queue.created_at)
    }

    async fn prioritization_mode(&self) -> PrioritizationMode {
        self.queue.prioritization.into()
    }

    #[graphql(name = "defaultResourceConfigID")]
    async fn default_resource_config_id(&self) -> Option<ID> {
        self.queue
            .resource_config_id
            .map(|id| ids::encode("DefaultResourceConfig", id))
    }

    async fn default_resource_config(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DefaultResourceConfigObject>> {
        let Some(id) = self.queue.resource_config_id else {
            return Ok(None);
        };
        let config = cairn(ctx)
            .resource_config(actor(ctx), &self.project.entity_name, id)
            .await
            .gql()?;
        Ok(config.map(DefaultResourceConfigObject))
    }

    /// `{"links": [{"label", "url"}]}`.
    async fn external_links(&self) -> JsonString {
        JsonString(self.queue.external_links.clone())
    }

    /// The queue's items, pending ones first in the order they will be
    /// popped. One page of up to 1,000 (`first`, default 100).
    async fn run_queue_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<RunQueueItemConnection> {
        if after.as_deref().is_some_and(|a| !a.is_empty()) {
            return Err(cairn_core::CoreError::InvalidInput(
                "runQueueItems: one page only; ask for up to 1000 items with `first`".into(),
            ))
            .gql();
        }
        let first = i64::from(first.unwrap_or(100)).clamp(0, cairn_core::MAX_QUEUE_LISTING);
        let mut items = cairn(ctx)
            .queue_items(&self.queue, first + 1, lease_timeout(ctx))
            .await
            .gql()?;
        let has_next_page = items.len() as i64 > first;
        items.truncate(first as usize);
        Ok(RunQueueItemConnection {
            page_info: PageInfo {
                end_cursor: items.last().map(|i| cursor(i.id)),
                start_cursor: items.first().map(|i| cursor(i.id)),
                has_next_page,
                has_previous_page: false,
            },
            edges: items
                .into_iter()
                .map(|item| RunQueueItemEdge {
                    cursor: cursor(item.id),
                    node: RunQueueItemObject(item),
                })
                .collect(),
        })
    }

    /// One item by id.
    async fn run_queue_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<RunQueueItemObject>> {
        let id = ids::decode("RunQueueItem", &id).gql()?;
        let item = cairn(ctx)
            .queue_item(&self.queue, id, lease_timeout(ctx))
            .await
            .gql()?;
        Ok(item.map(RunQueueItemObject))
    }
}

/// A page of a queue's items.
#[derive(SimpleObject)]
#[graphql(name = "RunQueueItemConnection")]
pub struct RunQueueItemConnection {
    edges: Vec<RunQueueItemEdge>,
    page_info: PageInfo,
}

/// One item in a page.
#[derive(SimpleObject)]
#[graphql(name = "RunQueueItemEdge")]
pub struct RunQueueItemEdge {
    node: RunQueueItemObject,
    cursor: String,
}

/// An item pushed onto a queue.
pub struct RunQueueItemObject(pub QueueItem);

#[Object(name = "RunQueueItem")]
impl RunQueueItemObject {
    /// `base64("RunQueueItem:<n>")`.
    async fn id(&self) -> ID {
        ids::encode("RunQueueItem", self.0.id)
    }

    async fn state(&self) -> ItemStateObject {
        self.0.state.into()
    }

    /// The run id its agent started.
    async fn associated_run_id(&self) -> Option<&str> {
        self.0.associated_run_id.as_deref()
    }

    /// The run spec an agent gets.
    async fn run_spec(&self) -> JsonString {
        JsonString(self.0.run_spec.clone())
    }

    async fn priority(&self) -> i64 {
        self.0.priority
    }

    async fn template_variable_values(&self) -> Option<JsonString> {
        self.0.template_variable_values.clone().map(JsonString)
    }

    #[graphql(name = "launchAgentId")]
    async fn launch_agent_id(&self) -> Option<ID> {
        self.0
            .launch_agent_id
            .map(|id| ids::encode("LaunchAgent", id))
    }

    /// `{"message", "stage", "filePaths"}` of a failure.
    async fn error(&self) -> Option<Json> {
        json_or_null(self.0.error.as_deref())
    }

    /// The warnings its agent reported.
    async fn warnings(&self) -> Option<Json> {
        json_or_null(self.0.warnings.as_deref())
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A default resource configuration.
pub struct DefaultResourceConfigObject(pub ResourceConfig);

/// A template variable and its schema.
#[derive(SimpleObject)]
#[graphql(name = "TemplateVariable")]
pub struct TemplateVariableObject {
    name: String,
    schema: Json,
    description: Option<String>,
}

#[Object(name = "DefaultResourceConfig")]
impl DefaultResourceConfigObject {
    /// `base64("DefaultResourceConfig:<n>")`.
    async fn id(&self) -> ID {
        ids::encode("DefaultResourceConfig", self.0.id)
    }

    /// The resource type (`local-process`, `kubernetes`, …).
    async fn resource(&self) -> &str {
        &self.0.resource
    }

    /// `{"resource_args": {"<resource>": {...}}}`, templates unfilled.
    async fn config(&self) -> Json {
        Json(serde_json::from_str(&self.0.config).unwrap_or(Value::Null))
    }

    async fn template_variables(&self) -> async_graphql::Result<Vec<TemplateVariableObject>> {
        let templates = Templates::parse(&self.0.template_variables).gql()?;
        Ok(templates
            .0
            .into_iter()
            .map(|v| TemplateVariableObject {
                description: v
                    .schema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                name: v.name,
                schema: Json(v.schema),
            })
            .collect())
    }
}

/// A launch agent.
pub struct LaunchAgentObject(pub LaunchAgent);

#[Object(name = "LaunchAgent")]
impl LaunchAgentObject {
    /// `base64("LaunchAgent:<n>")`.
    async fn id(&self) -> ID {
        ids::encode("LaunchAgent", self.0.id)
    }

    /// Its short name (its own run has this id).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The ids of the queues it polls.
    async fn run_queues(&self) -> Vec<ID> {
        self.0
            .queue_ids
            .iter()
            .map(|id| ids::encode("RunQueue", *id))
            .collect()
    }

    async fn hostname(&self) -> &str {
        &self.0.hostname
    }

    /// As it last reported it (`POLLING`, `RUNNING`, `KILLED`, …).
    async fn agent_status(&self) -> &str {
        &self.0.status
    }

    /// Whether it was asked to stop.
    async fn stop_polling(&self) -> bool {
        self.0.stop_polling
    }

    async fn heartbeat_at(&self) -> DateTime {
        DateTime(self.0.heartbeat_at)
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }

    async fn agent_config(&self) -> Option<JsonString> {
        self.0.agent_config.clone().map(JsonString)
    }
}
