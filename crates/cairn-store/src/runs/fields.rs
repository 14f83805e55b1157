//! `run_fields`: the searchable copy of a run's config and summary.
//!
//! Each time a run's config or summary is written, its scalar leaves are
//! written again as rows `(run, path, value)` — `config.lr`,
//! `config.model.layers`, `summary_metrics.acc.top1` — so that the search
//! compiler can filter and order with an index instead of parsing every
//! run's JSON. Config leaves come from each key's `value`; the client's own
//! `_wandb` section is skipped. Lists are kept whole, as JSON text.
//! Booleans are stored as one-byte blobs (`x'01'`, `x'00'`) so that they
//! never equal, or order among, numbers; NaN is stored as NULL (it equals
//! nothing, as in JSON5 readers).

use cairn_core::store::StoreResult;
use cairn_core::stream::parse_relaxed;
use serde_json::Value;
use sqlx::{Sqlite, Transaction};

use crate::backend;

/// Most leaves kept per document; the rest are not searchable.
const MAX_LEAVES: usize = 1000;

/// Deepest nesting flattened.
const MAX_DEPTH: usize = 16;

/// Which document.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Config,
    Summary,
}

impl Source {
    fn prefix(self) -> &'static str {
        match self {
            Source::Config => "config",
            Source::Summary => "summary_metrics",
        }
    }
}

/// A leaf value, typed the way it is stored.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Leaf {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
}

/// The leaves of a config or summary document (JSON text).
pub(super) fn leaves(source: Source, doc: &str) -> Vec<(String, Leaf)> {
    let Ok(Value::Object(map)) = parse_relaxed(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map {
        if key == "_wandb" || key.is_empty() {
            continue;
        }
        let value = match source {
            // {"lr": {"value": 0.1, "desc": …}}; tolerate bare values too.
            Source::Config => match value {
                Value::Object(mut entry) if entry.contains_key("value") => {
                    entry.remove("value").unwrap_or(Value::Null)
                }
                other => other,
            },
            Source::Summary => value,
        };
        flatten(&format!("{}.{key}", source.prefix()), value, 0, &mut out);
    }
    out
}

fn flatten(path: &str, value: Value, depth: usize, out: &mut Vec<(String, Leaf)>) {
    if out.len() >= MAX_LEAVES {
        return;
    }
    let leaf = match value {
        Value::Object(map) if depth < MAX_DEPTH => {
            for (key, v) in map {
                if !key.is_empty() {
                    flatten(&format!("{path}.{key}"), v, depth + 1, out);
                }
            }
            return;
        }
        Value::Object(map) => Leaf::Text(Value::Object(map).to_string()),
        Value::Null => Leaf::Null,
        Value::Bool(b) => Leaf::Bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Leaf::Int(i),
            None => Leaf::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => match s.as_str() {
            "Infinity" => Leaf::Real(f64::INFINITY),
            "-Infinity" => Leaf::Real(f64::NEG_INFINITY),
            "NaN" => Leaf::Null,
            _ => Leaf::Text(s),
        },
        Value::Array(items) => Leaf::Text(Value::Array(items).to_string()),
    };
    out.push((path.to_string(), leaf));
}

/// Replace the leaves of one document of a run.
pub(super) async fn replace(
    tx: &mut Transaction<'_, Sqlite>,
    run_id: i64,
    project_id: i64,
    source: Source,
    doc: &str,
) -> StoreResult<()> {
    let prefix = source.prefix();
    // Paths under `prefix.` sort between "prefix." and "prefix/".
    sqlx::query("DELETE FROM run_fields WHERE run_id = ? AND path >= ? AND path < ?")
        .bind(run_id)
        .bind(format!("{prefix}."))
        .bind(format!("{prefix}/"))
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    for chunk in leaves(source, doc).chunks(200) {
        let sql = format!(
            "INSERT OR REPLACE INTO run_fields (run_id, path, project_id, val) VALUES {}",
            vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (path, leaf) in chunk {
            query = query.bind(run_id).bind(path).bind(project_id);
            query = match leaf {
                Leaf::Null => query.bind(None::<i64>),
                Leaf::Bool(b) => query.bind(vec![u8::from(*b)]),
                Leaf::Int(i) => query.bind(*i),
                Leaf::Real(f) => query.bind(*f),
                Leaf::Text(t) => query.bind(t.clone()),
            };
        }
        query.execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_leaves_come_from_values_and_skip_wandb() {
        let doc = r#"{"lr": {"value": 0.1, "desc": null}, "model": {"value": {"layers": 4, "act": "relu"}},
                      "flag": {"value": true}, "dims": {"value": [1, 2]}, "_wandb": {"value": {"t": 1}}}"#;
        let mut got = leaves(Source::Config, doc);
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            vec![
                ("config.dims".into(), Leaf::Text("[1,2]".into())),
                ("config.flag".into(), Leaf::Bool(true)),
                ("config.lr".into(), Leaf::Real(0.1)),
                ("config.model.act".into(), Leaf::Text("relu".into())),
                ("config.model.layers".into(), Leaf::Int(4)),
            ]
        );
    }

    #[test]
    fn summary_leaves_keep_infinities_and_nulls() {
        let mut got = leaves(
            Source::Summary,
            r#"{"loss": Infinity, "acc": {"top1": 0.5}, "none": null, "bad": NaN}"#,
        );
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            vec![
                ("summary_metrics.acc.top1".into(), Leaf::Real(0.5)),
                ("summary_metrics.bad".into(), Leaf::Null),
                ("summary_metrics.loss".into(), Leaf::Real(f64::INFINITY)),
                ("summary_metrics.none".into(), Leaf::Null),
            ]
        );
    }
}
