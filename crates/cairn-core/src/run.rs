//! Runs and the records they log, as the domain sees them.
//!
//! Config, summary and history rows stay JSON text exactly as the client
//! sent them: W&B clients spell NaN and infinities as bare `NaN`/`Infinity`
//! tokens, which strict JSON parsers reject, and a round trip through a
//! parsed form would lose them. Only [`crate::stream`] parses rows, and only
//! to learn their step and keys.

use time::OffsetDateTime;

use crate::error::CoreResult;
use crate::filter::{Filter, Order, RUNS};
use crate::model::UserId;

/// States a run can be in (W&B's names).
pub const RUN_STATES: [&str; 8] = [
    "running",
    "finished",
    "failed",
    "crashed",
    "killed",
    "preempting",
    "preempted",
    "pending",
];

/// A run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Row id (the GraphQL `id` of the run).
    pub id: i64,
    /// The project it belongs to.
    pub project_id: i64,
    /// The project's name.
    pub project_name: String,
    /// The project's entity.
    pub entity_id: crate::model::EntityId,
    /// The project's entity's name.
    pub entity_name: String,
    /// The client-chosen run id (`abc123`), unique within the project.
    pub name: String,
    /// Human name shown in listings.
    pub display_name: Option<String>,
    /// Free text (W&B's `description`).
    pub description: Option<String>,
    /// Free text (W&B's `notes`).
    pub notes: Option<String>,
    /// Group name.
    pub group: Option<String>,
    /// Job type.
    pub job_type: Option<String>,
    /// One of [`RUN_STATES`].
    pub state: String,
    /// Host it ran on.
    pub host: Option<String>,
    /// Program path.
    pub program: Option<String>,
    /// Git commit.
    pub commit: Option<String>,
    /// Git remote.
    pub repo: Option<String>,
    /// Sweep it belongs to.
    pub sweep_name: Option<String>,
    /// Who created it.
    pub user_id: Option<UserId>,
    /// Their username.
    pub username: Option<String>,
    /// Config document (`{"k": {"value": v}}`), JSON text.
    pub config: String,
    /// Summary object, JSON text.
    pub summary: String,
    /// Latest system-metrics sample, JSON text.
    pub system_metrics: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Lines of history stored.
    pub history_line_count: i64,
    /// Lines of system-metric events stored.
    pub events_line_count: i64,
    /// Console lines stored.
    pub log_line_count: i64,
    /// Highest `_step` logged.
    pub last_step: Option<i64>,
    /// Exit code once finished.
    pub exitcode: Option<i64>,
    /// Whether someone asked the run to stop.
    pub stop_requested: bool,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Last heard from.
    pub heartbeat_at: OffsetDateTime,
}

/// Fields a run upsert may set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RunPatch {
    /// Display name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Group.
    pub group: Option<String>,
    /// Job type.
    pub job_type: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// Program.
    pub program: Option<String>,
    /// Commit.
    pub commit: Option<String>,
    /// Repo.
    pub repo: Option<String>,
    /// Sweep.
    pub sweep_name: Option<String>,
    /// Whole config document (replaces the stored one).
    pub config: Option<String>,
    /// Whole summary object (replaces the stored one).
    pub summary: Option<String>,
    /// Whole tag list (replaces the stored one).
    pub tags: Option<Vec<String>>,
}

/// How to search a project's runs.
#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    /// MongoDB-style filter document (JSON text); empty means all.
    pub filters: Option<String>,
    /// W&B order string (`-summary_metrics.loss`); default `+created_at`.
    pub order: Option<String>,
    /// Whether runs of sweeps are included.
    pub include_sweeps: bool,
}

/// A run search as the store runs it: [`RunQuery`] parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSearch {
    /// The filter; `None` matches every run.
    pub filter: Option<Filter>,
    /// The order (`+created_at` unless asked otherwise).
    pub order: Order,
    /// Whether runs of sweeps are included.
    pub include_sweeps: bool,
}

impl RunSearch {
    /// Parse and check a query's filter and order against [`RUNS`].
    pub fn parse(query: &RunQuery) -> CoreResult<RunSearch> {
        Ok(RunSearch {
            filter: Filter::parse_text(query.filters.as_deref(), &RUNS)?,
            order: Order::parse_runs(query.order.as_deref())?,
            include_sweeps: query.include_sweeps,
        })
    }
}

/// One page of runs (as the store lists them, or [`crate::authz::Readable`]
/// ones as the domain hands them out).
#[derive(Debug, Clone)]
pub struct RunPage<R = Run> {
    /// Runs with the cursor that points just after each.
    pub runs: Vec<(R, String)>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// A key seen in a run's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryKey {
    /// Key name (nested keys keep their top-level name).
    pub key: String,
    /// JSON type name (`number`, `string`, `bool`, `map`, `list`, `nil`).
    pub value_type: String,
    /// Rows with this key and type.
    pub count: i64,
}

/// A stored run file.
#[derive(Debug, Clone)]
pub struct RunFile {
    /// Row id.
    pub id: i64,
    /// The run.
    pub run_id: i64,
    /// Path within the run (`media/images/x.png`).
    pub name: String,
    /// Size.
    pub size_bytes: i64,
    /// Base64 MD5, as W&B reports it.
    pub md5: String,
    /// Guessed MIME type.
    pub mimetype: Option<String>,
    /// Last uploaded.
    pub updated_at: OffsetDateTime,
}

/// A console line.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Line number.
    pub number: i64,
    /// The line as the client sent it (`<timestamp> <text>`).
    pub content: String,
}
