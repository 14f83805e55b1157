//! The run search's fields in SQL: which column, expression, JSON path or
//! `run_fields` leaf each field of `cairn_core::filter::RUNS` is, over
//! `runs r`.

use cairn_core::filter::{Doc, FieldRef};

use crate::dialect::{json_array_rows, valid_json5};
use crate::filter::{Labels, Target, json_path};

/// A run's duration in seconds.
const DURATION: &str = "((r.heartbeat_at - r.created_at) / 1000.0)";

/// The name of the user who created a run.
const USERNAME: &str = "(SELECT u.username FROM users u WHERE u.id = r.user_id)";

/// A run's tags, one row each, or none where the column is not a valid
/// JSON array.
const TAGS: Labels = Labels {
    rows: json_array_rows!("r.tags"),
    column: "value",
};

/// The system metrics, or NULL where they are not valid JSON5 (which would
/// otherwise make `json_extract` fail the whole query). Config and summary
/// are searched through `run_fields` instead.
const SYSTEM_METRICS: &str = valid_json5!("r.system_metrics");

/// A run field in SQL. Config and summary leaves are `run_fields` paths
/// (`config.lr`, `summary_metrics.acc.top1`); system metrics are read from
/// the JSON.
pub(crate) fn target(field: &FieldRef) -> Option<Target> {
    let time = |column| Target::Time {
        column,
        millis: true,
    };
    Some(match field {
        FieldRef::Named(name) => match *name {
            "created_at" => time("r.created_at"),
            "heartbeat_at" => time("r.heartbeat_at"),
            "updated_at" => time("r.updated_at"),
            "duration" => Target::Number(DURATION),
            "name" => Target::Text("r.name"),
            "display_name" => Target::Text("r.display_name"),
            "state" => Target::Text("r.state"),
            "group" => Target::Text("r.group_name"),
            "job_type" => Target::Text("r.job_type"),
            "host" => Target::Text("r.host"),
            "sweep" => Target::Text("r.sweep_name"),
            "notes" => Target::Text("r.notes"),
            "description" => Target::Text("r.description"),
            "username" => Target::Text(USERNAME),
            "tags" => Target::Labels(TAGS),
            _ => return None,
        },
        FieldRef::Path { doc, keys } => match doc {
            Doc::Config => Target::Leaf(format!("config.{}", keys.join("."))),
            Doc::Summary => Target::Leaf(format!("summary_metrics.{}", keys.join("."))),
            Doc::SystemMetrics => Target::Json {
                doc: SYSTEM_METRICS,
                path: json_path(keys),
            },
            Doc::Metadata => return None,
        },
    })
}
