//! Building blocks shared by the MongoDB-style filter compilers: run search
//! (`runs/search.rs`) and artifact/registry filters (`artifacts/filter.rs`).
//!
//! Each compiler decides what its field names mean; what they have in common
//! lives here: the statement being written with its binds kept in step
//! ([`Emit`]), the logical combinators with MongoDB's "negation matches a
//! missing value" ([`Emit::negated`]), comparisons of JSON documents
//! ([`Emit::json_equals`]), date operands, limits on size and depth, and the
//! shape of error messages. Nothing from a request is ever spliced into SQL
//! text: values and JSON paths are bound.

use std::fmt;

use serde_json::{Map, Number, Value};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Deepest nesting of logical operators and operands.
pub(crate) const MAX_DEPTH: usize = 32;

/// Most conditions (single comparisons) in one filter.
pub(crate) const MAX_CONDITIONS: usize = 1000;

/// Longest operand quoted back in an error message.
const MAX_SHOWN: usize = 80;

/// `json_type` is a number.
pub(crate) const NUMERIC: &str = "IN ('integer', 'real')";
/// `json_type` is a string.
pub(crate) const TEXTUAL: &str = "= 'text'";

/// A bad filter; the message names the problem and is shown to the user as
/// it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

pub(crate) fn error(message: impl Into<String>) -> FilterError {
    FilterError(message.into())
}

/// The result of compiling one piece of a filter.
pub(crate) type Compiled = Result<(), FilterError>;

/// A parameter of a compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
    /// A boolean as `run_fields` stores it (a one-byte blob).
    Bool(bool),
}

/// A value as JSON, shortened for an error message.
pub(crate) fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= MAX_SHOWN {
        return text;
    }
    let head: String = text.chars().take(MAX_SHOWN).collect();
    format!("{head}…")
}

/// `filter operator "$in" on "config.lr" needs an array, got 5`.
pub(crate) fn needs(field: &str, op: &str, what: &str, got: &Value) -> FilterError {
    error(format!(
        "filter operator {op:?} on {field:?} needs {what}, got {}",
        show(got)
    ))
}

/// Longest `$regex` pattern accepted, in bytes.
pub(crate) const MAX_REGEX_LEN: usize = 1024;

/// Most memory one compiled `$regex` may take. The `regex` engine that
/// `REGEXP` runs never backtracks (time is linear in the text), so with a
/// bounded program a search is bounded too.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A `$regex` operand and its `$options` as the pattern `REGEXP` runs:
/// Rust `regex` syntax with the flags (`i`, `m`, `s`, `x`) folded in as
/// `(?flags)`, checked to compile within bounds, so a bad or oversized
/// pattern is a clear error before the query runs. Returns the pattern and
/// the flags. One check for every listing's filters.
pub(crate) fn regex_pattern(
    field: &str,
    operand: &Value,
    options: Option<&Value>,
) -> Result<(String, String), FilterError> {
    let Value::String(regex) = operand else {
        return Err(needs(field, "$regex", "a string", operand));
    };
    let flags = match options {
        None => String::new(),
        Some(Value::String(flags)) if flags.chars().all(|c| "imsx".contains(c)) => flags.clone(),
        Some(other) => {
            return Err(needs(
                field,
                "$options",
                "a string of the flags i, m, s, x",
                other,
            ));
        }
    };
    if regex.len() > MAX_REGEX_LEN {
        return Err(error(format!(
            "filter operator \"$regex\" on {field:?}: the pattern is {} bytes; the limit is \
             {MAX_REGEX_LEN}.",
            regex.len()
        )));
    }
    let pattern = if flags.is_empty() {
        regex.clone()
    } else {
        format!("(?{flags}){regex}")
    };
    if let Err(e) = regex::RegexBuilder::new(&pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        return Err(error(format!(
            "filter operator \"$regex\" on {field:?}: {regex:?} is not a valid regex: {}",
            e.to_string().lines().last().unwrap_or_default().trim()
        )));
    }
    Ok((pattern, flags))
}

