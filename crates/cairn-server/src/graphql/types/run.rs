//! `Run` (W&B's "bucket"), its connection, history and console lines.
//!
//! History comes in the shapes the official client asks for:
//! - `history(samples)` — up to `samples` rows spread over the whole run, as
//!   JSON strings; with `minStep`/`maxStep` it is instead one page of the
//!   step range (wandb-core's `HistoryPage`);
//! - `sampledHistory(specs)` — per spec, rows having all its keys, projected
//!   onto them (`run.history(keys=…)`, and `scan_history` pages when the
//!   spec's `samples` covers the whole range);
//! - `parquetHistory(liveKeys)` — no Parquet export yet: every row is "live".

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::authz::Readable;
use cairn_core::run::Run;
use cairn_core::stream::parse_relaxed;
use cairn_core::{CoreError, MAX_PAGE};
use serde_json::{Map, Value, json};

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, Int64, Json, JsonString};
use crate::graphql::types::file::{FileConnection, file_connection, signed_path};
use crate::graphql::types::page::PageInfo;
use crate::graphql::types::project::ProjectObject;
use crate::graphql::types::sweep::SweepObject;
use crate::graphql::types::user::UserObject;
use crate::graphql::{HistoryReader, actor, cairn, ids};
use crate::urls;

/// Rows `history(samples)` returns when the client names no number.
const DEFAULT_SAMPLES: i64 = 500;

/// A run.
pub struct RunObject(pub Readable<Run>);

#[Object(name = "Run")]
impl RunObject {
    /// `base64("Run:<n>")`; mutations take it back as the run's `id`.
    async fn id(&self) -> ID {
        ids::encode("Run", self.0.id)
    }

    /// The run id the client chose (`abc123`).
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    async fn tags(&self) -> &[String] {
        &self.0.tags
    }

    async fn group(&self) -> Option<&str> {
        self.0.group.as_deref()
    }

    async fn job_type(&self) -> Option<&str> {
        self.0.job_type.as_deref()
    }

    /// `running`, `finished`, `failed`, `crashed`, …
    async fn state(&self) -> &str {
        &self.0.state
    }

    async fn sweep_name(&self) -> Option<&str> {
        self.0.sweep_name.as_deref()
    }

