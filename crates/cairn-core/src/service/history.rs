//! Reading a run's history across its compacted segments and its live
//! rows, and compacting (see `crate::history` for the rules).
//!
//! Every read path (`history` pages, samples, the tail) goes through here,
//! so a reader never learns where a row lives. Segments hold a run's older
//! rows and the row store its newer ones; clients log steps in increasing
//! order, so segment rows come before live rows, and a merged answer is
//! the segments' rows (in compaction order) followed by the live ones,
//! sorted by step once more for runs that logged steps out of order.
//! A run without segments (every running run under the threshold) is read
//! by the store alone, as before compaction existed.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use cairn_history::{HistoryFile, RecordBatch, Selection};

use crate::authz::Readable;
use crate::blob::BlobStore;
use crate::error::{CoreError, CoreResult};
use crate::history::{CompactionPolicy, HistorySegment, sample_ranks, segment_key};
use crate::run::Run;

use super::Cairn;

/// How long a garbage file is kept before deletion: longer than any
/// compaction takes between writing its file and adopting it, and than a
/// reader takes to finish reading a file its rewind just dropped.
const GARBAGE_GRACE_MS: i64 = 10 * 60 * 1000;

/// Attempts at restoring a run's rows while compactions race with it.
const RESTORE_ATTEMPTS: usize = 5;

impl Cairn {
    /// Keep compacted history files in `blobs` (without it, nothing is
    /// compacted and every row stays in the row store).
    pub fn with_history_blobs(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.history_blobs = Some(blobs);
        self
    }

