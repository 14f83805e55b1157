//! Reading history and system metrics back: step ranges for scans, and
//! evenly spread samples for charts.
//!
//! Sampling is deterministic: among the `n` candidate rows (in step order)
//! it takes those at ranks `round(i * (n - 1) / (samples - 1))`, which
//! always include the first and the last. When every candidate has the keys
//! asked for (the usual case, known from `run_history_keys`), the ranks are
//! found from the step index alone and only the chosen rows are read; when
//! steps are also dense, ranks map to steps arithmetically.

use cairn_core::run::HistoryKey;
use cairn_core::store::StoreResult;
use sqlx::SqlitePool;

use crate::backend;

pub(super) async fn range(
    pool: &SqlitePool,
    run_id: i64,
    min_step: i64,
    max_step: i64,
    limit: i64,
) -> StoreResult<Vec<String>> {
    let rows = page(pool, run_id, min_step, max_step, limit).await?;
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

pub(super) async fn page(
    pool: &SqlitePool,
    run_id: i64,
    min_step: i64,
    max_step: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT step, row FROM run_history WHERE run_id = ? AND step >= ? AND step < ? \
         ORDER BY step, line LIMIT ?",
    )
    .bind(run_id)
    .bind(min_step)
    .bind(max_step)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(backend)
}

pub(super) async fn sampled(
    pool: &SqlitePool,
    run_id: i64,
    keys: &[String],
    min_step: i64,
    max_step: i64,
    samples: i64,
) -> StoreResult<Vec<String>> {
    let samples = samples.max(1);
    if !keys_complete(pool, run_id, keys).await? {
        return sampled_sparse(pool, run_id, keys, min_step, max_step, samples).await;
    }
    let (n, lo, hi): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(step), MAX(step) FROM run_history \
         WHERE run_id = ? AND step >= ? AND step < ?",
    )
    .bind(run_id)
    .bind(min_step)
    .bind(max_step)
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(Vec::new());
    };
    if n <= samples {
        return range(pool, run_id, min_step, max_step, n).await;
    }
    let ranks = spread(n, samples);
    if hi - lo + 1 == n {
        // Dense steps: the rank is the offset from the first step.
        let steps: Vec<i64> = ranks.iter().map(|r| lo + r).collect();
        return rows_at_steps(pool, run_id, &steps, samples).await;
    }
    sqlx::query_scalar(
        "WITH ranked AS (SELECT step, ROW_NUMBER() OVER (ORDER BY step) - 1 AS rank \
         FROM run_history WHERE run_id = ? AND step >= ? AND step < ?) \
         SELECT h.row FROM ranked JOIN run_history h ON h.run_id = ? AND h.step = ranked.step \
         WHERE ranked.rank IN (SELECT value FROM json_each(?)) ORDER BY h.step LIMIT ?",
    )
    .bind(run_id)
    .bind(min_step)
    .bind(max_step)
    .bind(run_id)
    .bind(json_list(&ranks))
    .bind(samples)
    .fetch_all(pool)
    .await
    .map_err(backend)
}

/// Ranks `round(i * (n - 1) / (samples - 1))` for `i` in `0..samples`.
fn spread(n: i64, samples: i64) -> Vec<i64> {
    if samples == 1 {
        return vec![0];
    }
    let mut ranks: Vec<i64> = (0..samples)
        .map(|i| ((i as f64) * (n - 1) as f64 / (samples - 1) as f64).round() as i64)
        .collect();
    ranks.dedup();
    ranks
}

fn json_list(values: &[i64]) -> String {
    let items: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(","))
}

async fn rows_at_steps(
    pool: &SqlitePool,
    run_id: i64,
    steps: &[i64],
    limit: i64,
) -> StoreResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT row FROM run_history WHERE run_id = ? \
         AND step IN (SELECT value FROM json_each(?)) ORDER BY step, line LIMIT ?",
    )
    .bind(run_id)
    .bind(json_list(steps))
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(backend)
}

