//! Columnar history: the rules for compacting a run's history rows into
//! Parquet segments, and what a segment is.
//!
//! Logging writes rows into the row store (fast appends, crash safe, the
//! ≥ 1M points/s path). Older rows are *compacted*: read in line order,
//! encoded as one Parquet file (`cairn-history`), stored in the blob
//! store, and then — in one store transaction — recorded as a segment
//! while the same rows are deleted from the row store. A kill at any
//! moment leaves either the rows or the segment, never neither and never
//! both: the file is written before the transaction, and a file whose
//! transaction never committed is garbage the worker collects (its key is
//! written down as garbage *before* the file, and struck off by the
//! transaction that adopts it).
//!
//! When: a run that has stopped (finished, failed, crashed) is compacted
//! whole; a running run once it has [`CompactionPolicy::every`] live rows
//! beyond the [`CompactionPolicy::keep_live`] newest, which stay in the row
//! store (automations read a run's recent values there, and a resuming
//! client its last row). Files hold at most [`CompactionPolicy::max_rows`]
//! rows, so a long run gets several, listed in compaction order.

/// A running run's compacted rows end where a block of this many steps
/// does (see `live_cut` in `service/history.rs`): the page size the
/// official client's scans use.
pub const STEP_BLOCK: i64 = 1_000;

/// How old a compacted file is before `parquetHistory` lists it, by
/// default: longer than an official-client scan of a run takes.
pub const EXPORT_DELAY_MS: i64 = 5 * 60 * 1000;

/// When and how much to compact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionPolicy {
    /// A running run is compacted once this many rows are live beyond
    /// `keep_live`.
    pub every: i64,
    /// The newest rows of a running run that stay live.
    pub keep_live: i64,
    /// Rows per file at most.
    pub max_rows: i64,
    /// Compaction yields to logging: a run's compaction starts only once no
    /// history has been logged to this server for this long (ms)...
    pub quiet_ms: i64,
    /// ...or once the pass has waited this long (ms), so steady logging
    /// delays compaction but never stops it.
    pub max_defer_ms: i64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        CompactionPolicy {
            every: 50_000,
            keep_live: 1_000,
            max_rows: 100_000,
            quiet_ms: 300,
            max_defer_ms: 10_000,
        }
    }
}

impl CompactionPolicy {
    /// How many of a run's `live` rows to compact now: all of them when it
    /// has stopped, otherwise (when at least `every` are due) all but the
    /// newest `keep_live`; never more than `max_rows` at once.
    pub fn rows_due(&self, live: i64, running: bool) -> i64 {
        let due = if running {
            let beyond = live - self.keep_live;
            if beyond >= self.every { beyond } else { 0 }
        } else {
            live
        };
        due.clamp(0, self.max_rows)
    }

    /// How long (ms) to wait before the next compaction of a pass, when
    /// history was last logged `since_logged` ms ago and the pass has
    /// waited `waited` ms so far: 0 means start now. Compacting 100,000
    /// rows of 10 metrics takes about half a second of a core and a
    /// quarter of a second of the database's write lock (deleting the
    /// rows); a burst of logging should not pay for that.
    pub fn defer_ms(&self, since_logged: i64, waited: i64) -> i64 {
        if waited >= self.max_defer_ms {
            return 0;
        }
        (self.quiet_ms - since_logged)
            .max(0)
            .min(self.max_defer_ms - waited)
    }
}

/// One compacted file of a run's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySegment {
    /// The run's row id.
    pub run_id: i64,
    /// Compaction order (never reused within a run).
    pub seq: i64,
    /// The first and last line the file holds.
    pub first_line: i64,
    /// See `first_line`.
    pub last_line: i64,
    /// Rows in the file.
    pub row_count: i64,
    /// Smallest and largest `_step` in the file.
    pub min_step: i64,
    /// See `min_step`.
    pub max_step: i64,
    /// Where the Parquet bytes are in the blob store.
    pub blob_key: String,
    /// Size of the file.
    pub bytes: i64,
    /// Whether every column holds scalars, so the official client may read
    /// the file itself (see `service/history.rs`).
    pub exportable: bool,
    /// When the segment was added (ms since the epoch; 0 for one not
    /// stored yet).
    pub created_at: i64,
}

/// Rows due for compaction, read in line order: `(line, step, row)`.
#[derive(Debug, Clone, Default)]
pub struct CompactionInput {
    /// The last line compacted before (the segment must follow it).
    pub after_line: Option<i64>,
    /// The rows.
    pub rows: Vec<(i64, i64, String)>,
}

/// The blob key of a new segment file of `run_id` (`nonce` makes keys of
/// retried compactions differ, so a half-written file is never adopted).
pub fn segment_key(run_id: i64, nonce: &str) -> String {
    format!("history/{run_id}/{nonce}.parquet")
}

/// Whether a run in `state` is still logging (compacted only in part).
pub fn is_running(state: &str) -> bool {
    matches!(state, "running" | "pending" | "preempting")
}

/// Which of `n` candidates (in step order) a sample of `samples` takes:
/// ranks `round(i * (n - 1) / (samples - 1))` for `i` in `0..samples`, so
/// always the first and the last, evenly spread, deterministic.
pub fn sample_ranks(n: i64, samples: i64) -> Vec<i64> {
    if samples <= 1 || n <= 1 {
        return vec![0];
    }
    let mut ranks: Vec<i64> = (0..samples)
        .map(|i| ((i as f64) * (n - 1) as f64 / (samples - 1) as f64).round() as i64)
        .collect();
    ranks.dedup();
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_runs_keep_a_live_tail_and_wait_for_a_batch() {
        let p = CompactionPolicy {
            every: 100,
            keep_live: 10,
            max_rows: 1_000,
            ..CompactionPolicy::default()
        };
        assert_eq!(p.rows_due(50, true), 0);
        assert_eq!(p.rows_due(109, true), 0);
        assert_eq!(p.rows_due(110, true), 100);
        assert_eq!(p.rows_due(5_000, true), 1_000);
        assert_eq!(p.rows_due(50, false), 50);
        assert_eq!(p.rows_due(0, false), 0);
        assert_eq!(p.rows_due(5_000, false), 1_000);
    }

    #[test]
    fn compaction_waits_for_a_pause_in_logging_but_not_for_ever() {
        let p = CompactionPolicy {
            quiet_ms: 300,
            max_defer_ms: 10_000,
            ..CompactionPolicy::default()
        };
        // Logged 100 ms ago: wait until 300 ms have passed since.
        assert_eq!(p.defer_ms(100, 0), 200);
        assert_eq!(p.defer_ms(300, 0), 0);
        assert_eq!(p.defer_ms(i64::MAX / 2, 0), 0);
        // Logging all the time: the pass stops waiting at 10 s.
        assert_eq!(p.defer_ms(0, 9_900), 100);
        assert_eq!(p.defer_ms(0, 10_000), 0);
        assert_eq!(p.defer_ms(0, 60_000), 0);
    }

    #[test]
    fn samples_keep_first_and_last_and_stay_within_bounds() {
        for (n, samples) in [(10, 3), (100_000, 500), (7, 6), (2, 2), (1000, 999)] {
            let ranks = sample_ranks(n, samples);
            assert_eq!(ranks.first(), Some(&0));
            assert_eq!(ranks.last(), Some(&(n - 1)));
            assert!(ranks.len() as i64 <= samples);
            assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn segment_keys_live_under_the_run() {
        assert_eq!(segment_key(7, "ab"), "history/7/ab.parquet");
    }
}
