//! History rows and [`HistoryScan`], the streaming reader behind
//! `Run::scan_history`.

use std::collections::VecDeque;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::queries;
use crate::relaxed;
use crate::transport::check_status;

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

/// A lazy, streaming scan of a run's history in step order
/// (`Run::scan_history`).
///
/// It reads Cairn's JSON-lines export
/// (`GET /cairn/v1/runs/{entity}/{project}/{run}/history`), which sends rows
/// exactly as stored, straight from the database, in one streamed response:
/// no pages to stitch, and rows are parsed as they arrive. With keys, only
/// rows having every key come back, projected onto them (as
/// `sampledHistory` does for the official client).
pub struct HistoryScan {
    run: RunRef,
    keys: Vec<String>,
    min_step: Option<i64>,
    max_step: Option<i64>,
    body: Option<reqwest::Response>,
    /// Bytes received but not yet split into lines.
    pending: Vec<u8>,
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
    ) -> Self {
        HistoryScan {
            run,
            keys,
            min_step,
            max_step,
            body: None,
            pending: Vec::new(),
            buffer: VecDeque::new(),
            started: false,
            done: false,
        }
    }

    /// The next row, reading more of the response when needed.
    pub async fn next(&mut self) -> Result<Option<HistoryRow>> {
        while self.buffer.is_empty() && !self.done {
            self.read_more().await?;
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

    async fn read_more(&mut self) -> Result<()> {
        if !self.started {
            self.started = true;
            self.body = self.open().await?;
        }
        let Some(body) = self.body.as_mut() else {
            self.done = true;
            return Ok(());
        };
        match body.chunk().await? {
            Some(chunk) => {
                self.pending.extend_from_slice(&chunk);
                self.split_lines(false)
            }
            None => {
                self.done = true;
                self.split_lines(true)
            }
        }
    }

    /// Start the export; `None` when there is nothing to read.
    async fn open(&self) -> Result<Option<reqwest::Response>> {
        // As in Python: stop after the last step logged *now*, so a scan of
        // a live run ends.
        let Some(last) = self.run.last_step().await? else {
            return Ok(None);
        };
        let end = last.saturating_add(1);
        let end = self.max_step.map_or(end, |m| m.min(end));
        let mut query = vec![("max_step", end.to_string())];
        if let Some(min) = self.min_step {
            query.push(("min_step", min.to_string()));
        }
        if !self.keys.is_empty() {
            // Rows always carry their step, as in the official client.
            let mut keys = vec!["_step"];
            keys.extend(
                self.keys
                    .iter()
                    .map(String::as_str)
                    .filter(|k| *k != "_step"),
            );
            query.push(("keys", keys.join(",")));
        }
        let transport = &self.run.api.transport;
        let url = format!(
            "{}/cairn/v1/runs/{}/{}/{}/history",
            transport.base_url,
            segment(&self.run.entity),
            segment(&self.run.project),
            segment(&self.run.name)
        );
        let response = transport
            .http
            .get(url)
            .query(&query)
            .header("Authorization", transport.basic_auth())
            .send()
            .await?;
        Ok(Some(check_status(response).await?))
    }

    /// Parse every complete line received (and the rest, at the end).
    fn split_lines(&mut self, at_end: bool) -> Result<()> {
        let cut = if at_end {
            self.pending.len()
        } else {
            match self.pending.iter().rposition(|b| *b == b'\n') {
                Some(i) => i + 1,
                None => return Ok(()),
            }
        };
        let text = std::str::from_utf8(&self.pending[..cut])
            .map_err(|e| Error::Decode(format!("history is not UTF-8: {e}")))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            self.buffer.push_back(HistoryRow::parse(line)?);
        }
        self.pending.drain(..cut);
        Ok(())
    }
}

/// A path segment, percent-encoded.
pub(crate) fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
