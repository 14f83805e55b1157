//! The fields of each listing and what their operands are: the one place
//! that says `createdAt` is a time on runs, `version` is `v3` on versions,
//! and `config.lr.value` is W&B's spelling of `config.lr`.

use super::operand::check_key;
use super::{FieldRef, Order};

/// What values a field holds, which decides what its operands may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Integers: ids and sizes. Operands: integers, decimal text, or the
    /// client's base64 `Type:<n>` ids.
    Id,
    /// Text, NULL when unset. Operands: strings, or `null` for unset. When
    /// `loose`, any other operand simply matches nothing (W&B's run search
    /// behaves so); otherwise it is refused.
    Text {
        /// Whether non-text operands match nothing rather than fail.
        loose: bool,
    },
    /// A point in time. Operands: ISO-8601 strings or UNIX seconds.
    Time,
    /// A number of seconds (a run's duration).
    Seconds,
    /// A version index. Operands: `"v3"`, `"3"` or `3`.
    Version,
    /// A set of labels (tags, aliases). Operands: strings.
    Labels,
    /// A value inside a JSON document. Operands: any JSON for equality,
    /// numbers or strings for order.
    Json,
}

impl Kind {
    /// Whether `$regex` and `$contains` apply.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            Kind::Text { .. } | Kind::Version | Kind::Labels | Kind::Json
        )
    }
}

/// The JSON documents a field may point into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doc {
    /// A run's config (searched as indexed leaves).
    Config,
    /// A run's summary (searched as indexed leaves).
    Summary,
    /// A run's system metrics.
    SystemMetrics,
    /// An artifact version's metadata.
    Metadata,
}

/// The fields one listing may be filtered by.
#[derive(Debug)]
pub struct Schema {
    /// What its filter is called in messages (`"run filter"`).
    pub what: &'static str,
    /// Fixed fields: the names a filter may use, the canonical name, the kind.
    fields: &'static [(&'static [&'static str], &'static str, Kind)],
    /// Document prefixes (`config`, `summary_metrics`, …).
    docs: &'static [(&'static [&'static str], Doc)],
    /// The label sets, for messages (`"tags"`, `"tag and alias"`).
    labels: &'static str,
    /// The known fields, for the message about an unknown one.
    known: &'static str,
}

const LOOSE: Kind = Kind::Text { loose: true };
const TEXT: Kind = Kind::Text { loose: false };

/// Fields a run order may name (a filter may also name `tags`), for
/// messages.
const RUN_FIELDS: &str = "createdAt, heartbeatAt, updatedAt, duration, name, displayName, \
    state, group, jobType, host, sweep, notes, description, username, \
    config.<key>, summary_metrics.<key>, system_metrics.<key>";

/// `api.runs(path, filters=…)`.
pub static RUNS: Schema = Schema {
    what: "run filter",
    fields: &[
        (&["createdAt", "created_at"], "created_at", Kind::Time),
        (&["heartbeatAt", "heartbeat_at"], "heartbeat_at", Kind::Time),
        (&["updatedAt", "updated_at"], "updated_at", Kind::Time),
        (&["duration"], "duration", Kind::Seconds),
        (&["name"], "name", LOOSE),
        (&["displayName", "display_name"], "display_name", LOOSE),
        (&["state"], "state", LOOSE),
        (&["group"], "group", LOOSE),
        (&["jobType", "job_type"], "job_type", LOOSE),
        (&["host"], "host", LOOSE),
        (&["sweep"], "sweep", LOOSE),
        (&["notes"], "notes", LOOSE),
        (&["description"], "description", LOOSE),
        (&["username"], "username", LOOSE),
        (&["tags"], "tags", Kind::Labels),
    ],
    docs: &[
        (&["config"], Doc::Config),
        (
            &["summary_metrics", "summaryMetrics", "summary"],
            Doc::Summary,
        ),
        (&["system_metrics", "systemMetrics"], Doc::SystemMetrics),
    ],
    labels: "tags",
    known: RUN_FIELDS,
};

/// Registry versions and a collection's versions (`….versions(filter=…)`).
pub static VERSIONS: Schema = Schema {
    what: "version filter",
    fields: &[
        (&["id", "artifact_id"], "id", Kind::Id),
        (&["version", "version_index"], "version", Kind::Version),
        (&["tag", "tags"], "tag", Kind::Labels),
        (&["alias", "aliases"], "alias", Kind::Labels),
        (&["state"], "state", TEXT),
        (
            &["created_at", "artifact_created_at"],
            "created_at",
            Kind::Time,
        ),
        (&["updated_at"], "updated_at", Kind::Time),
        (&["linked_at", "acm_created_at"], "linked_at", Kind::Time),
        (&["artifact_size"], "artifact_size", Kind::Id),
    ],
    docs: &[(&["metadata", "artifact_metadata"], Doc::Metadata)],
    labels: "tag and alias",
    known: "id (or artifact_id), version, tag, alias, metadata.<key>, state, created_at, \
            updated_at, linked_at, artifact_size",
};

