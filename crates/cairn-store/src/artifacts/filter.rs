//! Artifact and registry filters: the MongoDB-style JSON the W&B client sends
//! for `api.registries(filter=…)`, `….collections(filter=…)`,
//! `….versions(filter=…)` and `api.artifacts(…)`, compiled to one SQL
//! condition with its binds.
//!
//! Each [`Scope`] names the table aliases its condition may use, which is
//! what the statements in `mod.rs` and `registry.rs` provide:
//!
//! | scope | aliases | fields |
//! |---|---|---|
//! | [`Scope::Registry`] | `projects p` | `id` (`project_id`), `name`, `entity_id`, `description`, `created_at`, `updated_at` |
//! | [`Scope::Collection`] | `artifact_collections c` | `id` (`artifact_collection_id`, `collection_id`), `name` (`collection_name`, `artifact_collection_name`), `tag` (`tags`), `description`, `created_at`, `updated_at` |
//! | [`Scope::Version`] | `artifacts a`, `artifact_memberships m` | `id` (`artifact_id`), `version` (`version_index`), `tag` (`tags`), `alias` (`aliases`), `metadata.<path>` (`artifact_metadata.<path>`), `state`, `created_at` (`artifact_created_at`), `updated_at`, `linked_at` (`acm_created_at`), `artifact_size` |
//!
//! Operators: `$and $or $nor $not` around filters; `$eq $ne $gt $gte $lt
//! $lte $in $nin $exists $regex` (with `$options`), `$contains` (the W&B
//! backend's substring match) and `$not` on a field; `$all` and `$size` on
//! the label sets `tag` and `alias`. As in MongoDB, negations (`$ne`, `$nin`,
//! `$nor`, `$not`) also match rows that lack the value.
//!
//! Operands: ids are integers (or the client's base64 `Type:<n>` ids);
//! versions are `"v3"` or `3`; times are ISO-8601 strings (UTC when no offset
//! is given) or UNIX seconds, compared with the stored UNIX seconds;
//! `metadata.*` compares numbers with numbers and strings with strings.
//! `$regex` is a Rust `regex` pattern, checked here and run by the `REGEXP`
//! function sqlx registers. A registry `name` regex is tried on the full
//! project name and on the name without `wandb-registry-`: the client adds
//! that prefix to equality operands but not to regexes, so `"model"` and
//! `"^model$"` both find the registry `wandb-registry-model`.
//!
//! Anything else — an unknown field or operator, an operand of the wrong
//! type, a bad regex — is [`StoreError::InvalidQuery`] with a message naming
//! it. Values are always bound, never spliced into the SQL.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cairn_core::store::StoreError;
use serde_json::{Map, Value};

use crate::filter_sql::{
    self, Builder, Cmp, Compiled, DATE_OPERAND, Emit, FilterError, Join, NUMERIC, TEXTUAL, error,
    is_operators, needs, number, quote_key, show, time_ms,
};

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
    fn what(self) -> &'static str {
        match self {
            Scope::Registry => "registry filter",
            Scope::Collection => "collection filter",
            Scope::Version => "version filter",
        }
    }

    fn known(self) -> &'static str {
        match self {
            Scope::Registry => "id, name, entity_id, description, created_at, updated_at",
            Scope::Collection => {
                "id (or artifact_collection_id, collection_id), name, tag, description, \
                 created_at, updated_at"
            }
            Scope::Version => {
                "id (or artifact_id), version, tag, alias, metadata.<key>, state, created_at, \
                 updated_at, linked_at, artifact_size"
            }
        }
    }
}

/// A parameter of a compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<filter_sql::Bind> for Bind {
    fn from(bind: filter_sql::Bind) -> Self {
        match bind {
            filter_sql::Bind::Int(i) => Bind::Int(i),
            filter_sql::Bind::Real(f) => Bind::Real(f),
            filter_sql::Bind::Text(t) => Bind::Text(t),
            filter_sql::Bind::Bool(b) => Bind::Int(i64::from(b)),
        }
    }
}

/// SQL over the scope's aliases, with a `?` for each of `binds`, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Compile `filter` for `scope`; `{}` and `null` match everything.
pub(crate) fn compile(scope: Scope, filter: &Value) -> Result<Condition, StoreError> {
    let mut q = Compiler {
        scope,
        out: Builder::default(),
    };
    match filter {
        Value::Null => q.push("1"),
        _ => q
            .filter(filter, 0)
            .map_err(|e| StoreError::InvalidQuery(e.0))?,
    }
    Ok(Condition {
        sql: q.out.sql,
        binds: q.out.binds.into_iter().map(Bind::from).collect(),
    })
}

