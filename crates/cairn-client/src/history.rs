//! History rows and [`HistoryScan`], the lazy reader behind
//! `Run::scan_history`.
//!
//! A scan reads the run's history a page at a time, in step order, the way
//! wandb-core does:
//! - without keys, `HistoryPage`: `history(minStep, maxStep, samples)` is
//!   "the first `samples` rows with `minStep <= _step < maxStep`", so the
//!   next page starts after the last row's step;
//! - with keys, `SampledHistoryPage`: `sampledHistory` returns, per step
//!   window, the rows having every key. It samples a window holding more
//!   rows than asked for, so a window's answer is used only when it cannot
//!   have been sampled — the window is no wider than the page, or the
//!   answer is short. Windows double while the history is sparse and halve
//!   after an answer that may have been sampled.

use std::collections::VecDeque;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;
use crate::relaxed;

/// Most rows one history page may hold (the server's limit).
pub const MAX_HISTORY_PAGE: u32 = 10_000;

/// One history row: `{"_step": 3, "loss": 0.25, …}`.
///
/// It derefs to the JSON object. Non-finite numbers, which W&B's history
/// may hold, appear as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`;
/// [`HistoryRow::get_f64`] reads them back as `f64`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HistoryRow(Map<String, Value>);

impl HistoryRow {
    /// The row's `_step`, if it has one.
    pub fn step(&self) -> Option<i64> {
        self.0.get("_step").and_then(Value::as_i64)
    }

    /// A number, NaN and infinities included.
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(relaxed::number)
    }

    /// The JSON object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// Parse one row as the server stores it (relaxed JSON).
    pub(crate) fn parse(raw: &str) -> Result<HistoryRow> {
        match relaxed::parse(raw) {
            Ok(value) => HistoryRow::from_value(value),
            Err(e) => Err(Error::Decode(format!("a history row is not JSON: {e}"))),
        }
    }

    pub(crate) fn from_value(value: Value) -> Result<HistoryRow> {
        match value {
            Value::Object(map) => Ok(HistoryRow(map)),
            other => Err(Error::Decode(format!(
                "a history row is not a JSON object: {other}"
            ))),
        }
    }
}

impl Deref for HistoryRow {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl From<HistoryRow> for Map<String, Value> {
    fn from(row: HistoryRow) -> Self {
        row.0
    }
}

#[derive(Deserialize)]
pub(crate) struct ProjectRun<T> {
    pub(crate) project: Option<RunOnly<T>>,
}

#[derive(Deserialize)]
pub(crate) struct RunOnly<T> {
    pub(crate) run: Option<T>,
}

#[derive(Deserialize)]
struct HistoryField {
    history: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SampledField {
    sampled_history: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryKeysField {
    history_keys: Option<Value>,
}

/// Which run a history request is about.
#[derive(Clone)]
pub(crate) struct RunRef {
    pub(crate) api: Api,
    pub(crate) entity: String,
    pub(crate) project: String,
    pub(crate) name: String,
}

impl RunRef {
    fn not_found(&self) -> Error {
        Error::NotFound {
            what: "run",
            name: format!("{}/{}/{}", self.entity, self.project, self.name),
        }
    }

    async fn run_field<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        mut variables: Value,
    ) -> Result<T> {
        variables["entity"] = json!(self.entity);
        variables["project"] = json!(self.project);
        let data: ProjectRun<T> = self.api.transport.execute(query, variables).await?;
        data.project
            .and_then(|p| p.run)
            .ok_or_else(|| self.not_found())
    }

    /// `RunFullHistory`: up to `samples` rows spread over the whole run.
    pub(crate) async fn full_history(&self, samples: u32) -> Result<Vec<HistoryRow>> {
        let field: HistoryField = self
            .run_field(
                queries::RUN_FULL_HISTORY,
                json!({"name": self.name, "samples": samples}),
            )
            .await?;
        field.history.iter().map(|r| HistoryRow::parse(r)).collect()
    }

    /// `RunSampledHistory`/`SampledHistoryPage`: the rows having all of
    /// the spec's keys, projected onto them.
    async fn sampled(&self, query: &str, variables: Value) -> Result<Vec<HistoryRow>> {
        let field: SampledField = self.run_field(query, variables).await?;
        let rows = match field.sampled_history.into_iter().next() {
            Some(Value::Array(rows)) => rows,
            Some(Value::Null) | None => Vec::new(),
            Some(other) => {
                return Err(Error::Decode(format!(
                    "sampledHistory is not a list of rows: {other}"
                )));
            }
        };
        rows.into_iter().map(HistoryRow::from_value).collect()
    }

    /// `RunSampledHistory` with one spec.
    pub(crate) async fn sampled_history(
        &self,
        keys: &[String],
        samples: u32,
    ) -> Result<Vec<HistoryRow>> {
        let spec = json!({"keys": keys, "samples": samples}).to_string();
        self.sampled(
            queries::RUN_SAMPLED_HISTORY,
            json!({"name": self.name, "specs": [spec]}),
        )
        .await
    }

    /// `RunHistoryKeys`: the last step logged, if any.
    pub(crate) async fn last_step(&self) -> Result<Option<i64>> {
        let field: HistoryKeysField = self
            .run_field(queries::RUN_HISTORY_KEYS, json!({"name": self.name}))
            .await?;
        Ok(field
            .history_keys
            .as_ref()
            .and_then(|k| k.get("lastStep"))
            .and_then(Value::as_i64))
    }
}

/// A run's history, read lazily a page at a time in step order.
pub struct HistoryScan {
    run: RunRef,
    keys: Vec<String>,
    page_size: u32,
    /// The next step to read.
    cursor: i64,
    /// One past the last step to read; known after the first fetch.
    end: Option<i64>,
    max_step: Option<i64>,
    /// Current window width (scans with keys).
    width: i64,
    buffer: VecDeque<HistoryRow>,
    started: bool,
    done: bool,
}

impl HistoryScan {
    pub(crate) fn new(
        run: RunRef,
        keys: Vec<String>,
        min_step: Option<i64>,
        max_step: Option<i64>,
        page_size: u32,
    ) -> Self {
        let page_size = page_size.clamp(1, MAX_HISTORY_PAGE);
        HistoryScan {
            run,
            keys,
            page_size,
            cursor: min_step.unwrap_or(0),
            end: None,
            max_step,
            width: i64::from(page_size),
            buffer: VecDeque::new(),
            started: false,
            done: false,
        }
    }

