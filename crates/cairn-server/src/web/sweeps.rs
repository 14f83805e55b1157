//! Sweep pages at W&B's URLs: a project's sweeps (`/ENTITY/PROJECT/sweeps`)
//! and one sweep (`…/sweeps/ID`, the URL `wandb.sweep` prints): its state
//! and configuration, its runs best first by the sweep's metric (one
//! bounded, ordered page of the runs search — the database sorts), a
//! parallel-coordinates chart of parameters against the metric (drawn by
//! `static/app.js` from the same page of runs), and pause / resume / stop
//! for those who may change the project.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::run::RunQuery;
use cairn_core::sweep::{Goal, SweepConfig};
use cairn_core::{ProjectAction, SweepSpec};
use serde::Deserialize;
use serde_json::{Value, json};

use super::format;
use super::links::{enc, run_href};
use super::page::{Chrome, PageError, project_chrome, readable_project, render};
use super::session::Viewer;
use crate::state::AppState;

/// Most sweeps listed.
const SWEEPS_SHOWN: i64 = 200;
/// Most runs of a sweep shown and charted.
const RUNS_SHOWN: i64 = 500;

/// A sweep in the list.
pub struct SweepRow {
    name: String,
    href: String,
    label: String,
    state: String,
    method: String,
    runs: i64,
    best: String,
    created: String,
}

#[derive(Template)]
#[template(path = "sweeps.html")]
struct SweepsPage {
    chrome: Chrome,
    project: String,
    sweeps: Vec<SweepRow>,
}

/// `GET /{entity}/{project}/sweeps`.
pub async fn list(
    State(state): State<AppState>,
    Path((entity, project)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let base = format!("/{}/{}", project.entity_name, project.name);
    let sweeps = state
        .cairn
        .sweeps(&project, None, SWEEPS_SHOWN)
        .await?
        .into_iter()
        .map(|s| SweepRow {
            href: format!("{base}/sweeps/{}", enc(&s.name)),
            label: s.display_name.clone().unwrap_or_else(|| s.name.clone()),
            name: s.name.clone(),
            state: s.state.as_str().to_lowercase(),
            method: s.method.clone(),
            runs: s.run_count,
            best: s
                .best_loss
                .map(|b| format::cell(&json!(b)))
                .unwrap_or_default(),
            created: format::when(s.created_at),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &SweepsPage {
            chrome: project_chrome(&viewer, &project, format!("Sweeps · {}", project.name))
                .crumb("sweeps", format!("{base}/sweeps")),
            project: project.name.clone(),
            sweeps,
        },
    ))
}

/// A run of the sweep.
pub struct RunRow {
    label: String,
    href: String,
    state: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "sweep.html")]
struct SweepPage {
    chrome: Chrome,
    base: String,
    label: String,
    name: String,
    state: String,
    method: String,
    metric: String,
    goal: String,
    config: String,
    params: Vec<String>,
    runs: Vec<RunRow>,
    best: Option<RunRow>,
    /// `{"axes": [...], "runs": [{"label", "values": [...]}]}` for the chart.
    chart: String,
    may_change: bool,
}