// ---------------------------------------------------------------------------
// Fields

/// The metadata document, or NULL when it is not valid JSON.
const METADATA: &str = "(CASE WHEN json_valid(a.metadata) THEN a.metadata END)";

/// A set of labels of the row: `EXISTS (SELECT 1 FROM {from} AND {column} …)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Labels {
    from: &'static str,
    column: &'static str,
}

const COLLECTION_TAGS: Labels = Labels {
    from: "collection_tags ft WHERE ft.collection_id = c.id",
    column: "ft.name",
};
const VERSION_TAGS: Labels = Labels {
    from: "artifact_tags ft WHERE ft.artifact_id = a.id",
    column: "ft.name",
};
const ALIASES: Labels = Labels {
    from: "artifact_aliases fa WHERE fa.membership_id = m.id",
    column: "fa.alias",
};

/// What a field name refers to.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// An integer column (ids, sizes).
    Int(&'static str),
    /// A text column, NULL when unset.
    Text(&'static str),
    /// The registry's project name (see the module doc on regexes).
    RegistryName,
    /// A UNIX-seconds column.
    Time(&'static str),
    /// `m.version_index`, written `v<n>`.
    Version,
    Labels(Labels),
    /// A JSON path into the artifact's metadata.
    Metadata(String),
}

fn resolve(scope: Scope, field: &str) -> Result<Target, FilterError> {
    let target = match (scope, field) {
        (Scope::Registry, "id" | "project_id") => Target::Int("p.id"),
        (Scope::Registry, "name") => Target::RegistryName,
        (Scope::Registry, "entity_id") => Target::Int("p.entity_id"),
        (Scope::Registry, "description") => Target::Text("p.description"),
        (Scope::Registry, "created_at") => Target::Time("p.created_at"),
        (Scope::Registry, "updated_at") => Target::Time("p.updated_at"),
        (Scope::Collection, "id" | "artifact_collection_id" | "collection_id") => {
            Target::Int("c.id")
        }
        (Scope::Collection, "name" | "collection_name" | "artifact_collection_name") => {
            Target::Text("c.name")
        }
        (Scope::Collection, "tag" | "tags") => Target::Labels(COLLECTION_TAGS),
        (Scope::Collection, "description") => Target::Text("c.description"),
        (Scope::Collection, "created_at") => Target::Time("c.created_at"),
        (Scope::Collection, "updated_at") => Target::Time("c.updated_at"),
        (Scope::Version, "id" | "artifact_id") => Target::Int("a.id"),
        (Scope::Version, "version" | "version_index") => Target::Version,
        (Scope::Version, "tag" | "tags") => Target::Labels(VERSION_TAGS),
        (Scope::Version, "alias" | "aliases") => Target::Labels(ALIASES),
        (Scope::Version, "state") => Target::Text("a.state"),
        (Scope::Version, "created_at" | "artifact_created_at") => Target::Time("a.created_at"),
        (Scope::Version, "updated_at") => Target::Time("a.updated_at"),
        (Scope::Version, "linked_at" | "acm_created_at") => Target::Time("m.created_at"),
        (Scope::Version, "artifact_size") => Target::Int("a.size"),
        (Scope::Version, _) if is_metadata(field) => metadata(field)?,
        _ => {
            return Err(error(format!(
                "unknown field {field:?} in a {}; known: {}",
                scope.what(),
                scope.known()
            )));
        }
    };
    Ok(target)
}

fn is_metadata(field: &str) -> bool {
    let head = field.split_once('.').map_or(field, |(head, _)| head);
    matches!(head, "metadata" | "artifact_metadata")
}

/// `metadata` (the whole document) or `metadata.a.b` (`$."a"."b"`).
fn metadata(field: &str) -> Result<Target, FilterError> {
    let mut path = String::from("$");
    if let Some((_, rest)) = field.split_once('.') {
        for key in rest.split('.') {
            path.push('.');
            path.push_str(&quote_key(field, key)?);
        }
    }
    Ok(Target::Metadata(path))
}

/// A field named in a filter, with what it refers to.
struct Field<'f> {
    name: &'f str,
    target: Target,
}

impl Field<'_> {
    fn needs(&self, op: &str, what: &str, got: &Value) -> FilterError {
        needs(self.name, op, what, got)
    }

    fn not_for(&self, op: &str, applies_to: &str) -> FilterError {
        error(format!(
            "filter operator {op:?} applies to {applies_to}, not to {:?}",
            self.name
        ))
    }
}

