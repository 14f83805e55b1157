//! `GET /cairn/v1/runs/{entity}/{project}/{run}/history`: a run's whole
//! history as JSON lines, streamed.
//!
//! GraphQL answers are built in memory and re-encode every row; this
//! endpoint sends rows exactly as stored, page by page from the database,
//! so a full scan costs little more than reading the rows. It is Cairn's
//! own (the official client reads history through GraphQL); the Rust client
//! and the CLI's `run history` use it.
//!
//! Query parameters: `min_step` (inclusive), `max_step` (exclusive), `keys`
//! (comma-separated: only rows having all of them, projected onto them).

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cairn_core::CoreError;
use cairn_core::authz::Readable;
use cairn_core::run::Run;
use cairn_core::stream::parse_relaxed;
use futures_util::stream;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth;
use crate::error::http_error;
use crate::state::AppState;

/// Rows read from the database per chunk of the response.
const CHUNK_ROWS: i64 = 5_000;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct Params {
    min_step: Option<i64>,
    max_step: Option<i64>,
    keys: Option<String>,
}

/// Stream the history.
pub async fn export(
    State(state): State<AppState>,
    Path((entity, project, run)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let run = match authorize(&state, &headers, &entity, &project, &run).await {
        Ok(run) => run,
        Err(e) => return http_error(e),
    };
    let keys: Vec<String> = params
        .keys
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    let scan = Scan {
        state,
        run,
        keys,
        next: params.min_step.unwrap_or(i64::MIN),
        max: params.max_step.unwrap_or(i64::MAX),
        done: false,
    };
    let body = stream::unfold(scan, |mut scan| async move {
        let chunk = scan.next_chunk().await?;
        Some((chunk, scan))
    });
    let mut response = Body::from_stream(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    response
}

async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    entity: &str,
    project: &str,
    run: &str,
) -> Result<Readable<Run>, CoreError> {
    let actor = auth::authenticate(&state.cairn, headers).await?;
    state.cairn.readable_run(&actor, entity, project, run).await
}

/// Where a streaming scan stands.
struct Scan {
    state: AppState,
    run: Readable<Run>,
    keys: Vec<String>,
    next: i64,
    max: i64,
    done: bool,
}

impl Scan {
    /// The next chunk of lines; `None` at the end. A storage failure ends
    /// the body with an error, so the client sees a broken transfer rather
    /// than a short history.
    async fn next_chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        let rows = match self
            .state
            .cairn
            .history(&self.run, self.next, self.max, CHUNK_ROWS)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                self.done = true;
                return Some(Err(std::io::Error::other(e.to_string())));
            }
        };
        self.done = (rows.len() as i64) < CHUNK_ROWS;
        let mut out = Vec::with_capacity(rows.iter().map(|(_, r)| r.len() + 1).sum());
        for (step, row) in &rows {
            self.next = step.saturating_add(1);
            if self.keys.is_empty() {
                out.extend_from_slice(row.as_bytes());
                out.push(b'\n');
            } else if let Some(projected) = project(row, &self.keys) {
                out.extend_from_slice(projected.as_bytes());
                out.push(b'\n');
            }
        }
        Some(Ok(Bytes::from(out)))
    }
}

/// A row with only `keys`, if it has all of them. Projected rows are
/// re-encoded, so NaN and infinities come out as the strings `"NaN"`,
/// `"Infinity"` and `"-Infinity"`.
fn project(row: &str, keys: &[String]) -> Option<String> {
    let Ok(Value::Object(mut row)) = parse_relaxed(row) else {
        return None;
    };
    let mut out = Map::new();
    for key in keys {
        out.insert(key.clone(), row.remove(key)?);
    }
    Some(Value::Object(out).to_string())
}