/// Whether every history row has all of `keys` (`_step` always counts).
async fn keys_complete(pool: &SqlitePool, run_id: i64, keys: &[String]) -> StoreResult<bool> {
    let wanted: Vec<&String> = keys.iter().filter(|k| k.as_str() != "_step").collect();
    if wanted.is_empty() {
        return Ok(true);
    }
    let names: Vec<&str> = wanted.iter().map(|k| k.as_str()).collect();
    let names = serde_json::to_string(&names).map_err(backend)?;
    let complete: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT key FROM run_history_keys k \
         WHERE run_id = ? AND key IN (SELECT value FROM json_each(?)) AND value_type != 'nil' \
         GROUP BY key HAVING SUM(count) >= (SELECT history_line_count FROM runs WHERE id = ?))",
    )
    .bind(run_id)
    .bind(&names)
    .bind(run_id)
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    Ok(complete == wanted.len() as i64)
}

/// Sampling when some rows lack some keys: filter in SQL, rank, pick.
async fn sampled_sparse(
    pool: &SqlitePool,
    run_id: i64,
    keys: &[String],
    min_step: i64,
    max_step: i64,
    samples: i64,
) -> StoreResult<Vec<String>> {
    let paths: Vec<String> = keys
        .iter()
        .filter(|k| k.as_str() != "_step")
        .map(|k| format!("$.\"{}\"", k.replace('"', "")))
        .collect();
    let has_keys: String = paths
        .iter()
        .map(|_| " AND json_type(row, ?) IS NOT NULL AND json_type(row, ?) != 'null'")
        .collect();
    let candidates = format!(
        "SELECT line, step, row FROM run_history WHERE run_id = ? AND step >= ? AND step < ?{has_keys}"
    );
    let count_sql = format!("SELECT COUNT(*) FROM ({candidates})");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql)
        .bind(run_id)
        .bind(min_step)
        .bind(max_step);
    for p in &paths {
        count = count.bind(p).bind(p);
    }
    let n = count.fetch_one(pool).await.map_err(backend)?;
    let ranks = spread(n.max(1), samples.min(n.max(1)));
    let sql = format!(
        "SELECT row FROM (SELECT row, step, line, ROW_NUMBER() OVER (ORDER BY step, line) - 1 AS rank \
         FROM ({candidates})) WHERE rank IN (SELECT value FROM json_each(?)) ORDER BY step, line"
    );
    let mut query = sqlx::query_scalar(&sql)
        .bind(run_id)
        .bind(min_step)
        .bind(max_step);
    for p in &paths {
        query = query.bind(p).bind(p);
    }
    query
        .bind(json_list(&ranks))
        .fetch_all(pool)
        .await
        .map_err(backend)
}

pub(super) async fn keys(pool: &SqlitePool, run_id: i64) -> StoreResult<Vec<HistoryKey>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT key, value_type, count FROM run_history_keys WHERE run_id = ? \
         ORDER BY key, value_type",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(rows
        .into_iter()
        .map(|(key, value_type, count)| HistoryKey {
            key,
            value_type,
            count,
        })
        .collect())
}

pub(super) async fn events(pool: &SqlitePool, run_id: i64, samples: i64) -> StoreResult<Vec<String>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_events WHERE run_id = ?")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .map_err(backend)?;
    let lines = if n <= samples {
        (0..n).collect()
    } else {
        spread(n, samples.max(1))
    };
    sqlx::query_scalar(
        "SELECT row FROM run_events WHERE run_id = ? \
         AND line IN (SELECT value FROM json_each(?)) ORDER BY line",
    )
    .bind(run_id)
    .bind(json_list(&lines))
    .fetch_all(pool)
    .await
    .map_err(backend)
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_keeps_first_and_last_and_stays_within_bounds() {
        for (n, samples) in [(10, 3), (100_000, 500), (7, 6), (2, 2), (1000, 999)] {
            let ranks = spread(n, samples);
            assert_eq!(ranks.first(), Some(&0));
            assert_eq!(ranks.last(), Some(&(n - 1)));
            assert!(ranks.len() as i64 <= samples);
            assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
