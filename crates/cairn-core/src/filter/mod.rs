//! Filters: the MongoDB-style JSON the W&B client sends with
//! `api.runs(path, filters=…)`, `api.registries(filter=…)`,
//! `….collections(filter=…)` and `….versions(filter=…)`, parsed once into a
//! typed tree ([`Filter`]) and checked against the schema of the listing it
//! is for ([`Schema`]: [`RUNS`], [`VERSIONS`], [`COLLECTIONS`],
//! [`REGISTRIES`]).
//!
//! Why a tree in the domain: every listing used to read the JSON in its own
//! SQL compiler, and the two compilers drifted (an operator one listing knew
//! the other refused; the same mistake had two messages). Here the JSON is
//! read in one place, every operator means the same on every listing, and a
//! bad filter is a [`CoreError::InvalidInput`] naming the field and the
//! operator before storage sees it. The store compiles the checked tree to
//! SQL with one compiler (`cairn-store/src/filter/`), knowing only how each
//! schema field maps to a column; it cannot meet an unknown field, a
//! mistyped operand or an unchecked regex.
//!
//! What the tree keeps:
//! - `$and`, `$or`, `$nor`, `$not` become [`Filter::And`], [`Filter::Or`]
//!   and [`Filter::Not`]; so do `$ne` (not `$eq`), `$in` (any of the
//!   `$eq`s), `$nin` and `$all` (all of the `$eq`s on a label set). As in
//!   MongoDB, a negation also matches rows that lack the value; the store
//!   makes "unknown" count as "not matched" under [`Filter::Not`].
//! - Operands are converted for their field's [`Kind`]: times become UNIX
//!   milliseconds, ids and versions integers, JSON paths keep the JSON value
//!   (a number only ever equals a number, a string a string).
//! - `$regex` (Rust `regex` syntax, `$options` flags `i m s x`) is checked
//!   here: at most [`MAX_REGEX_LEN`] bytes and a bounded compiled size. The
//!   database evaluates it with the same linear-time engine, so a checked
//!   pattern cannot make a search run away.
//! - Limits: [`MAX_DEPTH`] levels of nesting and [`MAX_CONDITIONS`] tests
//!   per filter, so a hostile filter is refused, not compiled.

mod labels;
mod operand;
mod parse;
mod schema;
mod simple;
#[cfg(test)]
mod tests;

use crate::error::{CoreError, CoreResult};

pub use operand::{DATE_OPERAND, time_ms};
pub use schema::{ARTIFACT_EVENTS, COLLECTIONS, Doc, Kind, REGISTRIES, RUNS, Schema, VERSIONS};
pub use simple::{MAX_SIMPLE_LEN, simple_to_mongo};

/// Deepest nesting of logical operators, operator objects and operands.
pub const MAX_DEPTH: usize = 32;

/// Most tests (single comparisons) in one filter.
pub const MAX_CONDITIONS: usize = 1000;

/// Longest `$regex` pattern accepted, in bytes.
pub const MAX_REGEX_LEN: usize = 1024;

/// A checked filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every part holds (a document's entries, `$and`, an operator object);
    /// empty: always.
    And(Vec<Filter>),
    /// Some part holds (`$or`, `$in`); empty: never.
    Or(Vec<Filter>),
    /// The part does not hold, or cannot be decided because a value is
    /// missing (`$not`, `$nor`, `$ne`, `$nin`).
    Not(Box<Filter>),
    /// One test on one field.
    Test(Test),
}

/// One test on one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// The field, as the schema names it.
    pub field: FieldRef,
    /// What must hold of it.
    pub op: Op,
}

/// A field of a listing's schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldRef {
    /// A fixed field by its canonical name (`created_at`, `display_name`,
    /// `tag`), whichever alias the filter used.
    Named(&'static str),
    /// A path into a JSON document: `config.lr` is `Config` and `["lr"]`.
    /// Keys are non-empty and contain neither `"` nor `\`; `keys` is empty
    /// for the whole document (`metadata`).
    Path {
        /// The document.
        doc: Doc,
        /// The keys, outermost first.
        keys: Vec<String>,
    },
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `$eq`
    Eq,
    /// `$gt`
    Gt,
    /// `$gte`
    Gte,
    /// `$lt`
    Lt,
    /// `$lte`
    Lte,
}

