//! The W&B app URLs the official client and `wandb-workspaces` print for
//! projects, saved workspaces and reports (`/ENTITY/PROJECT`,
//! `/ENTITY/PROJECT?nw=ID`, `/ENTITY/PROJECT/reports/TITLE--ID`).
//!
//! Until the web UI exists they answer JSON: what the page would show,
//! for whoever may read the project. A browser without credentials gets a
//! 401 with a Basic challenge, so it asks for them (user `api`, the API
//! key as password) and then shows the answer.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::authz::Readable;
use cairn_core::model::Project;
use cairn_core::view::View;
use cairn_core::{CoreError, ViewFilter};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::auth;
use crate::error::http_error;
use crate::graphql::view_id_string;
use crate::state::AppState;

/// The query of a project URL: `nw` names a saved workspace.
#[derive(Debug, Deserialize)]
pub struct ProjectParams {
    nw: Option<String>,
}

/// `GET /{entity}/{project}`: the project, or one of its saved workspaces.
pub async fn project(
    State(state): State<AppState>,
    Path((entity, project)): Path<(String, String)>,
    Query(params): Query<ProjectParams>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let actor = auth::authenticate(&state.cairn, &headers).await?;
        let project = readable(&state, &actor, &entity, &project).await?;
        let Some(nw) = params.nw.filter(|nw| !nw.is_empty()) else {
            return Ok(json!({"type": "project", "project": project_json(&project)}));
        };
        // `wandb-workspaces` names a workspace `nw-<id>-v` and puts `<id>`
        // in the URL.
        let filter = ViewFilter {
            kind: Some("project-view".into()),
            name: Some(format!("nw-{nw}-v")),
            username: None,
        };
        let view = state
            .cairn
            .views(&actor, &project, filter, None, 1)
            .await?
            .pop()
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "No saved workspace {nw:?} exists in {}/{}.",
                    project.entity_name, project.name
                ))
            })?;
        Ok(view_json("workspace", &view, &project))
    }
    .await;
    respond(answer)
}

/// `GET /{entity}/{project}/reports/{slug}`: a report; the slug ends in
/// `--` and the view id without its padding.
pub async fn report(
    State(state): State<AppState>,
    Path((entity, project, slug)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let actor = auth::authenticate(&state.cairn, &headers).await?;
        let found = find_report(&state, &actor, &entity, &project, &slug).await?;
        Ok(view_json("report", &found.view, &found.project))
    }
    .await;
    respond(answer)
}

/// The report a `/{entity}/{project}/reports/{slug}` URL names, if `actor`
/// may read it: the slug ends in `--` and the view id without its padding.
pub(crate) async fn find_report(
    state: &AppState,
    actor: &cairn_core::Actor,
    entity: &str,
    project: &str,
    slug: &str,
) -> Result<cairn_core::ViewInProject, CoreError> {
    let project = readable(state, actor, entity, project).await?;
    let missing = || {
        CoreError::NotFound(format!(
            "No report {slug:?} exists in {entity}/{}.",
            project.name
        ))
    };
    let id = slug
        .rsplit_once("--")
        .map(|(_, id)| id)
        .ok_or_else(missing)?;
    let id = crate::graphql::decode_view_id(id).map_err(|_| missing())?;
    let found = state.cairn.view(actor, id).await?.ok_or_else(missing)?;
    if found.project.id != project.id {
        return Err(missing());
    }
    Ok(found)
}

async fn readable(
    state: &AppState,
    actor: &cairn_core::Actor,
    entity: &str,
    project: &str,
) -> Result<Readable<Project>, CoreError> {
    state
        .cairn
        .project(actor, entity, project)
        .await?
        .ok_or_else(|| {
            CoreError::NotFound(format!(
                "No project {entity}/{project} exists, or you may not see it."
            ))
        })
}

fn respond(answer: Result<Value, CoreError>) -> Response {
    match answer {
        Ok(body) => axum::Json(body).into_response(),
        Err(err @ CoreError::Unauthenticated(_)) => {
            let mut response = http_error(err);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Cairn\", charset=\"UTF-8\""),
            );
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
        }
        Err(err) => http_error(err),
    }
}

fn time(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn project_json(project: &Project) -> Value {
    json!({
        "entity": project.entity_name,
        "name": project.name,
        "description": project.description,
        "createdAt": time(project.created_at),
    })
}

fn view_json(kind: &str, view: &View, project: &Project) -> Value {
    json!({
        "type": kind,
        "id": view_id_string(view.id),
        "name": view.name,
        "displayName": view.display_name,
        "description": view.description,
        "viewType": view.kind,
        "author": view.username,
        "project": project_json(project),
        "createdAt": time(view.created_at),
        "updatedAt": time(view.updated_at),
        // Stored specs are JSON (checked on the way in).
        "spec": serde_json::from_str::<Value>(&view.spec).unwrap_or(Value::Null),
    })
}
