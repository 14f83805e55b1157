//! JSON for the pages' scripts: sampled metric series for the charts, and
//! new console lines for the live tail.
//!
//! The server samples (`Cairn::sampled_history`, the reservoir the official
//! client's `run.history(samples=…)` uses), so a chart of a 1,000,000-step
//! run receives at most [`MAX_POINTS`] points per run. Every run is looked
//! up through `Cairn::readable_run_by_id` with the viewer's actor: a run the
//! viewer may not read is left out, as if it did not exist.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_core::CoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::{Viewer, viewer};
use crate::state::AppState;

/// Most runs one chart request covers.
pub const MAX_RUNS: usize = 20;
/// Most points per run.
pub const MAX_POINTS: i64 = 2000;
/// Most console lines per request.
const CONSOLE_PAGE: i64 = 1000;

/// A chart's request.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    /// Run row ids, comma-separated.
    runs: String,
    /// The metric.
    key: String,
    /// The x axis: `_step`, `_runtime` or `_timestamp`.
    x: Option<String>,
    /// Points per run (default 500).
    samples: Option<i64>,
    /// `events` for system metrics; history otherwise.
    source: Option<String>,
}

/// `GET /-/api/history`.
pub async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let viewer = match signed_in(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let ids: Result<Vec<i64>, _> = query
        .runs
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect();
    let Ok(ids) = ids else {
        return bad("runs must be run ids separated by commas");
    };
    if ids.len() > MAX_RUNS {
        return bad(&format!("at most {MAX_RUNS} runs per chart"));
    }
    let samples = query.samples.unwrap_or(500);
    if !(1..=MAX_POINTS).contains(&samples) {
        return bad(&format!("samples must be between 1 and {MAX_POINTS}"));
    }
    let events = query.source.as_deref() == Some("events");
    let x = match query.x.as_deref() {
        Some("_runtime") => "_runtime",
        Some("_timestamp") => "_timestamp",
        _ if events => "_runtime",
        _ => "_step",
    };
    let mut series = Vec::new();
    for id in ids {
        let run = match state.cairn.readable_run_by_id(&viewer.actor, id).await {
            Ok(run) => run,
            Err(CoreError::NotFound(_) | CoreError::PermissionDenied(_)) => continue,
            Err(other) => return crate::error::http_error(other),
        };
        let rows = if events {
            state.cairn.events(&run, samples).await
        } else {
            let keys = [x.to_string(), query.key.clone()];
            state
                .cairn
                .sampled_history(&run, &keys, i64::MIN, i64::MAX, samples)
                .await
        };
        let rows = match rows {
            Ok(rows) => rows,
            Err(other) => return crate::error::http_error(other),
        };
        let (mut xs, mut ys) = (
            Vec::with_capacity(rows.len()),
            Vec::with_capacity(rows.len()),
        );
        for row in rows {
            let Ok(row) = cairn_types::relaxed::parse(&row) else {
                continue;
            };
            let (Some(xv), Some(yv)) = (row.get(x), row.get(&query.key)) else {
                continue;
            };
            let (Some(xv), Some(yv)) = (
                cairn_types::relaxed::number(xv),
                cairn_types::relaxed::number(yv),
            ) else {
                continue;
            };
            if !xv.is_finite() {
                continue;
            }
            xs.push(xv);
            ys.push(if yv.is_finite() {
                Value::from(yv)
            } else {
                Value::Null
            });
        }
        series.push(json!({
            "id": run.id,
            "name": run.name,
            "label": run.display_name.clone().unwrap_or_else(|| run.name.clone()),
            "state": run.state,
            "x": xs,
            "y": ys,
        }));
    }
    Json(json!({ "key": query.key, "x": x, "series": series })).into_response()
}

/// A console tail request.
#[derive(Debug, Deserialize)]
pub struct ConsoleQuery {
    run: i64,
    from: i64,
}

/// `GET /-/api/console`: lines from `from` on, and where to ask next.
pub async fn console(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ConsoleQuery>,
) -> Response {
    let viewer = match signed_in(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let answer = async {
        let run = state
            .cairn
            .readable_run_by_id(&viewer.actor, query.run)
            .await?;
        let lines = state
            .cairn
            .log_lines(&run, query.from.max(0), CONSOLE_PAGE)
            .await?;
        let next = lines.last().map(|l| l.number + 1).unwrap_or(query.from);
        let lines: Vec<String> = lines.into_iter().map(|l| l.content).collect();
        Ok::<_, CoreError>(json!({ "lines": lines, "next": next, "state": run.state }))
    };
    match answer.await {
        Ok(body) => Json(body).into_response(),
        Err(err) => crate::error::http_error(err),
    }
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Viewer, Response> {
    match viewer(state, headers).await {
        Ok(Some(viewer)) => Ok(viewer),
        Ok(None) => Err((
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "Sign in again: the session has ended." })),
        )
            .into_response()),
        Err(err) => Err(crate::error::http_error(err)),
    }
}

fn bad(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response()
}
