//! Report pages at W&B's URLs: a project's reports
//! (`/ENTITY/PROJECT/reports`) and one report (`…/reports/TITLE--ID`, the
//! URL `wandb-workspaces` gives), its blocks shown as text.
//!
//! A report's spec is the client's JSON, stored as sent; the page reads
//! only what it can show as text (headings, paragraphs, lists, quotes,
//! code) and names the rest (panel grids, embeds) without drawing them.
//! Every piece of text is escaped by the template.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::ViewFilter;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::format;
use super::page::{Chrome, PageError, project_chrome, readable_project, render};
use super::session::Viewer;
use crate::app_links::find_report;
use crate::graphql::view_id_string;
use crate::state::AppState;

/// What a slug keeps as is: letters, digits and its dashes.
const SLUG: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_');

/// Most reports listed.
const REPORTS_SHOWN: i64 = 200;
/// Most blocks shown of one report.
const MAX_BLOCKS: usize = 2000;

/// A report in the list.
pub struct ReportRow {
    title: String,
    href: String,
    author: String,
    updated: String,
    description: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    chrome: Chrome,
    project: String,
    reports: Vec<ReportRow>,
}

/// The URL of a report: its title as a slug, `--`, its id unpadded.
pub fn report_href(entity: &str, project: &str, title: &str, id: i64) -> String {
    let slug: String = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let id = view_id_string(id);
    format!(
        "/{entity}/{project}/reports/{}--{}",
        utf8_percent_encode(&slug, SLUG),
        id.trim_end_matches('=')
    )
}

/// `GET /{entity}/{project}/reports`.
pub async fn list(
    State(state): State<AppState>,
    Path((entity, project)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let project = readable_project(&state, &viewer, &entity, &project).await?;
    let filter = ViewFilter {
        kind: Some("runs".into()),
        name: None,
        username: None,
    };
    let reports = state
        .cairn
        .views(&viewer.actor, &project, filter, None, REPORTS_SHOWN)
        .await?
        .into_iter()
        .map(|view| ReportRow {
            href: report_href(
                &project.entity_name,
                &project.name,
                &view.display_name,
                view.id,
            ),
            title: view.display_name.clone(),
            author: view.username.clone().unwrap_or_default(),
            updated: format::when(view.updated_at),
            description: view.description.clone(),
        })
        .collect();
    let base = format!("/{}/{}", project.entity_name, project.name);
    Ok(render(
        StatusCode::OK,
        &ReportsPage {
            chrome: project_chrome(&viewer, &project, format!("Reports · {}", project.name))
                .crumb("reports", format!("{base}/reports")),
            project: project.name.clone(),
            reports,
        },
    ))
}

/// A block of a report, as text.
pub enum Block {
    /// A heading, level 1–3.
    Heading(u8, String),
    /// A paragraph or quote.
    Paragraph(String),
    /// A list's items.
    List(Vec<String>),
    /// Code.
    Code(String),
    /// Something shown by name only (a panel grid, an embed).
    Other(String),
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    title: String,
    description: String,
    author: String,
    updated: String,
    blocks: Vec<Block>,
}

/// `GET /{entity}/{project}/reports/{slug}` from a browser.
pub async fn page(
    state: AppState,
    (entity, project, slug): (String, String, String),
    viewer: Viewer,
) -> Result<Response, PageError> {
    let found = find_report(&state, &viewer.actor, &entity, &project, &slug)
        .await
        .map_err(|e| match e {
            cairn_core::CoreError::NotFound(_) => PageError::NotFound,
            other => PageError::Core(other),
        })?;
    let (view, project) = (&found.view, &found.project);
    let spec: Value = serde_json::from_str(&view.spec).unwrap_or(Value::Null);
    let blocks = spec
        .get("blocks")
        .and_then(Value::as_array)
        .map(|blocks| blocks.iter().take(MAX_BLOCKS).filter_map(block).collect())
        .unwrap_or_default();
    let base = format!("/{}/{}", project.entity_name, project.name);
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            chrome: project_chrome(&viewer, project, view.display_name.clone())
                .crumb("reports", format!("{base}/reports")),
            title: view.display_name.clone(),
            description: view.description.clone(),
            author: view.username.clone().unwrap_or_default(),
            updated: format::when(view.updated_at),
            blocks,
        },
    ))
}

/// All the text under a node (`{"text": …}` leaves of `children`).
fn text_of(node: &Value) -> String {
    let mut out = String::new();
    fn walk(node: &Value, out: &mut String, depth: usize) {
        if depth > 16 {
            return;
        }
        if let Some(text) = node.get("text").and_then(Value::as_str) {
            out.push_str(text);
        }
        if let Some(children) = node.get("children").and_then(Value::as_array) {
            for child in children {
                walk(child, out, depth + 1);
            }
        }
    }
    walk(node, &mut out, 0);
    out
}

fn block(node: &Value) -> Option<Block> {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    Some(match kind {
        "heading" => {
            let level = node
                .get("level")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 3) as u8;
            Block::Heading(level, text_of(node))
        }
        "paragraph" | "block-quote" | "callout-block" => {
            let text = text_of(node);
            if text.trim().is_empty() {
                return None;
            }
            Block::Paragraph(text)
        }
        "list" => Block::List(
            node.get("children")
                .and_then(Value::as_array)
                .map(|items| items.iter().map(text_of).collect())
                .unwrap_or_default(),
        ),
        "code-block" => Block::Code(
            node.get("children")
                .and_then(Value::as_array)
                .map(|lines| lines.iter().map(text_of).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default(),
        ),
        "panel-grid" => Block::Other("A panel grid of charts (not drawn here yet).".into()),
        "" => return None,
        other => Block::Other(format!("A {other} block.")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_become_text() {
        let heading =
            json!({"type": "heading", "level": 2, "children": [{"text": "Re"}, {"text": "sults"}]});
        assert!(matches!(block(&heading), Some(Block::Heading(2, t)) if t == "Results"));
        let list = json!({"type": "list", "children": [
            {"type": "list-item", "children": [{"text": "a"}]},
            {"type": "list-item", "children": [{"text": "b"}]}]});
        assert!(matches!(block(&list), Some(Block::List(items)) if items == ["a", "b"]));
        assert!(block(&json!({"type": "paragraph", "children": [{"text": " "}]})).is_none());
        assert!(matches!(
            block(&json!({"type": "panel-grid"})),
            Some(Block::Other(_))
        ));
    }

    #[test]
    fn report_urls_slug_the_title() {
        let href = report_href("ml", "p", "Loss & accuracy, week 1", 7);
        assert!(
            href.starts_with("/ml/p/reports/Loss-accuracy-week-1--"),
            "{href}"
        );
    }
}
