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

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api::Api;
use crate::artifacts::Artifact;
use crate::digests::{DigestCache, Stamp};
use crate::error::{Error, Result};
use crate::files::{TRANSFER_TIMEOUT, part_path, safe_relative};
use crate::queries;
use crate::transport::check_status;

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

use cairn_types::digest::{b64, hex};

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

/// What a download did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadSummary {
    /// Where the files are.
    pub root: PathBuf,
    /// Files in the artifact (references excluded).
    pub files: u64,
    /// Files fetched.
    pub downloaded: u64,
    /// Files already in place with the right MD5.
    pub skipped: u64,
    /// Bytes fetched.
    pub bytes_downloaded: u64,
    /// Reference entries (`s3://…`), which are not fetched.
    pub references: u64,
}

struct DownloadJob {
    path: String,
    digest: String,
    size: u64,
    url: String,
    /// The `/artifacts/…` fallback needs credentials.
    with_auth: bool,
}

impl Artifact {
    /// The manifest: every entry's path, MD5 and size.
    pub async fn manifest(&self) -> Result<Manifest> {
        #[derive(Deserialize)]
        struct Payload {
            artifact: Option<Current>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Current {
            current_manifest: Option<ManifestFile>,
        }
        #[derive(Deserialize)]
        struct ManifestFile {
            file: Option<UrlOnly>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct UrlOnly {
            direct_url: Option<String>,
        }
        let transport = &self.api.transport;
        let data: Payload = transport
            .execute(
                queries::FETCH_ARTIFACT_MANIFEST,
                json!({"id": self.data.id}),
            )
            .await?;
        let url = data
            .artifact
            .and_then(|a| a.current_manifest)
            .and_then(|m| m.file)
            .and_then(|f| f.direct_url)
            .ok_or_else(|| {
                Error::Decode(format!(
                    "{} has no manifest to download",
                    self.qualified_name()
                ))
            })?;
        let response = transport
            .http
            .get(transport.absolute(&url))
            .timeout(TRANSFER_TIMEOUT)
            .send()
            .await?;
        let body = check_status(response).await?.bytes().await?;
        serde_json::from_slice(&body)
            .map_err(|e| Error::Decode(format!("the manifest is not valid: {e}")))
    }

    /// Download URLs of every file, by path (`GetArtifactMembershipFileUrls`).
    async fn file_urls(&self) -> Result<HashMap<String, String>> {
        #[derive(Deserialize)]
        struct FileUrl {
            name: String,
            #[serde(rename = "directUrl")]
            direct_url: Option<String>,
        }
        #[derive(Deserialize)]
        struct Files {
            files: Option<crate::pager::Connection<FileUrl>>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Collection {
            artifact_membership: Option<Files>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_collection: Option<Collection>,
        }
        let mut urls = HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let data: crate::artifacts::ProjectData<Project> = self
                .api
                .transport
                .execute(
                    queries::GET_ARTIFACT_MEMBERSHIP_FILE_URLS,
                    json!({
                        "entity": self.entity, "project": self.project,
                        "collection": self.collection, "alias": self.version(),
                        "cursor": cursor, "perPage": 5000,
                    }),
                )
                .await?;
            let Some(conn) = data
                .project
                .and_then(|p| p.artifact_collection)
                .and_then(|c| c.artifact_membership)
                .and_then(|m| m.files)
            else {
                break;
            };
            let page = conn.into_page(None, Ok)?;
            for file in page.items {
                if let Some(url) = file.direct_url {
                    urls.insert(file.name, url);
                }
            }
            match (page.has_next_page, page.end_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => break,
            }
        }
        Ok(urls)
    }

    /// Download every file into `root`, [`TRANSFER_CONCURRENCY`] at once;
    /// files already there with the right MD5 are kept. See the module
    /// doc for the guarantees.
    pub async fn download(&self, root: impl AsRef<Path>) -> Result<DownloadSummary> {
        self.download_with_progress(root, None).await
    }

    /// [`Artifact::download`], reporting progress to `progress`.
    pub async fn download_with_progress(
        &self,
        root: impl AsRef<Path>,
        progress: Option<ProgressFn>,
    ) -> Result<DownloadSummary> {
        let root = root.as_ref().to_path_buf();
        tokio::fs::create_dir_all(&root)
            .await
            .map_err(|e| Error::io(&root, e))?;
        let manifest = self.manifest().await?;
        let urls = self.file_urls().await?;
        let (source_entity, _, _) = self.source();
        let mut summary = DownloadSummary {
            root: root.clone(),
            ..DownloadSummary::default()
        };
        let mut jobs = Vec::with_capacity(manifest.contents.len());
        let mut total_bytes = 0u64;
        for (path, entry) in manifest.contents {
            if entry.reference.is_some() {
                summary.references += 1;
                continue;
            }
            safe_relative(&path)?;
            let (url, with_auth) = match urls.get(&path) {
                Some(url) => (self.api.transport.absolute(url), false),
                None => {
                    let digest = base64::engine::general_purpose::STANDARD
                        .decode(&entry.digest)
                        .map_err(|_| {
                            Error::Decode(format!("{path} has a malformed digest in the manifest"))
                        })?;
                    let url = format!(
                        "{}/artifacts/{source_entity}/{}",
                        self.api.transport.base_url,
                        hex(&digest)
                    );
                    (url, true)
                }
            };
            let size = entry.size.unwrap_or(0);
            total_bytes += size;
            jobs.push(DownloadJob {
                path,
                digest: entry.digest,
                size,
                url,
                with_auth,
            });
        }
        summary.files = jobs.len() as u64;
        let jobs = interleave_directories(jobs);
        let tracker = Tracker::new(summary.files, total_bytes, progress);
        let downloaded = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(AtomicU64::new(0));
        let context = Arc::new((self.api.clone(), root, tracker));
        let (d, b) = (downloaded.clone(), bytes.clone());
        run_pool(jobs, TRANSFER_CONCURRENCY, move |job| {
            let (context, d, b) = (context.clone(), d.clone(), b.clone());
            async move {
                let (api, root, tracker) = &*context;
                if let Some(n) = download_one(api, root, tracker, job).await? {
                    d.fetch_add(1, Ordering::Relaxed);
                    b.fetch_add(n, Ordering::Relaxed);
                }
                Ok(())
            }
        })
        .await?;
        summary.downloaded = downloaded.load(Ordering::Relaxed);
        summary.bytes_downloaded = bytes.load(Ordering::Relaxed);
        summary.skipped = summary.files - summary.downloaded;
        Ok(summary)
    }
}

/// `jobs` reordered so that consecutive ones go to different directories
/// (round robin over them, each directory's files in their order): files
/// created at once in one directory queue on its lock.
fn interleave_directories(jobs: Vec<DownloadJob>) -> Vec<DownloadJob> {
    let mut by_dir: BTreeMap<String, std::collections::VecDeque<DownloadJob>> = BTreeMap::new();
    let total = jobs.len();
    for job in jobs {
        let dir = job.path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        by_dir.entry(dir).or_default().push_back(job);
    }
    let mut queues: Vec<_> = by_dir.into_values().collect();
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        for queue in &mut queues {
            if let Some(job) = queue.pop_front() {
                out.push(job);
            }
        }
    }
    out
}

/// Fetch one file unless it is already in place; the bytes fetched, or
/// `None` when skipped.
async fn download_one(
    api: &Api,
    root: &Path,
    tracker: &Tracker,
    job: DownloadJob,
) -> Result<Option<u64>> {
    let target = root.join(safe_relative(&job.path)?);
    let (t, size, digest) = (target.clone(), job.size, job.digest.clone());
    let in_place = tokio::task::spawn_blocking(move || -> Result<bool> {
        match std::fs::metadata(&t) {
            Ok(meta) if meta.is_file() && meta.len() == size => {
                let mut buffer = vec![0u8; buffer_len(size, BUFFER)];
                Ok(md5_file_blocking(&t, &mut buffer)?.0 == digest)
            }
            _ => Ok(false),
        }
    })
    .await
    .map_err(|e| Error::Decode(format!("checking {} failed: {e}", job.path)))??;
    if in_place {
        tracker.add(1, job.size);
        return Ok(None);
    }
    let done = retrying(|| fetch_to(api, tracker, &job, &target)).await?;
    tracker.add(1, 0);
    Ok(Some(done))
}

/// GET a file into place: into its `.part` file, checking its digest,
/// then renamed to `target`; the bytes fetched. On failure the `.part`
/// file is removed and the progress it counted is taken back. Small files
/// are fetched whole and written in one blocking step.
async fn fetch_to(api: &Api, tracker: &Tracker, job: &DownloadJob, target: &Path) -> Result<u64> {
    let part = part_path(target);
    let mut done = 0u64;
    let written = async {
        let transport = &api.transport;
        let mut request = transport.http.get(&job.url).timeout(TRANSFER_TIMEOUT);
        if job.with_auth {
            request = request.header("Authorization", transport.basic_auth());
        }
        let mut response = check_status(request.send().await?).await?;
        let mut digest = Md5::new();
        if job.size <= SMALL_FILE {
            let bytes = response.bytes().await?;
            done = bytes.len() as u64;
            tracker.add(0, done);
            digest.update(&bytes);
            check_digest(job, digest)?;
            let (part, target) = (part.clone(), target.to_path_buf());
            return tokio::task::spawn_blocking(move || write_into_place(&part, &target, &bytes))
                .await
                .map_err(|e| Error::Decode(format!("writing {} failed: {e}", job.path)))?;
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| Error::io(parent, e))?;
        }
        let file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| Error::io(&part, e))?;
        let mut out = tokio::io::BufWriter::with_capacity(buffer_len(job.size, BUFFER), file);
        while let Some(chunk) = response.chunk().await? {
            digest.update(&chunk);
            out.write_all(&chunk)
                .await
                .map_err(|e| Error::io(&part, e))?;
            done += chunk.len() as u64;
            tracker.add(0, chunk.len() as u64);
        }
        out.flush().await.map_err(|e| Error::io(&part, e))?;
        check_digest(job, digest)?;
        tokio::fs::rename(&part, target)
            .await
            .map_err(|e| Error::io(target, e))
    }
    .await;
    match written {
        Ok(()) => Ok(done),
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            tracker.take_back(done);
            Err(e)
        }
    }
}

