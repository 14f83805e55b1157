//! [`Artifact::download`]: fetch every file of a version, resuming and
//! checking each MD5 before a file takes its place (see the parent module).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use cairn_types::digest::{b64, hex};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::{
    BUFFER, Manifest, ProgressFn, SMALL_FILE, TRANSFER_CONCURRENCY, Tracker, buffer_len,
    md5_file_blocking, retrying, run_pool,
};
use crate::api::Api;
use crate::artifacts::Artifact;
use crate::error::{Error, Result};
use crate::files::{TRANSFER_TIMEOUT, part_path, safe_relative};
use crate::queries;
use crate::transport::check_status;

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
}