/// A JSON number as a bind: integers stay exact.
pub(crate) fn number(n: &Number) -> Bind {
    match n.as_i64() {
        Some(i) => Bind::Int(i),
        // Binds as NULL, which matches nothing.
        None => Bind::Real(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// A key as a quoted JSON path label, `"key"`.
pub(crate) fn quote_key(field: &str, key: &str) -> Result<String, FilterError> {
    if key.is_empty() {
        return Err(error(format!(
            "field {field:?} has an empty key; keys are separated by single dots"
        )));
    }
    if key.contains(['"', '\\']) {
        return Err(error(format!(
            "field {field:?} has the key {key:?}; keys containing '\"' or '\\' cannot be searched"
        )));
    }
    Ok(format!("\"{key}\""))
}

/// Whether a field's object value is operators (`{"$gt": 1}`) rather than
/// an object to compare with (`{"layers": 4}`); mixing the two is an error.
pub(crate) fn is_operators(field: &str, object: &Map<String, Value>) -> Result<bool, FilterError> {
    let operators = object.keys().filter(|k| k.starts_with('$')).count();
    if operators > 0 && operators < object.len() {
        return Err(error(format!(
            "filter on {field:?} mixes operators with plain keys: {}",
            show(&Value::Object(object.clone()))
        )));
    }
    Ok(operators > 0)
}

/// One level deeper into a filter, refused past [`MAX_DEPTH`]; `what` names
/// the filter ("run filter").
pub(crate) fn deeper(depth: usize, what: &str) -> Result<usize, FilterError> {
    if depth >= MAX_DEPTH {
        return Err(error(format!(
            "the {what} is nested too deeply (more than {MAX_DEPTH} levels)"
        )));
    }
    Ok(depth + 1)
}

// ---------------------------------------------------------------------------
// Dates

const NAIVE_TIMES: &[&[BorrowedFormatItem<'static>]] = &[
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"),
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"),
    format_description!("[year]-[month]-[day]T[hour]:[minute]"),
];

const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// What a date operand must look like, for error messages.
pub(crate) const DATE_OPERAND: &str = "a date such as \"2024-05-01T12:00:00Z\" or UNIX seconds";

/// A date operand in UNIX milliseconds: an ISO-8601 string (without an
/// offset it is UTC; a bare date is its midnight) or a number of UNIX
/// seconds.
pub(crate) fn time_ms(operand: &Value) -> Option<i64> {
    match operand {
        Value::Number(n) => seconds_ms(n.as_f64()?),
        Value::String(text) => parse_time(text.trim()),
        _ => None,
    }
}

fn seconds_ms(seconds: f64) -> Option<i64> {
    let ms = (seconds * 1000.0).round();
    // Far inside i64 (about three million years).
    (ms.is_finite() && ms.abs() < 1e17).then_some(ms as i64)
}

fn parse_time(text: &str) -> Option<i64> {
    let time = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        NAIVE_TIMES
            .iter()
            .find_map(|format| PrimitiveDateTime::parse(text, format).ok())
            .or_else(|| Some(Date::parse(text, DATE).ok()?.midnight()))
            .map(PrimitiveDateTime::assume_utc)
    })?;
    i64::try_from(time.unix_timestamp_nanos() / 1_000_000).ok()
}

// ---------------------------------------------------------------------------
// Statements

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    /// `$eq`, `$gt`, `$gte`, `$lt` and `$lte`.
    pub(crate) fn parse(op: &str) -> Option<Cmp> {
        Some(match op {
            "$eq" => Cmp::Eq,
            "$gt" => Cmp::Gt,
            "$gte" => Cmp::Gte,
            "$lt" => Cmp::Lt,
            "$lte" => Cmp::Lte,
            _ => return None,
        })
    }

    pub(crate) fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Gt => ">",
            Cmp::Gte => ">=",
            Cmp::Lt => "<",
            Cmp::Lte => "<=",
        }
    }
}

/// How a list of conditions combines.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Join {
    All,
    Any,
}

impl Join {
    fn separator(self) -> &'static str {
        match self {
            Join::All => " AND ",
            Join::Any => " OR ",
        }
    }

    /// The value of an empty list: `$and: []` holds, `$or: []` does not.
    fn empty(self) -> &'static str {
        match self {
            Join::All => "1",
            Join::Any => "0",
        }
    }
}

/// A statement being written: SQL text and its binds, always in step.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub sql: String,
    pub binds: Vec<Bind>,
    conditions: usize,
}

/// Writing conditions into a [`Builder`]. A compiler implements
/// [`Emit::out`] and gets the rest.
///
/// Every condition written is true, false or NULL (unknown, for missing
/// values); negation turns unknown into true (`(c) IS NOT TRUE`), which gives
/// MongoDB's "`$ne` matches missing fields".
pub(crate) trait Emit: Sized {
    /// What the filter is called in messages ("run filter").
    fn what(&self) -> &'static str;