/// [`Error::DigestMismatch`] unless `digest` is the one `job` expects.
fn check_digest(job: &DownloadJob, digest: Md5) -> Result<()> {
    let got = b64(&digest.finalize());
    if got == job.digest {
        Ok(())
    } else {
        Err(Error::DigestMismatch {
            path: job.path.clone(),
            expected: job.digest.clone(),
            actual: got,
        })
    }
}

/// Write `bytes` to `part` (creating directories) and rename it to `target`.
fn write_into_place(part: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(part, bytes).map_err(|e| Error::io(part, e))?;
    std::fs::rename(part, target).map_err(|e| Error::io(target, e))
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

// ----- logging -----------------------------------------------------------

enum Source {
    File {
        path: PathBuf,
        name: Option<String>,
    },
    Dir {
        path: PathBuf,
        prefix: Option<String>,
    },
}

/// An artifact to log from local files, like a draft `wandb.Artifact`:
///
/// ```no_run
/// # async fn demo(api: cairn_client::Api) -> cairn_client::Result<()> {
/// use cairn_client::NewArtifact;
/// let draft = NewArtifact::new("mnist", "dataset")
///     .description("the training split")
///     .add_dir("data/train", None)
///     .add_file("README.md", Some("docs/README.md"));
/// let logged = api.log_artifact("ml/p1", draft, &["best"], &[]).await?;
/// println!("{}", logged.qualified_name());
/// # Ok(()) }
/// ```
pub struct NewArtifact {
    name: String,
    type_name: String,
    description: Option<String>,
    metadata: Map<String, Value>,
    sources: Vec<Source>,
}

impl std::fmt::Debug for NewArtifact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewArtifact")
            .field("name", &self.name)
            .field("type", &self.type_name)
            .finish_non_exhaustive()
    }
}

