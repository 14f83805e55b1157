//! The home page (the viewer's own projects and their teams') and an
//! entity's page (its projects; a team's members too).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::Actor;
use cairn_core::authz::Readable;
use cairn_core::model::Project;
use cairn_core::run::RunQuery;

use super::format;
use super::page::{Chrome, PageError, render};
use super::session::Viewer;
use super::teams::{MemberRow, members_of};
use crate::state::AppState;

/// Most projects an entity's list shows.
const PROJECTS_SHOWN: i64 = 200;

/// A project as its list shows it.
pub struct ProjectRow {
    name: String,
    href: String,
    description: String,
    runs: i64,
    last_run: String,
}

/// An entity and its projects.
pub struct EntitySection {
    name: String,
    href: String,
    kind: &'static str,
    projects: Vec<ProjectRow>,
    more: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    sections: Vec<EntitySection>,
}

/// `GET /`.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let user = viewer.actor.user().clone();
    let mut sections = vec![section(&state, &viewer.actor, &user.username, "you").await?];
    for team in state.cairn.teams_of(user.id).await? {
        sections.push(section(&state, &viewer.actor, &team.name, "team").await?);
    }
    Ok(render(
        StatusCode::OK,
        &HomePage {
            chrome: viewer.chrome().title("Cairn"),
            sections,
        },
    ))
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    chrome: Chrome,
    section: EntitySection,
    is_team: bool,
    members: Vec<MemberRow>,
    may_manage: bool,
}

/// `GET /{entity}`.
pub async fn entity(
    State(state): State<AppState>,
    Path(name): Path<String>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let Some(entity) = state.cairn.entity(&viewer.actor, &name).await? else {
        return Err(PageError::NotFound);
    };
    let kind = if entity.is_team { "team" } else { "user" };
    let section = section(&state, &viewer.actor, &entity.name, kind).await?;
    let (members, may_manage) = if entity.is_team {
        members_of(&state, &viewer, &entity).await?
    } else {
        (Vec::new(), false)
    };
    Ok(render(
        StatusCode::OK,
        &EntityPage {
            chrome: viewer
                .chrome()
                .title(entity.name.clone())
                .crumb(entity.name.clone(), format!("/{}", entity.name)),
            section,
            is_team: entity.is_team,
            members,
            may_manage,
        },
    ))
}

async fn section(
    state: &AppState,
    actor: &Actor,
    entity: &str,
    kind: &'static str,
) -> Result<EntitySection, PageError> {
    let page = state
        .cairn
        .projects(actor, entity, None, PROJECTS_SHOWN)
        .await?;
    let mut projects = Vec::with_capacity(page.projects.len());
    for project in &page.projects {
        projects.push(project_row(state, project).await?);
    }
    Ok(EntitySection {
        name: entity.to_string(),
        href: format!("/{entity}"),
        kind,
        projects,
        more: page.has_next_page,
    })
}

async fn project_row(
    state: &AppState,
    project: &Readable<Project>,
) -> Result<ProjectRow, PageError> {
    let all = RunQuery {
        include_sweeps: true,
        ..RunQuery::default()
    };
    let runs = state.cairn.run_count(project, &all).await?;
    let newest = RunQuery {
        order: Some("-created_at".into()),
        ..all
    };
    let last_run = state
        .cairn
        .runs(project, &newest, None, 1)
        .await?
        .runs
        .first()
        .map(|(run, _)| format::when(run.heartbeat_at))
        .unwrap_or_default();
    Ok(ProjectRow {
        href: format!("/{}/{}", project.entity_name, project.name),
        name: project.name.clone(),
        description: project.description.clone().unwrap_or_default(),
        runs,
        last_run,
    })
}