impl Cmp {
    /// `$eq`, `$gt`, `$gte`, `$lt` and `$lte`.
    pub fn parse(op: &str) -> Option<Cmp> {
        Some(match op {
            "$eq" => Cmp::Eq,
            "$gt" => Cmp::Gt,
            "$gte" => Cmp::Gte,
            "$lt" => Cmp::Lt,
            "$lte" => Cmp::Lte,
            _ => return None,
        })
    }
}

/// What a [`Test`] checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// The value compares so with the operand.
    Cmp(Cmp, Operand),
    /// The value is present (`true`) or missing (`false`); a label set is
    /// present when it has a label.
    Exists(bool),
    /// The text matches the regex.
    Regex(Regex),
    /// The text contains the string (the W&B backend's `$contains`).
    Contains(String),
    /// The label set has exactly this many labels.
    Size(u64),
}

/// An operand, converted for its field's [`Kind`].
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `null`: the value is unset.
    Null,
    /// An integer (ids, versions, whole numbers).
    Int(i64),
    /// A fractional number.
    Real(f64),
    /// Text.
    Text(String),
    /// A point in time, in UNIX milliseconds.
    Time(i64),
    /// A value inside a JSON document, compared as JSON: numbers with
    /// numbers, strings with strings, objects key by key, arrays element by
    /// element. Object keys are checked like path keys.
    Json(serde_json::Value),
}

/// A checked `$regex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regex {
    /// The pattern as written.
    pub source: String,
    /// The `$options` flags, a subset of `imsx`.
    pub flags: String,
    /// The pattern with its flags folded in (`(?i)abc`), as the database's
    /// `REGEXP` runs it.
    pub pattern: String,
}

/// The order of a run search: a field, missing values last, then the row id.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// The field (never a label set).
    pub field: FieldRef,
    /// Largest first.
    pub descending: bool,
}

impl Filter {
    /// Parse and check `json` for `schema`; `null` and `{}` match everything.
    pub fn parse(json: &serde_json::Value, schema: &Schema) -> CoreResult<Filter> {
        parse::filter(json, schema).map_err(CoreError::InvalidInput)
    }

    /// [`Filter::parse`] for an optional filter; `None` and `null` are no
    /// filter at all.
    pub fn parse_optional(
        json: Option<&serde_json::Value>,
        schema: &Schema,
    ) -> CoreResult<Option<Filter>> {
        match json {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(json) => Filter::parse(json, schema).map(Some),
        }
    }

    /// [`Filter::parse_optional`] for JSON text (the run search's
    /// `filters`); blank text is no filter.
    pub fn parse_text(text: Option<&str>, schema: &Schema) -> CoreResult<Option<Filter>> {
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            CoreError::InvalidInput(format!("The {} is not valid JSON: {e}.", schema.what))
        })?;
        Filter::parse_optional(Some(&json), schema)
    }
}

impl Order {
    /// A run search's order: `+field`, `-field` or `field`; `None` or `""`
    /// mean `+created_at`.
    pub fn parse_runs(order: Option<&str>) -> CoreResult<Order> {
        schema::run_order(order).map_err(CoreError::InvalidInput)
    }

    /// The order of another listing (registries, collections, versions) by
    /// one of `schema`'s fields: `+field`, `-field` or `field`; `None` or
    /// `""` leave the listing in its own order. An order the listing cannot
    /// take is an error naming it; `what` names the listing.
    pub fn parse_for(
        schema: &Schema,
        what: &str,
        order: Option<&str>,
    ) -> CoreResult<Option<Order>> {
        schema::order_for(schema, what, order).map_err(CoreError::InvalidInput)
    }
}