impl NewArtifact {
    /// A draft of collection `name` and type `type_name`.
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> Self {
        NewArtifact {
            name: name.into(),
            type_name: type_name.into(),
            description: None,
            metadata: Map::new(),
            sources: Vec::new(),
        }
    }

    /// Set the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Set the metadata (a JSON object).
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Add one file, named `name` in the artifact (default: its file name).
    pub fn add_file(mut self, path: impl AsRef<Path>, name: Option<&str>) -> Self {
        self.sources.push(Source::File {
            path: path.as_ref().to_path_buf(),
            name: name.map(str::to_string),
        });
        self
    }

    /// Add every file under a directory, named by their path below it,
    /// under `prefix` if given.
    pub fn add_dir(mut self, path: impl AsRef<Path>, prefix: Option<&str>) -> Self {
        self.sources.push(Source::Dir {
            path: path.as_ref().to_path_buf(),
            prefix: prefix.map(|p| p.trim_matches('/').to_string()),
        });
        self
    }
}

/// What logging uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadSummary {
    /// Files in the artifact.
    pub files: u64,
    /// Bytes in the artifact.
    pub bytes: u64,
    /// Files whose bytes were sent (the rest the server already had).
    pub uploaded_files: u64,
    /// Bytes sent, the manifest excluded.
    pub uploaded_bytes: u64,
    /// The server already had an identical version, which was returned.
    pub deduplicated: bool,
}

