//! Artifact pages at W&B's URLs: a project's artifacts by type
//! (`/ENTITY/PROJECT/artifacts`), a collection's versions
//! (`…/artifacts/TYPE/NAME`), and one version (`…/artifacts/TYPE/NAME/v3`
//! or an alias such as `latest`) with its metadata, files (each
//! downloadable) and lineage two steps each way: the artifacts its run
//! used, the run that logged it, the runs that used it and the artifacts
//! those runs logged.
//!
//! Every listing is one bounded page of the same domain calls the GraphQL
//! artifact resolvers make, through the viewer's readable project. Files
//! are served from the content store by digest, always as attachments.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cairn_core::artifact::{Artifact, Collection, CollectionKind, VersionOrder};
use cairn_core::authz::Readable;
use cairn_core::model::Project;
use cairn_core::run::Run;
use serde::Deserialize;
use serde_json::Value;

use super::format::{self, TreeRow, tree};
use super::links::{attachment, enc, enc_path};
use super::page::{Chrome, PageError, project_chrome, readable_project, render};
use super::session::Viewer;
use crate::state::AppState;

/// Most collections listed on a project's artifacts page.
const COLLECTIONS_SHOWN: i64 = 500;
/// Most versions listed on a collection's page.
const VERSIONS_SHOWN: i64 = 200;
/// Files per page of a version's file list.
const FILES_PER_PAGE: i64 = 200;
/// Most consumer runs shown in a version's lineage.
const USERS_SHOWN: usize = 50;
/// Most artifacts shown in each outer column of a version's lineage.
const LINEAGE_ARTIFACTS_SHOWN: i64 = 20;

fn chrome(viewer: &Viewer, project: &Project, title: String) -> Chrome {
    let base = format!("/{}/{}", project.entity_name, project.name);
    project_chrome(viewer, project, title).crumb("artifacts", format!("{base}/artifacts"))
}

/// A collection in a list.
pub struct CollectionRow {
    kind: String,
    name: String,
    href: String,
    updated: String,
    description: String,
}

#[derive(Template)]
#[template(path = "artifacts.html")]
struct ArtifactsPage {
    chrome: Chrome,
    project: String,
    collections: Vec<CollectionRow>,
    more: bool,
}

