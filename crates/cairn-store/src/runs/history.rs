//! Reading history and system metrics back: step ranges for scans, and
//! evenly spread samples for charts. These are the bulk reads, so they go
//! through [`Readers`] (see there for why).
//!
//! Sampling is deterministic: among the `n` candidate rows (in step order)
//! it takes those at core's `sample_ranks`, which always include the first
//! and the last. When every candidate has the keys
//! asked for (the usual case, known from `run_history_keys`), the ranks are
//! found from the step index alone and only the chosen rows are read; when
//! steps are also dense, ranks map to steps arithmetically.

use cairn_core::history::sample_ranks;
use cairn_core::run::HistoryKey;
use cairn_core::store::StoreResult;
use rusqlite::{Connection, params, params_from_iter};

use crate::readers::Readers;

pub(super) async fn page(
    readers: &Readers,
    run_id: i64,
    min_step: i64,
    max_step: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    readers
        .read(move |conn| page_rows(conn, run_id, min_step, max_step, limit))
        .await
}

fn page_rows(
    conn: &Connection,
    run_id: i64,
    min_step: i64,
    max_step: i64,
    limit: i64,
) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT step, row FROM run_history WHERE run_id = ?1 AND step >= ?2 AND step < ?3 \
         ORDER BY step, line LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![run_id, min_step, max_step, limit], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.collect()
}

pub(super) async fn sampled(
    readers: &Readers,
    run_id: i64,
    keys: &[String],
    min_step: i64,
    max_step: i64,
    samples: i64,
) -> StoreResult<Vec<String>> {
    let keys = keys.to_vec();
    let samples = samples.max(1);
    readers
        .read(move |conn| {
            if keys_complete(conn, run_id, &keys)? {
                sampled_complete(conn, run_id, min_step, max_step, samples)
            } else {
                sampled_sparse(conn, run_id, &keys, min_step, max_step, samples)
            }
        })
        .await
}

/// Sampling when every row has the keys: ranks come from the step index.
fn sampled_complete(
    conn: &Connection,
    run_id: i64,
    min_step: i64,
    max_step: i64,
    samples: i64,
) -> rusqlite::Result<Vec<String>> {
    let (n, lo, hi): (i64, Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT COUNT(*), MIN(step), MAX(step) FROM run_history \
             WHERE run_id = ?1 AND step >= ?2 AND step < ?3",
        )?
        .query_row(params![run_id, min_step, max_step], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(Vec::new());
    };
    if n <= samples {
        let rows = page_rows(conn, run_id, min_step, max_step, n)?;
        return Ok(rows.into_iter().map(|(_, row)| row).collect());
    }
    let ranks = sample_ranks(n, samples);
    if hi - lo + 1 == n {
        // Dense steps: the rank is the offset from the first step.
        let steps: Vec<i64> = ranks.iter().map(|rank| lo + rank).collect();
        let mut stmt = conn.prepare_cached(
            "SELECT row FROM run_history WHERE run_id = ?1 \
             AND step IN (SELECT value FROM json_each(?2)) ORDER BY step, line LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![run_id, json_list(&steps), samples], |r| r.get(0))?;
        return rows.collect();
    }
    let mut stmt = conn.prepare_cached(
        "WITH ranked AS (SELECT step, ROW_NUMBER() OVER (ORDER BY step) - 1 AS rank \
         FROM run_history WHERE run_id = ?1 AND step >= ?2 AND step < ?3) \
         SELECT h.row FROM ranked JOIN run_history h ON h.run_id = ?1 AND h.step = ranked.step \
         WHERE ranked.rank IN (SELECT value FROM json_each(?4)) ORDER BY h.step LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        params![run_id, min_step, max_step, json_list(&ranks), samples],
        |r| r.get(0),
    )?;
    rows.collect()
}

fn json_list(values: &[i64]) -> String {
    let items: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(","))
}

/// Whether every history row has all of `keys` (`_step` always counts).
fn keys_complete(conn: &Connection, run_id: i64, keys: &[String]) -> rusqlite::Result<bool> {
    let wanted: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| *k != "_step")
        .collect();
    if wanted.is_empty() {
        return Ok(true);
    }
    let names = serde_json::to_string(&wanted).unwrap_or_else(|_| "[]".into());
    let complete: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM (SELECT key FROM run_history_keys \
             WHERE run_id = ?1 AND key IN (SELECT value FROM json_each(?2)) AND value_type != 'nil' \
             GROUP BY key HAVING SUM(count) >= (SELECT history_line_count FROM runs WHERE id = ?1))",
        )?
        .query_row(params![run_id, names], |r| r.get(0))?;
    Ok(complete == wanted.len() as i64)
}