struct LocalFile {
    name: String,
    path: PathBuf,
    md5: String,
    size: u64,
}

fn check_name(name: &str, from: &Path) -> Result<()> {
    let ok = !name.is_empty()
        && !name.contains('\\')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "{} cannot be named {name:?} in an artifact",
            from.display()
        )))
    }
}

/// Every file of the draft, with its name, sorted by name (blocking).
fn list_files(sources: &[Source]) -> Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for source in sources {
        match source {
            Source::File { path, name } => {
                let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
                if !meta.is_file() {
                    return Err(Error::Config(format!("{} is not a file", path.display())));
                }
                let name = match name {
                    Some(name) => name.clone(),
                    None => path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .ok_or_else(|| {
                            Error::Config(format!("{} has no UTF-8 file name", path.display()))
                        })?
                        .to_string(),
                };
                files.push((name, path.clone()));
            }
            Source::Dir { path, prefix } => {
                let mut stack = vec![(path.clone(), prefix.clone().filter(|p| !p.is_empty()))];
                while let Some((dir, prefix)) = stack.pop() {
                    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
                    for entry in entries {
                        let entry = entry.map_err(|e| Error::io(&dir, e))?;
                        let child = entry.path();
                        let leaf = entry.file_name().into_string().map_err(|_| {
                            Error::Config(format!("{} is not a UTF-8 path", child.display()))
                        })?;
                        let name = match &prefix {
                            Some(p) => format!("{p}/{leaf}"),
                            None => leaf,
                        };
                        // Follows symlinks, as Python's add_dir does.
                        let meta = std::fs::metadata(&child).map_err(|e| Error::io(&child, e))?;
                        if meta.is_dir() {
                            stack.push((child, Some(name)));
                        } else if meta.is_file() {
                            files.push((name, child));
                        }
                    }
                }
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for pair in files.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Error::Config(format!(
                "two files would be named {:?} in the artifact ({} and {})",
                pair[0].0,
                pair[0].1.display(),
                pair[1].1.display()
            )));
        }
    }
    for (name, path) in &files {
        check_name(name, path)?;
    }
    Ok(files)
}

