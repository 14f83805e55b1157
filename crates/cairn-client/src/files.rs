//! Run files: [`File`], the lazy [`Files`] pager, uploads and downloads.
//!
//! Transfers stream: an upload sends the file from disk, a download writes
//! to a `.part` file beside the target, checks the MD5 the server recorded,
//! and only then renames it into place, so an interrupted download never
//! leaves a truncated file under the real name.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
use crate::history::RunRef;
use crate::pager::{Connection, Counted, Page, PageSource, Pager};
use crate::queries;
use crate::transport::{self, Transport};

/// A transfer may take far longer than one GraphQL request.
pub(crate) const TRANSFER_TIMEOUT: Duration = Duration::from_secs(6 * 3600);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileData {
    id: String,
    name: String,
    url: Option<String>,
    direct_url: Option<String>,
    size_bytes: Option<u64>,
    mimetype: Option<String>,
    updated_at: Option<String>,
    md5: Option<String>,
}

/// A run file, like Python's `wandb.apis.public.File`.
#[derive(Clone)]
pub struct File {
    run: RunRef,
    project_id: Option<i64>,
    data: FileData,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("name", &self.data.name)
            .field("size", &self.data.size_bytes)
            .finish_non_exhaustive()
    }
}

impl File {
    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Path within the run (`media/images/a.png`).
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.data.size_bytes.unwrap_or(0)
    }

    /// MIME type, if known.
    pub fn mimetype(&self) -> Option<&str> {
        self.data.mimetype.as_deref()
    }

    /// Last change, as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.data.updated_at.as_deref()
    }

    /// Base64 MD5 of the bytes.
    pub fn md5(&self) -> Option<&str> {
        self.data.md5.as_deref()
    }

    /// The download URL.
    pub fn url(&self) -> Option<&str> {
        self.data.url.as_deref()
    }

    /// A download URL that needs no credentials.
    pub fn direct_url(&self) -> Option<&str> {
        self.data.direct_url.as_deref()
    }

    /// Download into `root/<name>` and return that path. An existing file
    /// is an error unless `replace`.
    pub async fn download(&self, root: impl AsRef<Path>, replace: bool) -> Result<PathBuf> {
        self.download_with_progress(root, replace, |_, _| {}).await
    }

    /// [`File::download`], calling `progress(bytes_so_far, total)` as bytes
    /// arrive (`total` is the size the server announced, else the file's).
    pub async fn download_with_progress(
        &self,
        root: impl AsRef<Path>,
        replace: bool,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<PathBuf> {
        let target = root.as_ref().join(safe_relative(&self.data.name)?);
        if !replace && tokio::fs::try_exists(&target).await.unwrap_or(false) {
            return Err(Error::Io {
                path: target.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "the file exists; pass replace to overwrite it",
                ),
            });
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| Error::io(parent, e))?;
        }
        let mut response = self.get().await?;
        let total = response.content_length().unwrap_or(self.size());
        let part = part_path(&target);
        let result = async {
            let mut out = tokio::fs::File::create(&part)
                .await
                .map_err(|e| Error::io(&part, e))?;
            let mut digest = Md5::new();
            let mut done = 0u64;
            progress(0, total);
            while let Some(chunk) = response.chunk().await? {
                digest.update(&chunk);
                out.write_all(&chunk)
                    .await
                    .map_err(|e| Error::io(&part, e))?;
                done += chunk.len() as u64;
                progress(done, total);
            }
            out.flush().await.map_err(|e| Error::io(&part, e))?;
            out.sync_all().await.map_err(|e| Error::io(&part, e))?;
            let got = base64::engine::general_purpose::STANDARD.encode(digest.finalize());
            match self.md5() {
                Some(want) if !want.is_empty() && want != got => Err(Error::Decode(format!(
                    "{} arrived with MD5 {got}, the server recorded {want}",
                    self.data.name
                ))),
                _ => Ok(()),
            }
        }
        .await;
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        tokio::fs::rename(&part, &target)
            .await
            .map_err(|e| Error::io(&target, e))?;
        Ok(target)
    }

    /// Delete the file from the run.
    pub async fn delete(&self) -> Result<()> {
        let _: Value = self
            .run
            .api
            .transport
            .execute(
                queries::DELETE_FILES,
                json!({"files": [self.data.id], "projectId": self.project_id}),
            )
            .await?;
        Ok(())
    }

    /// GET the bytes: the URL that needs no credentials if there is one;
    /// credentials go only to the server itself.
    async fn get(&self) -> Result<reqwest::Response> {
        let transport = &self.run.api.transport;
        let url = self
            .data
            .direct_url
            .as_deref()
            .or(self.data.url.as_deref())
            .ok_or_else(|| Error::Decode(format!("{} has no download URL", self.data.name)))?;
        let url = transport.absolute(url);
        let mut request = transport.http.get(&url).timeout(TRANSFER_TIMEOUT);
        if transport.is_own(&url) {
            request = request.header("Authorization", transport.basic_auth());
        }
        let response = request.send().await?;
        transport::check_status(response).await
    }
}

