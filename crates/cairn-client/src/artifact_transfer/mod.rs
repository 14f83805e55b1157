//! Moving artifact bytes: [`Artifact::download`] and [`Api::log_artifact`].
//!
//! Both stream and run a bounded number of transfers at once
//! ([`TRANSFER_CONCURRENCY`]).
//!
//! * **Download** reads the manifest, asks for every file's URL in pages
//!   of 5000 (`GetArtifactMembershipFileUrls`, as Python), and fetches the
//!   files in parallel. A file already on disk with the manifest's size and
//!   MD5 is skipped, so an interrupted download resumes. Bytes go to a
//!   `.part` file beside the target while their MD5 is computed; only if
//!   it matches the manifest is the file renamed into place, otherwise the
//!   `.part` file is removed and the download fails with
//!   [`Error::DigestMismatch`]. No fsync per file: a file cut short by a
//!   crash fails the MD5 check on the next run and is fetched again.
//! * **Logging** follows wandb-core's saver (wire protocol §C.1):
//!   `CreateArtifact` with the manifest digest and digest deduplication,
//!   `CreateArtifactManifest` to reserve the manifest, `CreateArtifactFiles`
//!   in batches of [`FILES_PER_BATCH`], a `PUT` of each file the server
//!   does not have yet (`uploadUrl: null` means it has the bytes), the
//!   manifest upload, and `CommitArtifact`. A new version that shares most
//!   files with an older one therefore uploads only the changed bytes;
//!   an `Api` remembers the digests of files it hashed (`digests.rs`), so
//!   unchanged files are not even read again.
//!
//! File transfers that fail transiently (connection errors, 429, 5xx) are
//! retried [`RETRIES`] times with doubling pauses, as wandb-core retries
//! them.
//!
//! One file per direction: `download.rs` ([`Artifact::download`]),
//! `new_artifact.rs` (the [`NewArtifact`] builder: which local files, their
//! names and MD5s, the manifest digest) and `upload.rs`
//! ([`Api::log_artifact`]: the calls above and the `PUT`s). This file keeps
//! what both directions share: the progress tracker, the bounded pool, MD5
//! of local files and retries.

mod download;
mod new_artifact;
mod upload;

pub use download::DownloadSummary;
pub use new_artifact::{NewArtifact, UploadSummary};

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cairn_types::digest::b64;
use md5::{Digest, Md5};
use serde::Deserialize;

use crate::digests::{DigestCache, Stamp};
use crate::error::{Error, Result};

/// Transfers in flight at once.
pub const TRANSFER_CONCURRENCY: usize = 32;
/// Files per `CreateArtifactFiles` call.
pub const FILES_PER_BATCH: usize = 1000;
/// Read and write buffer size.
const BUFFER: usize = 1 << 20;
/// Files up to this size are read or written whole, in one step.
const SMALL_FILE: u64 = 4 << 20;
/// Chunk size of upload bodies.
const UPLOAD_CHUNK: usize = 256 * 1024;
/// The name W&B gives an artifact's manifest.
const MANIFEST_NAME: &str = "wandb_manifest.json";

/// How far a transfer has come; handed to a progress callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Files finished (transferred or found already in place).
    pub files_done: u64,
    /// Files in all.
    pub files_total: u64,
    /// Bytes finished.
    pub bytes_done: u64,
    /// Bytes in all.
    pub bytes_total: u64,
}

/// A progress callback, called from several tasks; keep it cheap.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Shared progress counters.
struct Tracker {
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    files_total: u64,
    bytes_total: u64,
    callback: Option<ProgressFn>,
}

impl Tracker {
    fn new(files_total: u64, bytes_total: u64, callback: Option<ProgressFn>) -> Arc<Tracker> {
        let tracker = Arc::new(Tracker {
            files_done: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            files_total,
            bytes_total,
            callback,
        });
        tracker.report();
        tracker
    }

    fn add(&self, files: u64, bytes: u64) {
        self.files_done.fetch_add(files, Ordering::Relaxed);
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
        self.report();
    }

