//! What storage keeps about queues, their items and launch agents. Plain
//! records; the rules that fill them live in the service, [`super::spec`]
//! and [`super::template`].

use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};
use crate::model::UserId;

/// How a queue orders its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prioritization {
    /// First in, first out; priorities are kept but not used.
    Disabled,
    /// Lowest priority number first (0 critical … 3 low), FIFO within one.
    V0,
}

impl Prioritization {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Prioritization::Disabled => "DISABLED",
            Prioritization::V0 => "V0",
        }
    }

    /// A mode as a client spells it (any case).
    pub fn parse(text: &str) -> CoreResult<Prioritization> {
        match text.to_ascii_uppercase().as_str() {
            "DISABLED" => Ok(Prioritization::Disabled),
            "V0" => Ok(Prioritization::V0),
            _ => Err(CoreError::InvalidInput(format!(
                "prioritizationMode: unknown mode {text:?} (expected V0 or DISABLED)"
            ))),
        }
    }
}

/// Where an item stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Waiting for an agent.
    Pending,
    /// Popped by an agent that has not acknowledged it yet.
    Leased,
    /// Acknowledged: its agent named the run.
    Claimed,
    /// Its agent reported a failure.
    Failed,
    /// Claimed and its run finished (never stored; derived from the run).
    Finished,
}

impl ItemState {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Pending => "PENDING",
            ItemState::Leased => "LEASED",
            ItemState::Claimed => "CLAIMED",
            ItemState::Failed => "FAILED",
            ItemState::Finished => "FINISHED",
        }
    }

    /// A stored spelling.
    pub fn parse(text: &str) -> CoreResult<ItemState> {
        match text {
            "PENDING" => Ok(ItemState::Pending),
            "LEASED" => Ok(ItemState::Leased),
            "CLAIMED" => Ok(ItemState::Claimed),
            "FAILED" => Ok(ItemState::Failed),
            "FINISHED" => Ok(ItemState::Finished),
            _ => Err(CoreError::Internal(format!(
                "unknown run queue item state {text:?}"
            ))),
        }
    }

    /// What a claimed item reads as, given its run's state (`None` while
    /// the run does not exist yet).
    pub fn with_run(self, run_state: Option<&str>) -> ItemState {
        match (self, run_state) {
            (ItemState::Claimed, Some("finished")) => ItemState::Finished,
            (ItemState::Claimed, Some("failed" | "crashed" | "killed")) => ItemState::Failed,
            (state, _) => state,
        }
    }
}

/// A default resource configuration.
#[derive(Debug, Clone)]
pub struct ResourceConfig {
    /// Row id.
    pub id: i64,
    /// The entity it belongs to.
    pub entity_id: i64,
    /// The resource type.
    pub resource: String,
    /// `{"resource_args": {...}}`, JSON text.
    pub config: String,
    /// `{"<name>": {"schema": {...}}}`, JSON text.
    pub template_variables: String,
}

/// A new default resource configuration.
#[derive(Debug, Clone)]
pub struct NewResourceConfig {
    /// The entity it belongs to.
    pub entity_id: i64,
    /// The resource type.
    pub resource: String,
    /// `{"resource_args": {...}}`, JSON text.
    pub config: String,
    /// `{"<name>": {"schema": {...}}}`, JSON text.
    pub template_variables: String,
}

/// A run queue.
#[derive(Debug, Clone)]
pub struct RunQueue {
    /// Row id.
    pub id: i64,
    /// The project it lives in.
    pub project_id: i64,
    /// Its name, unique in the project.
    pub name: String,
    /// `PROJECT` or `USER`.
    pub access: String,
    /// How items are ordered.
    pub prioritization: Prioritization,
    /// Its default resource configuration.
    pub resource_config_id: Option<i64>,
    /// `{"links": [...]}`, JSON text.
    pub external_links: String,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: OffsetDateTime,
}

/// A new run queue.
#[derive(Debug, Clone)]
pub struct NewRunQueue {
    /// The project it lives in.
    pub project_id: i64,
    /// Its name.
    pub name: String,
    /// `PROJECT` or `USER`.
    pub access: String,
    /// How items are ordered.
    pub prioritization: Prioritization,
    /// Its default resource configuration.
    pub resource_config_id: Option<i64>,
    /// `{"links": [...]}`, JSON text.
    pub external_links: String,
    /// Who creates it.
    pub created_by: UserId,
}

/// An item pushed onto a queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    /// Row id.
    pub id: i64,
    /// Its queue.
    pub queue_id: i64,
    /// The run spec an agent gets, JSON text.
    pub run_spec: String,
    /// The template variable values it was pushed with, JSON text.
    pub template_variable_values: Option<String>,
    /// 0 (critical) … 3 (low).
    pub priority: i64,
    /// Where it stands (a claimed item whose run ended reads as finished or
    /// failed).
    pub state: ItemState,
    /// The run its agent started.
    pub associated_run_id: Option<String>,
    /// The agent that popped it.
    pub launch_agent_id: Option<i64>,
    /// `{"message", "stage", "filePaths"}` of a failure, JSON text.
    pub error: Option<String>,
    /// JSON list of warnings its agent reported.
    pub warnings: Option<String>,
    /// Who pushed it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A new item.
#[derive(Debug, Clone)]
pub struct NewQueueItem {
    /// Its queue.
    pub queue_id: i64,
    /// The run spec, ready for an agent, JSON text.
    pub run_spec: String,
    /// The template variable values, JSON text.
    pub template_variable_values: Option<String>,
    /// 0 … 3.
    pub priority: i64,
    /// The entity and project of the run, from the spec.
    pub run_entity: Option<String>,
    /// See `run_entity`.
    pub run_project: Option<String>,
    /// Who pushes it.
    pub created_by: UserId,
}

/// How a failure or warning is reported.
#[derive(Debug, Clone)]
pub struct ItemReport {
    /// What happened.
    pub message: String,
    /// Where (`agent`, `run`, `build`, …).
    pub stage: String,
    /// Files the agent saved about it.
    pub file_paths: Vec<String>,
}

/// A launch agent.
#[derive(Debug, Clone)]
pub struct LaunchAgent {
    /// Row id.
    pub id: i64,
    /// The entity it serves.
    pub entity_id: i64,
    /// The project its queues live in.
    pub project_id: i64,
    /// Its short name.
    pub name: String,
    /// Its machine.
    pub hostname: String,
    /// The queue ids it polls.
    pub queue_ids: Vec<i64>,
    /// Its configuration, JSON text.
    pub agent_config: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Its status as it reports it.
    pub status: String,
    /// Whether it was asked to stop polling.
    pub stop_polling: bool,
    /// Who started it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Its last sign of life.
    pub heartbeat_at: OffsetDateTime,
}

/// A new launch agent.
#[derive(Debug, Clone)]
pub struct NewLaunchAgent {
    /// The entity it serves.
    pub entity_id: i64,
    /// The project its queues live in.
    pub project_id: i64,
    /// Its short name.
    pub name: String,
    /// Its machine.
    pub hostname: String,
    /// The queue ids it polls.
    pub queue_ids: Vec<i64>,
    /// Its configuration, JSON text.
    pub agent_config: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Who starts it.
    pub created_by: UserId,
}
