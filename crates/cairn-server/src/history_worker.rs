//! The compaction worker: every `--history-compaction-interval` it asks
//! the domain for one compaction pass (`Cairn::compact_histories`), which
//! writes due runs' rows into Parquet files and deletes garbage files.
//! It runs beside the other background tasks (`startup.rs`) and keeps no
//! state: what is due is read from the database on every pass, so a
//! restart, or a second server on the same database, picks up where it
//! left off (a lost race only writes a file that becomes garbage).

use std::time::Duration;

use cairn_core::Cairn;
use cairn_core::history::CompactionPolicy;

/// Compact forever, a pass every `interval`.
pub async fn compact_histories(cairn: Cairn, policy: CompactionPolicy, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match cairn.compact_histories(&policy).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(files = n, "compacted history"),
            Err(e) => tracing::warn!(error = %e, "history compaction failed; retrying next pass"),
        }
    }
}
