//! `Sweep`: W&B's hyperparameter-search object, present in the schema but
//! not yet implemented — no sweep exists on a Cairn server.
//!
//! This module is the seam the sweeps issue fills in. It exists now because
//! older official clients (0.26.x, 0.27.x) look up the sweep of every run
//! that names one while listing runs (`project { sweep(sweepName:) { ... } }`),
//! and a schema without the `Sweep` type makes the whole query fail. So the
//! type carries the fields those queries select, `Project.sweep` answers
//! `null`, `Project.sweeps` an empty page and `Run.sweep` `null` — exactly
//! what W&B answers for a project without sweeps.

use async_graphql::{ID, SimpleObject};

use crate::graphql::scalars::DateTime;
use crate::graphql::types::page::PageInfo;

/// One sweep, under W&B's field names.
#[derive(SimpleObject)]
#[graphql(name = "Sweep")]
pub struct SweepObject {
    /// Opaque id.
    pub id: ID,
    /// The sweep id (`abc123de`), unique in its project.
    pub name: String,
    /// The name shown for it.
    pub display_name: Option<String>,
    /// Search method: `grid`, `random`, `bayes`.
    pub method: String,
    /// `PENDING`, `RUNNING`, `PAUSED`, `FINISHED`, `CANCELED`, …
    pub state: String,
    /// Free text.
    pub description: Option<String>,
    /// Best value of the metric so far.
    pub best_loss: Option<f64>,
    /// The sweep configuration, as YAML.
    pub config: String,
    /// When it was created.
    pub created_at: DateTime,
    /// When it last changed.
    pub updated_at: Option<DateTime>,
    /// Runs started by the sweep.
    pub run_count: i32,
    /// Runs the sweep will start in all, when bounded.
    pub run_count_expected: Option<i32>,
}

/// A page of sweeps.
#[derive(SimpleObject, Default)]
pub struct SweepConnection {
    /// The sweeps.
    pub edges: Vec<SweepEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One sweep of a page.
#[derive(SimpleObject)]
pub struct SweepEdge {
    /// The sweep.
    pub node: SweepObject,
    /// Its cursor.
    pub cursor: String,
}
