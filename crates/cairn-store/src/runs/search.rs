//! Run search: the MongoDB-style `filters` and the `order` string of the W&B
//! client's `api.runs(path, filters=…, order=…)`, compiled to one SQLite
//! statement.
//!
//! The database does the filtering, ordering, counting and paging. A project
//! can hold thousands of runs with large config and summary documents;
//! loading them to test each in Rust would make every page cost the whole
//! project. Here only the rows of the requested page leave SQLite.
//!
//! Pages are found by keyset, not `OFFSET`: a cursor names the last row a
//! client has seen — its sort key and id — and the next page is the rows
//! strictly after that position in the same order. Deep pages stay as cheap
//! as the first, and runs created while a client pages do not shift the
//! pages it has yet to read. Cursors are opaque to clients (base64url JSON).
//!
//! Values inside config and summary are compared the way MongoDB compares
//! them, not the way SQLite does: a number operand only matches numbers, a
//! string operand only strings (SQLite would rank any text above any
//! number), and `true` only JSON `true`. `$ne`, `$nin`, `$nor` and `$not`
//! match runs that lack the field. A missing value sorts last in both
//! directions.
//!
//! Nothing from the request is spliced into SQL text: values and JSON paths
//! are bound parameters; only constant fragments chosen here are formatted
//! in. A document that is not valid JSON (or JSON5, which covers the client's
//! `NaN` and `Infinity`) reads as empty rather than failing the query.
//!
//! `$regex` takes Rust `regex` syntax with the `$options` flags `i m s x`,
//! checked by the same function as every other listing's filters
//! (`filter_sql::regex_pattern`); a pattern that `GLOB` or `LIKE` can
//! express (anchors, `.`, `.*`, `.+` and literal text) runs as one, the
//! rest under `REGEXP`. Not supported, with an error saying so: keys
//! containing `"` or `\`. MongoDB's
//! implicit array traversal (`{"config.dims": 3}` matching `[1, 3]`) is not
//! done; only `tags` is searched as a set.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow, SqliteValueRef};
use sqlx::{Decode, Row, Sqlite, TypeInfo, ValueRef};

use crate::filter_sql;
pub(crate) use crate::filter_sql::{Bind, FilterError as SearchError};
use crate::filter_sql::{
    Builder, Cmp, Compiled, DATE_OPERAND, Emit, Join, NUMERIC, TEXTUAL, error, is_operators,
    number, quote_key, show, time_ms,
};

/// The order when none is given.
const DEFAULT_ORDER: &str = "+created_at";

/// Fields an order may name (a filter may also name `tags`), for error
/// messages.
const FIELDS: &str = "createdAt, heartbeatAt, updatedAt, duration, name, displayName, \
    state, group, jobType, host, sweep, notes, description, username, \
    config.<key>, summary_metrics.<key>, system_metrics.<key>";

/// A run's duration in seconds.
const DURATION: &str = "((r.heartbeat_at - r.created_at) / 1000.0)";

/// The name of the user who created a run.
const USERNAME: &str = "(SELECT u.username FROM users u WHERE u.id = r.user_id)";

/// A run's tags, or none where the column is not a valid JSON array.
const TAGS: &str = "(CASE WHEN json_valid(r.tags) THEN r.tags ELSE '[]' END)";

/// A `run_fields` leaf of the run, by path (the one `?`), as a value.
const FIELD_VALUE: &str = "(SELECT f.val FROM run_fields f WHERE f.run_id = r.id AND f.path = ";

/// `typeof` tests for `run_fields` values compared with a number, a string.
const FIELD_NUMERIC: &str = "typeof(f.val) IN ('integer', 'real')";
const FIELD_TEXTUAL: &str = "typeof(f.val) = 'text'";

/// What `api.runs` asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunSearch<'a> {
    pub project_id: i64,
    /// The filter document; `None`, `null` or `{}` match every run.
    pub filters: Option<&'a Value>,
    /// `+field`, `-field` or `field`; `None` or `""` mean `+created_at`.
    pub order: Option<&'a str>,
    /// Whether runs of sweeps are included; if not, only runs without one.
    pub include_sweeps: bool,
}

/// A statement and its parameters, in the order of its `?`s.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

/// `SELECT {columns}, <sort key> AS sort_key, r.id AS cursor_id FROM runs r
/// WHERE <search> [AND <after the cursor>] ORDER BY <sort key>, r.id LIMIT ?`.
///
/// `columns` is trusted SQL over `runs r`. `after` is a cursor from
/// [`cursor_of`] for a row of an earlier page of the same search; `None` or
/// `""` start at the beginning.
pub(crate) fn page_sql(
    search: &RunSearch<'_>,
    columns: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Sql, SearchError> {
    let sort = Sort::parse(search.order)?;
    let after = after
        .filter(|cursor| !cursor.is_empty())
        .map(Cursor::decode)
        .transpose()?;
    if let Target::Field(path) = &sort.key {
        return field_page_sql(search, columns, &sort, path, after.as_ref(), limit);
    }
    let mut q = Compiler::default();
    q.push("SELECT ");
    q.push(columns);
    q.push(", ");
    sort.key.push_value(&mut q);
    q.push(" AS sort_key, r.id AS cursor_id FROM runs r WHERE ");
    q.scope(search)?;
    if let Some(after) = &after {
        q.push(" AND ");
        sort.push_after(&mut q, after);
    }
    q.push(" ORDER BY ");
    sort.push_order_by(&mut q);
    q.push(" LIMIT ");
    q.bind(Bind::Int(limit.max(0)));
    Ok(q.finish())
}

/// A page ordered by a config or summary leaf, in two parts: runs that
/// have a value, walked in order along the `run_fields` index (so the
/// first page costs what it returns, not what the project holds), then runs
/// without one, by id. The cursor says which part it is in: a NULL key
/// means the second.
fn field_page_sql(
    search: &RunSearch<'_>,
    columns: &str,
    sort: &Sort,
    path: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Sql, SearchError> {
    let direction = sort.direction();
    let beyond = if sort.descending { "<" } else { ">" };
    let limit = Bind::Int(limit.max(0));
    let mut q = Compiler::default();
    q.push("SELECT * FROM (");
    let after_value = after.and_then(|a| a.key.bind().map(|key| (key, a.id)));
    let in_missing_part = after.is_some() && after_value.is_none();
    if !in_missing_part {
        q.push(&format!(
            "SELECT * FROM (SELECT {columns}, o.val AS sort_key, r.id AS cursor_id \
             FROM run_fields o INDEXED BY run_fields_by_value JOIN runs r ON r.id = o.run_id \
             WHERE o.project_id = "
        ));
        q.bind(Bind::Int(search.project_id));
        q.push(" AND o.path = ");
        q.bind(Bind::Text(path.to_string()));
        q.push(" AND o.val IS NOT NULL AND ");
        q.scope(search)?;
        if let Some((key, id)) = after_value {
            q.push(&format!(" AND (o.val, o.run_id) {beyond} ("));
            q.bind(key);
            q.push(", ");
            q.bind(Bind::Int(id));
            q.push(")");
        }
        q.push(&format!(
            " ORDER BY o.val {direction}, o.run_id {direction} LIMIT "
        ));
        q.bind(limit.clone());
        q.push(") UNION ALL ");
    }
    q.push(&format!(
        "SELECT * FROM (SELECT {columns}, NULL AS sort_key, r.id AS cursor_id FROM runs r WHERE "
    ));
    q.scope(search)?;
    q.push(" AND NOT EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id AND f.path = ");
    q.bind(Bind::Text(path.to_string()));
    q.push(" AND f.val IS NOT NULL)");
    if let (true, Some(after)) = (in_missing_part, after) {
        q.push(&format!(" AND r.id {beyond} "));
        q.bind(Bind::Int(after.id));
    }
    q.push(&format!(" ORDER BY r.id {direction} LIMIT "));
    q.bind(limit.clone());
    q.push(")) LIMIT ");
    q.bind(limit);
    Ok(q.finish())
}

/// `SELECT COUNT(*) FROM runs r WHERE <search>`; the order is not looked at.
pub(crate) fn count_sql(search: &RunSearch<'_>) -> Result<Sql, SearchError> {
    let mut q = Compiler::default();
    q.push("SELECT COUNT(*) FROM runs r WHERE ");
    q.scope(search)?;
    Ok(q.finish())
}

/// The cursor just after a row of [`page_sql`]'s result.
pub(crate) fn cursor_of(row: &SqliteRow) -> Result<String, sqlx::Error> {
    let key = Key::read(row.try_get_raw("sort_key")?)?;
    let id = row.try_get("cursor_id")?;
    Ok(Cursor { key, id }.encode())
}

/// `query` with `binds` bound in order.
pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Sqlite, SqliteArguments<'q>>,
    binds: &'q [Bind],
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Int(i) => query.bind(*i),
            Bind::Real(f) => query.bind(*f),
            Bind::Text(t) => query.bind(t.as_str()),
            Bind::Bool(b) => query.bind(vec![u8::from(*b)]),
        };
    }
    query
}

// ---------------------------------------------------------------------------
// Fields