    /// How old a compacted file must be before `parquetHistory` lists it
    /// (see [`Cairn::parquet_history`]; default five minutes).
    pub fn with_history_export_delay(mut self, delay: std::time::Duration) -> Self {
        self.history_export_delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// History rows of a run with `min_step <= _step < max_step`, in step
    /// order, as `(step, row)`, at most `limit`.
    pub async fn history(
        &self,
        run: &Readable<Run>,
        min_step: i64,
        max_step: i64,
        limit: i64,
    ) -> CoreResult<Vec<(i64, String)>> {
        super::runs::check_page(limit, "history rows")?;
        let segments = self.segments_in(run.id, min_step, max_step).await?;
        self.rows_in(run, &segments, min_step, max_step, limit)
            .await
    }

    /// The rows in range of `segments` (those that may hold the range, in
    /// step order) and of the row store.
    async fn rows_in(
        &self,
        run: &Readable<Run>,
        segments: &[HistorySegment],
        min_step: i64,
        max_step: i64,
        limit: i64,
    ) -> CoreResult<Vec<(i64, String)>> {
        if segments.is_empty() {
            return Ok(self
                .store
                .history(run.id, min_step, max_step, limit)
                .await?);
        }
        let mut rows = Vec::new();
        for segment in segments {
            let want = limit - rows.len() as i64;
            if want <= 0 {
                break;
            }
            let file = self.open_segment(segment).await?;
            let selection = Selection {
                min_step,
                max_step,
                keys: &[],
                require_all: false,
            };
            rows.extend(read_rows(&file, &selection, want)?);
        }
        let want = limit - rows.len() as i64;
        if want > 0 {
            rows.extend(self.store.history(run.id, min_step, max_step, want).await?);
        }
        rows.sort_by_key(|(step, _)| *step);
        rows.truncate(limit as usize);
        Ok(rows)
    }

    /// At most `samples` rows that have all `keys`, evenly spread: ranks
    /// `round(i * (n - 1) / (samples - 1))` among the `n` candidates in
    /// step order (see [`sample_ranks`]). With `keys`, rows read from
    /// segments hold only `_step` and those keys.
    pub async fn sampled_history(
        &self,
        run: &Readable<Run>,
        keys: &[String],
        min_step: i64,
        max_step: i64,
        samples: i64,
    ) -> CoreResult<Vec<String>> {
        super::runs::check_samples(samples)?;
        let segments = self.segments_in(run.id, min_step, max_step).await?;
        self.sample_in(run, &segments, keys, min_step, max_step, samples)
            .await
    }

    /// A sample among the rows in range of `segments` and of the row
    /// store, as row text in step order.
    async fn sample_in(
        &self,
        run: &Readable<Run>,
        segments: &[HistorySegment],
        keys: &[String],
        min_step: i64,
        max_step: i64,
        samples: i64,
    ) -> CoreResult<Vec<String>> {
        if segments.is_empty() {
            return Ok(self
                .store
                .sampled_history(run.id, keys, min_step, max_step, samples)
                .await?);
        }
        let Sample { files, mut live } = self
            .sample_parts(run.id, segments, keys, min_step, max_step, samples)
            .await?;
        for batch in &files {
            live.extend(cairn_history::to_rows(batch).map_err(format_error)?);
        }
        live.sort_by_key(|(step, _)| *step);
        live.dedup_by_key(|(step, _)| *step);
        Ok(live.into_iter().map(|(_, row)| row).collect())
    }

    /// The rows of a sample (see [`Cairn::sampled_history`]): those in
    /// files as Arrow batches projected onto `_step` and `keys` (each file
    /// read once: its steps choose, then its columns are filtered), those
    /// in the row store as text.
    pub(super) async fn sample_parts(
        &self,
        run_id: i64,
        segments: &[HistorySegment],
        keys: &[String],
        min_step: i64,
        max_step: i64,
        samples: i64,
    ) -> CoreResult<Sample> {
        let selection = Selection {
            min_step,
            max_step,
            keys,
            require_all: !keys.is_empty(),
        };
        let mut batches = Vec::with_capacity(segments.len());
        let mut candidates = Vec::new();
        for segment in segments {
            let file = self.open_segment(segment).await?;
            if let Some(batch) = file.read(&selection).map_err(format_error)? {
                candidates
                    .extend_from_slice(cairn_history::step_values(&batch).map_err(format_error)?);
                batches.push(batch);
            }
        }
        let live = self
            .store
            .live_history_steps(run_id, keys, min_step, max_step)
            .await?;
        candidates.extend(live.iter().copied());
        candidates.sort_unstable();
        let (files, live) = if candidates.len() as i64 <= samples {
            (batches, live)
        } else {
            let chosen: HashSet<i64> = sample_ranks(candidates.len() as i64, samples)
                .into_iter()
                .map(|rank| candidates[rank as usize])
                .collect();
            let mut files = Vec::with_capacity(batches.len());
            for batch in &batches {
                let kept = cairn_history::retain_steps(batch, |step| chosen.contains(&step))
                    .map_err(format_error)?;
                if kept.num_rows() > 0 {
                    files.push(kept);
                }
            }
            (
                files,
                live.into_iter().filter(|s| chosen.contains(s)).collect(),
            )
        };
        let live = match live.is_empty() {
            true => Vec::new(),
            false => self.store.live_history_at(run_id, &live).await?,
        };
        Ok(Sample { files, live })
    }

    /// Like [`Cairn::history`], without the rows of the files
    /// [`Cairn::parquet_history`] lists (what wandb-core's scans ask pages
    /// for: it read those from the files).
    pub async fn live_history(
        &self,
        run: &Readable<Run>,
        min_step: i64,
        max_step: i64,
        limit: i64,
    ) -> CoreResult<Vec<(i64, String)>> {
        super::runs::check_page(limit, "history rows")?;
        let segments = self.unlisted_segments(run.id, min_step, max_step).await?;
        self.rows_in(run, &segments, min_step, max_step, limit)
            .await
    }

    /// Like [`Cairn::sampled_history`], without the rows of the listed
    /// files (see [`Cairn::live_history`]).
    pub async fn live_sampled_history(
        &self,
        run: &Readable<Run>,
        keys: &[String],
        min_step: i64,
        max_step: i64,
        samples: i64,
    ) -> CoreResult<Vec<String>> {
        super::runs::check_samples(samples)?;
        let segments = self.unlisted_segments(run.id, min_step, max_step).await?;
        self.sample_in(run, &segments, keys, min_step, max_step, samples)
            .await
    }

    /// What `parquetHistory` answers: the files the official client may
    /// read itself, and the steps of every other row, which it reads
    /// through pages ([`Cairn::live_history`]).
    ///
    /// A file is listed once it is [`history_export_delay`] old, and only
    /// while every file before it is listed too: a scan lists the files,
    /// then reads the other rows page by page, and a compaction during
    /// that time must not move rows it has not read into a file it does
    /// not know. A file holding non-scalar values (nested dicts, media
    /// references, lists) is never listed, nor is any after it: the
    /// client's reader would give such values back as text.
    ///
    /// [`history_export_delay`]: Cairn::with_history_export_delay
    pub async fn parquet_history(
        &self,
        run: &Readable<Run>,
    ) -> CoreResult<(Vec<HistorySegment>, Vec<i64>)> {
        let (listed, unlisted) = self.split_listed(run.id).await?;
        let steps = self.steps_beyond(run.id, &unlisted).await?;
        Ok((listed, steps))
    }

    /// The steps of every row of a run, in step order.
    pub async fn history_steps(&self, run: &Readable<Run>) -> CoreResult<Vec<i64>> {
        let segments = self.store.history_segments(run.id).await?;
        self.steps_beyond(run.id, &segments).await
    }

    /// The steps of `segments`' rows and of the row store's.
    async fn steps_beyond(&self, run_id: i64, unlisted: &[HistorySegment]) -> CoreResult<Vec<i64>> {
        let mut steps = Vec::new();
        for segment in unlisted {
            let file = self.open_segment(segment).await?;
            steps.extend(file.steps(i64::MIN, i64::MAX, &[]).map_err(format_error)?);
        }
        steps.extend(
            self.store
                .live_history_steps(run_id, &[], i64::MIN, i64::MAX)
                .await?,
        );
        if !unlisted.is_empty() {
            steps.sort_unstable();
        }
        Ok(steps)
    }

    /// A run's segments, split into those `parquetHistory` lists and the
    /// rest (see [`Cairn::parquet_history`]).
    async fn split_listed(
        &self,
        run_id: i64,
    ) -> CoreResult<(Vec<HistorySegment>, Vec<HistorySegment>)> {
        let mut segments = self.store.history_segments(run_id).await?;
        let settled = now_ms() - self.history_export_delay_ms;
        let listed = segments
            .iter()
            .take_while(|s| s.exportable && s.created_at <= settled)
            .count();
        let unlisted = segments.split_off(listed);
        Ok((segments, unlisted))
    }

    /// The segments `parquetHistory` does not list that may hold steps in
    /// `[min_step, max_step)`, in step order.
    async fn unlisted_segments(
        &self,
        run_id: i64,
        min_step: i64,
        max_step: i64,
    ) -> CoreResult<Vec<HistorySegment>> {
        if self.history_blobs.is_none() {
            return Ok(Vec::new());
        }
        let (_, unlisted) = self.split_listed(run_id).await?;
        Ok(overlapping(unlisted, min_step, max_step))
    }

    /// Segment `seq` of the run with row id `run_id`, for a download whose
    /// signed URL the server checked (the signature is the authorization:
    /// it was handed out by `parquetHistory` to a reader of the run).
    pub async fn signed_history_segment(
        &self,
        run_id: i64,
        seq: i64,
    ) -> CoreResult<HistorySegment> {
        self.store
            .history_segments(run_id)
            .await?
            .into_iter()
            .find(|s| s.seq == seq)
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "History file {seq} of this run does not exist (any more): ask parquetHistory for the current list."
                ))
            })
    }

    /// Note that history was logged just now (compaction yields to it).
    pub(super) fn note_history_logged(&self) {
        self.history_logged_at.store(now_ms(), Ordering::Relaxed);
    }

    /// One compaction pass: every run with rows due under `policy` gets one
    /// new segment (a run with more due gets its next one on the next
    /// pass), then garbage files are deleted. Returns the segments written.
    pub async fn compact_histories(&self, policy: &CompactionPolicy) -> CoreResult<u64> {
        let Some(blobs) = self.history_blobs.clone() else {
            return Ok(0);
        };
        let mut written = 0;
        let started = now_ms();
        for (run_id, state, live) in self.store.runs_with_live_history().await? {
            let running = crate::history::is_running(&state);
            let due = policy.rows_due(live, running);
            if due == 0 {
                continue;
            }
            loop {
                let since_logged = now_ms() - self.history_logged_at.load(Ordering::Relaxed);
                let wait = policy.defer_ms(since_logged, now_ms() - started);
                if wait <= 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
            }
            if self.compact_run(&blobs, run_id, due, running).await? {
                written += 1;
            }
        }
        let before = now_ms() - GARBAGE_GRACE_MS;
        let garbage = self.store.history_garbage(before, 1_000).await?;
        for key in &garbage {
            blobs.delete(key).await?;
        }
        if !garbage.is_empty() {
            self.store.forget_history_garbage(&garbage).await?;
        }
        Ok(written)
    }

    /// Compact the first `rows` live rows of a run into one segment.
    /// Returns whether a segment was added (false: nothing to do, or a
    /// rewind or another compaction got there first; the file written is
    /// then garbage).
    async fn compact_run(
        &self,
        blobs: &Arc<dyn BlobStore>,
        run_id: i64,
        rows: i64,
        running: bool,
    ) -> CoreResult<bool> {
        let mut input = self.store.rows_to_compact(run_id, rows + 1).await?;
        let keep = if running {
            live_cut(&input.rows)
        } else {
            input.rows.len()
        };
        input.rows.truncate(keep.min(rows as usize));
        let (Some(first), Some(last)) = (input.rows.first(), input.rows.last()) else {
            return Ok(false);
        };
        let (first_line, last_line) = (first.0, last.0);
        let row_count = input.rows.len() as i64;
        let rows = input.rows;
        let (bytes, min_step, max_step, exportable) = tokio::task::spawn_blocking(move || {
            let batch = cairn_history::rows_to_batch(
                rows.iter().map(|(_, step, row)| (*step, row.as_str())),
            )?;
            let exportable = !batch
                .schema()
                .fields()
                .iter()
                .any(|f| cairn_history::is_json_field(f));
            let bytes = cairn_history::encode_parquet(&batch)?;
            let min = rows.iter().map(|r| r.1).min().unwrap_or(0);
            let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
            Ok::<_, cairn_history::Error>((bytes, min, max, exportable))
        })
        .await
        .map_err(|e| CoreError::Internal(format!("history compaction stopped: {e}")))?
        .map_err(format_error)?;
        let key = segment_key(run_id, &nonce());
        // Written down before the file exists, so a crash between the two
        // writes leaves a file the garbage pass finds.
        self.store.note_history_blob(&key).await?;
        let size = bytes.len() as i64;
        blobs.put_bytes(&key, bytes.into(), None).await?;
        let segment = HistorySegment {
            run_id,
            seq: 0,
            first_line,
            last_line,
            row_count,
            min_step,
            max_step,
            blob_key: key,
            bytes: size,
            exportable,
            created_at: 0,
        };
        Ok(self
            .store
            .add_history_segment(input.after_line, &segment)
            .await?)
    }

    /// Move a run's compacted rows back into the row store (before a fork
    /// copies them or a rewind cuts them, which work on rows). The worker
    /// compacts them again later.
    pub(super) async fn restore_compacted_history(&self, run_id: i64) -> CoreResult<()> {
        for _ in 0..RESTORE_ATTEMPTS {
            let segments = self.store.history_segments(run_id).await?;
            let Some(newest) = segments.last() else {
                return Ok(());
            };
            let mut rows = Vec::new();
            for segment in &segments {
                let file = self.open_segment(segment).await?;
                let all = Selection {
                    min_step: i64::MIN,
                    max_step: i64::MAX,
                    keys: &[],
                    require_all: false,
                };
                let decoded = read_rows(&file, &all, i64::MAX)?;
                // Lines keep their order and end where the segment's did.
                let n = decoded.len() as i64;
                rows.extend(
                    decoded.into_iter().enumerate().map(|(i, (step, row))| {
                        (segment.last_line - (n - 1 - i as i64), step, row)
                    }),
                );
            }
            if self
                .store
                .restore_history(run_id, newest.seq, &rows)
                .await?
            {
                return Ok(());
            }
        }
        Err(CoreError::Unavailable(
            "The run's history is being compacted; try again.".into(),
        ))
    }

    /// The first `limit` numeric values of `key` in a run's segments, in
    /// step order (the compacted part of a sweep run's metric history).
    pub(super) async fn compacted_metric_values(
        &self,
        run_id: i64,
        key: &str,
        limit: i64,
    ) -> CoreResult<Vec<f64>> {
        let keys = [key.to_string()];
        let mut values = Vec::new();
        for segment in self.segments_in(run_id, i64::MIN, i64::MAX).await? {
            let file = self.open_segment(&segment).await?;
            let selection = Selection {
                min_step: i64::MIN,
                max_step: i64::MAX,
                keys: &keys,
                require_all: true,
            };
            if let Some(batch) = file.read(&selection).map_err(format_error)? {
                values.extend(cairn_history::number_values(&batch, key));
            }
            if values.len() as i64 >= limit {
                break;
            }
        }
        values.truncate(limit.max(0) as usize);
        Ok(values)
    }

    /// The run's segments that may hold steps in `[min_step, max_step)`.
    pub(super) async fn segments_in(
        &self,
        run_id: i64,
        min_step: i64,
        max_step: i64,
    ) -> CoreResult<Vec<HistorySegment>> {
        if self.history_blobs.is_none() {
            return Ok(Vec::new());
        }
        let segments = self.store.history_segments(run_id).await?;
        Ok(overlapping(segments, min_step, max_step))
    }

    /// A segment's file, read whole from the blob store.
    pub(super) async fn open_segment(&self, segment: &HistorySegment) -> CoreResult<HistoryFile> {
        let blobs = self.history_blobs.as_ref().ok_or_else(|| {
            CoreError::Internal("compacted history exists but no blob store is set".into())
        })?;
        let bytes = crate::blob::read_all(blobs.get(&segment.blob_key).await?).await?;
        HistoryFile::open(bytes).map_err(format_error)
    }
}

