//! [`Api::history_many`]: history keys of many runs in one request, as
//! Arrow record batches (Cairn's own multi-run export,
//! `POST /cairn/v1/projects/{entity}/{project}/history`).
//!
//! The server streams an Arrow IPC stream with one batch per run; batches
//! are decoded as the bytes arrive, so a large export never sits whole in
//! memory. Every batch has the same schema: `run` (the run's id), `_step`,
//! then each key asked for — Float64 when every selected run logged it as
//! numbers, otherwise the values' JSON text.
//!
//! The Arrow side is the `arrow` feature (on by default): without it the
//! crate does not build Arrow and Parquet, and `Api::history_export` still
//! hands out the raw bytes of any of the three formats.

#[cfg(feature = "arrow")]
use std::collections::VecDeque;

#[cfg(feature = "arrow")]
use cairn_history::arrow_schema::SchemaRef;
#[cfg(feature = "arrow")]
use cairn_history::{IpcDecoder, RecordBatch};
use serde_json::{Value, json};

use crate::api::{Api, split_project};
#[cfg(feature = "arrow")]
use crate::error::Error;
use crate::error::Result;
use crate::filters::Filter;
use crate::history::segment;
use crate::transport::check_status;

/// What [`Api::history_many`] and [`Api::history_export`] read.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// The runs (all when `None`).
    pub filter: Option<Filter>,
    /// The keys, besides `_step` (at least one).
    pub keys: Vec<String>,
    /// Rows per run, evenly spread (rows having every key); every row when
    /// `None`.
    pub samples: Option<u32>,
    /// Steps from (inclusive).
    pub min_step: Option<i64>,
    /// Steps to (exclusive).
    pub max_step: Option<i64>,
    /// Run order, as for `Api::runs` (`-created_at`); oldest first when
    /// `None`.
    pub order: Option<String>,
}

impl HistoryQuery {
    /// `keys` of every run.
    pub fn keys<I: IntoIterator<Item = S>, S: Into<String>>(keys: I) -> Self {
        HistoryQuery {
            keys: keys.into_iter().map(Into::into).collect(),
            ..HistoryQuery::default()
        }
    }

    /// Only the runs `filter` matches.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// At most `samples` rows per run.
    pub fn samples(mut self, samples: u32) -> Self {
        self.samples = Some(samples);
        self
    }

    fn body(&self, format: &str) -> Value {
        json!({
            "keys": self.keys,
            "filters": self.filter.as_ref().map(Filter::to_json),
            "samples": self.samples,
            "min_step": self.min_step,
            "max_step": self.max_step,
            "order": self.order,
            "format": format,
        })
    }
}

/// An export's record batches, decoded as they arrive.
#[cfg(feature = "arrow")]
pub struct HistoryBatches {
    body: reqwest::Response,
    decoder: IpcDecoder,
    ready: VecDeque<RecordBatch>,
    done: bool,
}

#[cfg(feature = "arrow")]
impl HistoryBatches {
    /// The next run's rows; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<RecordBatch>> {
        while self.ready.is_empty() && !self.done {
            match self.body.chunk().await? {
                Some(bytes) => self.ready.extend(self.decoder.push(bytes).map_err(decode)?),
                None => {
                    self.decoder.finish().map_err(decode)?;
                    self.done = true;
                }
            }
        }
        Ok(self.ready.pop_front())
    }

    /// The schema, once the first bytes arrived (after the first `next`).
    pub fn schema(&self) -> Option<SchemaRef> {
        self.decoder.schema()
    }

    /// Every remaining batch.
    pub async fn collect_all(mut self) -> Result<Vec<RecordBatch>> {
        let mut all = Vec::new();
        while let Some(batch) = self.next().await? {
            all.push(batch);
        }
        Ok(all)
    }
}

#[cfg(feature = "arrow")]
fn decode(e: cairn_history::Error) -> Error {
    Error::Decode(format!(
        "the history export is not a valid Arrow stream: {e}"
    ))
}

#[cfg(feature = "arrow")]
impl Api {
    /// History of many runs of a project (`entity/project`, or `project`
    /// in the default entity) in one request, one Arrow batch per run.
    pub async fn history_many(
        &self,
        project: &str,
        query: &HistoryQuery,
    ) -> Result<HistoryBatches> {
        let body = self.history_export(project, query, "arrow").await?;
        Ok(HistoryBatches {
            body,
            decoder: IpcDecoder::new(),
            ready: VecDeque::new(),
            done: false,
        })
    }
}

impl Api {
    /// The same export as raw bytes in `format` (`arrow`, `parquet` or
    /// `jsonl`), to copy to a file (`cairn history export`).
    pub async fn history_export(
        &self,
        project: &str,
        query: &HistoryQuery,
        format: &str,
    ) -> Result<reqwest::Response> {
        let (entity, project) = split_project(project);
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let transport = &self.transport;
        let url = format!(
            "{}/cairn/v1/projects/{}/{}/history",
            transport.base_url,
            segment(&entity),
            segment(&project)
        );
        let response = transport
            .http
            .post(url)
            .json(&query.body(format))
            .header("Authorization", transport.basic_auth())
            .send()
            .await?;
        check_status(response).await
    }
}
