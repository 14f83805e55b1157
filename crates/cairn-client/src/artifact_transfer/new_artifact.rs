//! [`NewArtifact`]: the local files a version will hold, named, hashed
//! (remembering digests across versions) and summed up in W&B's manifest
//! digest.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cairn_types::digest::hex;
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::{BUFFER, TRANSFER_CONCURRENCY, md5_remembered, poisoned};
use crate::digests::DigestCache;
use crate::error::{Error, Result};

pub(super) enum Source {
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
    pub(super) name: String,
    pub(super) type_name: String,
    pub(super) description: Option<String>,
    pub(super) metadata: Map<String, Value>,
    pub(super) sources: Vec<Source>,
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

pub(super) struct LocalFile {
    pub(super) name: String,
    pub(super) path: PathBuf,
    pub(super) md5: String,
    pub(super) size: u64,
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
pub(super) fn list_files(sources: &[Source]) -> Result<Vec<(String, PathBuf)>> {
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
pub(super) async fn hash_files(
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
pub(super) fn manifest_digest(files: &[LocalFile]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn names_stay_inside_the_artifact() {
        for bad in ["../x", "/abs", "a/../b", "a\\b", ""] {
            assert!(check_name(bad, Path::new("f")).is_err(), "{bad}");
        }
        assert!(check_name("a/b.txt", Path::new("f")).is_ok());
    }
}
