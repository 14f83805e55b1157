//! Where Cairn's SQL differs between database backends, spelled for
//! SQLite.
//!
//! Most statements in this crate are plain SQL that PostgreSQL also
//! accepts. The constructs below are not: JSON access, value types,
//! pattern matching and index hints. The SQL that is *generated* (the
//! filter compiler, ordering, run-search pages) asks this module for each
//! of them instead of writing them inline, so a PostgreSQL backend supplies
//! the same functions in its own spelling and the compiler stays one.
//!
//! Every JSON function takes the path as one bound parameter (`?`) after
//! the document: paths come from requests and are never spliced into SQL.
//!
//! Statement-level differences a second backend must also cover, kept in
//! the modules that use them (each has SQLite's form today):
//!
//! | construct | SQLite (here) | PostgreSQL |
//! |---|---|---|
//! | write transaction taking the lock at once | `BEGIN IMMEDIATE` (`lib.rs`) | `BEGIN` + row locks |
//! | insert unless present / replace | `INSERT OR IGNORE` / `INSERT OR REPLACE` | `ON CONFLICT … DO NOTHING / DO UPDATE` |
//! | a list bound as one parameter | `IN (SELECT value FROM json_each(?))` | `= ANY(?)` |
//! | regular expressions | `REGEXP` (sqlx's `regexp` feature, Rust `regex`) | `~` / `~*` |

/// The JSON type of the value at a path (one `?`) of `doc`: `'integer'`,
/// `'real'`, `'text'`, `'true'`, `'false'`, `'null'`, `'object'`,
/// `'array'`, or NULL when absent.
pub(crate) fn json_type(doc: &str) -> String {
    format!("json_type({doc}, ?)")
}

/// The SQL value at a path (one `?`) of `doc`.
pub(crate) fn json_value(doc: &str) -> String {
    format!("json_extract({doc}, ?)")
}

/// How many members the object at a path (one `?`) of `doc` has.
pub(crate) fn json_object_len(doc: &str) -> String {
    format!("(SELECT COUNT(*) FROM json_each({doc}, ?))")
}

/// How many elements the array at a path (one `?`) of `doc` has.
pub(crate) fn json_array_len(doc: &str) -> String {
    format!("json_array_length({doc}, ?)")
}

/// A JSON array column as rows with a `value` column, followed by a
/// `WHERE` clause; a value that is not a valid array gives no rows.
/// (Macros, like the two below, so the result is a `&'static str`.)
macro_rules! json_array_rows {
    ($column:literal) => {
        concat!(
            "json_each(CASE WHEN json_valid(",
            $column,
            ") THEN ",
            $column,
            " ELSE '[]' END) WHERE 1"
        )
    };
}

/// A column holding JSON text, or NULL where it is not valid JSON, so that
/// one bad document cannot fail a whole query.
macro_rules! valid_json {
    ($column:literal) => {
        concat!(
            "(CASE WHEN json_valid(",
            $column,
            ") THEN ",
            $column,
            " END)"
        )
    };
}

/// [`valid_json!`] that also accepts JSON5 (the client's bare `NaN` and
/// `Infinity`).
macro_rules! valid_json5 {
    ($column:literal) => {
        concat!(
            "(CASE WHEN json_valid(",
            $column,
            ", 2) THEN ",
            $column,
            " END)"
        )
    };
}

pub(crate) use {json_array_rows, valid_json, valid_json5};

/// `json_type` of a number, of a string (after the `json_type(…)`).
pub(crate) const JSON_NUMBER: &str = "IN ('integer', 'real')";
pub(crate) const JSON_TEXT: &str = "= 'text'";

/// A stored scalar (a `run_fields` value) is a number, text, a boolean.
pub(crate) fn is_number(value: &str) -> String {
    format!("typeof({value}) IN ('integer', 'real')")
}
pub(crate) fn is_text(value: &str) -> String {
    format!("typeof({value}) = 'text'")
}
pub(crate) fn is_bool(value: &str) -> String {
    // `runs/fields.rs` stores booleans as one-byte blobs, so that they
    // never equal the numbers 0 and 1.
    format!("typeof({value}) = 'blob'")
}

/// Text tests with one `?`: a `LIKE` pattern with `\` escapes
/// (case-insensitive for ASCII), a `GLOB` pattern (case-sensitive), a
/// regular expression.
pub(crate) const LIKE: &str = "LIKE ? ESCAPE '\\'";
pub(crate) const GLOB: &str = "GLOB ?";
pub(crate) const REGEXP: &str = "REGEXP ?";

/// `value` contains the text bound to one `?`.
pub(crate) fn contains(value: &str) -> String {
    format!("instr({value}, ?) > 0")
}

/// Make the planner use `index` for `table alias` (SQLite's planner picks
/// the wrong one for ordered run-field pages); nothing where the planner
/// needs no hint.
pub(crate) fn table_using_index(table: &str, alias: &str, index: &str) -> String {
    format!("{table} {alias} INDEXED BY {index}")
}
