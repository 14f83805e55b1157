//! The one filter compiler: a checked [`Filter`] tree from `cairn-core`
//! becomes an SQL condition with its binds, for any listing.
//!
//! A listing says only how each field of its schema maps to SQL — a
//! [`ColumnMap`] from [`FieldRef`] to [`Target`] (a column, a JSON document
//! and path, a set of labels, an indexed leaf in `run_fields`) — and every
//! operator then works on every listing the same way. Parsing, operand
//! types, limits and the `$regex` check are done before the tree gets here
//! (`cairn_core::filter`), so compiling cannot meet a malformed filter; the
//! only error left is a field the listing does not map, which would be a
//! bug between the schema and its map.
//!
//! Everything is evaluated in the database: only the rows a page returns
//! leave SQLite, however many a listing holds. `$regex` runs as `REGEXP`
//! (the function sqlx registers, on the same linear-time `regex` engine that
//! checked the pattern), or as `GLOB`/`LIKE` when the pattern is that simple
//! ([`pattern`]), which SQLite can serve from an index for a literal
//! prefix.
//!
//! Nothing from a request is spliced into SQL text: values and JSON paths
//! are bound; only constant fragments chosen here are formatted in. Every
//! condition is true, false or NULL (unknown, for a missing value);
//! [`Filter::Not`] turns unknown into true (`(c) IS NOT TRUE`), which gives
//! MongoDB's "`$ne` matches missing fields".
//!
//! Ordering and keyset cursors over a [`Target`] live here too
//! ([`order`], [`cursor`]).

mod compile;
pub(crate) mod cursor;
pub(crate) mod order;
mod pattern;

use std::fmt;

use cairn_core::filter::{FieldRef, Filter};
use cairn_core::store::StoreError;

/// A filter or order the listing cannot compile, or a bad cursor; shown to
/// the user as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Invalid> for StoreError {
    fn from(err: Invalid) -> Self {
        StoreError::InvalidQuery(err.0)
    }
}

/// A parameter of a compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
    /// A boolean as `run_fields` stores it (a one-byte blob).
    Bool(bool),
}

/// A statement being written: SQL text and its binds, always in step.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    /// Trusted SQL text.
    pub(crate) fn push(&mut self, sql: &str) {
        self.text.push_str(sql);
    }

    /// A `?` for `bind`.
    pub(crate) fn bind(&mut self, bind: Bind) {
        self.text.push('?');
        self.binds.push(bind);
    }

    /// `sql` with a `?` for each of `binds`.
    pub(crate) fn condition(&mut self, sql: &str, binds: impl IntoIterator<Item = Bind>) {
        self.text.push_str(sql);
        self.binds.extend(binds);
    }

    /// `filter` as a condition, its fields mapped by `columns`.
    pub(crate) fn filter(&mut self, filter: &Filter, columns: ColumnMap) -> Result<(), Invalid> {
        compile::Compiler { out: self, columns }.filter(filter)
    }
}

/// Bind a compiled filter's values, in order, onto any sqlx query shape
/// (`query`, `query_as`, `query_scalar`): the one place a [`Bind`] becomes
/// an SQL value. Booleans bind as the one-byte blobs `runs/fields.rs`
/// stores them as, so that they never equal the numbers 0 and 1.
macro_rules! bind_each {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::filter::Bind::Int(i) => query.bind(*i),
                $crate::filter::Bind::Real(f) => query.bind(*f),
                $crate::filter::Bind::Text(t) => query.bind(t.as_str()),
                $crate::filter::Bind::Bool(b) => query.bind(vec![u8::from(*b)]),
            };
        }
        query
    }};
}

pub(crate) use bind_each;

/// How a listing maps the fields of its schema to SQL; `None` for a field
/// it does not have.
pub(crate) type ColumnMap = fn(&FieldRef) -> Option<Target>;

/// What a field is in SQL. Column and document strings are trusted SQL
/// over the listing's table aliases.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// A number column or expression (ids, sizes, a duration), never NULL.
    Number(&'static str),
    /// A text column, NULL when unset.
    Text(&'static str),
    /// A text column whose values start with a fixed prefix that clients
    /// leave out of patterns: `$regex` and `$contains` also try `unprefixed`
    /// (the registry name without `wandb-registry-`).
    PrefixedText {
        column: &'static str,
        unprefixed: &'static str,
    },
    /// A time column, in UNIX milliseconds or (if not `millis`) seconds.
    Time { column: &'static str, millis: bool },
    /// A version index column; as text it reads `v<n>`.
    Version(&'static str),
    /// A set of labels.
    Labels(Labels),
    /// A config or summary leaf of a run, indexed in `run_fields` by its
    /// path (`config.lr`).
    Leaf(String),
    /// The value at an SQLite JSON path (`$."a"."b"`, always bound) of a
    /// JSON document expression that is NULL where the text is not JSON.
    Json { doc: &'static str, path: String },
}

impl Target {
    /// Whether every row has a value: numbers, times and versions are
    /// `NOT NULL` columns (or expressions over them). Such a key needs no
    /// "missing values last" term, so an order by it can walk an index.
    pub(crate) fn never_null(&self) -> bool {
        matches!(
            self,
            Target::Number(_) | Target::Time { .. } | Target::Version(_)
        )
    }
}

/// A row's labels: `EXISTS (SELECT 1 FROM {rows} AND {column} …)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Labels {
    /// `<table> WHERE <correlation with the row>`.
    pub rows: &'static str,
    /// The label.
    pub column: &'static str,
}

/// An SQLite JSON path for keys the schema checked (no `"` or `\`).
pub(crate) fn json_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        path.push_str(".\"");
        path.push_str(key);
        path.push('"');
    }
    path
}
