//! `POST /files/{entity}/{project}/{run}/file_stream`: how a running client
//! sends history, system metrics, console output, the summary and the final
//! exit code (format in `wandb-wire-protocol.md` §B.3).
//!
//! The whole request is validated before anything is stored, then stored in
//! one transaction; a 200 means every line in it is durable. A malformed
//! line gets a 400 naming the file and line (the client does not retry
//! 4xx), a storage failure a 500 (the client retries).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use cairn_core::CoreError;
use cairn_core::stream::{self, Chunk, StreamBatch};
use serde::Deserialize;
use serde_json::json;

use crate::auth;
use crate::error::http_error;
use crate::state::AppState;

/// The request body.
#[derive(Debug, Default, Deserialize)]
struct StreamRequest {
    #[serde(default)]
    files: HashMap<String, FileChunk>,
    #[serde(default)]
    preempting: Option<bool>,
    #[serde(default)]
    complete: Option<bool>,
    #[serde(default)]
    exitcode: Option<i64>,
    // `uploaded` (paths whose PUT succeeded) needs no action: the upload
    // itself recorded the file.
}

#[derive(Debug, Deserialize)]
struct FileChunk {
    #[serde(default)]
    offset: i64,
    #[serde(default)]
    content: Vec<String>,
}

/// Handle one request.
pub async fn file_stream(
    State(state): State<AppState>,
    Path((entity, project, run)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&state, &entity, &project, &run, &headers, &body).await {
        Ok(stopped) => {
            let mut answer = json!({ "exitcode": null, "limits": {} });
            if stopped {
                answer["stopped"] = json!(true);
            }
            Json(answer).into_response()
        }
        Err(e) => http_error(e),
    }
}

async fn handle(
    state: &AppState,
    entity: &str,
    project: &str,
    run: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<bool, CoreError> {
    let actor = auth::authenticate(&state.cairn, headers).await?;
    let request: StreamRequest = if body.iter().all(u8::is_ascii_whitespace) {
        StreamRequest::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            CoreError::InvalidInput(format!("The file_stream body is not valid: {e}."))
        })?
    };
    let batch = to_batch(request)?;
    let run = state
        .cairn
        .writable_run_by_name(&actor, entity, project, run)
        .await?;
    Ok(state.cairn.append_stream(&run, &batch).await?.stopped)
}

fn to_batch(request: StreamRequest) -> Result<StreamBatch, CoreError> {
    let mut batch = StreamBatch {
        preempting: request.preempting == Some(true),
        complete: (request.complete == Some(true)).then_some(request.exitcode.unwrap_or(0)),
        ..StreamBatch::default()
    };
    for (name, chunk) in request.files {
        if chunk.offset < 0 {
            return Err(CoreError::InvalidInput(format!(
                "{name}: offset {} is negative.",
                chunk.offset
            )));
        }
        match name.as_str() {
            "wandb-history.jsonl" => {
                let lines = chunk
                    .content
                    .into_iter()
                    .enumerate()
                    .map(|(i, raw)| stream::history_line(chunk.offset + i as i64, raw))
                    .collect::<Result<Vec<_>, _>>()?;
                batch.history = Some(Chunk {
                    offset: chunk.offset,
                    lines,
                });
            }
            "wandb-events.jsonl" => {
                for (i, raw) in chunk.content.iter().enumerate() {
                    stream::check_object(&name, chunk.offset + i as i64, raw)?;
                }
                batch.events = Some(Chunk {
                    offset: chunk.offset,
                    lines: chunk.content,
                });
            }
            "wandb-summary.json" => {
                if let Some(last) = chunk.content.into_iter().last() {
                    stream::check_object(&name, 0, &last)?;
                    batch.summary = Some(last);
                }
            }
            "output.log" => {
                batch.logs = Some(Chunk {
                    offset: chunk.offset,
                    lines: chunk.content,
                });
            }
            other => {
                tracing::debug!(file = other, "ignoring unknown file_stream file");
            }
        }
    }
    Ok(batch)
}
