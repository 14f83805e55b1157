//! Multi-run history reads: one or more metrics of every run a filter
//! selects, sampled or whole, as Arrow record batches of one schema (see
//! `cairn_history::export`). This is Cairn's own (W&B has no such call):
//! pulling one metric of a thousand runs takes one request instead of a
//! thousand `scan_history` loops.
//!
//! Bounded before any work: at most [`MAX_EXPORT_KEYS`] keys and
//! [`MAX_EXPORT_RUNS`] runs per request (a narrower filter, or `after`,
//! pages further), samples as for `sampledHistory`. Runs are read one at a
//! time, so memory holds one run's rows; compacted rows come straight
//! from their Parquet files as columns, live rows are converted once.

use cairn_history::{ExportKind, RecordBatch, Selection};

use crate::authz::{Actor, ProjectAction, Readable};
use crate::error::{CoreError, CoreResult};
use crate::model::Project;
use crate::run::{Run, RunQuery};

use super::Cairn;

/// Keys one export may ask for.
pub const MAX_EXPORT_KEYS: usize = 64;
/// Runs one export may cover.
pub const MAX_EXPORT_RUNS: i64 = 10_000;
/// Live rows read per page while exporting a whole run.
const LIVE_PAGE: i64 = 10_000;

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// The runs: a MongoDB-style filter as for `api.runs` (all when
    /// `None`), in `order` (default `+created_at`).
    pub query: RunQuery,
    /// The history keys to export (besides `_step`).
    pub keys: Vec<String>,
    /// Rows per run, evenly spread; every row when `None`.
    pub samples: Option<i64>,
    /// Steps from (inclusive).
    pub min_step: i64,
    /// Steps to (exclusive).
    pub max_step: i64,
}

/// An export under way: the runs it covers and the schema of its batches.
pub struct HistoryExport {
    /// The schema every batch has.
    pub schema: cairn_history::arrow_schema::SchemaRef,
    /// The runs, in order.
    pub runs: Vec<Readable<Run>>,
    request: ExportRequest,
}

impl Cairn {
    /// Start an export of a readable project's runs: checks the request,
    /// selects the runs and fixes the schema (a key every selected run
    /// logged only as numbers is Float64, any other JSON text).
    pub async fn history_export(
        &self,
        actor: &Actor,
        entity: &str,
        project: &str,
        request: ExportRequest,
    ) -> CoreResult<HistoryExport> {
        if request.keys.is_empty() {
            return Err(CoreError::InvalidInput(
                "Name at least one history key to export (keys).".into(),
            ));
        }
        if request.keys.len() > MAX_EXPORT_KEYS {
            return Err(CoreError::InvalidInput(format!(
                "An export may name at most {MAX_EXPORT_KEYS} keys, not {}.",
                request.keys.len()
            )));
        }
        if let Some(samples) = request.samples {
            super::runs::check_samples(samples)?;
        }
        let project: Readable<Project> = self
            .project_for(actor, entity, project, ProjectAction::Read)
            .await?;
        let page = self
            .runs(&project, &request.query, None, MAX_EXPORT_RUNS)
            .await?;
        if page.has_next_page {
            let count = self.run_count(&project, &request.query).await?;
            return Err(CoreError::InvalidInput(format!(
                "The filter selects {count} runs; an export covers at most {MAX_EXPORT_RUNS}. Narrow the filter."
            )));
        }
        let runs: Vec<Readable<Run>> = page.runs.into_iter().map(|(run, _)| run).collect();
        let ids: Vec<i64> = runs.iter().map(|run| run.id).collect();
        let mut kinds = vec![ExportKind::Number; request.keys.len()];
        for (key, value_type) in self.store.history_key_types(&ids, &request.keys).await? {
            if let Some(i) = request.keys.iter().position(|k| *k == key)
                && !matches!(value_type.as_str(), "number" | "nil")
            {
                kinds[i] = ExportKind::Json;
            }
        }
        let keys: Vec<(String, ExportKind)> = request.keys.iter().cloned().zip(kinds).collect();
        Ok(HistoryExport {
            schema: cairn_history::export_schema(&keys),
            runs,
            request,
        })
    }

    /// The rows of one of an export's runs in its schema; `None` when the
    /// run has none.
    pub async fn export_run(
        &self,
        export: &HistoryExport,
        run: &Readable<Run>,
    ) -> CoreResult<Option<RecordBatch>> {
        let r = &export.request;
        let mut batches = Vec::new();
        match r.samples {
            Some(samples) => {
                let segments = self.segments_in(run.id, r.min_step, r.max_step).await?;
                let sample = self
                    .sample_parts(run.id, &segments, &r.keys, r.min_step, r.max_step, samples)
                    .await?;
                batches = sample.files;
                if !sample.live.is_empty() {
                    batches.push(
                        cairn_history::rows_to_batch(
                            sample.live.iter().map(|(s, row)| (*s, row.as_str())),
                        )
                        .map_err(export_error)?,
                    );
                }
            }
            None => {
                let selection = Selection {
                    min_step: r.min_step,
                    max_step: r.max_step,
                    keys: &r.keys,
                    require_all: false,
                };
                let mut live_from = r.min_step;
                for segment in self.segments_in(run.id, r.min_step, r.max_step).await? {
                    let file = self.open_segment(&segment).await?;
                    if let Some(batch) = file.read(&selection).map_err(export_error)? {
                        batches.push(batch);
                    }
                    live_from = live_from.max(segment.max_step.saturating_add(1));
                }
                loop {
                    let rows = self
                        .store
                        .history(run.id, live_from, r.max_step, LIVE_PAGE)
                        .await?;
                    let Some(&(last, _)) = rows.last() else { break };
                    let full = rows.len() as i64 == LIVE_PAGE;
                    batches.push(
                        cairn_history::rows_to_batch(
                            rows.iter().map(|(s, row)| (*s, row.as_str())),
                        )
                        .map_err(export_error)?,
                    );
                    live_from = last.saturating_add(1);
                    if !full {
                        break;
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(batches.len());
        for batch in batches.iter().filter(|b| b.num_rows() > 0) {
            out.push(
                cairn_history::export_batch(&run.name, batch, &export.schema)
                    .map_err(export_error)?,
            );
        }
        match out.len() {
            0 => Ok(None),
            1 => Ok(out.pop()),
            _ => cairn_history::concat(&export.schema, &out)
                .map(Some)
                .map_err(export_error),
        }
    }
}

fn export_error(e: cairn_history::Error) -> CoreError {
    CoreError::Internal(format!("history export failed: {e}"))
}