/// Collections (`….collections(filter=…)`, `api.artifact_collections`).
pub static COLLECTIONS: Schema = Schema {
    what: "collection filter",
    fields: &[
        (
            &["id", "artifact_collection_id", "collection_id"],
            "id",
            Kind::Id,
        ),
        (
            &["name", "collection_name", "artifact_collection_name"],
            "name",
            TEXT,
        ),
        (&["tag", "tags"], "tag", Kind::Labels),
        (&["description"], "description", TEXT),
        (&["created_at"], "created_at", Kind::Time),
        (&["updated_at"], "updated_at", Kind::Time),
    ],
    docs: &[],
    labels: "tag and alias",
    known: "id (or artifact_collection_id, collection_id), name, tag, description, \
            created_at, updated_at",
};

/// An artifact event's labels (automations' `ArtifactEvent.alias` and
/// `ArtifactEvent.tag`): the aliases or tags the event is about.
pub static ARTIFACT_EVENTS: Schema = Schema {
    what: "artifact event filter",
    fields: &[
        (&["alias", "aliases"], "alias", Kind::Labels),
        (&["tag", "tags"], "tag", Kind::Labels),
    ],
    docs: &[],
    labels: "alias and tag",
    known: "alias, tag",
};

/// Registries (`api.registries(filter=…)`).
pub static REGISTRIES: Schema = Schema {
    what: "registry filter",
    fields: &[
        (&["id", "project_id"], "id", Kind::Id),
        (&["name"], "name", TEXT),
        (&["entity_id"], "entity_id", Kind::Id),
        (&["description"], "description", TEXT),
        (&["created_at"], "created_at", Kind::Time),
        (&["updated_at"], "updated_at", Kind::Time),
    ],
    docs: &[],
    labels: "tag and alias",
    known: "id, name, entity_id, description, created_at, updated_at",
};

impl Schema {
    /// The label sets of this listing, for messages.
    pub(super) fn labels(&self) -> &'static str {
        self.labels
    }

    /// What `name` refers to; `Ok(None)` if this listing has no such field.
    pub fn resolve(&self, name: &str) -> Result<Option<(FieldRef, Kind)>, String> {
        if let Some((_, canonical, kind)) = self.fields.iter().find(|(n, ..)| n.contains(&name)) {
            return Ok(Some((FieldRef::Named(canonical), *kind)));
        }
        let (head, rest) = match name.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (name, None),
        };
        let Some((_, doc)) = self.docs.iter().find(|(n, _)| n.contains(&head)) else {
            return Ok(None);
        };
        let keys = match rest {
            // Only the artifact metadata may be compared whole.
            None if *doc == Doc::Metadata => Vec::new(),
            None | Some("") if *doc != Doc::Metadata => {
                return Err(format!(
                    "field {name:?} needs a key after it, such as \"{head}.loss\""
                ));
            }
            None => Vec::new(),
            Some(rest) => rest.split('.').map(str::to_owned).collect(),
        };
        for key in &keys {
            check_key(name, key)?;
        }
        Ok(Some((
            FieldRef::Path {
                doc: *doc,
                keys: normalize(*doc, keys),
            },
            Kind::Json,
        )))
    }

    /// [`Schema::resolve`], with an unknown field an error.
    pub(super) fn field(&self, name: &str) -> Result<(FieldRef, Kind), String> {
        self.resolve(name)?.ok_or_else(|| {
            if self.docs.iter().any(|(_, doc)| *doc == Doc::Config) {
                format!(
                    "unknown filter field {name:?}; supported fields: {}, tags",
                    self.known
                )
            } else {
                format!(
                    "unknown field {name:?} in a {}; known: {}",
                    self.what, self.known
                )
            }
        })
    }
}

/// W&B keeps each config key as `{"value": …}`: `config.a.b`, W&B's own
/// `config.a.b.value` and `config.a.value.b` all mean the leaf `config.a.b`.
fn normalize(doc: Doc, mut keys: Vec<String>) -> Vec<String> {
    if doc == Doc::Config {
        match keys.as_slice() {
            [_, value, ..] if value == "value" => {
                keys.remove(1);
            }
            [_, .., last] if last == "value" => {
                keys.pop();
            }
            _ => {}
        }
    }
    keys
}

/// The order when none is given.
const DEFAULT_ORDER: &str = "+created_at";

/// `+field`, `-field` or `field` over [`RUNS`].
pub(super) fn run_order(order: Option<&str>) -> Result<Order, String> {
    let order = order
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .unwrap_or(DEFAULT_ORDER);
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.strip_prefix('+').unwrap_or(order)),
    };
    let field = field.trim();
    match RUNS.resolve(field)? {
        Some((_, Kind::Labels)) => {
            Err("runs cannot be ordered by \"tags\"; order by another field".into())
        }
        Some((field, _)) => Ok(Order { field, descending }),
        None => Err(format!(
            "cannot order runs by {field:?}; write +field or -field with one of: {RUN_FIELDS}"
        )),
    }
}

/// A listing's order, `+field`, `-field` or `field`, over `schema`'s fixed
/// fields and documents; blank is `None` (the listing's own order). `what`
/// names the listing in the message about an order it cannot take.
pub(super) fn order_for(
    schema: &Schema,
    what: &str,
    order: Option<&str>,
) -> Result<Option<Order>, String> {
    let Some(order) = order.map(str::trim).filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.strip_prefix('+').unwrap_or(order)),
    };
    match schema.resolve(field.trim()) {
        Ok(Some((field, kind))) if kind != Kind::Labels => Ok(Some(Order { field, descending })),
        _ => Err(format!(
            "cannot order {what} by {order:?}; write +field or -field with one of: {}",
            schema.known
        )),
    }
}