/// `a/b.txt` as a relative path, refusing names that would leave the root.
pub(crate) fn safe_relative(name: &str) -> Result<PathBuf> {
    let path = Path::new(name);
    let ok = !name.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if ok {
        Ok(path.to_path_buf())
    } else {
        Err(Error::Decode(format!(
            "the server named a file {name:?}, which would land outside the download folder"
        )))
    }
}

pub(crate) fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// A run's files, fetched a page at a time as you consume them.
/// [`len`](Pager::len) is how many files the run has (`fileCount`; all of
/// them, whatever the names or pattern asked for).
pub type Files = Pager<FilePages>;

/// The [`PageSource`] behind [`Files`]: `RunFiles` query pages.
pub struct FilePages {
    run: RunRef,
    names: Vec<String>,
    pattern: Option<String>,
    per_page: u32,
}

impl FilePages {
    pub(crate) fn new(
        run: RunRef,
        names: Vec<String>,
        pattern: Option<String>,
        per_page: u32,
    ) -> Self {
        FilePages {
            run,
            names,
            pattern,
            per_page: per_page.clamp(1, 10_000),
        }
    }
}

impl PageSource for FilePages {
    type Item = File;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<File>> {
        let data: FilesData = self
            .run
            .api
            .transport
            .execute(
                queries::RUN_FILES,
                json!({
                    "project": self.run.project,
                    "entity": self.run.entity,
                    "name": self.run.name,
                    "fileCursor": cursor,
                    "fileLimit": self.per_page,
                    "fileNames": self.names,
                    "pattern": self.pattern,
                }),
            )
            .await?;
        let project = data.project;
        let project_id = project
            .as_ref()
            .and_then(|p| p.internal_id.as_deref())
            .and_then(|id| id.parse().ok());
        let run = project.and_then(|p| p.run).ok_or_else(|| Error::NotFound {
            what: "run",
            name: format!("{}/{}/{}", self.run.entity, self.run.project, self.run.name),
        })?;
        match run.files {
            Some(conn) => conn.into_page(run.file_count, |data| {
                Ok(File {
                    run: self.run.clone(),
                    project_id,
                    data,
                })
            }),
            None => Ok(Page::last(run.file_count)),
        }
    }
}

impl Counted for FilePages {}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilesRun {
    file_count: Option<u64>,
    files: Option<Connection<FileData>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilesProject {
    internal_id: Option<String>,
    run: Option<FilesRun>,
}

#[derive(Deserialize)]
struct FilesData {
    project: Option<FilesProject>,
}

/// Where to `PUT` new run files: what `CreateRunFiles` answers.
pub(crate) struct RunFileUploads {
    /// Extra headers every upload sends.
    pub(crate) headers: Vec<String>,
    urls: Vec<(String, Option<String>)>,
}

impl RunFileUploads {
    /// The upload URL for the file `name`.
    pub(crate) fn url_for(&self, name: &str) -> Result<&str> {
        self.urls
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, url)| url.as_deref())
            .ok_or_else(|| Error::Decode(format!("no upload URL for {name:?}")))
    }
}