    /// Undo bytes counted by a failed attempt.
    fn take_back(&self, bytes: u64) {
        self.bytes_done.fetch_sub(bytes, Ordering::Relaxed);
        self.report();
    }

    fn report(&self) {
        if let Some(callback) = &self.callback {
            callback(Progress {
                files_done: self.files_done.load(Ordering::Relaxed),
                files_total: self.files_total,
                bytes_done: self.bytes_done.load(Ordering::Relaxed),
                bytes_total: self.bytes_total,
            });
        }
    }
}

/// Run `work` over `jobs` with at most `concurrency` at once. The first
/// error stops new jobs from starting; jobs in flight finish.
async fn run_pool<T, F, Fut>(jobs: Vec<T>, concurrency: usize, work: F) -> Result<()>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let workers = concurrency.min(jobs.len());
    let queue = Arc::new(Mutex::new(jobs.into_iter()));
    let stop = Arc::new(AtomicBool::new(false));
    let work = Arc::new(work);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (queue, stop, work) = (queue.clone(), stop.clone(), work.clone());
        tasks.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let next = queue.lock().map_err(|_| poisoned())?.next();
                let Some(job) = next else { break };
                if let Err(e) = work(job).await {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Ok(())
        });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined.map_err(|e| Error::Decode(format!("a transfer task failed: {e}")))?;
        if let Err(e) = outcome {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn poisoned() -> Error {
    Error::Decode("a transfer task panicked".into())
}

/// A buffer for `size` bytes: large for large files, small for small ones
/// (a big allocation per small file costs more than the file).
fn buffer_len(size: u64, most: usize) -> usize {
    usize::try_from(size).unwrap_or(most).clamp(8192, most)
}

/// Base64 MD5 and size of a file, read in large blocks into `buffer`
/// (blocking).
fn md5_file_blocking(path: &Path, buffer: &mut [u8]) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut digest = Md5::new();
    let mut size = 0u64;
    loop {
        let n = match file.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, e)),
        };
        digest.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((b64(&digest.finalize()), size))
}

/// [`md5_file_blocking`], unless `cache` holds the file's digest; a
/// digest computed here is remembered if the file did not change meanwhile.
fn md5_remembered(path: &Path, buffer: &mut [u8], cache: &DigestCache) -> Result<(String, u64)> {
    let before = Stamp::of(path).map_err(|e| Error::io(path, e))?;
    if let Some(md5) = cache.get(path, before) {
        return Ok((md5, before.size()));
    }
    let (md5, size) = md5_file_blocking(path, buffer)?;
    if Stamp::of(path).is_ok_and(|after| after == before) {
        cache.put(path, before, &md5);
    }
    Ok((md5, size))
}

/// One entry of a W&B manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// Base64 MD5 of the bytes (for references: the reference's digest).
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// For references: where the bytes live (`s3://…`, `https://…`).
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// The artifact the bytes were first logged with.
    #[serde(default, rename = "birthArtifactID")]
    pub birth_artifact_id: Option<String>,
}

/// An artifact's manifest (`wandb_manifest.json`, version 1).
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Entries by path.
    pub contents: BTreeMap<String, ManifestEntry>,
}

/// Transient failures are retried this many times, with doubling pauses.
const RETRIES: u32 = 3;

/// Connection errors, 429 and 5xx answers: worth another try.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport(_) => true,
        Error::Http { status, .. } => *status == 429 || *status >= 500,
        _ => false,
    }
}

/// `attempt`, again after transient failures.
async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut pause = std::time::Duration::from_millis(250);
    for _ in 0..RETRIES {
        match attempt().await {
            Err(e) if is_transient(&e) => {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            other => return other,
        }
    }
    attempt().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_failures_are_retried() {
        let http = |status| Error::Http {
            status,
            body: String::new(),
        };
        assert!(is_transient(&http(503)) && is_transient(&http(429)));
        assert!(!is_transient(&http(400)) && !is_transient(&http(403)));
        assert!(!is_transient(&Error::DigestMismatch {
            path: "x".into(),
            expected: "a".into(),
            actual: "b".into(),
        }));
    }
}