/// An id operand: an integer, its decimal text, or a base64 `Type:<n>` id.
fn id_operand(operand: &Value) -> Option<i64> {
    match operand {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.trim().parse().ok().or_else(|| {
            let decoded = STANDARD.decode(text.trim()).ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            decoded.rsplit_once(':')?.1.parse().ok()
        }),
        _ => None,
    }
}

/// A version operand: `"v3"`, `"3"` or `3`.
fn version_operand(operand: &Value) -> Option<i64> {
    match operand {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => {
            let text = text.trim();
            text.strip_prefix(['v', 'V']).unwrap_or(text).parse().ok()
        }
        _ => None,
    }
}

/// A time operand in UNIX seconds, exact when whole.
fn time_operand(operand: &Value) -> Option<filter_sql::Bind> {
    let ms = time_ms(operand)?;
    Some(if ms % 1000 == 0 {
        filter_sql::Bind::Int(ms / 1000)
    } else {
        filter_sql::Bind::Real(ms as f64 / 1000.0)
    })
}

// ---------------------------------------------------------------------------
// Compiling

struct Compiler {
    scope: Scope,
    out: Builder,
}

impl Emit for Compiler {
    fn what(&self) -> &'static str {
        self.scope.what()
    }

    fn out(&mut self) -> &mut Builder {
        &mut self.out
    }
}

type B = filter_sql::Bind;

impl Compiler {
    fn deeper(&self, depth: usize) -> Result<usize, FilterError> {
        filter_sql::deeper(depth, self.what())
    }

    /// A filter document: all of its entries hold.
    fn filter(&mut self, filter: &Value, depth: usize) -> Compiled {
        let Value::Object(entries) = filter else {
            return Err(error(format!(
                "a {} must be a JSON object, got {}",
                self.what(),
                show(filter)
            )));
        };
        self.join(entries, Join::All, |q, (key, value)| {
            q.entry(key, value, depth)
        })
    }

    fn entry(&mut self, key: &str, value: &Value, depth: usize) -> Compiled {
        match key {
            "$and" => self.logical(key, value, depth, Join::All),
            "$or" => self.logical(key, value, depth, Join::Any),
            "$nor" => self.negated(|q| q.logical(key, value, depth, Join::Any)),
            "$not" if !value.is_object() => Err(error(format!(
                "filter operator \"$not\" needs a filter (a JSON object), got {}",
                show(value)
            ))),
            "$not" => {
                let depth = self.deeper(depth)?;
                self.negated(|q| q.filter(value, depth))
            }
            _ if key.starts_with('$') => Err(error(format!(
                "unknown filter operator {key:?} in a {}; a filter's keys are field names or \
                 $and, $or, $nor, $not",
                self.what()
            ))),
            _ => self.field(key, value, depth),
        }
    }

    fn logical(&mut self, op: &str, value: &Value, depth: usize, join: Join) -> Compiled {
        let Value::Array(filters) = value else {
            return Err(error(format!(
                "filter operator {op:?} needs an array of filters, got {}",
                show(value)
            )));
        };
        if let Some(odd) = filters.iter().find(|f| !f.is_object()) {
            return Err(error(format!(
                "filter operator {op:?} needs an array of filters (JSON objects), got {} in it",
                show(odd)
            )));
        }
        let depth = self.deeper(depth)?;
        self.join(filters, join, |q, filter| q.filter(filter, depth))
    }

    /// `field: value` or `field: {operators}`.
    fn field(&mut self, name: &str, value: &Value, depth: usize) -> Compiled {
        let field = Field {
            name,
            target: resolve(self.scope, name)?,
        };
        match value {
            Value::Object(ops) if is_operators(name, ops)? => self.operators(&field, ops, depth),
            _ => self.compare(&field, "$eq", Cmp::Eq, value, depth),
        }
    }

    /// All operators of `{"$gt": 1, "$lt": 5}` hold.
    fn operators(&mut self, field: &Field<'_>, ops: &Map<String, Value>, depth: usize) -> Compiled {
        let options = ops.get("$options");
        if let Some(options) = options
            && !ops.contains_key("$regex")
        {
            return Err(field.needs("$options", "a \"$regex\" beside it", options));
        }
        let depth = self.deeper(depth)?;
        let ops = ops.iter().filter(|(op, _)| *op != "$options");
        self.join(ops, Join::All, |q, (op, operand)| {
            q.operator(field, op, operand, options, depth)
        })
    }