    fn out(&mut self) -> &mut Builder;

    fn push(&mut self, sql: &str) {
        self.out().sql.push_str(sql);
    }

    fn bind(&mut self, bind: Bind) {
        let out = self.out();
        out.sql.push('?');
        out.binds.push(bind);
    }

    /// One condition: `sql` with a `?` for each of `binds`.
    fn condition(&mut self, sql: &str, binds: impl IntoIterator<Item = Bind>) -> Compiled {
        let what = self.what();
        let out = self.out();
        out.conditions += 1;
        if out.conditions > MAX_CONDITIONS {
            return Err(error(format!(
                "the {what} has more than {MAX_CONDITIONS} conditions"
            )));
        }
        out.sql.push_str(sql);
        out.binds.extend(binds);
        Ok(())
    }

    fn join<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        join: Join,
        mut each: impl FnMut(&mut Self, T) -> Compiled,
    ) -> Compiled {
        let mut first = true;
        for item in items {
            self.push(if first { "(" } else { join.separator() });
            first = false;
            each(self, item)?;
        }
        self.push(if first { join.empty() } else { ")" });
        Ok(())
    }

    fn negated(&mut self, inner: impl FnOnce(&mut Self) -> Compiled) -> Compiled {
        self.push("((");
        inner(self)?;
        self.push(") IS NOT TRUE)");
        Ok(())
    }

    /// The value at `path` of the JSON document `doc` (trusted SQL) has a
    /// `json_type` of `types` ([`NUMERIC`], [`TEXTUAL`]) and compares to
    /// `bind`.
    fn json_ordered(
        &mut self,
        doc: &str,
        path: &str,
        cmp: Cmp,
        types: &str,
        bind: Bind,
    ) -> Compiled {
        self.condition(
            &format!(
                "(json_type({doc}, ?) {types} AND json_extract({doc}, ?) {} ?)",
                cmp.sql()
            ),
            [Bind::Text(path.into()), Bind::Text(path.into()), bind],
        )
    }

    /// The JSON at `path` of `doc` equals `value`: numbers only numbers,
    /// strings only strings, objects key by key in any order, arrays element
    /// by element. At the top, `null` also matches a missing value. `field`
    /// names the filter field in messages.
    fn json_equals(
        &mut self,
        field: &str,
        doc: &str,
        path: &str,
        value: &Value,
        top: bool,
        depth: usize,
    ) -> Compiled {
        let d = doc;
        let at = || Bind::Text(path.into());
        match value {
            Value::Number(n) => self.json_ordered(d, path, Cmp::Eq, NUMERIC, number(n)),
            Value::String(s) => self.json_ordered(d, path, Cmp::Eq, TEXTUAL, Bind::Text(s.clone())),
            Value::Bool(b) => self.condition(&format!("json_type({d}, ?) = '{b}'"), [at()]),
            Value::Null if top => self.condition(
                &format!("COALESCE(json_type({d}, ?), 'null') = 'null'"),
                [at()],
            ),
            Value::Null => self.condition(&format!("json_type({d}, ?) = 'null'"), [at()]),
            Value::Object(members) => {
                let depth = deeper(depth, self.what())?;
                self.push("(");
                self.condition(
                    &format!(
                        "json_type({d}, ?) = 'object' AND \
                         (SELECT COUNT(*) FROM json_each({d}, ?)) = ?"
                    ),
                    [at(), at(), Bind::Int(members.len() as i64)],
                )?;
                for (key, member) in members {
                    let path = format!("{path}.{}", quote_key(field, key)?);
                    self.push(" AND ");
                    self.json_equals(field, d, &path, member, false, depth)?;
                }
                self.push(")");
                Ok(())
            }
            Value::Array(items) => {
                let depth = deeper(depth, self.what())?;
                self.push("(");
                self.condition(
                    &format!("json_type({d}, ?) = 'array' AND json_array_length({d}, ?) = ?"),
                    [at(), at(), Bind::Int(items.len() as i64)],
                )?;
                for (i, item) in items.iter().enumerate() {
                    self.push(" AND ");
                    self.json_equals(field, d, &format!("{path}[{i}]"), item, false, depth)?;
                }
                self.push(")");
                Ok(())
            }
        }
    }
}
