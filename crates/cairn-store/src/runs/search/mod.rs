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
//! The filter arrives parsed and checked (`cairn_core::filter`, schema
//! `RUNS`) and is compiled by the one filter compiler (`crate::filter`)
//! with the run field map in [`columns`]. What is particular to runs lives
//! here: the project and sweep scope, and the two-part page for an order by
//! a config or summary leaf. MongoDB's implicit array traversal
//! (`{"config.dims": 3}` matching `[1, 3]`) is not done; only `tags` is
//! searched as a set.

mod columns;
#[cfg(test)]
mod tests;

use cairn_core::run::RunSearch;

use crate::filter::cursor::Cursor;
use crate::filter::order::Sort;
use crate::filter::{Bind, Invalid, Sql, Target};

/// `SELECT {columns}, <sort key> AS sort_key, r.id AS cursor_id FROM runs r
/// WHERE <search> [AND <after the cursor>] ORDER BY <sort key>, r.id LIMIT ?`.
///
/// `columns` is trusted SQL over `runs r`. `after` is a cursor
/// (`crate::filter::cursor::cursor_of`) for a row of an earlier page of the
/// same search; `None` or `""` start at the beginning.
pub(crate) fn page_sql(
    project_id: i64,
    search: &RunSearch,
    columns: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Sql, Invalid> {
    let sort = Sort::new(&search.order, columns::target, "r.id")?;
    let after = after
        .filter(|cursor| !cursor.is_empty())
        .map(Cursor::decode)
        .transpose()?;
    if let Target::Leaf(path) = &sort.key {
        return leaf_page_sql(
            project_id,
            search,
            columns,
            &sort,
            path,
            after.as_ref(),
            limit,
        );
    }
    let mut q = Sql::default();
    q.push("SELECT ");
    q.push(columns);
    q.push(", ");
    sort.push_value(&mut q);
    q.push(" AS sort_key, r.id AS cursor_id FROM runs r WHERE ");
    scope(&mut q, project_id, search)?;
    if let Some(after) = &after {
        q.push(" AND ");
        sort.push_after(&mut q, after);
    }
    q.push(" ORDER BY ");
    sort.push_order_by(&mut q);
    q.push(" LIMIT ");
    q.bind(Bind::Int(limit.max(0)));
    Ok(q)
}

/// A page ordered by a config or summary leaf, in two parts: runs that
/// have a value, walked in order along the `run_fields` index (so the
/// first page costs what it returns, not what the project holds), then runs
/// without one, by id. The cursor says which part it is in: a NULL key
/// means the second.
fn leaf_page_sql(
    project_id: i64,
    search: &RunSearch,
    columns: &str,
    sort: &Sort,
    path: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Sql, Invalid> {
    let direction = sort.direction();
    let beyond = if sort.descending { "<" } else { ">" };
    let limit = Bind::Int(limit.max(0));
    let mut q = Sql::default();
    q.push("SELECT * FROM (");
    let after_value = after.and_then(|a| a.key.bind().map(|key| (key, a.id)));
    let in_missing_part = after.is_some() && after_value.is_none();
    if !in_missing_part {
        let fields = crate::dialect::table_using_index("run_fields", "o", "run_fields_by_value");
        q.push(&format!(
            "SELECT * FROM (SELECT {columns}, o.val AS sort_key, r.id AS cursor_id \
             FROM {fields} JOIN runs r ON r.id = o.run_id \
             WHERE o.project_id = "
        ));
        q.bind(Bind::Int(project_id));
        q.push(" AND o.path = ");
        q.bind(Bind::Text(path.to_string()));
        q.push(" AND o.val IS NOT NULL AND ");
        scope(&mut q, project_id, search)?;
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
    scope(&mut q, project_id, search)?;
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
    Ok(q)
}

/// `SELECT COUNT(*) FROM runs r WHERE <search>`; the order is not looked at.
pub(crate) fn count_sql(project_id: i64, search: &RunSearch) -> Result<Sql, Invalid> {
    let mut q = Sql::default();
    q.push("SELECT COUNT(*) FROM runs r WHERE ");
    scope(&mut q, project_id, search)?;
    Ok(q)
}

/// `SELECT EXISTS(…)`: whether the run with row id `run_id` passes
/// `filter` (an automation's run filter), compiled like any search.
pub(crate) fn match_sql(run_id: i64, filter: &cairn_core::filter::Filter) -> Result<Sql, Invalid> {
    let mut q = Sql::default();
    q.push("SELECT EXISTS (SELECT 1 FROM runs r WHERE r.id = ");
    q.bind(Bind::Int(run_id));
    q.push(" AND ");
    q.filter(filter, columns::target)?;
    q.push(")");
    Ok(q)
}

/// The runs of the project the search may return.
fn scope(q: &mut Sql, project_id: i64, search: &RunSearch) -> Result<(), Invalid> {
    q.push("r.project_id = ");
    q.bind(Bind::Int(project_id));
    if !search.include_sweeps {
        q.push(" AND r.sweep_name IS NULL");
    }
    if let Some(filter) = &search.filter {
        q.push(" AND ");
        q.filter(filter, columns::target)?;
    }
    Ok(())
}
