//! Artifact and registry listings' fields in SQL: which column, label set
//! or metadata path each field of a `cairn_core::filter` schema is, for the
//! statements in `mod.rs` and `registry.rs`.
//!
//! | scope | schema | aliases |
//! |---|---|---|
//! | [`Scope::Registry`] | `REGISTRIES` | `projects p` |
//! | [`Scope::Collection`] | `COLLECTIONS` | `artifact_collections c` |
//! | [`Scope::Version`] | `VERSIONS` | `artifacts a`, `artifact_memberships m` |
//!
//! Filters arrive parsed and checked; the one compiler (`crate::filter`)
//! turns them into a condition. Times here are stored in UNIX seconds. A
//! registry `name` regex is tried on the full project name and on the name
//! without `wandb-registry-`: the client adds that prefix to equality
//! operands but not to regexes, so `"model"` and `"^model$"` both find the
//! registry `wandb-registry-model`.

use cairn_core::filter::{Doc, FieldRef, Filter, Order};

pub(crate) use crate::filter::Bind;
use crate::filter::cursor::Cursor;
use crate::filter::order::Sort;
use crate::filter::{ColumnMap, Invalid, Labels, Sql, Target, json_path};

/// Which listing a filter applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Registries: `projects p`.
    Registry,
    /// Collections: `artifact_collections c`.
    Collection,
    /// Versions: `artifacts a` through `artifact_memberships m`.
    Version,
}

impl Scope {
    fn columns(self) -> ColumnMap {
        match self {
            Scope::Registry => registry,
            Scope::Collection => collection,
            Scope::Version => version,
        }
    }
}

/// SQL over the scope's aliases, with a `?` for each of `binds`, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Compile `filter` for `scope`; no filter matches everything.
pub(crate) fn compile(scope: Scope, filter: Option<&Filter>) -> Result<Condition, Invalid> {
    let mut q = Sql::default();
    match filter {
        None => q.push("1"),
        Some(filter) => q.filter(filter, scope.columns())?,
    }
    Ok(Condition {
        sql: q.text,
        binds: q.binds,
    })
}

/// How a listing of `scope` pages in an order: the same [`Sort`] and
/// keyset [`Cursor`] as the run search, over the scope's columns.
pub(crate) struct Paging {
    /// The sort key as SQL (it binds nothing), to select `AS sort_key`.
    pub key: String,
    /// Rows strictly after the cursor (`1` on the first page).
    pub after: Condition,
    /// `ORDER BY` terms.
    pub order_by: String,
}

/// Paging for `scope` in `order` (by `id`, the row id column, when none)
/// after the cursor `after`. Orders by a metadata key are refused: their
/// key would need binds before the filter's.
pub(crate) fn paging(
    scope: Scope,
    order: Option<&Order>,
    id: &'static str,
    after: Option<&str>,
) -> Result<Paging, Invalid> {
    let sort = match order {
        Some(order) => Sort::new(order, scope.columns(), id)?,
        None => Sort {
            key: Target::Number(id),
            descending: false,
            id,
        },
    };
    let mut key = Sql::default();
    sort.push_value(&mut key);
    if !key.binds.is_empty() {
        return Err(Invalid(
            "registry listings cannot be ordered by a metadata key".into(),
        ));
    }
    let mut condition = Sql::default();
    match after {
        None => condition.push("1"),
        Some(text) => sort.push_after(&mut condition, &Cursor::decode(text)?),
    }
    let mut order_by = Sql::default();
    sort.push_order_by(&mut order_by);
    Ok(Paging {
        key: key.text,
        after: Condition {
            sql: condition.text,
            binds: condition.binds,
        },
        order_by: order_by.text,
    })
}

/// The metadata document, or NULL when it is not valid JSON.
const METADATA: &str = crate::dialect::valid_json!("a.metadata");

const COLLECTION_TAGS: Labels = Labels {
    rows: "collection_tags ft WHERE ft.collection_id = c.id",
    column: "ft.name",
};
const VERSION_TAGS: Labels = Labels {
    rows: "artifact_tags ft WHERE ft.artifact_id = a.id",
    column: "ft.name",
};
const ALIASES: Labels = Labels {
    rows: "artifact_aliases fa WHERE fa.membership_id = m.id",
    column: "fa.alias",
};

fn seconds(column: &'static str) -> Target {
    Target::Time {
        column,
        millis: false,
    }
}

fn registry(field: &FieldRef) -> Option<Target> {
    Some(match field {
        FieldRef::Named("id") => Target::Number("p.id"),
        FieldRef::Named("name") => Target::PrefixedText {
            column: "p.name",
            unprefixed: "substr(p.name, 16)",
        },
        FieldRef::Named("entity_id") => Target::Number("p.entity_id"),
        FieldRef::Named("description") => Target::Text("p.description"),
        FieldRef::Named("created_at") => seconds("p.created_at"),
        FieldRef::Named("updated_at") => seconds("p.updated_at"),
        _ => return None,
    })
}

fn collection(field: &FieldRef) -> Option<Target> {
    Some(match field {
        FieldRef::Named("id") => Target::Number("c.id"),
        FieldRef::Named("name") => Target::Text("c.name"),
        FieldRef::Named("tag") => Target::Labels(COLLECTION_TAGS),
        FieldRef::Named("description") => Target::Text("c.description"),
        FieldRef::Named("created_at") => seconds("c.created_at"),
        FieldRef::Named("updated_at") => seconds("c.updated_at"),
        _ => return None,
    })
}

fn version(field: &FieldRef) -> Option<Target> {
    Some(match field {
        FieldRef::Named("id") => Target::Number("a.id"),
        FieldRef::Named("version") => Target::Version("m.version_index"),
        FieldRef::Named("tag") => Target::Labels(VERSION_TAGS),
        FieldRef::Named("alias") => Target::Labels(ALIASES),
        FieldRef::Named("state") => Target::Text("a.state"),
        FieldRef::Named("created_at") => seconds("a.created_at"),
        FieldRef::Named("updated_at") => seconds("a.updated_at"),
        FieldRef::Named("linked_at") => seconds("m.created_at"),
        FieldRef::Named("artifact_size") => Target::Number("a.size"),
        FieldRef::Path {
            doc: Doc::Metadata,
            keys,
        } => Target::Json {
            doc: METADATA,
            path: json_path(keys),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