/// `GET /{entity}/{project}/artifacts`.
pub async fn list(
    State(state): State<AppState>,
    Path((entity, project)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let base = format!("/{}/{}", project.entity_name, project.name);
    let found = state
        .cairn
        .collections(
            &project,
            None,
            &[CollectionKind::Sequence, CollectionKind::Portfolio],
            None,
            None,
            COLLECTIONS_SHOWN + 1,
        )
        .await?;
    let more = found.len() as i64 > COLLECTIONS_SHOWN;
    let mut collections: Vec<CollectionRow> = found
        .into_iter()
        .take(COLLECTIONS_SHOWN as usize)
        .map(|c| CollectionRow {
            href: format!("{base}/artifacts/{}/{}", enc(&c.type_name), enc(&c.name)),
            kind: c.type_name.clone(),
            name: c.name.clone(),
            updated: format::when(c.updated_at),
            description: c.description.clone().unwrap_or_default(),
        })
        .collect();
    collections.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    Ok(render(
        StatusCode::OK,
        &ArtifactsPage {
            chrome: chrome(&viewer, &project, format!("Artifacts · {}", project.name)),
            project: project.name.clone(),
            collections,
            more,
        },
    ))
}

async fn collection_of(
    state: &AppState,
    project: &Readable<Project>,
    kind: &str,
    name: &str,
) -> Result<Readable<Collection>, PageError> {
    state
        .cairn
        .collection(project, name)
        .await?
        .filter(|c| c.type_name == kind)
        .ok_or(PageError::NotFound)
}

/// A version in a collection's list.
pub struct VersionRow {
    version: String,
    href: String,
    aliases: Vec<String>,
    tags: Vec<String>,
    size: String,
    files: i64,
    created: String,
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionPage {
    chrome: Chrome,
    kind: String,
    name: String,
    description: String,
    tags: Vec<String>,
    versions: Vec<VersionRow>,
    more: bool,
}

/// `GET /{entity}/{project}/artifacts/{type}/{name}`.
pub async fn collection(
    State(state): State<AppState>,
    Path((entity, project, kind, name)): Path<(String, String, String, String)>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let collection = collection_of(&state, &project, &kind, &name).await?;
    let page = state
        .cairn
        .versions(
            &collection,
            None,
            VersionOrder::NewestFirst,
            None,
            VERSIONS_SHOWN,
        )
        .await?;
    let href = format!(
        "/{}/{}/artifacts/{}/{}",
        project.entity_name,
        project.name,
        enc(&kind),
        enc(&name)
    );
    let versions = page
        .versions
        .iter()
        .map(|(membership, artifact)| VersionRow {
            version: format!("v{}", membership.version_index),
            href: format!("{href}/v{}", membership.version_index),
            aliases: membership.aliases.iter().map(|a| a.alias.clone()).collect(),
            tags: artifact.tags.clone(),
            size: format::bytes(artifact.size),
            files: artifact.file_count,
            created: format::when(membership.created_at),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &CollectionPage {
            chrome: chrome(&viewer, &project, format!("{name} · {kind}")).crumb(name.clone(), href),
            kind,
            name,
            description: collection.description.clone().unwrap_or_default(),
            tags: collection.tags.clone(),
            versions,
            more: page.has_next_page,
        },
    ))
}

/// A file of a version.
pub struct FileRow {
    path: String,
    href: Option<String>,
    size: String,
    reference: String,
}

/// A run in a version's lineage.
pub struct RunLink {
    label: String,
    href: String,
}

/// An artifact version a run logged or used, linked to its page.
pub struct ArtifactRow {
    pub label: String,
    pub kind: String,
    pub href: String,
}

/// The artifact versions `run` logged (`output`) or used, at most `limit`.
pub async fn artifact_rows(
    state: &AppState,
    run: &Readable<Run>,
    output: bool,
    limit: i64,
) -> Result<Vec<ArtifactRow>, PageError> {
    let mut rows = Vec::new();
    for artifact in state.cairn.run_artifacts(run, output, None, limit).await? {
        let project = state.cairn.project_of(&artifact).await?;
        let version = artifact
            .version_index
            .map(|v| format!("v{v}"))
            .unwrap_or_else(|| "pending".into());
        rows.push(ArtifactRow {
            label: format!("{}:{version}", artifact.sequence_name),
            kind: artifact.type_name.clone(),
            href: format!(
                "/{}/{}/artifacts/{}/{}/{version}",
                project.entity_name,
                project.name,
                enc(&artifact.type_name),
                enc(&artifact.sequence_name),
            ),
        });
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionPage {
    chrome: Chrome,
    kind: String,
    name: String,
    version: String,
    aliases: Vec<String>,
    tags: Vec<String>,
    facts: Vec<(&'static str, String)>,
    metadata: Vec<TreeRow>,
    files: Vec<FileRow>,
    next_files: Option<String>,
    /// What the creator run used, the creator, the runs that used this
    /// version, and what those runs logged.
    inputs: Vec<ArtifactRow>,
    creator: Option<RunLink>,
    users: Vec<RunLink>,
    outputs: Vec<ArtifactRow>,
}

/// A version page's query: where its file list continues.
#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    after: Option<String>,
}

async fn version_of(
    state: &AppState,
    viewer: &Viewer,
    collection: &Readable<Collection>,
    version: &str,
) -> Result<(cairn_core::artifact::Membership, Readable<Artifact>), PageError> {
    let membership = state
        .cairn
        .membership(collection, version)
        .await?
        .ok_or(PageError::NotFound)?;
    let artifact = state
        .cairn
        .artifact(&viewer.actor, membership.artifact_id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((membership, artifact))
}

/// A run of a version's lineage the viewer may read, with its link.
async fn lineage_run(
    state: &AppState,
    viewer: &Viewer,
    run_id: i64,
) -> Option<(RunLink, Readable<Run>)> {
    let run = state
        .cairn
        .readable_run_by_id(&viewer.actor, run_id)
        .await
        .ok()?;
    let link = RunLink {
        label: run.display_name.clone().unwrap_or_else(|| run.name.clone()),
        href: super::links::run_href(&run),
    };
    Some((link, run))
}

/// `GET /{entity}/{project}/artifacts/{type}/{name}/{version}`.
pub async fn version(
    State(state): State<AppState>,
    Path((entity, project, kind, name, version)): Path<(String, String, String, String, String)>,
    Query(query): Query<VersionQuery>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let collection = collection_of(&state, &project, &kind, &name).await?;
    let (membership, artifact) = version_of(&state, &viewer, &collection, &version).await?;
    let href = format!(
        "/{}/{}/artifacts/{}/{}/v{}",
        project.entity_name,
        project.name,
        enc(&kind),
        enc(&name),
        membership.version_index
    );
    let entries = state
        .cairn
        .artifact_entries(&artifact, None, query.after.as_deref(), FILES_PER_PAGE + 1)
        .await?;
    let next_files = (entries.len() as i64 > FILES_PER_PAGE)
        .then(|| entries.get(FILES_PER_PAGE as usize - 1))
        .flatten()
        .map(|last| format!("{href}?after={}", enc(&last.path)));
    let files = entries
        .into_iter()
        .take(FILES_PER_PAGE as usize)
        .map(|entry| FileRow {
            href: entry
                .reference
                .is_none()
                .then(|| format!("{href}/files/{}", enc_path(&entry.path))),
            size: entry.size.map(format::bytes).unwrap_or_default(),
            reference: entry.reference.clone().unwrap_or_default(),
            path: entry.path,
        })
        .collect();
    let (mut inputs, mut creator) = (Vec::new(), None);
    if let Some((link, run)) = match artifact.run_id {
        Some(id) => lineage_run(&state, &viewer, id).await,
        None => None,
    } {
        inputs = artifact_rows(&state, &run, false, LINEAGE_ARTIFACTS_SHOWN).await?;
        creator = Some(link);
    }
    let (mut users, mut outputs) = (Vec::new(), Vec::<ArtifactRow>::new());
    for id in state
        .cairn
        .artifact_users(&artifact)
        .await?
        .into_iter()
        .take(USERS_SHOWN)
    {
        let Some((link, run)) = lineage_run(&state, &viewer, id).await else {
            continue;
        };
        users.push(link);
        if (outputs.len() as i64) < LINEAGE_ARTIFACTS_SHOWN {
            for row in artifact_rows(&state, &run, true, LINEAGE_ARTIFACTS_SHOWN).await? {
                if !outputs.iter().any(|seen| seen.href == row.href) {
                    outputs.push(row);
                }
            }
        }
    }
    outputs.truncate(LINEAGE_ARTIFACTS_SHOWN as usize);
    let metadata: Value = serde_json::from_str(&artifact.metadata).unwrap_or(Value::Null);
    let mut facts = vec![
        ("State", artifact.state.as_str().to_string()),
        ("Digest", artifact.digest.clone()),
        ("Size", format::bytes(artifact.size)),
        ("Files", artifact.file_count.to_string()),
        ("Created", format::when(membership.created_at)),
    ];
    if let Some(description) = artifact.description.as_ref().filter(|d| !d.is_empty()) {
        facts.push(("Description", description.clone()));
    }
    Ok(render(
        StatusCode::OK,
        &VersionPage {
            chrome: chrome(
                &viewer,
                &project,
                format!("{name}:v{}", membership.version_index),
            )
            .crumb(
                name.clone(),
                href.rsplit_once('/')
                    .map(|(c, _)| c.to_string())
                    .unwrap_or_default(),
            )
            .crumb(format!("v{}", membership.version_index), href.clone()),
            kind,
            name,
            version: format!("v{}", membership.version_index),
            aliases: membership.aliases.iter().map(|a| a.alias.clone()).collect(),
            tags: artifact.tags.clone(),
            facts,
            metadata: tree(&metadata, false),
            files,
            next_files,
            inputs,
            creator,
            users,
            outputs,
        },
    ))
}

/// `GET /{entity}/{project}/artifacts/{type}/{name}/{version}/files/{*path}`:
/// one file of the version, as an attachment.
pub async fn download(
    State(state): State<AppState>,
    Path((entity, project, kind, name, version, path)): Path<(
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
    headers: HeaderMap,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let collection = collection_of(&state, &project, &kind, &name).await?;
    let (_, artifact) = version_of(&state, &viewer, &collection, &version).await?;
    let entry = state
        .cairn
        .artifact_entries(&artifact, Some(std::slice::from_ref(&path)), None, 1)
        .await?
        .into_iter()
        .next()
        .filter(|e| e.reference.is_none())
        .ok_or(PageError::NotFound)?;
    let mut response = crate::artifact_files::serve(&state, &entry.digest, &headers)
        .await
        .map_err(|e| match e {
            cairn_core::CoreError::NotFound(_) => PageError::NotFound,
            other => PageError::Core(other),
        })?;
    attachment(&mut response, &path);
    Ok(response)
}
