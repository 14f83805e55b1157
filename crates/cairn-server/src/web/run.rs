//! One run's page: overview (editable notes and tags), config and summary,
//! metric and system charts, console output, files and artifacts.
//!
//! Each part is one bounded read through the domain layer: the console
//! shows the last [`CONSOLE_LINES`] lines (and `app.js` tails new ones while
//! the run is running), files and artifacts one page each, charts are
//! drawn from sampled series fetched by the browser.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::authz::Readable;
use cairn_core::run::{Run, RunPatch};
use cairn_core::{CoreError, RunTarget};
use serde::Deserialize;
use serde_json::Value;

use super::artifacts::{ArtifactRow, artifact_rows};
use super::format::{self, TreeRow, tree};
use super::links::{attachment, enc_path, run_href};
use super::page::{Chrome, PageError, render};
use super::session::Viewer;
use crate::run_files::open_file;
use crate::state::AppState;

/// Console lines shown when the page opens.
pub const CONSOLE_LINES: i64 = 1000;
/// Most files listed.
const FILES_SHOWN: i64 = 500;
/// Most artifacts listed each way.
const ARTIFACTS_SHOWN: i64 = 100;
/// Most metric charts.
const MAX_CHARTS: usize = 60;
/// Largest file previewed as text, in bytes.
const PREVIEW_BYTES: i64 = 256 * 1024;

/// A file of the run.
pub struct FileRow {
    name: String,
    href: String,
    preview: Option<String>,
    size: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage {
    chrome: Chrome,
    run_id: i64,
    label: String,
    state: String,
    base: String,
    facts: Vec<(&'static str, String)>,
    sweep_href: Option<String>,
    tags: String,
    notes: String,
    may_edit: bool,
    config: Vec<TreeRow>,
    summary: Vec<TreeRow>,
    metrics: Vec<String>,
    system: Vec<String>,
    console: Vec<String>,
    console_next: i64,
    console_skipped: i64,
    files: Vec<FileRow>,
    outputs: Vec<ArtifactRow>,
    inputs: Vec<ArtifactRow>,
    live: bool,
}

/// `GET /{entity}/{project}/runs/{run}`.
pub async fn page(
    State(state): State<AppState>,
    Path((entity, project, name)): Path<(String, String, String)>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let run = find(&state, &viewer, &entity, &project, &name).await?;
    let project_href = format!("/{}/{}", run.entity_name, run.project_name);
    let base = run_href(&run);
    let cairn = &state.cairn;

    let config: Value = serde_json::from_str(&run.config).unwrap_or(Value::Null);
    let summary = cairn_types::relaxed::parse(&run.summary).unwrap_or(Value::Null);
    let system: Value = cairn_types::relaxed::parse(&run.system_metrics).unwrap_or(Value::Null);

    let keys = cairn.history_keys(&run).await?;
    let metrics: Vec<String> = keys
        .iter()
        .filter(|k| k.value_type == "number" && !k.key.starts_with('_'))
        .map(|k| k.key.clone())
        .take(MAX_CHARTS)
        .collect();
    let system_keys: Vec<String> = match &system {
        Value::Object(map) => map
            .iter()
            .filter(|(k, v)| !k.starts_with('_') && v.is_number())
            .map(|(k, _)| k.clone())
            .take(MAX_CHARTS)
            .collect(),
        _ => Vec::new(),
    };

    let console_from = (run.log_line_count - CONSOLE_LINES).max(0);
    let console: Vec<String> = cairn
        .log_lines(&run, console_from, CONSOLE_LINES)
        .await?
        .into_iter()
        .map(|line| line.content)
        .collect();
    let console_next = console_from + console.len() as i64;

    let files = cairn
        .run_files(&run, &[], None, None, FILES_SHOWN)
        .await?
        .into_iter()
        .map(|file| {
            let href = format!("{base}/files/{}", enc_path(&file.name));
            let previewable = file.size_bytes <= PREVIEW_BYTES && is_text(&file.name);
            FileRow {
                preview: previewable.then(|| format!("{href}?preview=1")),
                href,
                name: file.name,
                size: format::bytes(file.size_bytes),
                updated: format::when(file.updated_at),
            }
        })
        .collect();
    let outputs = artifact_rows(&state, &run, true, ARTIFACTS_SHOWN).await?;
    let inputs = artifact_rows(&state, &run, false, ARTIFACTS_SHOWN).await?;

    let mut facts = vec![
        ("Run id", run.name.clone()),
        ("State", run.state.clone()),
        ("User", run.username.clone().unwrap_or_default()),
        ("Created", format::when(run.created_at)),
        ("Last heard from", format::when(run.heartbeat_at)),
        (
            "Duration",
            format::duration((run.heartbeat_at - run.created_at).whole_seconds()),
        ),
    ];
    let optional = [
        ("Host", &run.host),
        ("Program", &run.program),
        ("Git commit", &run.commit),
        ("Git remote", &run.repo),
        ("Group", &run.group),
        ("Job type", &run.job_type),
        ("Description", &run.description),
    ];
    for (label, value) in optional {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            facts.push((label, value.clone()));
        }
    }
    if let Some(code) = run.exitcode {
        facts.push(("Exit code", code.to_string()));
    }
    if let Some(step) = run.last_step {
        facts.push(("Last step", step.to_string()));
    }
    let may_edit = cairn.may_write_run(&viewer.actor, &run).await?;

    Ok(render(
        StatusCode::OK,
        &RunPage {
            chrome: viewer
                .chrome()
                .title(format!(
                    "{} · {}",
                    run.display_name.as_deref().unwrap_or(&run.name),
                    run.project_name
                ))
                .crumb(run.entity_name.clone(), format!("/{}", run.entity_name))
                .crumb(run.project_name.clone(), project_href.clone())
                .crumb(run.name.clone(), base.clone()),
            run_id: run.id,
            label: run.display_name.clone().unwrap_or_else(|| run.name.clone()),
            state: run.state.clone(),
            facts,
            sweep_href: run
                .sweep_name
                .as_ref()
                .map(|s| format!("{project_href}/sweeps/{s}")),
            tags: run.tags.join(", "),
            notes: run.notes.clone().unwrap_or_default(),
            may_edit,
            config: tree(&config, true),
            summary: tree(&summary, false),
            metrics,
            system: system_keys,
            live: run.state == "running",
            console_skipped: console_from,
            console,
            console_next,
            files,
            outputs,
            inputs,
            base,
        },
    ))
}

async fn find(
    state: &AppState,
    viewer: &Viewer,
    entity: &str,
    project: &str,
    name: &str,
) -> Result<Readable<Run>, PageError> {
    state
        .cairn
        .run(&viewer.actor, entity, project, name)
        .await?
        .ok_or(PageError::NotFound)
}

fn is_text(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext,
        "txt"
            | "log"
            | "json"
            | "yaml"
            | "yml"
            | "md"
            | "py"
            | "csv"
            | "toml"
            | "cfg"
            | "ini"
            | "sh"
    ) || name == "requirements.txt"
}

