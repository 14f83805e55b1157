//! A project's workspace: the runs table and charts of chosen metrics.
//!
//! The table is one keyset page of `Cairn::runs` — the same search, filter
//! compiler and cursor as `api.runs(path, filters, order)` — so a project
//! of 100,000 runs costs one indexed page read, never a load of all its
//! runs. Everything the table shows is in the URL (`filter`, `order`,
//! `cols`, `metrics`, `group`, `sel`, `cursor`), so a view can be linked,
//! reloaded and navigated back to, and works without JavaScript; the
//! charts are drawn by `static/app.js` from `/-/api/history`.
//!
//! The filter bar takes MongoDB-style JSON (what `api.runs` takes) or the
//! short form `lr > 0.01 and tags = baseline`
//! ([`cairn_core::filter::simple_to_mongo`]). Grouping by a key orders the
//! runs by it and heads each group; the database still pages.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::CoreError;
use cairn_core::filter::simple_to_mongo;
use cairn_core::run::Run;
use cairn_core::run::RunQuery;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::format;
use super::page::{Chrome, PageError, project_chrome, render};
use super::session::Viewer;
use crate::state::AppState;

/// Runs per page of the table.
pub const PAGE_SIZE: i64 = 50;
/// Most extra columns.
const MAX_COLUMNS: usize = 20;
/// Most charts on the project page.
const MAX_CHARTS: usize = 12;
/// Runs charted when none are selected.
pub const CHARTED_RUNS: usize = 10;

/// The table's state, all of it in the query string.
#[derive(Debug, Default)]
struct View {
    filter: String,
    order: String,
    cursor: Option<String>,
    cols: Vec<String>,
    metrics: Vec<String>,
    group: String,
    selected: BTreeSet<String>,
    x: String,
}

impl View {
    fn parse(pairs: &[(String, String)]) -> Self {
        let mut view = View::default();
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        for (name, value) in pairs {
            match name.as_str() {
                "filter" => view.filter = value.clone(),
                "order" => view.order = value.trim().to_string(),
                "cursor" if !value.is_empty() => view.cursor = Some(value.clone()),
                "cols" => view.cols.extend(list(value)),
                "add" => view.cols.extend(list(value)),
                "metrics" => view.metrics.extend(list(value)),
                "group" => view.group = value.trim().to_string(),
                "sel" if !value.is_empty() => {
                    view.selected.insert(value.clone());
                }
                "x" => view.x = value.clone(),
                _ => {}
            }
        }
        let mut seen = BTreeSet::new();
        view.cols.retain(|c| seen.insert(c.clone()));
        view.cols.truncate(MAX_COLUMNS);
        view.metrics.truncate(MAX_CHARTS);
        if !matches!(view.x.as_str(), "_step" | "_runtime" | "_timestamp") {
            view.x = "_step".into();
        }
        view
    }

    /// The query string of this view with some parameters changed.
    fn link(&self, base: &str, change: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("filter", self.filter.clone()),
            ("order", self.order.clone()),
            ("cols", self.cols.join(",")),
            ("metrics", self.metrics.join(",")),
            ("group", self.group.clone()),
            ("x", self.x.clone()),
        ];
        for (name, value) in change {
            pairs.retain(|(n, _)| n != name);
            pairs.push((name, value.to_string()));
        }
        let query: Vec<String> = pairs
            .into_iter()
            .filter(|(name, value)| !(value.is_empty() || (*name == "x" && value == "_step")))
            .map(|(name, value)| {
                format!("{name}={}", utf8_percent_encode(&value, NON_ALPHANUMERIC))
            })
            .collect();
        if query.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", query.join("&"))
        }
    }

    /// The run query: the filter (JSON or short form) and the order, with
    /// the group key first when grouping.
    fn query(&self) -> Result<RunQuery, CoreError> {
        let filter = self.filter.trim();
        let filters = if filter.is_empty() {
            None
        } else if filter.starts_with('{') {
            Some(filter.to_string())
        } else {
            simple_to_mongo(filter)?.map(|json| json.to_string())
        };
        let order = if !self.group.is_empty() {
            Some(format!("+{}", self.group))
        } else {
            (!self.order.is_empty()).then(|| self.order.clone())
        };
        Ok(RunQuery {
            filters,
            order,
            include_sweeps: true,
        })
    }
}

/// A sortable column head.
pub struct Head {
    label: String,
    /// The link that sorts by it (descending first for metrics).
    href: String,
    /// `▲`/`▼` when the table is sorted by it.
    arrow: &'static str,
    /// `ascending`/`descending`/`none`, for `aria-sort`.
    aria: &'static str,
}