    /// The next row, fetching the next page when needed.
    pub async fn next(&mut self) -> Result<Option<HistoryRow>> {
        while self.buffer.is_empty() && !self.done {
            self.fetch_page().await?;
        }
        Ok(self.buffer.pop_front())
    }

    /// Drain the rest into a `Vec`.
    pub async fn collect_all(mut self) -> Result<Vec<HistoryRow>> {
        let mut all = Vec::new();
        while let Some(row) = self.next().await? {
            all.push(row);
        }
        Ok(all)
    }

    async fn fetch_page(&mut self) -> Result<()> {
        if !self.started {
            self.started = true;
            // As in Python: stop after the last step logged *now*, so a live
            // run's scan ends.
            let last = self.run.last_step().await?;
            let end = match last {
                Some(last) => last.saturating_add(1),
                None => {
                    self.done = true;
                    return Ok(());
                }
            };
            self.end = Some(self.max_step.map_or(end, |m| m.min(end)));
        }
        let end = self.end.unwrap_or(i64::MAX);
        if self.cursor >= end {
            self.done = true;
            return Ok(());
        }
        if self.keys.is_empty() {
            self.fetch_rows(end).await
        } else {
            self.fetch_window(end).await
        }
    }

    /// `HistoryPage`: the first `page_size` rows from the cursor on.
    async fn fetch_rows(&mut self, end: i64) -> Result<()> {
        let page: HistoryField = self
            .run
            .run_field(
                queries::HISTORY_PAGE,
                json!({
                    "run": self.run.name,
                    "minStep": self.cursor,
                    "maxStep": end,
                    "pageSize": self.page_size,
                }),
            )
            .await?;
        let full = page.history.len() >= self.page_size as usize;
        let rows = page
            .history
            .iter()
            .map(|r| HistoryRow::parse(r))
            .collect::<Result<Vec<_>>>()?;
        match (full, rows.last().map(HistoryRow::step)) {
            (true, Some(Some(last))) => self.cursor = last.saturating_add(1),
            (true, _) => {
                return Err(Error::Decode(
                    "a history row has no integer _step, so the scan cannot go on".into(),
                ));
            }
            (false, _) => self.done = true,
        }
        self.buffer.extend(rows);
        Ok(())
    }

    /// `SampledHistoryPage`: the rows of one step window having all keys.
    async fn fetch_window(&mut self, end: i64) -> Result<()> {
        let page = i64::from(self.page_size);
        let hi = self.cursor.saturating_add(self.width).min(end);
        let mut keys = self.keys.clone();
        if !keys.iter().any(|k| k == "_step") {
            keys.push("_step".into());
        }
        let rows = self
            .run
            .sampled(
                queries::SAMPLED_HISTORY_PAGE,
                json!({"run": self.run.name, "spec": json!({
                    "keys": keys,
                    "minStep": self.cursor,
                    "maxStep": hi - 1,
                    "samples": page,
                }).to_string()}),
            )
            .await?;
        let count = rows.len() as i64;
        if count >= page && hi - self.cursor > page {
            // Possibly a sample of a denser window: look at less.
            self.width = (self.width / 2).max(page);
            return Ok(());
        }
        if count < page / 4 {
            self.width = self.width.saturating_mul(2);
        }
        self.cursor = hi;
        self.done = hi >= end;
        self.buffer.extend(rows);
        Ok(())
    }
}