    fn operator(
        &mut self,
        field: &Field<'_>,
        op: &str,
        operand: &Value,
        options: Option<&Value>,
        depth: usize,
    ) -> Compiled {
        if let Some(cmp) = Cmp::parse(op) {
            return self.compare(field, op, cmp, operand, depth);
        }
        match op {
            "$ne" => self.negated(|q| q.compare(field, op, Cmp::Eq, operand, depth)),
            "$in" => self.any_of(field, op, operand, depth),
            "$nin" => self.negated(|q| q.any_of(field, op, operand, depth)),
            "$exists" => self.exists(field, operand),
            "$regex" => self.regex(field, operand, options),
            "$contains" => self.contains(field, operand),
            "$all" => self.all_labels(field, operand),
            "$size" => self.label_count(field, operand),
            "$not" => match operand {
                Value::Object(ops) if !ops.is_empty() && is_operators(field.name, ops)? => {
                    self.negated(|q| q.operators(field, ops, depth))
                }
                _ => Err(field.needs(
                    "$not",
                    "an object of operators such as {\"$gt\": 1}",
                    operand,
                )),
            },
            _ => Err(error(format!(
                "unknown filter operator {op:?} on {:?} in a {}; supported: $eq, $ne, $gt, \
                 $gte, $lt, $lte, $in, $nin, $exists, $regex (with $options), $contains, $not, \
                 and $all, $size on tag and alias",
                field.name,
                self.what()
            ))),
        }
    }

    fn compare(
        &mut self,
        field: &Field<'_>,
        op: &str,
        cmp: Cmp,
        operand: &Value,
        depth: usize,
    ) -> Compiled {
        let ordered = |column: &str| format!("{column} {} ?", cmp.sql());
        match &field.target {
            Target::Int(column) => match (operand, id_operand(operand)) {
                (_, Some(id)) => self.condition(&ordered(column), [B::Int(id)]),
                (Value::Number(n), None) => self.condition(&ordered(column), [number(n)]),
                _ => Err(field.needs(op, "an integer id", operand)),
            },
            Target::Text(column) => self.text_compare(field, column, op, cmp, operand),
            Target::RegistryName => self.text_compare(field, "p.name", op, cmp, operand),
            Target::Time(column) => {
                let at =
                    time_operand(operand).ok_or_else(|| field.needs(op, DATE_OPERAND, operand))?;
                self.condition(&ordered(column), [at])
            }
            Target::Version => {
                let index = version_operand(operand)
                    .ok_or_else(|| field.needs(op, "a version such as \"v3\" or 3", operand))?;
                self.condition(&ordered("m.version_index"), [B::Int(index)])
            }
            Target::Labels(labels) => match (cmp, operand) {
                (Cmp::Eq, Value::String(label)) => {
                    self.has_label(*labels, "= ?", B::Text(label.clone()))
                }
                (Cmp::Eq, _) => Err(field.needs(op, "a string", operand)),
                _ => Err(field.not_for(op, "single values, not the label sets tag and alias")),
            },
            Target::Metadata(path) => match operand {
                _ if cmp == Cmp::Eq => {
                    self.json_equals(field.name, METADATA, path, operand, true, depth)
                }
                Value::Number(n) => self.json_ordered(METADATA, path, cmp, NUMERIC, number(n)),
                Value::String(s) => {
                    let text = B::Text(s.clone());
                    self.json_ordered(METADATA, path, cmp, TEXTUAL, text)
                }
                _ => Err(field.needs(op, "a number or a string", operand)),
            },
        }
    }

    fn text_compare(
        &mut self,
        field: &Field<'_>,
        column: &str,
        op: &str,
        cmp: Cmp,
        operand: &Value,
    ) -> Compiled {
        match operand {
            Value::String(text) => self.condition(
                &format!("{column} {} ?", cmp.sql()),
                [B::Text(text.clone())],
            ),
            Value::Null if cmp == Cmp::Eq => self.condition(&format!("{column} IS NULL"), []),
            _ => Err(field.needs(op, "a string", operand)),
        }
    }

    /// `$in`: equal to any of an array's values.
    fn any_of(&mut self, field: &Field<'_>, op: &str, operand: &Value, depth: usize) -> Compiled {
        let Value::Array(values) = operand else {
            return Err(field.needs(op, "an array", operand));
        };
        self.join(values, Join::Any, |q, value| {
            q.compare(field, op, Cmp::Eq, value, depth)
        })
    }

    /// One of the row's labels passes `test` (SQL after the label, one `?`).
    fn has_label(&mut self, labels: Labels, test: &str, bind: filter_sql::Bind) -> Compiled {
        let Labels { from, column } = labels;
        self.condition(
            &format!("EXISTS (SELECT 1 FROM {from} AND {column} {test})"),
            [bind],
        )
    }