    /// The sweep the run belongs to, if its project has one of that name.
    async fn sweep(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SweepObject>> {
        let Some(name) = self.0.sweep_name.as_deref() else {
            return Ok(None);
        };
        let Some(project) = cairn(ctx)
            .readable_project_by_id(actor(ctx), self.0.project_id)
            .await
            .gql()?
        else {
            return Ok(None);
        };
        let sweep = cairn(ctx).sweep(&project, name).await.gql()?;
        Ok(sweep.map(|sweep| SweepObject { sweep, project }))
    }

    async fn commit(&self) -> Option<&str> {
        self.0.commit.as_deref()
    }

    async fn host(&self) -> Option<&str> {
        self.0.host.as_deref()
    }

    async fn program(&self) -> Option<&str> {
        self.0.program.as_deref()
    }

    async fn repo(&self) -> Option<&str> {
        self.0.repo.as_deref()
    }

    async fn exitcode(&self) -> Option<i64> {
        self.0.exitcode
    }

    /// Whether a stop was requested.
    async fn stopped(&self) -> bool {
        self.0.stop_requested
    }

    /// Whether a stop was requested (the sweep controller's name for it).
    async fn should_stop(&self) -> bool {
        self.0.stop_requested
    }

    /// Whether the run is still running.
    async fn running(&self) -> bool {
        self.0.state == "running"
    }

    /// Whether the run ended in failure (failed or crashed).
    async fn failed(&self) -> bool {
        matches!(self.0.state.as_str(), "failed" | "crashed")
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    async fn heartbeat_at(&self) -> DateTime {
        DateTime(self.0.heartbeat_at)
    }

    /// The config document, `{"key": {"value": …}}`.
    async fn config(&self) -> JsonString {
        JsonString(self.0.config.clone())
    }

    /// The summary object.
    async fn summary_metrics(&self) -> JsonString {
        JsonString(self.0.summary.clone())
    }

    /// The latest system-metrics sample.
    async fn system_metrics(&self) -> JsonString {
        JsonString(self.0.system_metrics.clone())
    }

    /// Entries of the config's `_wandb` section; `wandbConfig(keys:["t"])`
    /// is how wandb-core tells a started run from a reserved name.
    async fn wandb_config(&self, keys: Option<Vec<String>>) -> JsonString {
        let config = parse_relaxed(&self.0.config).unwrap_or(Value::Null);
        let section = &config["_wandb"]["value"];
        let mut out = Map::new();
        if let Value::Object(map) = section {
            for (k, v) in map {
                if keys.as_ref().is_none_or(|keys| keys.contains(k)) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        JsonString(Value::Object(out).to_string())
    }

    async fn history_line_count(&self) -> i64 {
        self.0.history_line_count
    }

    async fn events_line_count(&self) -> i64 {
        self.0.events_line_count
    }

    async fn log_line_count(&self) -> i64 {
        self.0.log_line_count
    }

    /// The project's numeric id (the client sends it back as an `Int`).
    async fn project_id(&self) -> i64 {
        self.0.project_id
    }

    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProjectObject>> {
        let project = cairn(ctx)
            .project(actor(ctx), &self.0.entity_name, &self.0.project_name)
            .await
            .gql()?;
        Ok(project.map(ProjectObject))
    }

    /// Artifacts this run logged.
    async fn output_artifacts(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<crate::graphql::types::artifact::ArtifactConnection> {
        crate::graphql::types::artifact::run_artifacts(ctx, &self.0, true, after, first).await
    }

    /// Artifacts this run used.
    async fn input_artifacts(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<crate::graphql::types::artifact::ArtifactConnection> {
        crate::graphql::types::artifact::run_artifacts(ctx, &self.0, false, after, first).await
    }

    /// Whether the caller may only read this run.
    async fn read_only(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let may_write = cairn(ctx).may_write_run(actor(ctx), &self.0).await.gql()?;
        Ok(!may_write)
    }

    /// Who created the run (name and username only).
    async fn user(&self) -> Option<UserObject> {
        let (id, username) = (self.0.user_id?, self.0.username.clone()?);
        Some(UserObject::author(id, username, self.0.created_at))
    }

    /// `{"lastStep": n, "keys": {"loss": {"typeCounts": [{"type": "number", "count": n}]}}}`;
    /// `lastStep` is absent when nothing was logged.
    async fn history_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Json> {
        let keys = cairn(ctx).history_keys(&self.0).await.gql()?;
        let mut map = Map::new();
        for key in keys {
            let entry = map
                .entry(key.key)
                .or_insert_with(|| json!({ "typeCounts": [] }));
            if let Some(counts) = entry["typeCounts"].as_array_mut() {
                counts.push(json!({ "type": key.value_type, "count": key.count }));
            }
        }
        // Without history there is no `lastStep`: the client then scans
        // nothing (it adds 1 to a number it finds, and null breaks that).
        let mut keys = json!({ "keys": map });
        if let Some(last) = self.0.last_step {
            keys["lastStep"] = json!(last);
        }
        Ok(Json(keys))
    }

    /// The last history rows, as a JSON string holding a list of JSON
    /// strings (what a resuming client reads `_step` and `_runtime` from).
    async fn history_tail(&self, ctx: &Context<'_>) -> async_graphql::Result<JsonString> {
        let rows = match self.0.last_step {
            Some(step) => rows_only(cairn(ctx).history(&self.0, step, i64::MAX, 1).await.gql()?),
            None => Vec::new(),
        };
        Ok(JsonString(json!(rows).to_string()))
    }

    /// The last system-metrics row, in the same shape as `historyTail`.
    async fn events_tail(&self) -> JsonString {
        let rows: Vec<&str> = if self.0.events_line_count > 0 {
            vec![self.0.system_metrics.as_str()]
        } else {
            Vec::new()
        };
        JsonString(json!(rows).to_string())
    }

    /// History rows as JSON strings: a sample of the whole run, or one page
    /// of a step range when `minStep`/`maxStep` are given.
    async fn history(
        &self,
        ctx: &Context<'_>,
        samples: Option<i32>,
        min_step: Option<Int64>,
        max_step: Option<Int64>,
    ) -> async_graphql::Result<Vec<String>> {
        let samples = samples.map_or(DEFAULT_SAMPLES, i64::from);
        let cairn = cairn(ctx);
        if min_step.is_none() && max_step.is_none() {
            return cairn
                .sampled_history(&self.0, &[], i64::MIN, i64::MAX, samples)
                .await
                .gql();
        }
        let min = min_step.map_or(i64::MIN, |s| s.0);
        let max = max_step.map_or(i64::MAX, |s| s.0);
        let limit = samples.min(MAX_PAGE);
        let rows = if live_pages_only(ctx) {
            cairn.live_history(&self.0, min, max, limit).await
        } else {
            cairn.history(&self.0, min, max, limit).await
        }
        .gql()?;
        Ok(rows_only(rows))
    }

    /// One list of rows per spec (`{"keys": [...], "samples": n,
    /// "minStep": a, "maxStep": b}`, `maxStep` inclusive).
    async fn sampled_history(
        &self,
        ctx: &Context<'_>,
        specs: Vec<JsonString>,
    ) -> async_graphql::Result<Vec<Json>> {
        let mut out = Vec::with_capacity(specs.len());
        for spec in specs {
            let spec = HistorySpec::parse(&spec.0).gql()?;
            let cairn = cairn(ctx);
            let (keys, min, max, samples) = (
                &spec.keys,
                spec.min_step,
                spec.max_step_exclusive,
                spec.samples,
            );
            let rows = if spec.ranged && live_pages_only(ctx) {
                cairn
                    .live_sampled_history(&self.0, keys, min, max, samples)
                    .await
            } else {
                cairn
                    .sampled_history(&self.0, keys, min, max, samples)
                    .await
            }
            .gql()?;
            let rows: Vec<Value> = rows.iter().map(|r| project_row(r, &spec.keys)).collect();
            out.push(Json(Value::Array(rows)));
        }
        Ok(out)
    }

    /// History for `scan_history` and `download_history_exports`: signed
    /// URLs of the run's compacted Parquet files (in compaction order, so a
    /// file keeps its index) and the rows not compacted yet, projected
    /// onto `liveKeys`. wandb-core asks for `["_step"]`, which the step
    /// index answers without reading rows.
    async fn parquet_history(
        &self,
        ctx: &Context<'_>,
        live_keys: Vec<String>,
    ) -> async_graphql::Result<ParquetHistory> {
        let cairn = cairn(ctx);
        let (segments, live_steps) = if reader(ctx) == HistoryReader::OldFiles {
            (Vec::new(), cairn.history_steps(&self.0).await.gql()?)
        } else {
            cairn.parquet_history(&self.0).await.gql()?
        };
        let parquet_urls = segments
            .iter()
            .map(|s| signed_path(ctx, "GET", &urls::history_file_path(s.run_id, s.seq)))
            .collect();
        let steps_only = !live_keys.is_empty() && live_keys.iter().all(|k| k == "_step");
        let mut live_data = Vec::with_capacity(live_steps.len());
        if steps_only {
            live_data.extend(live_steps.iter().map(|step| Json(json!({ "_step": step }))));
        } else if let Some(&first) = live_steps.first() {
            let live: std::collections::HashSet<i64> = live_steps.iter().copied().collect();
            let mut from = first;
            loop {
                let rows = cairn
                    .history(&self.0, from, i64::MAX, MAX_PAGE)
                    .await
                    .gql()?;
                let done = (rows.len() as i64) < MAX_PAGE;
                for (step, row) in rows {
                    from = step.saturating_add(1);
                    if live.contains(&step) {
                        live_data.push(Json(project_row(&row, &live_keys)));
                    }
                }
                if done {
                    break;
                }
            }
        }
        Ok(ParquetHistory {
            parquet_urls,
            live_data,
        })
    }

    /// System-metric rows as JSON strings.
    async fn events(
        &self,
        ctx: &Context<'_>,
        samples: Option<i32>,
    ) -> async_graphql::Result<Vec<String>> {
        let samples = samples.map_or(DEFAULT_SAMPLES, i64::from);
        cairn(ctx).events(&self.0, samples).await.gql()
    }

    /// Console output: the last `last` lines, or `first` lines after the
    /// cursor `after`.
    async fn log_lines(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        #[graphql(desc = "Accepted for compatibility; pagination is always by line.")]
        use_improved_pagination: Option<bool>,
    ) -> async_graphql::Result<LogLineConnection> {
        let _ = use_improved_pagination;
        let total = self.0.log_line_count;
        let (from, limit) = match (last, first) {
            (Some(last), _) => {
                let last = i64::from(last.max(0));
                ((total - last).max(0), last.max(1))
            }
            (None, first) => {
                let from = match after.as_deref().filter(|a| !a.is_empty()) {
                    Some(a) => a.parse::<i64>().map(|n| n + 1).map_err(|_| {
                        CoreError::InvalidInput(format!("{a:?} is not a valid log line cursor."))
                    }),
                    None => Ok(0),
                }
                .gql()?;
                (from, i64::from(first.unwrap_or(1000)).clamp(1, MAX_PAGE))
            }
        };
        let lines = cairn(ctx).log_lines(&self.0, from, limit).await.gql()?;
        let end = lines.last().map(|l| l.number);
        Ok(LogLineConnection {
            page_info: PageInfo {
                end_cursor: end.map(|n| n.to_string()),
                has_next_page: end.is_some_and(|n| n + 1 < total),
                ..PageInfo::default()
            },
            edges: lines
                .into_iter()
                .map(|l| LogLineEdge {
                    cursor: l.number.to_string(),
                    node: LogLineObject::parse(l.number, &l.content),
                })
                .collect(),
        })
    }

    /// The run's files.
    async fn files(
        &self,
        ctx: &Context<'_>,
        names: Option<Vec<String>>,
        pattern: Option<String>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<FileConnection> {
        let names = names.unwrap_or_default();
        file_connection(ctx, &self.0, &names, pattern.as_deref(), after, first).await
    }

    async fn file_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        cairn(ctx).run_file_count(&self.0).await.gql()
    }
}

/// Who reads this request's history (see [`HistoryReader`]).
fn reader(ctx: &Context<'_>) -> HistoryReader {
    ctx.data_opt::<HistoryReader>()
        .copied()
        .unwrap_or(HistoryReader::Pages)
}

/// Whether history pages of this request leave out listed files' rows.
fn live_pages_only(ctx: &Context<'_>) -> bool {
    reader(ctx) == HistoryReader::Files
}

/// `parquetHistory`.
#[derive(SimpleObject)]
pub struct ParquetHistory {
    /// Signed URLs of the run's compacted history files.
    pub parquet_urls: Vec<String>,
    /// Rows not in any Parquet file.
    pub live_data: Vec<Json>,
}

/// A parsed `sampledHistory` spec.
struct HistorySpec {
    keys: Vec<String>,
    samples: i64,
    min_step: i64,
    max_step_exclusive: i64,
    /// Whether the spec names a step range (a page of a scan).
    ranged: bool,
}

impl HistorySpec {
    fn parse(text: &str) -> Result<Self, CoreError> {
        let bad = |why: &str| {
            CoreError::InvalidInput(format!("Invalid sampledHistory spec {text:?}: {why}."))
        };
        let spec: Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        let keys = match &spec["keys"] {
            Value::Null => Vec::new(),
            Value::Array(keys) => keys
                .iter()
                .map(|k| k.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("keys must be strings"))?,
            _ => return Err(bad("keys must be a list")),
        };
        let int = |name: &str| match &spec[name] {
            Value::Null => Ok(None),
            v => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| bad(&format!("{name} must be a number"))),
        };
        Ok(HistorySpec {
            keys,
            ranged: !spec["minStep"].is_null() || !spec["maxStep"].is_null(),
            samples: int("samples")?.unwrap_or(DEFAULT_SAMPLES),
            min_step: int("minStep")?.unwrap_or(i64::MIN),
            max_step_exclusive: int("maxStep")?.map_or(i64::MAX, |m| m.saturating_add(1)),
        })
    }
}

/// The rows of `(step, row)` pairs.
fn rows_only(rows: Vec<(i64, String)>) -> Vec<String> {
    rows.into_iter().map(|(_, row)| row).collect()
}

/// A history row as a JSON value, keeping only `keys` (all when empty).
fn project_row(raw: &str, keys: &[String]) -> Value {
    match parse_relaxed(raw) {
        Ok(Value::Object(row)) => project(row, keys),
        _ => Value::Null,
    }
}

/// A parsed row, keeping only `keys` (all when empty).
fn project(mut row: Map<String, Value>, keys: &[String]) -> Value {
    if keys.is_empty() {
        return Value::Object(row);
    }
    let mut out = Map::new();
    for key in keys {
        if let Some(v) = row.remove(key) {
            out.insert(key.clone(), v);
        }
    }
    Value::Object(out)
}

/// A page of runs.
#[derive(SimpleObject)]
pub struct RunConnection {
    /// The runs.
    pub edges: Vec<RunEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One run.
#[derive(SimpleObject)]
pub struct RunEdge {
    /// The run.
    pub node: RunObject,
    /// Its cursor.
    pub cursor: String,
}

/// A page of console lines.
#[derive(SimpleObject)]
pub struct LogLineConnection {
    /// The lines.
    pub edges: Vec<LogLineEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One console line.
#[derive(SimpleObject)]
pub struct LogLineEdge {
    /// The line.
    pub node: LogLineObject,
    /// Its cursor (the line number).
    pub cursor: String,
}

/// A console line, split the way W&B shows it.
#[derive(SimpleObject)]
#[graphql(name = "LogLine")]
pub struct LogLineObject {
    /// Line number.
    pub number: i64,
    /// When it was printed, as the client wrote it.
    pub timestamp: Option<String>,
    /// `error` for stderr, `info` otherwise.
    pub level: String,
    /// The `[label]` a line carried, if any.
    pub label: Option<String>,
    /// The text.
    pub line: String,
}

impl LogLineObject {
    /// Split `"<timestamp> [ERROR ][[label] ]text"`.
    fn parse(number: i64, content: &str) -> Self {
        let (timestamp, rest) = match content.split_once(' ') {
            Some((ts, rest)) if ts.len() >= 19 && ts.as_bytes()[4] == b'-' => {
                (Some(ts.to_string()), rest)
            }
            _ => (None, content),
        };
        let (level, rest) = match rest.strip_prefix("ERROR ") {
            Some(rest) => ("error", rest),
            None => ("info", rest),
        };
        let (label, line) = match rest.strip_prefix('[').and_then(|r| r.split_once("] ")) {
            Some((label, line)) => (Some(label.to_string()), line),
            None => (None, rest),
        };
        LogLineObject {
            number,
            timestamp,
            level: level.to_string(),
            label,
            line: line.to_string(),
        }
    }
}
