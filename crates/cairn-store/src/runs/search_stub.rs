//! TEMPORARY stub until the real compiler lands.
use sqlx::Row;
pub(crate) struct SearchError(pub String);
pub(crate) enum Bind { Int(i64), Real(f64), Text(String) }
pub(crate) struct RunSearch<'a> { pub project_id: i64, pub filters: Option<&'a serde_json::Value>, pub order: Option<&'a str>, pub include_sweeps: bool }
pub(crate) struct Sql { pub text: String, pub binds: Vec<Bind> }
pub(crate) fn page_sql(search: &RunSearch<'_>, columns: &str, after: Option<&str>, limit: i64) -> Result<Sql, SearchError> {
    let _ = (search.filters, search.order, search.include_sweeps);
    let after: i64 = after.map(|a| a.parse().unwrap_or(0)).unwrap_or(0);
    Ok(Sql { text: format!("SELECT {columns}, r.id AS sort_key, r.id AS cursor_id FROM runs r WHERE r.project_id = ? AND r.id > ? ORDER BY r.id LIMIT ?"), binds: vec![Bind::Int(search.project_id), Bind::Int(after), Bind::Int(limit)] })
}
pub(crate) fn count_sql(search: &RunSearch<'_>) -> Result<Sql, SearchError> {
    Ok(Sql { text: "SELECT COUNT(*) FROM runs r WHERE r.project_id = ?".into(), binds: vec![Bind::Int(search.project_id)] })
}
pub(crate) fn cursor_of(row: &sqlx::sqlite::SqliteRow) -> Result<String, sqlx::Error> {
    Ok(row.try_get::<i64, _>("cursor_id")?.to_string())
}
pub(crate) fn bind_all<'q>(mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>, binds: &'q [Bind]) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for b in binds { query = match b { Bind::Int(i) => query.bind(*i), Bind::Real(f) => query.bind(*f), Bind::Text(t) => query.bind(t.as_str()) }; }
    query
}