/// What a field name refers to.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// A text column, NULL when unset.
    Text(&'static str),
    /// A UNIX-milliseconds column; operands are dates or UNIX seconds.
    Time(&'static str),
    /// The run's duration in seconds.
    Duration,
    /// The run's tags, searched as a set.
    Tags,
    /// A config or summary leaf, indexed in `run_fields` (`config.lr`,
    /// `summary_metrics.acc.top1`).
    Field(String),
    /// A value inside the run's system metrics, read from the JSON.
    Json(JsonPath),
}

/// A path into the run's system metrics.
#[derive(Debug, Clone, PartialEq)]
struct JsonPath {
    /// An SQLite JSON path, `$."cpu"`; always bound, never spliced.
    path: String,
}

/// The documents a field name may point into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doc {
    Config,
    Summary,
    SystemMetrics,
}

/// The system metrics, or NULL where they are not valid JSON5 (which would
/// otherwise make `json_extract` fail the whole query). Config and summary
/// are searched through `run_fields` instead.
const SYSTEM_METRICS: &str =
    "(CASE WHEN json_valid(r.system_metrics, 2) THEN r.system_metrics END)";

impl Target {
    /// The field's value as an SQL expression (for sorting).
    fn push_value(&self, q: &mut Compiler) {
        match self {
            Target::Text(column) | Target::Time(column) => q.push(column),
            Target::Duration => q.push(DURATION),
            Target::Tags => q.push(TAGS),
            Target::Field(path) => {
                q.push(FIELD_VALUE);
                q.bind(Bind::Text(path.clone()));
                q.push(")");
            }
            Target::Json(json) => {
                q.push("json_extract(");
                q.push(SYSTEM_METRICS);
                q.push(", ");
                q.bind(json.bind());
                q.push(")");
            }
        }
    }
}

impl JsonPath {
    fn bind(&self) -> Bind {
        Bind::Text(self.path.clone())
    }
}

/// The target of a field name; `Ok(None)` if there is no such field.
fn resolve(field: &str) -> Result<Option<Target>, SearchError> {
    let target = match field {
        "createdAt" | "created_at" => Target::Time("r.created_at"),
        "heartbeatAt" | "heartbeat_at" => Target::Time("r.heartbeat_at"),
        "updatedAt" | "updated_at" => Target::Time("r.updated_at"),
        "duration" => Target::Duration,
        "name" => Target::Text("r.name"),
        "displayName" | "display_name" => Target::Text("r.display_name"),
        "state" => Target::Text("r.state"),
        "group" => Target::Text("r.group_name"),
        "jobType" | "job_type" => Target::Text("r.job_type"),
        "host" => Target::Text("r.host"),
        "sweep" => Target::Text("r.sweep_name"),
        "notes" => Target::Text("r.notes"),
        "description" => Target::Text("r.description"),
        "username" => Target::Text(USERNAME),
        "tags" => Target::Tags,
        _ => return json_target(field),
    };
    Ok(Some(target))
}

/// `config.*` and `summary_metrics.*` name leaves in `run_fields`:
/// `summary_metrics.a.b` as it is; in the config, where W&B keeps each key
/// as `{"value": …}`, `config.a.b`, W&B's own `config.a.b.value` and
/// `config.a.value.b` all mean the leaf `config.a.b`. `system_metrics.a.b`
/// is read from the JSON as `$."a"."b"`.
fn json_target(field: &str) -> Result<Option<Target>, SearchError> {
    let (head, rest) = field.split_once('.').unwrap_or((field, ""));
    let doc = match head {
        "config" => Doc::Config,
        "summary_metrics" | "summaryMetrics" | "summary" => Doc::Summary,
        "system_metrics" | "systemMetrics" => Doc::SystemMetrics,
        _ => return Ok(None),
    };
    if rest.is_empty() {
        return Err(error(format!(
            "field {field:?} needs a key after it, such as \"{head}.loss\""
        )));
    }
    let mut keys: Vec<&str> = rest.split('.').collect();
    for key in &keys {
        quote_key(field, key)?;
    }
    match doc {
        Doc::Config => {
            match keys.as_slice() {
                [_, "value", ..] => {
                    keys.remove(1);
                }
                [_, .., "value"] => {
                    keys.pop();
                }
                _ => {}
            }
            Ok(Some(Target::Field(format!("config.{}", keys.join(".")))))
        }
        Doc::Summary => Ok(Some(Target::Field(format!(
            "summary_metrics.{}",
            keys.join(".")
        )))),
        Doc::SystemMetrics => {
            let mut path = String::from("$");
            for key in keys {
                path.push('.');
                path.push_str(&quote_key(field, key)?);
            }
            Ok(Some(Target::Json(JsonPath { path })))
        }
    }
}

/// The leaves of an object operand under `path`, as `run_fields` would
/// hold them.
fn object_leaves<'v>(
    field: &Field<'_>,
    path: &str,
    members: &'v Map<String, Value>,
    depth: usize,
    out: &mut Vec<(String, &'v Value)>,
) -> Result<(), SearchError> {
    for (key, value) in members {
        quote_key(field.name, key)?;
        let leaf_path = format!("{path}.{key}");
        match value {
            Value::Object(inner) => object_leaves(field, &leaf_path, inner, deeper(depth)?, out)?,
            _ => out.push((leaf_path, value)),
        }
    }
    Ok(())
}

/// Bounds of the paths strictly under `path`: `path.` ≤ p < `path/`
/// (`/` sorts right after `.`), so `config.model` finds `config.model.*`.
fn prefix_bounds(path: &str) -> (Bind, Bind) {
    (
        Bind::Text(format!("{path}.")),
        Bind::Text(format!("{path}/")),
    )
}

/// A field named in a filter, with what it refers to.
struct Field<'f> {
    name: &'f str,
    target: Target,
}

impl Field<'_> {
    /// `filter operator "$in" on "config.lr" needs an array, got 5`.
    fn needs(&self, op: &str, what: &str, got: &Value) -> SearchError {
        crate::filter_sql::needs(self.name, op, what, got)
    }
}

// ---------------------------------------------------------------------------
// Regexes

/// A regex as SQLite runs it: a `GLOB` pattern (case-sensitive) or a
/// `LIKE` pattern (ASCII case-insensitive, escaped with `\`) where the regex
/// is that simple (unlike in a regex, `.` then also matches a line break),
/// else the regex itself under `REGEXP`.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    text: String,
    kind: PatternKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PatternKind {
    Glob,
    Like,
    Regexp,
}

/// One step of a regex Cairn can evaluate.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Literal(char),
    /// `.`
    One,
    /// `.*`
    Many,
}

impl Pattern {
    /// `Err` names the first regex feature GLOB and LIKE cannot express.
    fn from_regex(regex: &str, insensitive: bool) -> Result<Pattern, String> {
        let (anchored_start, pieces, anchored_end) = regex_pieces(regex)?;
        let (any_one, any_run) = if insensitive { ("_", "%") } else { ("?", "*") };
        let mut text = String::new();
        if !anchored_start {
            text.push_str(any_run);
        }
        for piece in pieces {
            match piece {
                Piece::One => text.push_str(any_one),
                Piece::Many => text.push_str(any_run),
                Piece::Literal(c) if insensitive => push_like_literal(&mut text, c),
                Piece::Literal(c) => push_glob_literal(&mut text, c),
            }
        }
        if !anchored_end {
            text.push_str(any_run);
        }
        Ok(Pattern {
            text,
            kind: if insensitive {
                PatternKind::Like
            } else {
                PatternKind::Glob
            },
        })
    }

    /// The test to apply to a value, with one `?` for [`Pattern::text`].
    fn sql(&self) -> &'static str {
        match self.kind {
            PatternKind::Like => "LIKE ? ESCAPE '\\'",
            PatternKind::Glob => "GLOB ?",
            PatternKind::Regexp => "REGEXP ?",
        }
    }
}

fn push_glob_literal(text: &mut String, c: char) {
    match c {
        '*' => text.push_str("[*]"),
        '?' => text.push_str("[?]"),
        '[' => text.push_str("[[]"),
        c => text.push(c),
    }
}

fn push_like_literal(text: &mut String, c: char) {
    if matches!(c, '%' | '_' | '\\') {
        text.push('\\');
    }
    text.push(c);
}

/// A regex as (anchored at the start, pieces, anchored at the end).
fn regex_pieces(regex: &str) -> Result<(bool, Vec<Piece>, bool), String> {
    let mut chars = regex.chars().peekable();
    let anchored_start = chars.next_if_eq(&'^').is_some();
    let mut anchored_end = false;
    let mut pieces = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                None => return Err("a trailing backslash".into()),
                Some(e) if e.is_ascii_alphanumeric() => {
                    return Err(format!("the escape \"\\{e}\""));
                }
                Some(e) => pieces.push(Piece::Literal(e)),
            },
            '.' => {
                if chars.next_if_eq(&'*').is_some() {
                    pieces.push(Piece::Many);
                } else if chars.next_if_eq(&'+').is_some() {
                    pieces.extend([Piece::One, Piece::Many]);
                } else {
                    pieces.push(Piece::One);
                }
                // Lazy `.*?` and `.+?` match the same strings.
                if pieces.last() == Some(&Piece::Many) {
                    chars.next_if_eq(&'?');
                }
            }
            '$' if chars.peek().is_none() => anchored_end = true,
            '^' | '$' => return Err(format!("\"{c}\" other than at the ends")),
            '*' | '+' | '?' | '{' => return Err(format!("the quantifier \"{c}\"")),
            '[' => return Err("a character class \"[…]\"".into()),
            '(' | ')' => return Err("a group \"(…)\"".into()),
            '|' => return Err("alternation \"|\"".into()),
            c => pieces.push(Piece::Literal(c)),
        }
    }
    Ok((anchored_start, pieces, anchored_end))
}

