//! Run file records (the bytes live in the blob store).

use cairn_core::run::RunFile;
use cairn_core::store::StoreResult;
use sqlx::Row;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteRow;

use super::{from_ms, now_ms};
use crate::backend;

const FILE_COLUMNS: &str = "id, run_id, name, size_bytes, md5, mimetype, updated_at";

fn file_from_row(row: &SqliteRow) -> Result<RunFile, sqlx::Error> {
    Ok(RunFile {
        id: row.try_get("id")?,
        run_id: row.try_get("run_id")?,
        name: row.try_get("name")?,
        size_bytes: row.try_get("size_bytes")?,
        md5: row.try_get("md5")?,
        mimetype: row.try_get("mimetype")?,
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

fn files_from_rows(rows: &[SqliteRow]) -> StoreResult<Vec<RunFile>> {
    rows.iter()
        .map(file_from_row)
        .collect::<Result<_, _>>()
        .map_err(backend)
}

pub(super) async fn put(pool: &SqlitePool, file: &RunFile) -> StoreResult<RunFile> {
    let row = sqlx::query(&format!(
        "INSERT INTO run_files (run_id, name, size_bytes, md5, mimetype, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET \
         size_bytes = excluded.size_bytes, md5 = excluded.md5, mimetype = excluded.mimetype, \
         updated_at = excluded.updated_at RETURNING {FILE_COLUMNS}"
    ))
    .bind(file.run_id)
    .bind(&file.name)
    .bind(file.size_bytes)
    .bind(&file.md5)
    .bind(&file.mimetype)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    file_from_row(&row).map_err(backend)
}

pub(super) async fn list(
    pool: &SqlitePool,
    run_id: i64,
    names: &[String],
    pattern: Option<&str>,
    after_name: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<RunFile>> {
    let names_json = (!names.is_empty())
        .then(|| serde_json::to_string(names))
        .transpose()
        .map_err(backend)?;
    let rows = sqlx::query(&format!(
        "SELECT {FILE_COLUMNS} FROM run_files WHERE run_id = ? \
         AND (? IS NULL OR name IN (SELECT value FROM json_each(?))) \
         AND (? IS NULL OR name LIKE ? ESCAPE '\\') \
         AND (? IS NULL OR name > ?) ORDER BY name LIMIT ?"
    ))
    .bind(run_id)
    .bind(&names_json)
    .bind(&names_json)
    .bind(pattern)
    .bind(pattern)
    .bind(after_name)
    .bind(after_name)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    files_from_rows(&rows)
}

pub(super) async fn count(pool: &SqlitePool, run_id: i64) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM run_files WHERE run_id = ?")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .map_err(backend)
}

pub(super) async fn by_id(pool: &SqlitePool, id: i64) -> StoreResult<Option<RunFile>> {
    let row = sqlx::query(&format!(
        "SELECT {FILE_COLUMNS} FROM run_files WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    row.as_ref().map(file_from_row).transpose().map_err(backend)
}

pub(super) async fn delete(pool: &SqlitePool, ids: &[i64]) -> StoreResult<Vec<RunFile>> {
    let ids = serde_json::to_string(ids).map_err(backend)?;
    let rows = sqlx::query(&format!(
        "DELETE FROM run_files WHERE id IN (SELECT value FROM json_each(?)) \
         RETURNING {FILE_COLUMNS}"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    files_from_rows(&rows)
}
