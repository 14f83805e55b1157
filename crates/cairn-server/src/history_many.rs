//! `POST /cairn/v1/projects/{entity}/{project}/history`: one or more
//! history keys of every run a filter selects, in one streamed answer —
//! Arrow IPC (`format: "arrow"`, the default), Parquet (`"parquet"`) or
//! JSON lines (`"jsonl"`). Cairn's own; the Rust client's
//! `Api::history_many` and `cairn history export` use it.
//!
//! Body (JSON): `{"keys": ["loss"], "filters": {...}, "order": "-created_at",
//! "samples": 500, "min_step": 0, "max_step": 1000, "include_sweeps": true,
//! "format": "arrow"}`; only `keys` is required. Every row carries its
//! run's name in the `run` column. The request is checked and its runs
//! selected before the first byte is sent (a bad filter is a 400 with the
//! filter's error); a failure later ends the body with an error, so a
//! client sees a broken transfer, never a short export.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cairn_core::run::RunQuery;
use cairn_core::{CoreError, ExportRequest, HistoryExport};
use cairn_history::{IpcWriter, ParquetExport};
use futures_util::stream;
use serde::Deserialize;

use crate::auth;
use crate::error::http_error;
use crate::state::AppState;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportBody {
    keys: Vec<String>,
    #[serde(default)]
    filters: Option<serde_json::Value>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    include_sweeps: Option<bool>,
    #[serde(default)]
    samples: Option<i64>,
    #[serde(default)]
    min_step: Option<i64>,
    #[serde(default)]
    max_step: Option<i64>,
    #[serde(default)]
    format: Option<String>,
}

/// The answer's encoding.
#[derive(Debug, Clone, Copy)]
enum Format {
    Arrow,
    Parquet,
    JsonLines,
}

/// Stream the export.
pub async fn export(
    State(state): State<AppState>,
    Path((entity, project)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<ExportBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match start(&state, &headers, &entity, &project, body).await {
        Ok((format, export)) => respond(state, format, export),
        Err(e) => http_error(e),
    }
}

async fn start(
    state: &AppState,
    headers: &HeaderMap,
    entity: &str,
    project: &str,
    body: Result<Json<ExportBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(Format, HistoryExport), CoreError> {
    let actor = auth::authenticate(&state.cairn, headers).await?;
    let Json(body) = body.map_err(|e| {
        CoreError::InvalidInput(format!(
            "The export request is not valid: {}",
            e.body_text()
        ))
    })?;
    let format = match body.format.as_deref().unwrap_or("arrow") {
        "arrow" => Format::Arrow,
        "parquet" => Format::Parquet,
        "jsonl" => Format::JsonLines,
        other => {
            return Err(CoreError::InvalidInput(format!(
                "Unknown export format {other:?}: use arrow, parquet or jsonl."
            )));
        }
    };
    let request = ExportRequest {
        query: RunQuery {
            filters: body.filters.map(|f| f.to_string()),
            order: body.order,
            include_sweeps: body.include_sweeps.unwrap_or(true),
        },
        keys: body.keys,
        samples: body.samples,
        min_step: body.min_step.unwrap_or(i64::MIN),
        max_step: body.max_step.unwrap_or(i64::MAX),
    };
    let export = state
        .cairn
        .history_export(&actor, entity, project, request)
        .await?;
    Ok((format, export))
}

/// Where a streaming export stands.
struct Stream {
    state: AppState,
    export: HistoryExport,
    next: usize,
    writer: Writer,
    done: bool,
}

enum Writer {
    Arrow(Box<IpcWriter>),
    Parquet(Box<ParquetExport>),
    JsonLines,
    Finished,
}

fn respond(state: AppState, format: Format, export: HistoryExport) -> Response {
    let (writer, content_type) = match format {
        Format::Arrow => (
            IpcWriter::new(&export.schema).map(|w| Writer::Arrow(Box::new(w))),
            "application/vnd.apache.arrow.stream",
        ),
        Format::Parquet => (
            ParquetExport::new(&export.schema).map(|w| Writer::Parquet(Box::new(w))),
            "application/vnd.apache.parquet",
        ),
        Format::JsonLines => (Ok(Writer::JsonLines), "application/x-ndjson"),
    };
    let writer = match writer {
        Ok(w) => w,
        Err(e) => return http_error(CoreError::Internal(format!("export failed: {e}"))),
    };
    let scan = Stream {
        state,
        export,
        next: 0,
        writer,
        done: false,
    };
    let body = stream::unfold(scan, |mut scan| async move {
        let chunk = scan.next_chunk().await?;
        Some((chunk, scan))
    });
    let mut response = Body::from_stream(body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

impl Stream {
    /// The bytes of the next run (or the end of the stream); `None` after.
    async fn next_chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        match self.step().await {
            Ok(bytes) => Some(Ok(Bytes::from(bytes))),
            Err(e) => {
                self.done = true;
                Some(Err(std::io::Error::other(e.to_string())))
            }
        }
    }

    async fn step(&mut self) -> Result<Vec<u8>, CoreError> {
        let fail = |e: cairn_history::Error| CoreError::Internal(format!("export failed: {e}"));
        let Some(run) = self.export.runs.get(self.next) else {
            self.done = true;
            return match std::mem::replace(&mut self.writer, Writer::Finished) {
                Writer::Arrow(w) => w.finish().map_err(fail),
                Writer::Parquet(w) => w.finish().map_err(fail),
                Writer::JsonLines | Writer::Finished => Ok(Vec::new()),
            };
        };
        self.next += 1;
        let Some(batch) = self.state.cairn.export_run(&self.export, run).await? else {
            return Ok(Vec::new());
        };
        match &mut self.writer {
            Writer::Arrow(w) => {
                w.write(&batch).map_err(fail)?;
                Ok(std::mem::take(w.buffer_mut()))
            }
            Writer::Parquet(w) => {
                w.write(&batch).map_err(fail)?;
                Ok(w.take())
            }
            Writer::JsonLines => {
                let mut out = Vec::new();
                cairn_history::for_each_row(&batch, |_, row| {
                    out.extend_from_slice(row.as_bytes());
                    out.push(b'\n');
                })
                .map_err(fail)?;
                Ok(out)
            }
            Writer::Finished => Ok(Vec::new()),
        }
    }
}