// ---------------------------------------------------------------------------
// Filters

fn deeper(depth: usize) -> Result<usize, SearchError> {
    crate::filter_sql::deeper(depth, RUN_FILTER)
}

/// What a run filter is called in messages.
const RUN_FILTER: &str = "run filter";

/// Builds a statement over `runs r` (see [`Emit`] for how conditions
/// combine).
#[derive(Debug, Default)]
struct Compiler {
    out: Builder,
}

impl Emit for Compiler {
    fn what(&self) -> &'static str {
        RUN_FILTER
    }

    fn out(&mut self) -> &mut Builder {
        &mut self.out
    }
}

impl Compiler {
    fn finish(self) -> Sql {
        Sql {
            text: self.out.sql,
            binds: self.out.binds,
        }
    }

    /// The runs of the project the search may return.
    fn scope(&mut self, search: &RunSearch<'_>) -> Compiled {
        self.push("r.project_id = ");
        self.bind(Bind::Int(search.project_id));
        if !search.include_sweeps {
            self.push(" AND r.sweep_name IS NULL");
        }
        match search.filters {
            None | Some(Value::Null) => Ok(()),
            Some(filters) => {
                self.push(" AND ");
                self.filter(filters, 0)
            }
        }
    }

    /// A filter document: all of its entries hold.
    fn filter(&mut self, filter: &Value, depth: usize) -> Compiled {
        let Value::Object(entries) = filter else {
            return Err(error(format!(
                "a run filter must be a JSON object, got {}",
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
            "$not" => self.negated(|q| q.filter(value, deeper(depth)?)),
            _ if key.starts_with('$') => Err(error(format!(
                "unknown filter operator {key:?}; a filter's keys are field names or \
                 $and, $or, $nor, $not"
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
        let depth = deeper(depth)?;
        self.join(filters, join, |q, filter| q.filter(filter, depth))
    }

    /// `field: value` or `field: {operators}`.
    fn field(&mut self, name: &str, value: &Value, depth: usize) -> Compiled {
        let target = resolve(name)?.ok_or_else(|| {
            error(format!(
                "unknown filter field {name:?}; supported fields: {FIELDS}, tags"
            ))
        })?;
        let field = Field { name, target };
        match value {
            Value::Object(ops) if is_operators(field.name, ops)? => {
                self.operators(&field, ops, depth)
            }
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
        let depth = deeper(depth)?;
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
            "$all" => self.all_tags(field, op, operand),
            "$exists" => self.exists(field, op, operand),
            "$regex" => self.regex(field, operand, options),
            "$not" => self.not(field, operand, depth),
            _ => Err(error(format!(
                "unknown filter operator {op:?} on {:?}; supported: $eq, $ne, $gt, $gte, \
                 $lt, $lte, $in, $nin, $exists, $regex (with $options), $not, and $all \
                 on tags",
                field.name
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
        match &field.target {
            Target::Field(path) => self.field_compare(field, path, op, cmp, operand, depth),
            Target::Json(json) => self.json_compare(field, json, op, cmp, operand, depth),
            Target::Text(column) => self.text_compare(field, column, op, cmp, operand),
            Target::Time(column) => {
                let ms = time_ms(operand).ok_or_else(|| field.needs(op, DATE_OPERAND, operand))?;
                self.condition(&format!("{column} {} ?", cmp.sql()), [Bind::Int(ms)])
            }
            Target::Duration => {
                let Value::Number(seconds) = operand else {
                    return Err(field.needs(op, "a number of seconds", operand));
                };
                self.condition(&format!("{DURATION} {} ?", cmp.sql()), [number(seconds)])
            }
            Target::Tags => match (cmp, operand) {
                (Cmp::Eq, Value::String(tag)) => self.has_tag("value = ?", tag.clone()),
                (Cmp::Eq, _) => Err(field.needs(op, "a tag (a string)", operand)),
                _ => Err(error(format!(
                    "filter operator {op:?} does not apply to \"tags\"; use $eq, $ne, $in, \
                     $nin, $all, $exists or $regex"
                ))),
            },
        }
    }

    /// Text columns: strings compare; a number, boolean or structure never
    /// equals text (as in MongoDB); `null` means unset.
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
                [Bind::Text(text.clone())],
            ),
            Value::Null if cmp == Cmp::Eq => self.condition(&format!("{column} IS NULL"), []),
            Value::Number(_) => self.condition("0", []),
            _ if cmp == Cmp::Eq => self.condition("0", []),
            _ => Err(field.needs(op, "a number or a string", operand)),
        }
    }

    /// A config or summary leaf compared with `operand` (see `fields.rs`
    /// for how leaves are stored: lists as JSON text, booleans as blobs).
    fn field_compare(
        &mut self,
        field: &Field<'_>,
        path: &str,
        op: &str,
        cmp: Cmp,
        operand: &Value,
        depth: usize,
    ) -> Compiled {
        let at = || Bind::Text(path.to_string());
        let (test, bind) = match operand {
            Value::Number(n) => (FIELD_NUMERIC, number(n)),
            Value::String(text) => (FIELD_TEXTUAL, Bind::Text(text.clone())),
            Value::Bool(b) if cmp == Cmp::Eq => ("typeof(f.val) = 'blob'", Bind::Bool(*b)),
            Value::Array(_) if cmp == Cmp::Eq => (FIELD_TEXTUAL, Bind::Text(operand.to_string())),
            Value::Null if cmp == Cmp::Eq => {
                // Missing, or null: no non-null leaf at the path or under it.
                let (below, above) = prefix_bounds(path);
                return self.condition(
                    "NOT EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id \
                     AND f.val IS NOT NULL AND (f.path = ? OR (f.path > ? AND f.path < ?)))",
                    [at(), below, above],
                );
            }
            Value::Object(members) if cmp == Cmp::Eq => {
                return self.field_object_equals(field, path, members, depth);
            }
            _ => return Err(field.needs(op, "a number or a string", operand)),
        };
        self.condition(
            &format!(
                "EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id AND f.path = ? \
                 AND {test} AND f.val {} ?)",
                cmp.sql()
            ),
            [at(), bind],
        )
    }

    /// An object equals the leaves under `path`: each of its leaves is
    /// there with its value, and there are no others.
    fn field_object_equals(
        &mut self,
        field: &Field<'_>,
        path: &str,
        members: &Map<String, Value>,
        depth: usize,
    ) -> Compiled {
        let depth = deeper(depth)?;
        let mut leaves = Vec::new();
        object_leaves(field, path, members, depth, &mut leaves)?;
        let (below, above) = prefix_bounds(path);
        self.push("(");
        self.condition(
            "(SELECT COUNT(*) FROM run_fields f WHERE f.run_id = r.id \
             AND f.path > ? AND f.path < ?) = ?",
            [below, above, Bind::Int(leaves.len() as i64)],
        )?;
        for (leaf_path, value) in leaves {
            self.push(" AND ");
            self.field_compare(field, &leaf_path, "$eq", Cmp::Eq, value, depth)?;
        }
        self.push(")");
        Ok(())
    }

    fn json_compare(
        &mut self,
        field: &Field<'_>,
        json: &JsonPath,
        op: &str,
        cmp: Cmp,
        operand: &Value,
        depth: usize,
    ) -> Compiled {
        match operand {
            _ if cmp == Cmp::Eq => {
                self.json_equals(field.name, SYSTEM_METRICS, &json.path, operand, true, depth)
            }
            Value::Number(n) => {
                self.json_ordered(SYSTEM_METRICS, &json.path, cmp, NUMERIC, number(n))
            }
            Value::String(s) => {
                let text = Bind::Text(s.clone());
                self.json_ordered(SYSTEM_METRICS, &json.path, cmp, TEXTUAL, text)
            }
            _ => Err(field.needs(op, "a number or a string", operand)),
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

    /// `{"tags": {"$all": [...]}}`: has every one of the tags.
    fn all_tags(&mut self, field: &Field<'_>, op: &str, operand: &Value) -> Compiled {
        if field.target != Target::Tags {
            return Err(error(format!(
                "filter operator {op:?} applies only to \"tags\", not {:?}",
                field.name
            )));
        }
        match operand {
            // As in MongoDB, requiring no tags at all matches nothing.
            Value::Array(tags) if tags.is_empty() => self.condition("0", []),
            Value::Array(tags) => self.join(tags, Join::All, |q, tag| match tag {
                Value::String(tag) => q.has_tag("value = ?", tag.clone()),
                _ => Err(field.needs(op, "an array of tags (strings)", operand)),
            }),
            _ => Err(field.needs(op, "an array of tags (strings)", operand)),
        }
    }

    /// One of the run's tags passes `test` (SQL over `value`, one `?`).
    fn has_tag(&mut self, test: &str, bind: String) -> Compiled {
        self.condition(
            &format!("EXISTS (SELECT 1 FROM json_each({TAGS}) WHERE {test})"),
            [Bind::Text(bind)],
        )
    }

    /// `$exists`; a JSON `null` exists. For tags: has at least one.
    fn exists(&mut self, field: &Field<'_>, op: &str, operand: &Value) -> Compiled {
        let Value::Bool(wanted) = operand else {
            return Err(field.needs(op, "true or false", operand));
        };
        let present = |q: &mut Self| match &field.target {
            Target::Field(path) => {
                let (below, above) = prefix_bounds(path);
                let path = Bind::Text(path.clone());
                q.condition(
                    "EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id \
                     AND (f.path = ? OR (f.path > ? AND f.path < ?)))",
                    [path, below, above],
                )
            }
            Target::Json(json) => q.condition(
                &format!("json_type({}, ?) IS NOT NULL", SYSTEM_METRICS),
                [json.bind()],
            ),
            Target::Text(column) => q.condition(&format!("{column} IS NOT NULL"), []),
            Target::Time(_) | Target::Duration => q.condition("1", []),
            Target::Tags => q.condition(&format!("json_array_length({TAGS}) > 0"), []),
        };
        if *wanted {
            present(self)
        } else {
            self.negated(present)
        }
    }

    /// `$regex`: a pattern GLOB or LIKE can express runs as one (SQLite
    /// can use an index for a literal prefix); any other runs as `REGEXP`,
    /// after the shared check ([`filter_sql::regex_pattern`]).
    fn regex(&mut self, field: &Field<'_>, operand: &Value, options: Option<&Value>) -> Compiled {
        let (checked, flags) = filter_sql::regex_pattern(field.name, operand, options)?;
        let raw = operand.as_str().unwrap_or_default();
        let simple = match flags.as_str() {
            "" => Pattern::from_regex(raw, false).ok(),
            "i" => Pattern::from_regex(raw, true).ok(),
            _ => None,
        };
        let pattern = simple.unwrap_or(Pattern {
            text: checked,
            kind: PatternKind::Regexp,
        });
        let test = pattern.sql();
        match &field.target {
            Target::Field(path) => self.condition(
                &format!(
                    "EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id AND f.path = ? \
                     AND {FIELD_TEXTUAL} AND f.val {test})"
                ),
                [Bind::Text(path.clone()), Bind::Text(pattern.text)],
            ),
            Target::Json(json) => {
                let d = SYSTEM_METRICS;
                self.condition(
                    &format!("(json_type({d}, ?) = 'text' AND json_extract({d}, ?) {test})"),
                    [json.bind(), json.bind(), Bind::Text(pattern.text)],
                )
            }
            Target::Text(column) => {
                self.condition(&format!("{column} {test}"), [Bind::Text(pattern.text)])
            }
            Target::Tags => self.has_tag(&format!("value {test}"), pattern.text),
            Target::Time(_) | Target::Duration => Err(error(format!(
                "filter operator \"$regex\" applies to text, and {:?} is not text",
                field.name
            ))),
        }
    }

    /// `{"field": {"$not": {operators}}}`.
    fn not(&mut self, field: &Field<'_>, operand: &Value, depth: usize) -> Compiled {
        match operand {
            Value::Object(ops) if !ops.is_empty() && is_operators(field.name, ops)? => {
                self.negated(|q| q.operators(field, ops, depth))
            }
            _ => Err(field.needs(
                "$not",
                "an object of operators such as {\"$gt\": 1}",
                operand,
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// Order and cursors

/// What a page is ordered by: `key`, missing values last, then `r.id`.
struct Sort {
    key: Target,
    descending: bool,
}

impl Sort {
    fn parse(order: Option<&str>) -> Result<Sort, SearchError> {
        let order = order
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .unwrap_or(DEFAULT_ORDER);
        let (descending, field) = match order.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, order.strip_prefix('+').unwrap_or(order)),
        };
        let field = field.trim();
        match resolve(field)? {
            Some(Target::Tags) => Err(error(
                "runs cannot be ordered by \"tags\"; order by another field",
            )),
            Some(key) => Ok(Sort { key, descending }),
            None => Err(error(format!(
                "cannot order runs by {field:?}; write +field or -field with one of: {FIELDS}"
            ))),
        }
    }

    fn direction(&self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }

    fn push_order_by(&self, q: &mut Compiler) {
        q.push("(");
        self.key.push_value(q);
        q.push(") IS NULL, ");
        self.key.push_value(q);
        let direction = self.direction();
        q.push(&format!(" {direction}, r.id {direction}"));
    }

    /// Rows strictly after `after` in this order. SQLite orders values of
    /// different types the same way in `ORDER BY` and in row-value
    /// comparisons, so one comparison serves numbers and text alike.
    fn push_after(&self, q: &mut Compiler, after: &Cursor) {
        let beyond = if self.descending { " < " } else { " > " };
        match after.key.bind() {
            Some(key) => {
                q.push("((");
                self.key.push_value(q);
                q.push(", r.id)");
                q.push(beyond);
                q.push("(");
                q.bind(key);
                q.push(", ");
                q.bind(Bind::Int(after.id));
                q.push(") OR (");
                self.key.push_value(q);
                q.push(") IS NULL)");
            }
            // Past the last value: only missing values remain, by id.
            None => {
                q.push("((");
                self.key.push_value(q);
                q.push(") IS NULL AND r.id");
                q.push(beyond);
                q.bind(Bind::Int(after.id));
                q.push(")");
            }
        }
    }
}

/// A sort key as SQLite returned it.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// A boolean leaf (stored as a blob).
    Bool(bool),
}

impl Key {
    /// Reads a value with the type it has (`json_extract` may give any).
    fn read(value: SqliteValueRef<'_>) -> Result<Key, sqlx::Error> {
        if value.is_null() {
            return Ok(Key::Null);
        }
        let type_name = value.type_info().name().to_owned();
        let key = match type_name.as_str() {
            "INTEGER" => <i64 as Decode<Sqlite>>::decode(value).map(Key::Int),
            "REAL" => <f64 as Decode<Sqlite>>::decode(value).map(Key::Real),
            "TEXT" => <String as Decode<Sqlite>>::decode(value).map(Key::Text),
            "BLOB" => <Vec<u8> as Decode<Sqlite>>::decode(value)
                .map(|bytes| Key::Bool(bytes.first().is_some_and(|b| *b != 0))),
            other => Err(format!("a sort key of type {other} cannot be put in a cursor").into()),
        };
        key.map_err(sqlx::Error::Decode)
    }

    fn bind(&self) -> Option<Bind> {
        match self {
            Key::Null => None,
            Key::Int(i) => Some(Bind::Int(*i)),
            Key::Real(f) => Some(Bind::Real(*f)),
            Key::Text(t) => Some(Bind::Text(t.clone())),
            Key::Bool(b) => Some(Bind::Bool(*b)),
        }
    }
}

/// The position just after a row: `{"k": <sort key>, "id": <run id>}`.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    key: Key,
    id: i64,
}

impl Cursor {
    fn encode(&self) -> String {
        let key = match &self.key {
            Key::Null => Value::Null,
            Key::Int(i) => json!(i),
            Key::Real(f) if f.is_finite() => json!(f),
            // JSON has no infinities (a summary may hold them).
            Key::Real(f) => json!({ "real": f.to_string() }),
            Key::Text(t) => json!(t),
            Key::Bool(b) => json!(b),
        };
        URL_SAFE_NO_PAD.encode(json!({ "k": key, "id": self.id }).to_string())
    }

    fn decode(text: &str) -> Result<Cursor, SearchError> {
        Self::parse(text).ok_or_else(|| error("invalid cursor"))
    }

    fn parse(text: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let Value::Object(doc) = serde_json::from_slice(&bytes).ok()? else {
            return None;
        };
        let key = match doc.get("k")? {
            Value::Null => Key::Null,
            Value::Number(n) => match n.as_i64() {
                Some(i) => Key::Int(i),
                None => Key::Real(n.as_f64()?),
            },
            Value::String(t) => Key::Text(t.clone()),
            Value::Object(real) => Key::Real(real.get("real")?.as_str()?.parse().ok()?),
            Value::Bool(b) => Key::Bool(*b),
            Value::Array(_) => return None,
        };
        let id = doc.get("id")?.as_i64()?;
        Some(Cursor { key, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;
    use sqlx::sqlite::SqlitePoolOptions;

    const SCHEMA: &str = "
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, name TEXT NOT NULL,
            display_name TEXT, description TEXT, notes TEXT, group_name TEXT, job_type TEXT,
            state TEXT NOT NULL DEFAULT 'running', host TEXT, program TEXT, commit_hash TEXT,
            repo TEXT, sweep_name TEXT, user_id INTEGER REFERENCES users(id),
            config TEXT NOT NULL DEFAULT '{}', summary TEXT NOT NULL DEFAULT '{}',
            system_metrics TEXT NOT NULL DEFAULT '{}', tags TEXT NOT NULL DEFAULT '[]',
            history_line_count INTEGER NOT NULL DEFAULT 0,
            events_line_count INTEGER NOT NULL DEFAULT 0,
            log_line_count INTEGER NOT NULL DEFAULT 0,
            last_step INTEGER, exitcode INTEGER, stop_requested INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL,
            UNIQUE (project_id, name)
        );
        CREATE TABLE run_fields (
            run_id INTEGER NOT NULL, path TEXT NOT NULL, project_id INTEGER NOT NULL, val,
            PRIMARY KEY (run_id, path)
        ) WITHOUT ROWID;
        CREATE INDEX run_fields_by_value ON run_fields(project_id, path, val);
        INSERT INTO users (id, username) VALUES (1, 'alice'), (2, 'bob');";

    /// 2024-05-01T00:00:00Z, in UNIX seconds.
    const T0: i64 = 1_714_521_600;

    /// A run to insert. `config` holds plain values, stored the W&B way
    /// (`{"lr": {"value": 0.1}}`) unless `raw_config` is given; `summary`
    /// and `system_metrics` are stored as written.
    #[derive(Default)]
    struct Seed<'a> {
        /// 0 means project 1.
        project: i64,
        name: &'a str,
        display_name: Option<&'a str>,
        state: &'a str,
        config: Value,
        raw_config: Option<&'a str>,
        summary: &'a str,
        system_metrics: &'a str,
        tags: &'a [&'a str],
        created_minute: i64,
        seconds: i64,
        sweep: Option<&'a str>,
        user: Option<i64>,
        group: Option<&'a str>,
        job_type: Option<&'a str>,
        host: Option<&'a str>,
        notes: Option<&'a str>,
        description: Option<&'a str>,
    }

    fn wandb_config(plain: &Value) -> String {
        let mut doc = Map::new();
        doc.insert("_wandb".into(), json!({"value": {"cli_version": "0.19.0"}}));
        for (key, value) in plain.as_object().into_iter().flatten() {
            doc.insert(key.clone(), json!({"value": value, "desc": null}));
        }
        Value::Object(doc).to_string()
    }

    fn or<'a>(text: &'a str, default: &'a str) -> &'a str {
        if text.is_empty() { default } else { text }
    }

    async fn insert(pool: &SqlitePool, seed: Seed<'_>) {
        let created = (T0 + seed.created_minute * 60) * 1000;
        let heartbeat = created + seed.seconds * 1000;
        let config = match seed.raw_config {
            Some(raw) => raw.to_owned(),
            None => wandb_config(&seed.config),
        };
        sqlx::query(
            "INSERT INTO runs (project_id, name, display_name, state, config, summary, \
             system_metrics, tags, sweep_name, user_id, group_name, job_type, host, notes, \
             description, created_at, updated_at, heartbeat_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(if seed.project == 0 { 1 } else { seed.project })
        .bind(seed.name)
        .bind(seed.display_name)
        .bind(or(seed.state, "finished"))
        .bind(&config)
        .bind(or(seed.summary, "{}"))
        .bind(or(seed.system_metrics, "{}"))
        .bind(json!(seed.tags).to_string())
        .bind(seed.sweep)
        .bind(seed.user)
        .bind(seed.group)
        .bind(seed.job_type)
        .bind(seed.host)
        .bind(seed.notes)
        .bind(seed.description)
        .bind(created)
        .bind(heartbeat)
        .bind(heartbeat)
        .execute(pool)
        .await
        .unwrap();
        index_fields(pool, seed.name, &config, or(seed.summary, "{}")).await;
    }

    /// Fill `run_fields` for a run the way the store does.
    async fn index_fields(pool: &SqlitePool, name: &str, config: &str, summary: &str) {
        use crate::runs::fields::{Leaf, Source, leaves};
        let (id, project): (i64, i64) =
            sqlx::query_as("SELECT id, project_id FROM runs WHERE name = ? ORDER BY id DESC")
                .bind(name)
                .fetch_one(pool)
                .await
                .unwrap();
        let all = leaves(Source::Config, config)
            .into_iter()
            .chain(leaves(Source::Summary, summary));
        for (path, leaf) in all {
            let query = sqlx::query("INSERT INTO run_fields VALUES (?, ?, ?, ?)")
                .bind(id)
                .bind(path)
                .bind(project);
            let query = match leaf {
                Leaf::Null => query.bind(None::<i64>),
                Leaf::Bool(b) => query.bind(vec![u8::from(b)]),
                Leaf::Int(i) => query.bind(i),
                Leaf::Real(f) => query.bind(f),
                Leaf::Text(t) => query.bind(t),
            };
            query.execute(pool).await.unwrap();
        }
    }

    /// Project 1: nine runs with one property each worth searching for (ids
    /// follow this order; creation order is beta, delta, alpha, zeta,
    /// epsilon, eta, gamma, theta, iota). Project 2: one more. Project 3:
    /// twenty plain runs with ties, for paging.
    async fn fixture() -> SqlitePool {
        // As the store opens its pool: `$regex` may compile to REGEXP.
        let options: sqlx::sqlite::SqliteConnectOptions = "sqlite::memory:".parse().unwrap();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.with_regexp())
            .await
            .unwrap();
        sqlx::raw_sql(SCHEMA).execute(&pool).await.unwrap();
        let hour = 60;
        let seeds = [
            Seed {
                name: "alpha",
                display_name: Some("Alpha"),
                config: json!({"lr": 0.1, "batch": 32, "model": {"layers": 4, "act": "relu"},
                               "opt": "adam", "use_bn": true}),
                summary: r#"{"loss": 0.5, "acc": {"top1": 0.9}, "_step": 100}"#,
                system_metrics: r#"{"cpu": 12.5}"#,
                tags: &["baseline", "gpu"],
                created_minute: 3 * hour,
                seconds: 3600,
                user: Some(1),
                group: Some("g1"),
                job_type: Some("train"),
                host: Some("node-1"),
                ..Seed::default()
            },
            Seed {
                name: "beta",
                display_name: Some("Beta"),
                state: "running",
                config: json!({"lr": 0.01, "batch": 64, "model": {"layers": 8, "act": "gelu"},
                               "opt": "sgd", "use_bn": false}),
                summary: r#"{"loss": 0.25, "acc": {"top1": 0.95}}"#,
                system_metrics: r#"{"cpu": 80}"#,
                tags: &["gpu"],
                created_minute: hour,
                seconds: 120,
                user: Some(2),
                group: Some("g1"),
                job_type: Some("eval"),
                ..Seed::default()
            },
            Seed {
                name: "gamma",
                display_name: Some("Gamma ray"),
                state: "crashed",
                config: json!({"lr": "0.1", "batch": 32}),
                summary: r#"{"loss": "diverged"}"#,
                created_minute: 7 * hour,
                seconds: 10,
                group: Some("g2"),
                notes: Some("exploded at step 3"),
                ..Seed::default()
            },
            Seed {
                name: "delta",
                state: "failed",
                config: json!({"lr": null, "model": {"act": "relu", "layers": 4}}),
                tags: &["debug"],
                created_minute: 2 * hour,
                seconds: 60,
                description: Some("first try"),
                ..Seed::default()
            },
            Seed {
                name: "epsilon",
                display_name: Some("eps.test"),
                config: json!({"lr": 0.001, "lr_schedule": [1, 2, 3],
                               "model": {"act": "relu", "layers": 4}}),
                summary: r#"{"loss": 0.5, "acc": {"top1": 0.8}}"#,
                tags: &["baseline"],
                created_minute: 5 * hour,
                seconds: 600,
                host: Some("node-2"),
                ..Seed::default()
            },
            Seed {
                name: "zeta",
                display_name: Some("Zeta"),
                config: json!({"lr": 0.05}),
                summary: r#"{"loss": 0.1}"#,
                tags: &["sweep"],
                created_minute: 4 * hour,
                seconds: 30,
                sweep: Some("sw1"),
                ..Seed::default()
            },
            Seed {
                name: "eta",
                display_name: Some("ETA caps"),
                config: json!({"lr": 1}),
                summary: r#"{"loss": 2, "flag": true}"#,
                tags: &["a*b", "gpu"],
                created_minute: 6 * hour,
                seconds: 90,
                ..Seed::default()
            },
            Seed {
                name: "theta",
                display_name: Some("Theta"),
                config: json!({"lr": 0.1}),
                summary: r#"{"loss": Infinity, "acc": {"top1": NaN}}"#,
                created_minute: 8 * hour,
                seconds: 45,
                ..Seed::default()
            },
            Seed {
                name: "iota",
                display_name: Some("Iota"),
                state: "running",
                raw_config: Some(r#"{"lr": {"value": 0.1}"#),
                summary: r#"{"loss": 0.3,"#,
                created_minute: 9 * hour,
                seconds: 5,
                ..Seed::default()
            },
            Seed {
                project: 2,
                name: "kappa",
                display_name: Some("Kappa"),
                config: json!({"lr": 0.1}),
                summary: r#"{"loss": 0.5}"#,
                ..Seed::default()
            },
        ];
        for seed in seeds {
            insert(&pool, seed).await;
        }
        insert_fillers(&pool).await;
        pool
    }

    /// Project 3: f00…f19, inserted last first (so ids fall as names rise),
    /// created in pairs at the same minute, with repeated losses, display
    /// names and durations, some missing, and one loss that is text.
    async fn insert_fillers(pool: &SqlitePool) {
        for i in (0..20_i64).rev() {
            let name = format!("f{i:02}");
            let display_name = format!("filler {}", i % 4);
            let loss = match i {
                _ if i % 5 == 0 => json!({}),
                7 => json!({"loss": "n/a"}),
                _ => json!({"loss": ((i * 3) % 7) as f64 / 2.0}),
            };
            let summary = loss.to_string();
            let lr =
                [json!(0.1), json!(0.01), json!("high"), Value::Null][(i % 4) as usize].clone();
            insert(
                pool,
                Seed {
                    project: 3,
                    name: &name,
                    display_name: (i % 3 != 0).then_some(display_name.as_str()),
                    state: ["finished", "running", "crashed"][(i % 3) as usize],
                    config: json!({"i": i, "lr": lr}),
                    summary: &summary,
                    created_minute: 600 + i / 2,
                    seconds: (i % 4) * 30,
                    ..Seed::default()
                },
            )
            .await;
        }
    }

    fn search<'a>(filters: &'a Value, order: &'a str) -> RunSearch<'a> {
        RunSearch {
            project_id: 1,
            filters: Some(filters),
            order: Some(order),
            include_sweeps: false,
        }
    }

    /// The names of the runs in project 1 (no sweeps) matching `filters`, in
    /// `order`; also checks that `count_sql` agrees.
    async fn names(pool: &SqlitePool, filters: Value, order: &str) -> Vec<String> {
        search_names(pool, &search(&filters, order)).await
    }

    async fn search_names(pool: &SqlitePool, search: &RunSearch<'_>) -> Vec<String> {
        let page = page_sql(search, "r.name", None, 10_000).unwrap();
        let rows = fetch(pool, &page).await;
        let names: Vec<String> = rows.iter().map(|row| row.get("name")).collect();
        let count = count_sql(search).unwrap();
        let counted: i64 = fetch(pool, &count).await[0].get(0);
        assert_eq!(counted as usize, names.len(), "count of {search:?}");
        names
    }

    async fn fetch(pool: &SqlitePool, sql: &Sql) -> Vec<SqliteRow> {
        assert_eq!(sql.text.matches('?').count(), sql.binds.len(), "{sql:?}");
        bind_all(sqlx::query(&sql.text), &sql.binds)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql:?}"))
    }

    /// Every page of `search`, `page` runs at a time, following cursors.
    async fn walk(pool: &SqlitePool, search: &RunSearch<'_>, page: i64) -> Vec<String> {
        let mut names = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sql = page_sql(search, "r.name", cursor.as_deref(), page).unwrap();
            let rows = fetch(pool, &sql).await;
            names.extend(rows.iter().map(|row| row.get::<String, _>("name")));
            match rows.last() {
                Some(last) if rows.len() as i64 == page => cursor = Some(cursor_of(last).unwrap()),
                _ => return names,
            }
            assert!(names.len() < 1000, "paging does not end: {names:?}");
        }
    }

    /// Project 1 without the sweep run, oldest first.
    const ALL: &str = "beta delta alpha epsilon eta gamma theta iota";

    /// A table of cases, one a line: `given => expected`. Blank lines and
    /// lines starting with `#` are skipped; `(all)` stands for [`ALL`] and
    /// `(none)` for no runs.
    fn table(cases: &str) -> Vec<(&str, String)> {
        let rows = cases.lines().map(str::trim);
        rows.filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (given, expected) = line
                    .split_once(" => ")
                    .unwrap_or_else(|| panic!("no ` => ` in {line:?}"));
                let expected = match expected.trim() {
                    "(all)" => ALL.to_owned(),
                    "(none)" => String::new(),
                    names => names.to_owned(),
                };
                (given.trim(), expected)
            })
            .collect()
    }

    fn parse(filter: &str) -> Value {
        serde_json::from_str(filter).unwrap_or_else(|e| panic!("{filter}: {e}"))
    }

    /// Each filter of the table finds the runs named, oldest first.
    async fn expect_filters(cases: &str) {
        let pool = fixture().await;
        for (filter, expected) in table(cases) {
            let found = names(&pool, parse(filter), "").await;
            assert_eq!(found.join(" "), expected, "filter {filter}");
        }
    }

    /// Each order of the table lists the runs named.
    async fn expect_orders(cases: &str) {
        let pool = fixture().await;
        for (order, expected) in table(cases) {
            let found = names(&pool, json!({}), order).await;
            assert_eq!(found.join(" "), expected, "order {order}");
        }
    }

    /// Each filter of the table is refused with a message containing the
    /// text given, by `count_sql` and `page_sql` alike.
    fn expect_filter_errors(cases: &str) {
        for (filter, expected) in table(cases) {
            let filters = parse(filter);
            let search = search(&filters, "");
            let counted = count_sql(&search).unwrap_err();
            let paged = page_sql(&search, "r.name", None, 10).unwrap_err();
            assert_eq!(counted, paged);
            assert!(counted.0.contains(&expected), "{filter}: {counted}");
        }
    }

    #[tokio::test]
    async fn without_filters_all_runs_of_the_project_come_oldest_first() {
        let pool = fixture().await;
        assert_eq!(names(&pool, json!({}), "").await.join(" "), ALL);
        assert_eq!(names(&pool, json!(null), "").await.join(" "), ALL);
        let unfiltered = RunSearch {
            project_id: 1,
            filters: None,
            order: None,
            include_sweeps: false,
        };
        assert_eq!(search_names(&pool, &unfiltered).await.join(" "), ALL);
    }

    #[tokio::test]
    async fn sweep_runs_are_left_out_unless_asked_for() {
        let pool = fixture().await;
        let in_sweep = json!({"sweep": "sw1"});
        assert!(names(&pool, in_sweep.clone(), "").await.is_empty());
        let with_sweeps = RunSearch {
            include_sweeps: true,
            ..search(&in_sweep, "")
        };
        assert_eq!(search_names(&pool, &with_sweeps).await, ["zeta"]);
        let all = json!({});
        let with_sweeps = RunSearch {
            include_sweeps: true,
            ..search(&all, "")
        };
        assert_eq!(
            search_names(&pool, &with_sweeps).await.join(" "),
            "beta delta alpha zeta epsilon eta gamma theta iota"
        );
    }

    #[tokio::test]
    async fn config_keys_are_read_from_their_value() {
        expect_filters(
            r#"
            # iota's lr is 0.1 too, but its config is not valid JSON.
            {"config.lr": 0.1}                  => alpha theta
            {"config.lr.value": 0.1}            => alpha theta
            {"config.lr": {"$eq": 0.1}}         => alpha theta
            {"config.model.layers": 4}          => delta alpha epsilon
            {"config.model.layers": 8}          => beta
            {"config.model.value.layers": 8}    => beta
            # W&B's own form: the flattened key, then `.value`.
            {"config.model.layers.value": 8}    => beta
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn numbers_match_only_numbers_and_strings_only_strings() {
        expect_filters(
            r#"
            {"config.lr": "0.1"}                        => gamma
            {"config.lr": 1}                            => eta
            {"config.lr": 1.0}                          => eta
            # gamma's "0.1" is text, which is not greater than a number here.
            {"config.lr": {"$gt": 0.01}}                => alpha eta theta
            {"config.lr": {"$lte": 0.01}}               => beta epsilon
            {"config.lr": {"$gt": 0.001, "$lt": 1}}     => beta alpha theta
            # theta's loss is Infinity.
            {"summary_metrics.loss": {"$gte": 0.5}}     => alpha epsilon eta theta
            {"summary_metrics.loss": {"$gte": "a"}}     => gamma
            {"summary_metrics.loss": {"$lt": "a"}}      => (none)
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn booleans_match_json_booleans_only() {
        expect_filters(
            r#"
            {"config.use_bn": true}             => alpha
            {"config.use_bn": false}            => beta
            {"config.use_bn": 1}                => (none)
            {"config.use_bn": {"$ne": true}}    => beta delta epsilon eta gamma theta iota
            {"summary_metrics.flag": true}      => eta
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn null_means_missing_or_null_and_ne_matches_missing() {
        expect_filters(
            r#"
            {"config.lr": null}                         => delta iota
            {"config.lr": {"$ne": null}}                => beta alpha epsilon eta gamma theta
            # theta's top1 is NaN, which reads as null.
            {"summary_metrics.acc.top1": null}          => delta eta gamma theta iota
            {"summary_metrics.loss": {"$ne": 0.5}}      => beta delta eta gamma theta iota
            {"display_name": null}                      => delta
            {"display_name": {"$ne": "Alpha"}}          => beta delta epsilon eta gamma theta iota
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn objects_and_arrays_compare_whole() {
        expect_filters(
            r#"
            # Key order does not matter: delta and epsilon store act first.
            {"config.model": {"layers": 4, "act": "relu"}}                  => delta alpha epsilon
            {"config.model": {"layers": 4}}                                 => (none)
            {"config.model": {"$in": [{"act": "gelu", "layers": 8}]}}       => beta
            {"config.lr_schedule": [1, 2, 3]}                               => epsilon
            {"config.lr_schedule": [1, 2]}                                  => (none)
            {"config.lr_schedule": [3, 2, 1]}                               => (none)
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn summary_and_system_metrics_paths() {
        expect_filters(
            r#"
            {"summary_metrics.acc.top1": {"$gt": 0.85}}     => beta alpha
            {"summaryMetrics.acc.top1": {"$gt": 0.85}}      => beta alpha
            {"summary.acc.top1": {"$gt": 0.85}}             => beta alpha
            {"system_metrics.cpu": {"$gt": 50}}             => beta
            {"systemMetrics.cpu": {"$lt": 50}}              => alpha
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn in_nin_and_exists() {
        expect_filters(
            r#"
            {"config.batch": {"$in": [32, 64]}}                 => beta alpha gamma
            {"config.lr": {"$in": [null, "0.1"]}}               => delta gamma iota
            {"config.opt": {"$nin": ["adam"]}}                  => beta delta epsilon eta gamma theta iota
            {"config.opt": {"$in": []}}                         => (none)
            {"config.opt": {"$nin": []}}                        => (all)
            {"config.opt": {"$exists": true}}                   => beta alpha
            {"config.opt": {"$exists": false}}                  => delta epsilon eta gamma theta iota
            {"summary_metrics.loss": {"$exists": false}}        => delta iota
            # A null (theta's NaN) exists.
            {"summary_metrics.acc.top1": {"$exists": true}}     => beta alpha epsilon theta
            {"displayName": {"$exists": false}}                 => delta
            {"createdAt": {"$exists": true}}                    => (all)
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn run_columns() {
        expect_filters(
            r#"
            {"state": "running"}                        => beta iota
            {"state": {"$in": ["crashed", "failed"]}}   => delta gamma
            {"state": {"$ne": "finished"}}              => beta delta gamma iota
            {"state": 5}                                => (none)
            {"name": {"$gt": "gamma"}}                  => theta iota
            {"displayName": "Theta"}                    => theta
            {"group": "g1"}                             => beta alpha
            {"jobType": "eval"}                         => beta
            {"job_type": "train"}                       => alpha
            {"host": "node-2"}                          => epsilon
            {"notes": {"$regex": "step"}}               => gamma
            {"description": "first try"}               => delta
            {"username": "alice"}                       => alpha
            {"username": {"$in": ["bob", "carol"]}}     => beta
            {"sweep": null}                             => (all)
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn dates_are_iso_strings_or_unix_seconds() {
        expect_filters(
            r#"
            {"createdAt": {"$gte": "2024-05-01T03:00:00", "$lt": "2024-05-01T06:00:00Z"}}   => alpha epsilon
            # 04:00 at +02:00 is 02:00 UTC.
            {"created_at": {"$lt": "2024-05-01T04:00:00+02:00"}}                            => beta
            {"createdAt": {"$gt": "2024-05-01T08:59:59.999"}}                               => iota
            {"createdAt": "2024-05-01T02:00:00.000Z"}                                       => delta
            {"createdAt": {"$gte": "2024-05-01", "$lt": "2024-05-02"}}                      => (all)
            # UNIX seconds: 02:00 and 01:00:00.5.
            {"created_at": {"$lte": 1714528800}}                                            => beta delta
            {"created_at": {"$lt": 1714525200.5}}                                           => beta
            # alpha's heartbeat is 04:00 exactly.
            {"heartbeatAt": {"$gt": "2024-05-01T04:00:00Z"}}                                => epsilon eta gamma theta iota
            {"updated_at": {"$lt": "2024-05-01 01:30:00"}}                                  => beta
            {"duration": {"$gte": 600}}                                                     => alpha epsilon
            {"duration": {"$lt": 45.5}}                                                     => gamma theta iota
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn tags_are_a_set() {
        expect_filters(
            r#"
            {"tags": "gpu"}                                 => beta alpha eta
            {"tags": {"$eq": "gpu"}}                        => beta alpha eta
            {"tags": {"$in": ["debug", "baseline"]}}        => delta alpha epsilon
            {"tags": {"$nin": ["gpu", "baseline"]}}         => delta gamma theta iota
            {"tags": {"$ne": "gpu"}}                        => delta epsilon gamma theta iota
            {"tags": {"$all": ["gpu", "baseline"]}}         => alpha
            {"tags": {"$all": []}}                          => (none)
            {"tags": {"$exists": false}}                    => gamma theta iota
            {"tags": {"$regex": "^base"}}                   => alpha epsilon
            # Glob characters in tags are literal.
            {"tags": "a*b"}                                 => eta
            {"tags": {"$regex": "^a\\*b$"}}                 => eta
            {"tags": {"$regex": "^A\\*B$", "$options": "i"}} => eta
            {"tags": {"$regex": "^a\\*\\*b$"}}              => (none)
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn regexes_run_as_glob_or_like() {
        expect_filters(
            r#"
            {"display_name": {"$regex": "^Gam"}}                    => gamma
            {"display_name": {"$regex": "ray$"}}                    => gamma
            {"display_name": {"$regex": "eps\\.t"}}                 => epsilon
            {"display_name": {"$regex": "^eps\\.test$"}}            => epsilon
            {"display_name": {"$regex": "^Bet.$"}}                  => beta
            {"display_name": {"$regex": "^.+a$"}}                   => beta alpha theta iota
            {"display_name": {"$regex": "^G.*y$"}}                  => gamma
            {"display_name": {"$regex": ""}}                        => beta alpha epsilon eta gamma theta iota
            {"display_name": {"$regex": "ALPHA"}}                   => (none)
            {"display_name": {"$regex": "ALPHA", "$options": "i"}}  => alpha
            {"display_name": {"$regex": "^e.*s$", "$options": "i"}} => eta
            {"display_name": {"$not": {"$regex": "^A"}}}            => beta delta epsilon eta gamma theta iota
            {"config.opt": {"$regex": "^s"}}                        => beta
            {"summary_metrics.loss": {"$regex": "^div"}}            => gamma
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn other_regexes_run_as_regexp() {
        expect_filters(
            r#"
            {"display_name": {"$regex": "^(Alpha|Beta)$"}}          => beta alpha
            {"display_name": {"$regex": "^[AB]"}}                   => beta alpha
            {"display_name": {"$regex": "^[ab]", "$options": "i"}}  => beta alpha
            {"display_name": {"$regex": "a\\b"}}                    => beta alpha gamma theta iota
            {"display_name": {"$regex": "^\\w+\\.\\w+$"}}             => epsilon
            {"display_name": {"$not": {"$regex": "^[A-G]"}}}        => delta epsilon theta iota
            {"config.opt": {"$regex": "^[s]"}}                      => beta
            {"summary_metrics.loss": {"$regex": "^d\\w+"}}          => gamma
            {"tags": {"$regex": "^(gpu|debug)$"}}                   => beta delta alpha eta
            "#,
        )
        .await;
    }

    #[test]
    fn regexes_translate_to_escaped_patterns() {
        let glob = |regex| Pattern::from_regex(regex, false).map(|p| p.text);
        let like = |regex| Pattern::from_regex(regex, true).map(|p| p.text);
        assert_eq!(glob(r"^50%_off\.$").unwrap(), "50%_off.");
        assert_eq!(like(r"^50%_off\.$").unwrap(), r"50\%\_off.");
        assert_eq!(glob(r"a\*\?\[").unwrap(), "*a[*][?][[]*");
        assert_eq!(like(r"a\\b").unwrap(), r"%a\\b%");
        assert_eq!(glob("^x.*?y.+z").unwrap(), "x*y?*z*");
        assert_eq!(glob("a?").unwrap_err(), "the quantifier \"?\"");
        assert_eq!(glob("a|b").unwrap_err(), "alternation \"|\"");
        assert_eq!(glob(r"\d").unwrap_err(), "the escape \"\\d\"");
        assert_eq!(glob("a^b").unwrap_err(), "\"^\" other than at the ends");
    }

    #[tokio::test]
    async fn and_or_nor_not() {
        expect_filters(
            r#"
            {"$or": [{"state": "crashed"}, {"tags": "debug"}]}          => delta gamma
            {"$and": [{"tags": "gpu"}, {"config.lr": {"$lt": 0.5}}]}    => beta alpha
            {"state": "finished", "tags": "gpu"}                        => alpha eta
            {"$nor": [{"state": "finished"}, {"state": "running"}]}     => delta gamma
            {"$not": {"state": "finished"}}                             => beta delta gamma iota
            {"state": {"$not": {"$in": ["finished", "running"]}}}       => delta gamma
            # The W&B UI's empty filter.
            {"$or": [{"$and": []}]}                                     => (all)
            {"$and": [{}]}                                              => (all)
            {"$or": []}                                                 => (none)
            {"$or": [{"$and": [{"state": "finished"}, {"summary_metrics.loss": {"$lt": 1}}]}, {"display_name": {"$regex": "^G"}}]} => alpha epsilon gamma
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn values_and_paths_are_bound_never_spliced() {
        let pool = fixture().await;
        let hostile = json!({
            "config.x') OR 1=1 --": 1,
            "summary.it's": {"$regex": "'; DROP TABLE runs; --"},
            "name": "alpha' OR '1'='1",
        });
        let sql = count_sql(&search(&hostile, "")).unwrap();
        for spliced in ["1=1", "DROP", "it's"] {
            assert!(!sql.text.contains(spliced), "{}", sql.text);
        }
        assert!(
            names(&pool, hostile, "-config.x') OR 1=1 --")
                .await
                .is_empty()
        );
        assert_eq!(names(&pool, json!({}), "").await.join(" "), ALL);
    }

    #[tokio::test]
    async fn order_by_fields_with_missing_values_last() {
        expect_orders(
            r#"
            createdAt                   => (all)
            +created_at                 => (all)
            -created_at                 => iota theta gamma eta epsilon alpha delta beta
            # Numbers (Infinity the largest), then text, then missing; ties by id,
            # in the same direction.
            summary_metrics.loss        => beta alpha epsilon eta theta gamma delta iota
            -summary_metrics.loss       => gamma theta eta epsilon alpha beta iota delta
            +config.lr                  => epsilon beta alpha theta eta gamma delta iota
            +config.lr.value            => epsilon beta alpha theta eta gamma delta iota
            -config.model.layers.value  => beta epsilon delta alpha iota theta eta gamma
            display_name                => alpha beta eta gamma iota theta epsilon delta
            -displayName                => epsilon theta iota gamma eta beta alpha delta
            -duration                   => alpha epsilon beta eta delta theta gamma iota
            -name                       => theta iota gamma eta epsilon delta beta alpha
            -system_metrics.cpu         => beta alpha iota theta eta epsilon delta gamma
            "#,
        )
        .await;
    }

    #[tokio::test]
    async fn ties_are_broken_by_id_in_the_same_direction() {
        let pool = fixture().await;
        let all = json!({});
        let fillers = |order| RunSearch {
            project_id: 3,
            ..search(&all, order)
        };
        // f01 and f00 share a minute; f01 was inserted first.
        let oldest = search_names(&pool, &fillers("created_at")).await;
        assert_eq!(oldest[..4], ["f01", "f00", "f03", "f02"]);
        let newest = search_names(&pool, &fillers("-created_at")).await;
        assert_eq!(newest[..4], ["f18", "f19", "f16", "f17"]);
    }

    #[tokio::test]
    async fn pages_follow_cursors_without_gaps_or_repeats() {
        let pool = fixture().await;
        let everything = json!({});
        let not_crashed = json!({"state": {"$ne": "crashed"}});
        let orders = "+created_at -created_at summary_metrics.loss -summary_metrics.loss \
            config.lr -config.lr -config.i display_name -displayName duration -heartbeat_at name \
            -state username";
        for (project_id, filters) in [(1, &everything), (3, &everything), (3, &not_crashed)] {
            for order in orders.split_whitespace() {
                let search = RunSearch {
                    project_id,
                    filters: Some(filters),
                    order: Some(order),
                    include_sweeps: true,
                };
                let full = search_names(&pool, &search).await;
                let mut unique = full.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), full.len(), "{order}: {full:?}");
                for page in [1, 7, 50] {
                    assert_eq!(walk(&pool, &search, page).await, full, "{order} by {page}");
                }
            }
        }
    }

    #[test]
    fn cursors_round_trip_every_kind_of_key() {
        for key in [
            Key::Null,
            Key::Int(-3),
            Key::Real(0.1),
            Key::Real(2.0),
            Key::Real(f64::INFINITY),
            Key::Real(f64::NEG_INFINITY),
            Key::Text("a \"quoted\" key".into()),
        ] {
            let cursor = Cursor { key, id: 42 };
            assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        }
    }

    #[test]
    fn a_malformed_cursor_is_refused() {
        let all = json!({});
        let invalid = Err(SearchError("invalid cursor".into()));
        for cursor in [
            "not base64!",
            &URL_SAFE_NO_PAD.encode("not json"),
            &URL_SAFE_NO_PAD.encode(r#"{"k": 1}"#),
            &URL_SAFE_NO_PAD.encode(r#"{"k": [1], "id": 2}"#),
            &URL_SAFE_NO_PAD.encode(r#"[1, 2]"#),
        ] {
            let refused = page_sql(&search(&all, ""), "r.name", Some(cursor), 10);
            assert_eq!(refused, invalid, "{cursor}");
        }
        assert!(page_sql(&search(&all, ""), "r.name", Some(""), 10).is_ok());
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        expect_filter_errors(
            r#"
            {"config.lr": {"$in": 5}}       => filter operator "$in" on "config.lr" needs an array, got 5
            {"config.lr": {"$gt": [1]}}     => filter operator "$gt" on "config.lr" needs a number or a string, got [1]
            {"config.x": {"$gt": true}}     => "$gt" on "config.x" needs a number or a string, got true
            {"state": {"$lt": null}}        => "$lt" on "state" needs a number or a string, got null
            {"config.x": {"$exists": "yes"}} => "$exists" on "config.x" needs true or false
            {"config.x": {"$gt": 1, "y": 2}} => filter on "config.x" mixes operators with plain keys
            {"state": {"$not": 5}}          => "$not" on "state" needs an object of operators
            {"config.x": {"$all": ["a"]}}   => "$all" applies only to "tags"

            [1]                             => a run filter must be a JSON object, got [1]
            {"$and": {}}                    => filter operator "$and" needs an array of filters, got {}
            {"$nor": [{}, 5]}               => "$nor" needs an array of filters (JSON objects), got 5 in it
            {"$not": [1]}                   => "$not" needs a filter (a JSON object), got [1]
            {"$where": "1"}                 => unknown filter operator "$where"
            {"config.lr": {"$foo": 1}}      => unknown filter operator "$foo" on "config.lr"; supported: $eq

            {"colour": "red"}               => unknown filter field "colour"; supported fields: createdAt
            {"colour": "red"}               => summary_metrics.<key>, system_metrics.<key>, tags
            {"config..lr": 1}               => field "config..lr" has an empty key
            {"config": 1}                   => field "config" needs a key after it, such as "config.loss"
            {"config.a\"b": 1}              => keys containing '"' or '\' cannot be searched
            {"config.model": {"a\\b": 1}}   => keys containing '"' or '\' cannot be searched

            {"tags": {"$gt": "a"}}          => filter operator "$gt" does not apply to "tags"
            {"tags": 5}                     => filter operator "$eq" on "tags" needs a tag (a string), got 5
            {"tags": {"$in": ["a", 5]}}     => filter operator "$in" on "tags" needs a tag
            {"tags": {"$all": "a"}}         => "$all" on "tags" needs an array of tags
            {"createdAt": {"$gt": "yesterday"}} => "$gt" on "createdAt" needs a date such as "2024-05-01T12:00:00Z" or UNIX seconds, got "yesterday"
            {"createdAt": null}             => "$eq" on "createdAt" needs a date
            {"duration": "long"}            => "$eq" on "duration" needs a number of seconds, got "long"

            {"display_name": {"$regex": 5}}                     => "$regex" on "display_name" needs a string, got 5
            {"display_name": {"$regex": "a", "$options": "q"}}  => "$options" on "display_name" needs a string of the flags i, m, s, x
            {"display_name": {"$options": "i"}}                 => needs a "$regex" beside it
            {"createdAt": {"$regex": "2024"}}                   => "createdAt" is not text
            {"display_name": {"$regex": "a("}}                  => "$regex" on "display_name": "a(" is not a valid regex
            {"display_name": {"$regex": "(a{1000}){1000}"}}     => is not a valid regex
            "#,
        );
    }

    #[test]
    fn filters_too_deep_or_too_large_are_refused() {
        let too_deep = |filters: Value| {
            let message = count_sql(&search(&filters, "")).unwrap_err().0;
            assert!(message.contains("nested too deeply"), "{message}");
        };
        let mut deep = json!({"state": "finished"});
        let mut deep_value = json!(1);
        for _ in 0..40 {
            deep = json!({"$and": [deep]});
            deep_value = json!({"k": deep_value});
        }
        too_deep(deep);
        too_deep(json!({"config.x": deep_value}));
        let many: Vec<i64> = (0..2000).collect();
        let large = json!({"config.x": {"$in": many}});
        let message = count_sql(&search(&large, "")).unwrap_err().0;
        assert_eq!(message, "the run filter has more than 1000 conditions");
    }

    #[test]
    fn bad_orders_say_what_is_wrong() {
        let all = json!({});
        for (order, expected) in table(
            r#"
            +tags           => runs cannot be ordered by "tags"
            -colour         => cannot order runs by "colour"; write +field or -field with one of: createdAt
            config.a..b     => field "config.a..b" has an empty key
            summary_metrics => field "summary_metrics" needs a key
            "#,
        ) {
            let message = page_sql(&search(&all, order), "r.name", None, 10)
                .unwrap_err()
                .0;
            assert!(message.contains(&expected), "{order}: {message}");
        }
    }
}