/// A run as a table row.
pub struct Row {
    name: String,
    label: String,
    href: String,
    state: String,
    user: String,
    created: String,
    created_iso: String,
    duration: String,
    tags: Vec<String>,
    cells: Vec<String>,
    selected: bool,
    charted: bool,
    /// The group heading this row starts, if grouping and it changes here.
    group_head: Option<String>,
}

/// A chart to draw.
pub struct Chart {
    metric: String,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    chrome: Chrome,
    base: String,
    entity: String,
    project: String,
    description: String,
    filter: String,
    order: String,
    group: String,
    x: String,
    error: Option<String>,
    count: Option<i64>,
    fixed_heads: Vec<Head>,
    heads: Vec<Head>,
    cols_value: String,
    metrics_value: String,
    rows: Vec<Row>,
    next: Option<String>,
    first_page: Option<String>,
    suggestions: Vec<String>,
    charts: Vec<Chart>,
    chart_runs: String,
    live: bool,
}

/// `GET /{entity}/{project}` from a browser.
pub async fn page(
    State(state): State<AppState>,
    Path((entity, project)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let Some(project) = state
        .cairn
        .project(&viewer.actor, &entity, &project)
        .await?
    else {
        return Err(PageError::NotFound);
    };
    let view = View::parse(&pairs);
    let base = format!("/{}/{}", project.entity_name, project.name);

    let mut error = None;
    let mut runs: Vec<(Run, String)> = Vec::new();
    let mut has_next = false;
    let mut count = None;
    match view.query() {
        Ok(query) => {
            match state
                .cairn
                .runs(&project, &query, view.cursor.as_deref(), PAGE_SIZE)
                .await
            {
                Ok(page) => {
                    has_next = page.has_next_page;
                    runs = page
                        .runs
                        .into_iter()
                        .map(|(run, cursor)| (run.into_inner(), cursor))
                        .collect();
                    count = Some(state.cairn.run_count(&project, &query).await?);
                }
                Err(CoreError::InvalidInput(why)) => error = Some(why),
                Err(other) => return Err(other.into()),
            }
        }
        Err(CoreError::InvalidInput(why)) => error = Some(why),
        Err(other) => return Err(other.into()),
    }

    let parsed: Vec<(Value, Value)> = runs
        .iter()
        .map(|(run, _)| {
            (
                serde_json::from_str(&run.config).unwrap_or(Value::Null),
                cairn_types::relaxed::parse(&run.summary).unwrap_or(Value::Null),
            )
        })
        .collect();

    let metrics = if view.metrics.is_empty() {
        default_metrics(&parsed)
    } else {
        view.metrics.clone()
    };
    let charted: Vec<usize> = if view.selected.is_empty() {
        (0..runs.len().min(CHARTED_RUNS)).collect()
    } else {
        (0..runs.len())
            .filter(|&i| view.selected.contains(&runs[i].0.name))
            .collect()
    };

    let mut previous_group: Option<String> = None;
    let rows: Vec<Row> = runs
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, ((run, _), (config, summary)))| {
            let group_head = (!view.group.is_empty())
                .then(|| {
                    let value = column_value(&view.group, config, summary, run);
                    let head = if value.is_empty() {
                        "(none)".to_string()
                    } else {
                        value
                    };
                    (previous_group.as_deref() != Some(head.as_str())).then(|| {
                        previous_group = Some(head.clone());
                        head
                    })
                })
                .flatten();
            Row {
                name: run.name.clone(),
                label: run.display_name.clone().unwrap_or_else(|| run.name.clone()),
                href: format!(
                    "{base}/runs/{}",
                    utf8_percent_encode(&run.name, NON_ALPHANUMERIC)
                ),
                state: run.state.clone(),
                user: run.username.clone().unwrap_or_default(),
                created: format::when(run.created_at),
                created_iso: format::iso(run.created_at),
                duration: format::duration((run.heartbeat_at - run.created_at).whole_seconds()),
                tags: run.tags.clone(),
                cells: view
                    .cols
                    .iter()
                    .map(|col| column_value(col, config, summary, run))
                    .collect(),
                selected: view.selected.contains(&run.name),
                charted: charted.contains(&i),
                group_head,
            }
        })
        .collect();

    let fixed = [
        ("Name", "display_name"),
        ("State", "state"),
        ("User", "username"),
        ("Created", "created_at"),
        ("Duration", "duration"),
    ];
    let head = |label: &str, field: &str| sort_head(&view, &base, label, field);
    let fixed_heads = fixed.iter().map(|(l, f)| head(l, f)).collect();
    let heads = view.cols.iter().map(|c| head(c, c)).collect();

    let live = charted.iter().any(|&i| runs[i].0.state == "running");
    let chart_runs = charted
        .iter()
        .map(|&i| runs[i].0.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let next = has_next
        .then(|| {
            runs.last()
                .map(|(_, cursor)| view.link(&base, &[("cursor", cursor)]))
        })
        .flatten();
    let first_page = view.cursor.as_ref().map(|_| view.link(&base, &[]));

    Ok(render(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        &ProjectPage {
            chrome: project_chrome(
                &viewer,
                &project,
                format!("{} · {}", project.name, project.entity_name),
            ),
            entity: project.entity_name.clone(),
            project: project.name.clone(),
            description: project.description.clone().unwrap_or_default(),
            filter: view.filter.clone(),
            order: view.order.clone(),
            group: view.group.clone(),
            x: view.x.clone(),
            error,
            count,
            fixed_heads,
            heads,
            cols_value: view.cols.join(","),
            metrics_value: metrics.join(","),
            rows,
            next,
            first_page,
            suggestions: suggestions(&parsed),
            charts: metrics.into_iter().map(|metric| Chart { metric }).collect(),
            chart_runs,
            live,
            base,
        },
    ))
}