/// The notes and tags form.
#[derive(Deserialize)]
pub struct NotesForm {
    csrf: String,
    notes: String,
    tags: String,
}

/// `POST /{entity}/{project}/runs/{run}/notes`: change notes and tags.
pub async fn save_notes(
    State(state): State<AppState>,
    Path((entity, project, name)): Path<(String, String, String)>,
    viewer: Viewer,
    Form(form): Form<NotesForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let run = find(&state, &viewer, &entity, &project, &name).await?;
    let tags: Vec<String> = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let patch = RunPatch {
        notes: Some(form.notes),
        tags: Some(tags),
        ..RunPatch::default()
    };
    let target = RunTarget {
        id: Some(run.id),
        ..RunTarget::default()
    };
    state.cairn.upsert_run(&viewer.actor, target, patch).await?;
    Ok(Redirect::to(&run_href(&run)).into_response())
}

/// A file request: `?preview=1` shows text in a page.
#[derive(Deserialize)]
pub struct FileQuery {
    preview: Option<String>,
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    chrome: Chrome,
    name: String,
    href: String,
    text: String,
    cut: bool,
}

/// `GET /{entity}/{project}/runs/{run}/files/{*name}`: a download (always
/// as an attachment, so an uploaded HTML file never runs as a page of this
/// site), or a text preview.
pub async fn download_file(
    State(state): State<AppState>,
    Path((entity, project, name, file)): Path<(String, String, String, String)>,
    Query(query): Query<FileQuery>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    cairn_core::names::validate_file_path(&file).map_err(|_| PageError::NotFound)?;
    let run = find(&state, &viewer, &entity, &project, &name).await?;
    let response = open_file(&state, &run, &file).await.map_err(|e| match e {
        CoreError::NotFound(_) => PageError::NotFound,
        other => PageError::Core(other),
    })?;
    if query.preview.is_some() {
        let body = axum::body::to_bytes(response.into_body(), PREVIEW_BYTES as usize + 1)
            .await
            .map_err(|_| {
                PageError::Core(CoreError::InvalidInput(format!(
                    "{file:?} is too large to preview; download it instead."
                )))
            })?;
        let cut = body.len() > PREVIEW_BYTES as usize;
        let text = String::from_utf8_lossy(&body[..body.len().min(PREVIEW_BYTES as usize)]);
        let href = run_href(&run);
        return Ok(render(
            StatusCode::OK,
            &PreviewPage {
                chrome: viewer
                    .chrome()
                    .title(file.clone())
                    .crumb(run.entity_name.clone(), format!("/{}", run.entity_name))
                    .crumb(
                        run.project_name.clone(),
                        format!("/{}/{}", run.entity_name, run.project_name),
                    )
                    .crumb(run.name.clone(), href.clone()),
                name: file,
                href,
                text: text.into_owned(),
                cut,
            },
        ));
    }
    let mut response = response;
    attachment(&mut response, &file);
    Ok(response)
}
