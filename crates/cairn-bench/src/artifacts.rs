//! Workload: artifact transfer through the Rust client (`cairn-client`).
//!
//! Artifacts are judged against the disk: uploading or downloading a large
//! artifact should run at a good share of the speed one sequential write
//! reaches on the same file system, since every byte ends up written once
//! (into the server's blob store on upload, into the target directory on
//! download). Two shapes are measured, many small files and one large
//! file. A third figure checks deduplication: a new version that shares
//! 99% of its files with the previous one should cost about the changed
//! bytes, not the whole artifact.
//!
//! The client runs on its own multi-threaded runtime (two workers), as an
//! application using `cairn-client` would, so hashing and transfers use
//! both cores; the rest of the benchmark is single-threaded.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cairn_client::{Api, NewArtifact, UploadSummary};

use crate::corpus::{self, Corpus};

/// What one upload and download of a corpus measured.
pub struct Transfer {
    pub upload: Duration,
    pub upload_summary: UploadSummary,
    pub download: Duration,
    pub downloaded_bytes: u64,
}

/// What logging a changed version measured.
pub struct Incremental {
    pub took: Duration,
    pub changed_bytes: u64,
    pub summary: UploadSummary,
}

/// Run `work` with `api` on a runtime of its own, on a blocking thread, so
/// this (single-threaded) runtime keeps reading the server's log
/// meanwhile. Clones of one `Api` share what it remembers (file digests).
pub async fn on_client<T, F, Fut>(api: &Api, work: F) -> anyhow::Result<T>
where
    T: Send + 'static,
    F: FnOnce(Api) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let api = api.clone();
    tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // Named apart from the server's threads in profiles.
            .thread_name("bench-client")
            .enable_all()
            .build()?
            .block_on(work(api))
    })
    .await?
}

/// Log `corpus` as artifact `name` in `project`, then download it into
/// `download_root` and check the bytes.
pub async fn round_trip(
    api: &Api,
    project: &str,
    name: &str,
    corpus: &Corpus,
    download_root: &Path,
) -> anyhow::Result<Transfer> {
    let started = Instant::now();
    let new = NewArtifact::new(name, "dataset").add_dir(&corpus.root, None);
    let (artifact, upload_summary) = api
        .log_artifact_with_progress(project, new, &[], &[], None)
        .await
        .with_context(|| format!("logging {name}"))?;
    let upload = started.elapsed();
    if upload_summary.uploaded_bytes != corpus.bytes {
        bail!(
            "Logging {name} sent {} bytes, not the corpus's {}.",
            upload_summary.uploaded_bytes,
            corpus.bytes
        );
    }

    let started = Instant::now();
    let summary = artifact
        .download(download_root)
        .await
        .with_context(|| format!("downloading {name}"))?;
    let download = started.elapsed();
    if !corpus::same_tree(corpus, download_root)? {
        bail!("The download of {name} differs from what was logged.");
    }
    Ok(Transfer {
        upload,
        upload_summary,
        download,
        downloaded_bytes: summary.bytes_downloaded,
    })
}

/// Change every 100th file of `corpus` and log it as the next version of
/// `name`.
pub async fn changed_version(
    api: &Api,
    project: &str,
    name: &str,
    corpus: &Corpus,
) -> anyhow::Result<Incremental> {
    let changed_bytes = corpus::change_every(corpus, 100, 0xC4A1)?;
    let started = Instant::now();
    let new = NewArtifact::new(name, "dataset").add_dir(&corpus.root, None);
    let (artifact, summary) = api
        .log_artifact_with_progress(project, new, &[], &[], None)
        .await
        .with_context(|| format!("logging a new version of {name}"))?;
    let took = started.elapsed();
    if artifact.version() != "v1" {
        bail!(
            "The changed {name} came back as {}, not v1.",
            artifact.version()
        );
    }
    if summary.uploaded_bytes != changed_bytes {
        bail!(
            "The changed version sent {} bytes; only {changed_bytes} changed.",
            summary.uploaded_bytes
        );
    }
    Ok(Incremental {
        took,
        changed_bytes,
        summary,
    })
}