    fn labels(&self, field: &Field<'_>, op: &str) -> Result<Labels, FilterError> {
        match &field.target {
            Target::Labels(labels) => Ok(*labels),
            _ => Err(field.not_for(op, "the label sets tag and alias")),
        }
    }

    /// `{"tag": {"$all": [...]}}`: has every one of the labels.
    fn all_labels(&mut self, field: &Field<'_>, operand: &Value) -> Compiled {
        let labels = self.labels(field, "$all")?;
        let wanted = "an array of strings";
        match operand {
            // As in MongoDB, requiring no labels at all matches nothing.
            Value::Array(items) if items.is_empty() => self.condition("0", []),
            Value::Array(items) => self.join(items, Join::All, |q, item| match item {
                Value::String(label) => q.has_label(labels, "= ?", B::Text(label.clone())),
                _ => Err(field.needs("$all", wanted, operand)),
            }),
            _ => Err(field.needs("$all", wanted, operand)),
        }
    }

    /// `{"tag": {"$size": 2}}`: has exactly that many labels.
    fn label_count(&mut self, field: &Field<'_>, operand: &Value) -> Compiled {
        let Labels { from, .. } = self.labels(field, "$size")?;
        let count = operand
            .as_u64()
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(|| field.needs("$size", "a whole number", operand))?;
        self.condition(
            &format!("(SELECT COUNT(*) FROM {from}) = ?"),
            [B::Int(count)],
        )
    }

    /// `$exists`: the value is set; for labels, there is at least one.
    fn exists(&mut self, field: &Field<'_>, operand: &Value) -> Compiled {
        let Value::Bool(wanted) = operand else {
            return Err(field.needs("$exists", "true or false", operand));
        };
        let present = |q: &mut Self| match &field.target {
            Target::Text(column) => q.condition(&format!("{column} IS NOT NULL"), []),
            Target::Metadata(path) => q.condition(
                &format!("json_type({METADATA}, ?) IS NOT NULL"),
                [B::Text(path.clone())],
            ),
            Target::Labels(Labels { from, .. }) => {
                q.condition(&format!("EXISTS (SELECT 1 FROM {from})"), [])
            }
            Target::Int(_) | Target::RegistryName | Target::Time(_) | Target::Version => {
                q.condition("1", [])
            }
        };
        if *wanted {
            present(self)
        } else {
            self.negated(present)
        }
    }

    /// A text test (`REGEXP ?`, `instr(…)`) applied to the field's text.
    fn text_test(&mut self, field: &Field<'_>, op: &str, test: TextTest, bind: B) -> Compiled {
        let on = |value: &str| test.sql(value);
        match &field.target {
            Target::Text(column) => self.condition(&on(column), [bind]),
            Target::RegistryName => self.condition(
                &format!("({} OR {})", on("p.name"), on("substr(p.name, 16)")),
                [bind.clone(), bind],
            ),
            Target::Version => self.condition(&on("('v' || m.version_index)"), [bind]),
            Target::Labels(labels) => {
                let Labels { from, column } = *labels;
                self.condition(
                    &format!("EXISTS (SELECT 1 FROM {from} AND {})", on(column)),
                    [bind],
                )
            }
            Target::Metadata(path) => self.condition(
                &format!(
                    "(json_type({METADATA}, ?) = 'text' AND {})",
                    on(&format!("json_extract({METADATA}, ?)"))
                ),
                [B::Text(path.clone()), B::Text(path.clone()), bind],
            ),
            Target::Int(_) | Target::Time(_) => Err(field.not_for(op, "text")),
        }
    }

    fn regex(&mut self, field: &Field<'_>, operand: &Value, options: Option<&Value>) -> Compiled {
        let (pattern, _) = filter_sql::regex_pattern(field.name, operand, options)?;
        self.text_test(field, "$regex", TextTest::Regex, B::Text(pattern))
    }

    /// `$contains`: the text has the operand as a substring.
    fn contains(&mut self, field: &Field<'_>, operand: &Value) -> Compiled {
        let Value::String(part) = operand else {
            return Err(field.needs("$contains", "a string", operand));
        };
        self.text_test(
            field,
            "$contains",
            TextTest::Contains,
            B::Text(part.clone()),
        )
    }
}

/// A test on text with one `?`.
#[derive(Debug, Clone, Copy)]
enum TextTest {
    Regex,
    Contains,
}

impl TextTest {
    fn sql(self, value: &str) -> String {
        match self {
            TextTest::Regex => format!("{value} REGEXP ?"),
            TextTest::Contains => format!("instr({value}, ?) > 0"),
        }
    }
}

#[cfg(test)]
mod tests;