/// Sampling when some rows lack some keys: filter in SQL, rank, pick.
fn sampled_sparse(
    conn: &Connection,
    run_id: i64,
    keys: &[String],
    min_step: i64,
    max_step: i64,
    samples: i64,
) -> rusqlite::Result<Vec<String>> {
    let paths = key_paths(keys);
    let has_keys = has_keys(paths.len());
    let candidates = format!(
        "SELECT line, step, row FROM run_history \
         WHERE run_id = ?1 AND step >= ?2 AND step < ?3{has_keys}"
    );
    let mut args: Vec<rusqlite::types::Value> =
        vec![run_id.into(), min_step.into(), max_step.into()];
    args.extend(paths.iter().cloned().map(rusqlite::types::Value::from));
    let n: i64 = conn
        .prepare(&format!("SELECT COUNT(*) FROM ({candidates})"))?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let ranks = sample_ranks(n, samples.min(n));
    args.push(json_list(&ranks).into());
    let ranks_param = args.len();
    let sql = format!(
        "SELECT row FROM (SELECT row, step, line, \
         ROW_NUMBER() OVER (ORDER BY step, line) - 1 AS rank FROM ({candidates})) \
         WHERE rank IN (SELECT value FROM json_each(?{ranks_param})) ORDER BY step, line"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get(0))?;
    rows.collect()
}

/// Steps of the rows in range having every key (`_step` always counts),
/// ascending: the candidates when a sample spans segments and live rows.
pub(super) async fn live_steps(
    readers: &Readers,
    run_id: i64,
    keys: &[String],
    min_step: i64,
    max_step: i64,
) -> StoreResult<Vec<i64>> {
    let paths = key_paths(keys);
    readers
        .read(move |conn| {
            let sql = format!(
                "SELECT step FROM run_history WHERE run_id = ?1 AND step >= ?2 AND step < ?3{} \
                 ORDER BY step, line",
                has_keys(paths.len())
            );
            let mut args: Vec<rusqlite::types::Value> =
                vec![run_id.into(), min_step.into(), max_step.into()];
            args.extend(paths.into_iter().map(rusqlite::types::Value::from));
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get(0))?;
            rows.collect()
        })
        .await
}

/// The rows at `steps`, in step order.
pub(super) async fn at_steps(
    readers: &Readers,
    run_id: i64,
    steps: &[i64],
) -> StoreResult<Vec<(i64, String)>> {
    let steps = json_list(steps);
    readers
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT step, row FROM run_history WHERE run_id = ?1 \
                 AND step IN (SELECT value FROM json_each(?2)) ORDER BY step, line",
            )?;
            let rows = stmt.query_map(params![run_id, steps], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await
}

/// JSON paths of `keys` other than `_step`.
fn key_paths(keys: &[String]) -> Vec<String> {
    keys.iter()
        .filter(|k| k.as_str() != "_step")
        .map(|k| format!("$.\"{}\"", k.replace('"', "")))
        .collect()
}

/// ` AND json_type(row, ?4) IS NOT NULL …`, one per key path, parameters
/// from `?4` on.
fn has_keys(n: usize) -> String {
    (0..n)
        .map(|i| format!(" AND json_type(row, ?{}) IS NOT NULL", i + 4))
        .collect()
}

pub(super) async fn keys(readers: &Readers, run_id: i64) -> StoreResult<Vec<HistoryKey>> {
    readers
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value_type, count FROM run_history_keys WHERE run_id = ?1 \
                 ORDER BY key, value_type",
            )?;
            let rows = stmt.query_map([run_id], |r| {
                Ok(HistoryKey {
                    key: r.get(0)?,
                    value_type: r.get(1)?,
                    count: r.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
}

/// The distinct value types of `keys` over the runs `run_ids`, as
/// `(key, value_type)`.
pub(super) async fn key_types(
    readers: &Readers,
    run_ids: &[i64],
    keys: &[String],
) -> StoreResult<Vec<(String, String)>> {
    let ids = serde_json::to_string(run_ids).unwrap_or_else(|_| "[]".into());
    let keys = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
    readers
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT key, value_type FROM run_history_keys \
                 WHERE run_id IN (SELECT value FROM json_each(?1)) \
                 AND key IN (SELECT value FROM json_each(?2))",
            )?;
            let rows = stmt.query_map(params![ids, keys], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await
}

pub(super) async fn events(
    readers: &Readers,
    run_id: i64,
    samples: i64,
) -> StoreResult<Vec<String>> {
    readers
        .read(move |conn| {
            let n: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM run_events WHERE run_id = ?1")?
                .query_row([run_id], |r| r.get(0))?;
            let lines: Vec<i64> = if n <= samples {
                (0..n).collect()
            } else {
                sample_ranks(n, samples.max(1))
            };
            let mut stmt = conn.prepare_cached(
                "SELECT row FROM run_events WHERE run_id = ?1 \
                 AND line IN (SELECT value FROM json_each(?2)) ORDER BY line",
            )?;
            let rows = stmt.query_map(params![run_id, json_list(&lines)], |r| r.get(0))?;
            rows.collect()
        })
        .await
}