/// A sample's rows: from files as Arrow batches, from the row store as
/// `(step, row text)`.
pub(super) struct Sample {
    pub files: Vec<RecordBatch>,
    pub live: Vec<(i64, String)>,
}

/// How many of a running run's due rows (line order) to compact: up to
/// the last step block boundary ([`crate::history::STEP_BLOCK`]), so the
/// live rows start a new block. wandb-core reads the live part of a scan
/// with pages of 1,000 steps from step 0 and takes every row the server
/// gives for a page that reaches the live part; a page that also held
/// compacted rows would give those twice.
fn live_cut(rows: &[(i64, i64, String)]) -> usize {
    let block = |step: i64| step.div_euclid(crate::history::STEP_BLOCK);
    rows.windows(2)
        .rposition(|w| block(w[0].1) != block(w[1].1))
        .map_or(0, |p| p + 1)
}

/// The `segments` that may hold steps in `[min_step, max_step)`, in step
/// order.
fn overlapping(
    mut segments: Vec<HistorySegment>,
    min_step: i64,
    max_step: i64,
) -> Vec<HistorySegment> {
    segments.retain(|s| s.max_step >= min_step && s.min_step < max_step);
    segments.sort_by_key(|s| (s.min_step, s.seq));
    segments
}

/// At most `limit` rows of `file` in `selection`, as `(step, row)`.
fn read_rows(
    file: &HistoryFile,
    selection: &Selection<'_>,
    limit: i64,
) -> CoreResult<Vec<(i64, String)>> {
    let mut rows = Vec::new();
    if let Some(batch) = file.read(selection).map_err(format_error)? {
        rows = cairn_history::to_rows(&batch).map_err(format_error)?;
    }
    rows.truncate(limit.max(0) as usize);
    Ok(rows)
}

fn format_error(e: cairn_history::Error) -> CoreError {
    CoreError::Internal(format!("a compacted history file could not be read: {e}"))
}

fn nonce() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).unwrap_or_default();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