/// Hash every file, one blocking thread per core (at most
/// [`TRANSFER_CONCURRENCY`]), each reading in large blocks; files whose
/// digest `cache` still holds are not read.
async fn hash_files(
    files: Vec<(String, PathBuf)>,
    cache: Arc<DigestCache>,
) -> Result<Vec<LocalFile>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, TRANSFER_CONCURRENCY)
        .min(files.len().max(1));
    let files = Arc::new(files);
    let next = Arc::new(AtomicUsize::new(0));
    /// Per file: base64 MD5 and size, once hashed.
    type Hashed = Vec<Option<(String, u64)>>;
    let results: Arc<Mutex<Hashed>> = Arc::new(Mutex::new(vec![None; files.len()]));
    let mut tasks = Vec::with_capacity(threads);
    for _ in 0..threads {
        let (files, next, results) = (files.clone(), next.clone(), results.clone());
        let cache = cache.clone();
        tasks.push(tokio::task::spawn_blocking(move || -> Result<()> {
            let mut buffer = vec![0u8; BUFFER];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, path)) = files.get(i) else {
                    return Ok(());
                };
                let hashed = md5_remembered(path, &mut buffer, &cache)?;
                results.lock().map_err(|_| poisoned())?[i] = Some(hashed);
            }
        }));
    }
    for task in tasks {
        task.await
            .map_err(|e| Error::Decode(format!("hashing failed: {e}")))??;
    }
    let results = std::mem::take(&mut *results.lock().map_err(|_| poisoned())?);
    let files = Arc::try_unwrap(files).unwrap_or_else(|shared| (*shared).clone());
    files
        .into_iter()
        .zip(results)
        .map(|((name, path), hashed)| {
            let (md5, size) = hashed.ok_or_else(poisoned)?;
            Ok(LocalFile {
                name,
                path,
                md5,
                size,
            })
        })
        .collect()
}

/// W&B's manifest digest: hex MD5 over a header and `path:digest` lines
/// in path order (`ArtifactManifestV1.digest()`).
fn manifest_digest(files: &[LocalFile]) -> String {
    let mut digest = Md5::new();
    digest.update(b"wandb-artifact-manifest-v1\n");
    for file in files {
        digest.update(file.name.as_bytes());
        digest.update(b":");
        digest.update(file.md5.as_bytes());
        digest.update(b"\n");
    }
    hex(&digest.finalize())
}

/// A random id from `[a-zA-Z0-9]` (client ids: wandb-core uses 128
/// characters). Std's per-instance random hash keys are randomness enough.
fn random_id(len: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        let mut bits = hasher.finish();
        for _ in 0..10 {
            out.push(ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char);
            bits /= ALPHABET.len() as u64;
        }
    }
    out.truncate(len);
    out
}

/// `PUT` a file to an upload URL, streaming it from disk.
/// Progress counts bytes as they are read for the body.
async fn put_file(
    api: &Api,
    url: &str,
    headers: &[String],
    path: &Path,
    size: u64,
    tracker: Arc<Tracker>,
) -> Result<()> {
    if size <= SMALL_FILE {
        // One read instead of a hand-off to a blocking thread per chunk.
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| Error::io(path, e))?;
        let sent = bytes.len() as u64;
        tracker.add(0, sent);
        let result = put(api, url, headers, reqwest::Body::from(bytes), sent).await;
        if result.is_err() {
            tracker.take_back(sent);
        }
        return result;
    }
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let chunk = buffer_len(size, UPLOAD_CHUNK);
    let sent = Arc::new(AtomicU64::new(0));
    let state = (file, tracker.clone(), sent.clone());
    let stream = futures_util::stream::unfold(state, move |(mut file, tracker, sent)| async move {
        let mut buffer = vec![0u8; chunk];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                sent.fetch_add(n as u64, Ordering::Relaxed);
                tracker.add(0, n as u64);
                Some((Ok::<_, std::io::Error>(buffer), (file, tracker, sent)))
            }
            Err(e) => Some((Err(e), (file, tracker, sent))),
        }
    });
    let result = put(api, url, headers, reqwest::Body::wrap_stream(stream), size).await;
    if result.is_err() {
        tracker.take_back(sent.load(Ordering::Relaxed));
    }
    result
}

async fn put(
    api: &Api,
    url: &str,
    headers: &[String],
    body: reqwest::Body,
    size: u64,
) -> Result<()> {
    let transport = &api.transport;
    let mut request = transport
        .http
        .put(transport.absolute(url))
        .timeout(TRANSFER_TIMEOUT)
        .header("Content-Length", size)
        .body(body);
    for header in headers {
        if let Some((key, value)) = header.split_once(':') {
            request = request.header(key.trim(), value.trim());
        }
    }
    check_status(request.send().await?).await?;
    Ok(())
}