fn sort_head(view: &View, base: &str, label: &str, field: &str) -> Head {
    let current = view.order.trim_start_matches('+');
    let (arrow, aria, next) = if current == field {
        ("▲", "ascending", format!("-{field}"))
    } else if view.order == format!("-{field}") {
        ("▼", "descending", format!("+{field}"))
    } else {
        ("", "none", format!("+{field}"))
    };
    Head {
        label: label.to_string(),
        href: view.link(base, &[("order", &next), ("cursor", "")]),
        arrow,
        aria,
    }
}

/// A column's value for a run: `config.KEY`, `summary_metrics.KEY` (or
/// `summary.KEY`), or a run field.
fn column_value(column: &str, config: &Value, summary: &Value, run: &Run) -> String {
    let found = if let Some(key) = column.strip_prefix("config.") {
        format::lookup(config, key, true)
    } else if let Some(key) = column
        .strip_prefix("summary_metrics.")
        .or_else(|| column.strip_prefix("summary."))
    {
        format::lookup(summary, key, false)
    } else {
        return match column {
            "state" => run.state.clone(),
            "group" => run.group.clone().unwrap_or_default(),
            "job_type" => run.job_type.clone().unwrap_or_default(),
            "host" => run.host.clone().unwrap_or_default(),
            "username" => run.username.clone().unwrap_or_default(),
            "sweep" => run.sweep_name.clone().unwrap_or_default(),
            "name" => run.name.clone(),
            "display_name" => run.display_name.clone().unwrap_or_default(),
            _ => String::new(),
        };
    };
    found.map(format::cell).unwrap_or_default()
}

/// Numeric summary keys of the page's first runs, for the default charts.
fn default_metrics(parsed: &[(Value, Value)]) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for (_, summary) in parsed.iter().take(CHARTED_RUNS) {
        if let Value::Object(map) = summary {
            for (key, value) in map {
                if !key.starts_with('_') && value.is_number() {
                    keys.insert(key.clone());
                }
            }
        }
    }
    keys.into_iter().take(6).collect()
}

/// Columns a user may add, from the keys the page's runs have.
fn suggestions(parsed: &[(Value, Value)]) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for (config, summary) in parsed.iter().take(CHARTED_RUNS) {
        for (prefix, doc) in [("config", config), ("summary_metrics", summary)] {
            if let Value::Object(map) = doc {
                for key in map.keys().filter(|k| !k.starts_with('_')) {
                    keys.insert(format!("{prefix}.{key}"));
                }
            }
        }
    }
    keys.into_iter().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn the_view_round_trips_through_its_link() {
        let view = View::parse(&pairs(&[
            ("filter", "lr > 0.01 and tags = a&b"),
            ("cols", "config.lr,summary_metrics.loss"),
            ("add", "config.lr"),
            ("sel", "r1"),
            ("x", "bogus"),
        ]));
        assert_eq!(view.cols, ["config.lr", "summary_metrics.loss"]);
        assert_eq!(view.x, "_step");
        let link = view.link("/e/p", &[("order", "-summary_metrics.loss")]);
        assert!(link.starts_with("/e/p?filter=lr%20%3E%200%2E01"), "{link}");
        assert!(link.contains("order=%2Dsummary%5Fmetrics%2Eloss"), "{link}");
    }

    #[test]
    fn grouping_orders_by_the_group_key() {
        let view = View::parse(&pairs(&[("group", "config.opt"), ("order", "-created_at")]));
        assert_eq!(view.query().unwrap().order.as_deref(), Some("+config.opt"));
        let bad = View::parse(&pairs(&[("filter", "lr >")]));
        assert!(bad.query().is_err());
    }
}
