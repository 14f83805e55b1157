//! The organization's registries (`/-/registries`): the ones the viewer
//! may see, each linking to its collections — a registry is a project of
//! the organization's entity, so its collections and linked versions are
//! that project's artifact pages (`web/artifacts.rs`).
//!
//! The list is the same query as `api.registries()` (`Cairn::registry_query`
//! leaves out restricted registries the viewer has no part in).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::REGISTRY_PREFIX;
use cairn_core::store::RegistryQuery;

use super::format;
use super::page::{Chrome, PageError, render};
use super::session::Viewer;
use crate::state::AppState;

/// Most registries listed.
const REGISTRIES_SHOWN: i64 = 200;

/// A registry in the list.
pub struct RegistryRow {
    name: String,
    href: String,
    description: String,
    created: String,
}

#[derive(Template)]
#[template(path = "registries.html")]
struct RegistriesPage {
    chrome: Chrome,
    organization: String,
    registries: Vec<RegistryRow>,
}

/// `GET /-/registries`.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let org = state.cairn.default_organization();
    let query = state
        .cairn
        .registry_query(
            &viewer.actor,
            org.entity_id,
            RegistryQuery {
                first: REGISTRIES_SHOWN,
                ..RegistryQuery::default()
            },
        )
        .await?;
    let mut registries = Vec::new();
    for (id, _) in state.cairn.registry_ids(&query).await? {
        let Some(project) = state
            .cairn
            .readable_project_by_id(&viewer.actor, id)
            .await?
        else {
            continue;
        };
        registries.push(RegistryRow {
            name: project
                .name
                .strip_prefix(REGISTRY_PREFIX)
                .unwrap_or(&project.name)
                .to_string(),
            // Entity and project names are URL-safe by construction.
            href: format!("/{}/{}/artifacts", project.entity_name, project.name),
            description: project.description.clone().unwrap_or_default(),
            created: format::when(project.created_at),
        });
    }
    Ok(render(
        StatusCode::OK,
        &RegistriesPage {
            chrome: viewer
                .chrome()
                .title("Registries")
                .crumb("registries", "/-/registries"),
            organization: org.name,
            registries,
        },
    ))
}