/// `entity/project[/run]` (also `entity/project/runs/run`) → parts.
fn parse_log_path(path: &str) -> Result<(Option<String>, String, Option<String>)> {
    let cleaned = path.trim_matches('/').replace("/runs/", "/");
    let parts: Vec<&str> = cleaned.split('/').collect();
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let invalid = || {
        Error::Config(format!(
            "invalid path {path:?}: use ENTITY/PROJECT or ENTITY/PROJECT/RUN_ID"
        ))
    };
    let (entity, project, run) = match parts.as_slice() {
        [project] => (None, *project, None),
        [entity, project] => (some(entity), *project, None),
        [entity, project, run] => (some(entity), *project, some(run)),
        _ => return Err(invalid()),
    };
    if project.is_empty() {
        return Err(invalid());
    }
    Ok((entity, project.to_string(), run))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadTarget {
    upload_url: Option<String>,
    #[serde(default)]
    upload_headers: Option<Vec<String>>,
}

impl Api {
    /// Log `artifact` as a new version of its collection in `path`
    /// (`entity/project`, or `entity/project/RUN_ID` to record the run as
    /// its creator), with `aliases` (`latest` is always added) and `tags`,
    /// and return it. See the module doc for the wire sequence.
    pub async fn log_artifact(
        &self,
        path: &str,
        artifact: NewArtifact,
        aliases: &[&str],
        tags: &[&str],
    ) -> Result<Artifact> {
        Ok(self
            .log_artifact_with_progress(path, artifact, aliases, tags, None)
            .await?
            .0)
    }

    /// [`Api::log_artifact`], reporting upload progress, and saying what
    /// was sent.
    pub async fn log_artifact_with_progress(
        &self,
        path: &str,
        artifact: NewArtifact,
        aliases: &[&str],
        tags: &[&str],
        progress: Option<ProgressFn>,
    ) -> Result<(Artifact, UploadSummary)> {
        let (entity, project, run) = parse_log_path(path)?;
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let name = artifact.name.clone();
        if name.is_empty() || name.contains([':', '/']) {
            return Err(Error::Config(format!(
                "invalid artifact name {name:?}: no ':' or '/'"
            )));
        }
        self.check_artifact_type(&entity, &project, &name, &artifact.type_name)
            .await?;

        let sources = std::mem::take(&mut { artifact.sources });
        let listed = tokio::task::spawn_blocking(move || list_files(&sources))
            .await
            .map_err(|e| Error::Decode(format!("listing files failed: {e}")))??;
        let files = hash_files(listed, self.digests.clone()).await?;
        let mut summary = UploadSummary {
            files: files.len() as u64,
            bytes: files.iter().map(|f| f.size).sum(),
            ..UploadSummary::default()
        };

        let mut alias_inputs = vec![json!({"alias": "latest", "artifactCollectionName": name})];
        alias_inputs.extend(
            aliases
                .iter()
                .filter(|a| **a != "latest")
                .map(|a| json!({"alias": a, "artifactCollectionName": name})),
        );
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Created {
            create_artifact: Option<CreatedPayload>,
        }
        #[derive(Deserialize)]
        struct CreatedPayload {
            artifact: Option<CreatedArtifact>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct CreatedArtifact {
            id: String,
            state: String,
            artifact_sequence: Option<Sequence>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sequence {
            latest_artifact: Option<IdOnly>,
        }
        #[derive(Deserialize)]
        struct IdOnly {
            id: String,
        }
        let created: Created = self
            .transport
            .execute(
                queries::CREATE_ARTIFACT,
                json!({"input": {
                    "artifactTypeName": artifact.type_name,
                    "artifactCollectionName": name,
                    "artifactCollectionNames": null,
                    "entityName": entity,
                    "projectName": project,
                    "runName": run,
                    "description": artifact.description,
                    "digest": manifest_digest(&files),
                    "digestAlgorithm": "MANIFEST_MD5",
                    "enableDigestDeduplication": true,
                    "aliases": alias_inputs,
                    "metadata": Value::Object(artifact.metadata.clone()).to_string(),
                    "clientID": random_id(128),
                    "sequenceClientID": random_id(128),
                    "distributedID": null,
                    "historyStep": null,
                    "labels": null,
                    "storageRegion": null,
                    "ttlDurationSeconds": null,
                    "clientMutationId": null,
                    "tags": tags.iter().map(|t| json!({"tagName": t})).collect::<Vec<_>>(),
                }}),
            )
            .await?;
        let created = created
            .create_artifact
            .and_then(|c| c.artifact)
            .ok_or_else(|| Error::Decode("no artifact in the answer to CreateArtifact".into()))?;
        let id = created.id;
        if created.state == "COMMITTED" {
            summary.deduplicated = true;
            return Ok((self.logged(&id).await?, summary));
        }
        let base = created
            .artifact_sequence
            .and_then(|s| s.latest_artifact)
            .map(|a| a.id);

        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ManifestPayload {
            create_artifact_manifest: Option<ManifestCreated>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ManifestCreated {
            artifact_manifest: ManifestNode,
        }
        #[derive(Deserialize)]
        struct ManifestNode {
            id: String,
            file: UploadTarget,
        }
        let manifest_vars = |digest: &str, include_upload: bool| {
            json!({
                "artifactID": id, "baseArtifactID": base, "name": MANIFEST_NAME,
                "digest": digest, "entityName": entity, "projectName": project,
                "runName": run.clone().unwrap_or_default(), "manifestType": "FULL",
                "includeUpload": include_upload,
            })
        };
        let reserved: ManifestPayload = self
            .transport
            .execute(queries::CREATE_ARTIFACT_MANIFEST, manifest_vars("", false))
            .await?;
        let manifest_id = reserved
            .create_artifact_manifest
            .map(|m| m.artifact_manifest.id)
            .ok_or_else(|| {
                Error::Decode("no manifest in the answer to CreateArtifactManifest".into())
            })?;

        // Upload URLs, a batch at a time; `null` means the server has them.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct FilesPayload {
            create_artifact_files: Option<FilesCreated>,
        }
        #[derive(Deserialize)]
        struct FilesCreated {
            files: crate::api::Edges<UploadTarget>,
        }
        let mut uploads = Vec::new();
        for batch in files.chunks(FILES_PER_BATCH) {
            let specs: Vec<Value> = batch
                .iter()
                .map(|f| {
                    json!({
                        "artifactID": id, "artifactManifestID": manifest_id,
                        "name": f.name, "md5": f.md5, "mimetype": null,
                    })
                })
                .collect();
            let answer: FilesPayload = self
                .transport
                .execute(
                    queries::CREATE_ARTIFACT_FILES,
                    json!({"input": {"artifactFiles": specs, "storageLayout": "V2"}}),
                )
                .await?;
            let edges = answer
                .create_artifact_files
                .map(|c| c.files.edges)
                .unwrap_or_default();
            if edges.len() != batch.len() {
                return Err(Error::Decode(format!(
                    "expected {} upload URLs, the server sent {}",
                    batch.len(),
                    edges.len()
                )));
            }
            for (file, edge) in batch.iter().zip(edges) {
                if let Some(UploadTarget {
                    upload_url: Some(url),
                    upload_headers,
                }) = edge.node
                {
                    uploads.push((
                        url,
                        upload_headers.unwrap_or_default(),
                        file.path.clone(),
                        file.size,
                    ));
                }
            }
        }
        summary.uploaded_files = uploads.len() as u64;
        summary.uploaded_bytes = uploads.iter().map(|u| u.3).sum();
        let tracker = Tracker::new(summary.uploaded_files, summary.uploaded_bytes, progress);
        let context = Arc::new((self.clone(), tracker));
        run_pool(
            uploads,
            TRANSFER_CONCURRENCY,
            move |(url, headers, path, size)| {
                let context = context.clone();
                async move {
                    let (api, tracker) = &*context;
                    retrying(|| put_file(api, &url, &headers, &path, size, tracker.clone()))
                        .await?;
                    tracker.add(1, 0);
                    Ok(())
                }
            },
        )
        .await?;

        // The manifest, in W&B's format.
        let contents: Map<String, Value> = files
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    json!({"digest": f.md5, "size": f.size, "birthArtifactID": id}),
                )
            })
            .collect();
        let manifest = serde_json::to_vec(&json!({
            "version": 1,
            "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"},
            "contents": contents,
        }))
        .map_err(|e| Error::Decode(e.to_string()))?;
        let manifest_md5 = b64(&Md5::digest(&manifest));
        let target: ManifestPayload = self
            .transport
            .execute(
                queries::CREATE_ARTIFACT_MANIFEST,
                manifest_vars(&manifest_md5, true),
            )
            .await?;
        let file = target
            .create_artifact_manifest
            .map(|m| m.artifact_manifest.file)
            .ok_or_else(|| {
                Error::Decode("no manifest in the answer to CreateArtifactManifest".into())
            })?;
        let url = file
            .upload_url
            .ok_or_else(|| Error::Decode("no upload URL for the manifest".into()))?;
        let size = manifest.len() as u64;
        let headers = file.upload_headers.unwrap_or_default();
        retrying(|| {
            put(
                self,
                &url,
                &headers,
                reqwest::Body::from(manifest.clone()),
                size,
            )
        })
        .await?;

        let _: Value = self
            .transport
            .execute(queries::COMMIT_ARTIFACT, json!({"artifactID": id}))
            .await?;
        Ok((self.logged(&id).await?, summary))
    }

    /// The artifact just logged, through its own sequence.
    async fn logged(&self, id: &str) -> Result<Artifact> {
        self.artifact_by_id(id)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "artifact",
                name: id.to_string(),
            })
    }

    /// Python's pre-logging check (`ArtifactType` query): a collection
    /// keeps one type.
    async fn check_artifact_type(
        &self,
        entity: &str,
        project: &str,
        name: &str,
        type_name: &str,
    ) -> Result<()> {
        #[derive(Deserialize)]
        struct Project {
            artifact: Option<TypeOf>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct TypeOf {
            artifact_type: crate::artifacts::NameOnly,
        }
        let data: crate::artifacts::ProjectData<Project> = self
            .transport
            .execute(
                queries::ARTIFACT_TYPE,
                json!({"entity": entity, "project": project, "name": format!("{name}:latest")}),
            )
            .await?;
        match data.project.and_then(|p| p.artifact) {
            Some(found) if found.artifact_type.name != type_name => Err(Error::TypeMismatch {
                name: format!("{entity}/{project}/{name}"),
                expected: type_name.to_string(),
                actual: found.artifact_type.name,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_alternate_between_directories() {
        let job = |path: &str| DownloadJob {
            path: path.into(),
            digest: String::new(),
            size: 0,
            url: String::new(),
            with_auth: false,
        };
        let jobs = ["a/1", "a/2", "a/3", "b/1", "top", "b/2"].map(job).into();
        let order: Vec<String> = interleave_directories(jobs)
            .into_iter()
            .map(|j| j.path)
            .collect();
        assert_eq!(order, ["top", "a/1", "b/1", "a/2", "b/2", "a/3"]);
    }

    #[test]
    fn manifest_digest_matches_python() {
        // ArtifactManifestV1.digest() for {"a.txt": "X", "b/c": "Y"}:
        // md5(b"wandb-artifact-manifest-v1\na.txt:X\nb/c:Y\n").
        let files = ["a.txt:X", "b/c:Y"]
            .iter()
            .map(|line| {
                let (name, md5) = line.split_once(':').unwrap();
                LocalFile {
                    name: name.into(),
                    path: PathBuf::new(),
                    md5: md5.into(),
                    size: 0,
                }
            })
            .collect::<Vec<_>>();
        let want = hex(&Md5::digest(
            b"wandb-artifact-manifest-v1\na.txt:X\nb/c:Y\n",
        ));
        assert_eq!(manifest_digest(&files), want);
    }

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

    #[test]
    fn log_paths_parse() {
        assert_eq!(
            parse_log_path("e/p").unwrap(),
            (Some("e".into()), "p".into(), None)
        );
        assert_eq!(
            parse_log_path("e/p/runs/r1").unwrap(),
            (Some("e".into()), "p".into(), Some("r1".into()))
        );
        assert!(parse_log_path("a/b/c/d").is_err());
    }

    #[test]
    fn names_stay_inside_the_artifact() {
        for bad in ["../x", "/abs", "a/../b", "a\\b", ""] {
            assert!(check_name(bad, Path::new("f")).is_err(), "{bad}");
        }
        assert!(check_name("a/b.txt", Path::new("f")).is_ok());
        assert_eq!(random_id(128).len(), 128);
    }
}