/// Ask for upload URLs of the run files `names` of `entity/project/run`.
pub(crate) async fn create_run_files(
    transport: &Transport,
    (entity, project, run): (&str, &str, &str),
    names: &[&str],
) -> Result<RunFileUploads> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload {
        create_run_files: Option<Created>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Created {
        #[serde(rename = "runID")]
        run_id: Option<String>,
        #[serde(default)]
        upload_headers: Vec<String>,
        files: Vec<UploadUrl>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct UploadUrl {
        name: String,
        upload_url: Option<String>,
    }
    let payload: Payload = transport
        .execute(
            queries::CREATE_RUN_FILES,
            json!({"entity": entity, "project": project, "run": run, "files": names}),
        )
        .await?;
    let created = payload
        .create_run_files
        .filter(|c| c.run_id.is_some())
        .ok_or_else(|| Error::NotFound {
            what: "run",
            name: format!("{entity}/{project}/{run}"),
        })?;
    Ok(RunFileUploads {
        headers: created.upload_headers,
        urls: created
            .files
            .into_iter()
            .map(|f| (f.name, f.upload_url))
            .collect(),
    })
}

/// Upload `path` as the run file named by its place under `root`; returns
/// that name.
pub(crate) async fn upload(run: &RunRef, path: &Path, root: &Path) -> Result<String> {
    let name = upload_name(path, root)?;
    let transport = &run.api.transport;
    let uploads = create_run_files(
        transport,
        (&run.entity, &run.project, &run.name),
        &[name.as_str()],
    )
    .await?;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let size = file.metadata().await.map_err(|e| Error::io(path, e))?.len();
    transport
        .put_upload(
            uploads.url_for(&name)?,
            &uploads.headers,
            reqwest::Body::from(file),
            size,
        )
        .await?;
    Ok(name)
}

/// The run file name for `path` under `root`: relative, `/`-separated.
fn upload_name(path: &Path, root: &Path) -> Result<String> {
    let absolute = |p: &Path| std::path::absolute(p).map_err(|e| Error::io(p, e));
    let (full, root_full) = (absolute(path)?, absolute(root)?);
    let relative = full.strip_prefix(&root_full).map_err(|_| {
        Error::Config(format!(
            "{} is not under the upload root {}",
            path.display(),
            root.display()
        ))
    })?;
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => {
                parts.push(part.to_str().ok_or_else(|| {
                    Error::Config(format!("{} is not a UTF-8 path", path.display()))
                })?)
            }
            Component::CurDir => {}
            _ => {
                return Err(Error::Config(format!(
                    "{} is not under the upload root {}",
                    path.display(),
                    root.display()
                )));
            }
        }
    }
    if parts.is_empty() {
        return Err(Error::Config(format!("{} is not a file", path.display())));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_relative_to_the_root() {
        let root = Path::new("/data/run");
        assert_eq!(
            upload_name(Path::new("/data/run/media/a.png"), root).unwrap(),
            "media/a.png"
        );
        assert!(upload_name(Path::new("/data/other/a.png"), root).is_err());
        assert!(upload_name(Path::new("/data/run"), root).is_err());
    }

    #[test]
    fn download_names_cannot_escape() {
        assert_eq!(safe_relative("a/b.txt").unwrap(), PathBuf::from("a/b.txt"));
        for bad in ["../x", "/etc/passwd", "a/../../x", ""] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert_eq!(
            part_path(Path::new("/t/a.bin")),
            PathBuf::from("/t/a.bin.part")
        );
    }
}
