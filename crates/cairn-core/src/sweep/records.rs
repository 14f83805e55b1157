//! What storage keeps about a sweep: the sweep, its agents and the runs its
//! controller handed out. Plain records; the rules that change them live in
//! [`super::controller`] and the service.

use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};
use crate::model::UserId;

/// A sweep's lifecycle, under W&B's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepState {
    /// Agents get runs.
    Running,
    /// Agents get no new runs; running runs go on.
    Paused,
    /// Done (run cap or grid reached, or stopped): running runs finish, agents
    /// exit.
    Finished,
    /// Stopped with its runs: agents are told to stop them and exit.
    Canceled,
}

impl SweepState {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SweepState::Running => "RUNNING",
            SweepState::Paused => "PAUSED",
            SweepState::Finished => "FINISHED",
            SweepState::Canceled => "CANCELED",
        }
    }

    /// A state as a client spells it (any case; W&B's clients send the upper
    /// case names, and `CANCELLED` is accepted too).
    pub fn parse(text: &str) -> CoreResult<SweepState> {
        match text.to_ascii_uppercase().as_str() {
            "RUNNING" => Ok(SweepState::Running),
            "PAUSED" => Ok(SweepState::Paused),
            "FINISHED" => Ok(SweepState::Finished),
            "CANCELED" | "CANCELLED" => Ok(SweepState::Canceled),
            _ => Err(CoreError::InvalidInput(format!(
                "state: unknown sweep state {text:?} (expected RUNNING, PAUSED, FINISHED or CANCELED)"
            ))),
        }
    }

    /// Whether the sweep can still start runs (now or after a resume).
    pub fn is_open(self) -> bool {
        matches!(self, SweepState::Running | SweepState::Paused)
    }
}

/// A sweep as stored, with the figures computed from its runs.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Row id.
    pub id: i64,
    /// The project its runs go to.
    pub project_id: i64,
    /// The sweep id users type (`ab12cd34`), unique in the project.
    pub name: String,
    /// Name shown for it, when set.
    pub display_name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// `grid`, `random` or `bayes`.
    pub method: String,
    /// Where it is in its life.
    pub state: SweepState,
    /// The configuration exactly as sent (YAML or JSON text).
    pub config: String,
    /// Runs the sweep will start in all, when bounded.
    pub expected_runs: Option<i64>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// Runs that name it.
    pub run_count: i64,
    /// The best value of its metric among its runs' summaries.
    pub best_loss: Option<f64>,
    /// The latest heartbeat of any of its agents.
    pub heartbeat_at: Option<OffsetDateTime>,
    /// Whether it has handed out every run it will (run cap, grid) and all
    /// of them have ended.
    pub exhausted: bool,
}

/// A sweep to create.
#[derive(Debug, Clone)]
pub struct NewSweep {
    /// The project its runs go to.
    pub project_id: i64,
    /// Its id.
    pub name: String,
    /// Name shown for it.
    pub display_name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// `grid`, `random` or `bayes`.
    pub method: String,
    /// The first state.
    pub state: SweepState,
    /// The configuration as sent.
    pub config: String,
    /// The summary path its runs are ranked by (`summary_metrics.<name>`).
    pub metric_path: Option<String>,
    /// Whether a higher metric is better.
    pub maximize: bool,
    /// Runs it will start in all, when bounded.
    pub expected_runs: Option<i64>,
    /// Who creates it.
    pub created_by: UserId,
}

/// A change to a sweep (`upsertSweep` on an existing one).
#[derive(Debug, Clone, Default)]
pub struct SweepPatch {
    /// New state.
    pub state: Option<SweepState>,
    /// New configuration, with the columns derived from it.
    pub config: Option<(String, Option<String>, bool, Option<i64>)>,
    /// New description.
    pub description: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
}

/// An agent working on a sweep.
#[derive(Debug, Clone)]
pub struct SweepAgent {
    /// Row id.
    pub id: i64,
    /// The sweep.
    pub sweep_id: i64,
    /// Short id, unique in the sweep.
    pub name: String,
    /// The machine it runs on.
    pub host: String,
    /// Who started it.
    pub user_id: Option<UserId>,
    /// `RUNNING` or `FINISHED` (told to exit).
    pub state: String,
    /// When it registered.
    pub created_at: OffsetDateTime,
    /// Its latest heartbeat.
    pub heartbeat_at: OffsetDateTime,
    /// Runs it was handed (and that did not expire).
    pub total_runs: i64,
}

/// A run the controller hands to an agent.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The sweep.
    pub sweep_id: i64,
    /// The run id the agent will start the run under.
    pub run_name: String,
    /// The agent.
    pub agent_id: i64,
    /// Parameter values, a JSON object.
    pub params: String,
    /// The grid point, for grid sweeps.
    pub grid_index: Option<i64>,
}

/// What a heartbeat needs to know before it decides, read in the
/// transaction that brings the sweep's handed-out runs up to date. (What
/// the search needs is read after, by `sweep_trials`, once it is known that
/// a run is to be handed out.)
#[derive(Debug, Clone)]
pub struct ControllerView {
    /// This agent's handed-out runs the controller wants stopped.
    pub stopping: Vec<String>,
}

/// A run of a sweep as the search method sees it.
#[derive(Debug, Clone)]
pub struct TrialRow {
    /// The run id.
    pub run_name: String,
    /// Parameter values it was given, a JSON object.
    pub params: String,
    /// Its metric, from its summary, when numeric.
    pub metric: Option<f64>,
    /// Whether the run has ended.
    pub finished: bool,
    /// Its grid point, for grid sweeps.
    pub grid_index: Option<i64>,
}