/// `GET /{entity}/{project}/sweeps/{id}`.
pub async fn page(
    State(state): State<AppState>,
    Path((entity, project, name)): Path<(String, String, String)>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let sweep = state
        .cairn
        .sweep(&project, &name)
        .await?
        .ok_or(PageError::NotFound)?;
    let base = format!("/{}/{}", project.entity_name, project.name);
    let href = format!("{base}/sweeps/{}", enc(&sweep.name));
    let parsed = SweepConfig::parse(&sweep.config).ok().map(|(c, _)| c);
    let metric = parsed.as_ref().and_then(|c| c.metric().cloned());
    let params: Vec<String> = parsed
        .as_ref()
        .and_then(|c| c.to_json().get("parameters"))
        .and_then(Value::as_object)
        .map(|p| p.keys().take(12).cloned().collect())
        .unwrap_or_default();

    let order = metric.as_ref().map(|m| {
        let sign = if m.goal == Goal::Maximize { '-' } else { '+' };
        format!("{sign}summary_metrics.{}", m.name)
    });
    let query = RunQuery {
        filters: Some(json!({ "sweep": sweep.name }).to_string()),
        order,
        include_sweeps: true,
    };
    let page = state.cairn.runs(&project, &query, None, RUNS_SHOWN).await?;
    let mut runs = Vec::new();
    let mut chart_runs = Vec::new();
    for (run, _) in &page.runs {
        let config: Value = serde_json::from_str(&run.config).unwrap_or(Value::Null);
        let summary = cairn_types::relaxed::parse(&run.summary).unwrap_or(Value::Null);
        let mut cells = Vec::new();
        let mut values = Vec::new();
        for param in &params {
            let value = format::lookup(&config, param, true)
                .cloned()
                .unwrap_or(Value::Null);
            cells.push(format::cell(&value));
            values.push(value);
        }
        if let Some(m) = &metric {
            let value = format::lookup(&summary, &m.name, false)
                .cloned()
                .unwrap_or(Value::Null);
            cells.push(format::cell(&value));
            values.push(value);
        }
        let label = run.display_name.clone().unwrap_or_else(|| run.name.clone());
        chart_runs.push(json!({ "label": label, "values": values }));
        runs.push(RunRow {
            href: run_href(run),
            label,
            state: run.state.clone(),
            cells,
        });
    }
    let best = match &metric {
        Some(m) => runs
            .iter()
            .position(|r| r.cells.last().is_some_and(|c| !c.is_empty()))
            .map(|i| RunRow {
                label: runs[i].label.clone(),
                href: runs[i].href.clone(),
                state: runs[i].state.clone(),
                cells: vec![
                    runs[i].cells.last().cloned().unwrap_or_default(),
                    m.name.clone(),
                ],
            }),
        None => None,
    };
    let mut axes = params.clone();
    if let Some(m) = &metric {
        axes.push(m.name.clone());
    }
    let may_change = state
        .cairn
        .may(&viewer.actor, &project, ProjectAction::LogRuns)
        .await?;
    Ok(render(
        StatusCode::OK,
        &SweepPage {
            chrome: project_chrome(
                &viewer,
                &project,
                format!("Sweep {} · {}", sweep.name, project.name),
            )
            .crumb("sweeps", format!("{base}/sweeps"))
            .crumb(sweep.name.clone(), href.clone()),
            base: href,
            label: sweep
                .display_name
                .clone()
                .unwrap_or_else(|| sweep.name.clone()),
            name: sweep.name.clone(),
            state: sweep.state.as_str().to_lowercase(),
            method: sweep.method.clone(),
            metric: metric.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
            goal: match metric.as_ref().map(|m| m.goal) {
                Some(Goal::Maximize) => "maximize".into(),
                Some(Goal::Minimize) => "minimize".into(),
                None => String::new(),
            },
            config: serde_json::to_string_pretty(
                parsed.as_ref().map(|c| c.to_json()).unwrap_or(&Value::Null),
            )
            .unwrap_or_default(),
            params,
            runs,
            best,
            chart: json!({ "axes": axes, "runs": chart_runs }).to_string(),
            may_change,
        },
    ))
}

/// The pause / resume / stop form.
#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    state: String,
}

/// `POST /{entity}/{project}/sweeps/{id}/state`.
pub async fn set_state(
    State(state): State<AppState>,
    Path((entity, project, name)): Path<(String, String, String)>,
    viewer: Viewer,
    Form(form): Form<StateForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let wanted = match form.state.as_str() {
        "pause" => "PAUSED",
        "resume" => "RUNNING",
        "stop" => "FINISHED",
        "cancel" => "CANCELED",
        _ => return Err(PageError::NotFound),
    };
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let sweep = state
        .cairn
        .sweep(&project, &name)
        .await?
        .ok_or(PageError::NotFound)?;
    let spec = SweepSpec {
        state: Some(wanted.into()),
        ..SweepSpec::default()
    };
    state
        .cairn
        .update_sweep(&viewer.actor, sweep.id, spec)
        .await?;
    Ok(Redirect::to(&format!(
        "/{}/{}/sweeps/{}",
        project.entity_name,
        project.name,
        enc(&sweep.name)
    ))
    .into_response())
}
