//! `File` (a run file or an artifact file) and its connection. URLs are signed (see
//! `signing.rs`) so that they work with or without credentials.

use async_graphql::{Context, ID, Object, SimpleObject};
use base64::Engine;
use cairn_core::artifact::{Artifact, Entry};
use cairn_core::authz::{Readable, Writable};
use cairn_core::run::{Run, RunFile};
use cairn_core::{CoreError, MAX_PAGE};
use time::OffsetDateTime;

use crate::error::GqlResultExt;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::artifact::ArtifactObject;
use crate::graphql::types::page::PageInfo;
use crate::graphql::{BaseUrl, cairn, ids};
use crate::signing::UrlSigner;
use crate::urls;

/// Files per page when the client names no number.
const DEFAULT_FILES: i32 = 50;

/// A `File`: a run file, a stored artifact file, an artifact file about to
/// be uploaded, or an artifact's manifest. W&B has one `File` type for all.
pub enum FileObject {
    /// A run file.
    Run {
        /// The record.
        file: RunFile,
        /// Its run (boxed: it is much larger than the other variants).
        run: Box<Readable<Run>>,
    },
    /// A stored file of an artifact.
    Artifact {
        /// The manifest entry.
        entry: Entry,
        /// The artifact.
        artifact_id: i64,
        /// When the artifact last changed.
        updated_at: OffsetDateTime,
    },
    /// An artifact file the client is to upload (`createArtifactFiles`).
    Upload {
        /// Where the bytes will live.
        storage_path: String,
        /// Signed `PUT` URL; `None` when the bytes are already stored.
        upload_url: Option<String>,
        /// Multipart upload URLs, for large files.
        multipart: Option<UploadMultipartUrls>,
        /// The artifact (boxed, like `Run` above).
        artifact: Box<Writable<Artifact>>,
    },
    /// An artifact's manifest (`wandb_manifest.json`).
    Manifest {
        /// The artifact.
        artifact_id: i64,
        /// Signed `PUT` URL, when the client is to upload it.
        upload_url: Option<String>,
        /// Signed `GET` URL, once uploaded.
        direct_url: Option<String>,
    },
}

/// Where each part of a multipart upload goes.
#[derive(SimpleObject, Clone)]
pub struct UploadMultipartUrls {
    /// The upload's id, given back to `completeMultipartUploadArtifact`.
    #[graphql(name = "uploadID")]
    pub upload_id: String,
    /// One URL per part.
    pub upload_url_parts: Vec<UploadUrlPart>,
}

/// One part's upload URL.
#[derive(SimpleObject, Clone)]
pub struct UploadUrlPart {
    /// 1-based part number.
    pub part_number: i64,
    /// Signed `PUT` URL.
    pub upload_url: String,
}

/// An absolute URL, signed for `method`, of a run file (which need not
/// exist yet: upload URLs are signed before the bytes arrive).
pub fn signed_url(ctx: &Context<'_>, method: &str, run: &Run, name: &str) -> String {
    signed_path(ctx, method, &urls::file_path(run, name))
}

/// An absolute URL of `path` on this server, signed for `method` for
/// `lifetime` (the default lifetime when `None`).
pub fn signed_path(ctx: &Context<'_>, method: &str, path: &str) -> String {
    let base = ctx.data_unchecked::<BaseUrl>();
    let signer = ctx.data_unchecked::<UrlSigner>();
    format!("{}{path}?{}", base.0, signer.sign(method, path))
}

/// A download URL for an artifact file's bytes, valid for an hour.
pub fn blob_download_url(ctx: &Context<'_>, md5: &str, name: &str) -> Option<String> {
    let hex = cairn_types::digest::hex_of(md5)?;
    let base = ctx.data_unchecked::<BaseUrl>();
    let signer = ctx.data_unchecked::<UrlSigner>();
    let (path, signed) = urls::blob_download_path(&hex, name);
    let query = signer.sign_for("GET", &signed, urls::DOWNLOAD_URL_LIFETIME);
    Some(format!("{}{path}?{query}", base.0))
}

#[Object(name = "File")]
impl FileObject {
    async fn id(&self) -> ID {
        match self {
            FileObject::Run { file, .. } => ids::encode("File", file.id),
            FileObject::Artifact {
                entry, artifact_id, ..
            } => ID(base64::engine::general_purpose::STANDARD
                .encode(format!("ArtifactFile:{artifact_id}:{}", entry.path))),
            FileObject::Upload { storage_path, .. } => ID(storage_path.clone()),
            FileObject::Manifest { artifact_id, .. } => {
                ids::encode("ArtifactManifest", *artifact_id)
            }
        }
    }

    /// Path within the run or artifact.
    async fn name(&self) -> &str {
        match self {
            FileObject::Run { file, .. } => &file.name,
            FileObject::Artifact { entry, .. } => &entry.path,
            FileObject::Upload { storage_path, .. } => storage_path,
            FileObject::Manifest { .. } => "wandb_manifest.json",
        }
    }

    /// The same as `name`.
    async fn display_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        self.name(ctx).await.map(str::to_string)
    }

    /// A signed download URL (an upload URL with `upload: true`, run files).
    async fn url(&self, ctx: &Context<'_>, upload: Option<bool>) -> Option<String> {
        match self {
            FileObject::Run { file, run } => {
                let method = if upload == Some(true) { "PUT" } else { "GET" };
                Some(signed_url(ctx, method, run, &file.name))
            }
            _ => self.download(ctx),
        }
    }

    /// A signed download URL that needs no credentials.
    async fn direct_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.download(ctx)
    }

    /// Where to `PUT` the bytes; `null` when the server already has them.
    async fn upload_url(&self) -> Option<&str> {
        match self {
            FileObject::Upload { upload_url, .. } | FileObject::Manifest { upload_url, .. } => {
                upload_url.as_deref()
            }
            _ => None,
        }
    }

    /// Headers (`Name:Value`) to send with the upload.
    async fn upload_headers(&self) -> Vec<String> {
        match self {
            FileObject::Upload {
                upload_url: Some(_),
                ..
            }
            | FileObject::Manifest {
                upload_url: Some(_),
                ..
            } => vec!["Content-Type:application/octet-stream".into()],
            _ => Vec::new(),
        }
    }

    /// Part URLs of a multipart upload.
    async fn upload_multipart_urls(&self) -> Option<UploadMultipartUrls> {
        match self {
            FileObject::Upload { multipart, .. } => multipart.clone(),
            _ => None,
        }
    }

    /// Where the bytes live in the server's store.
    async fn storage_path(&self) -> Option<String> {
        match self {
            FileObject::Upload { storage_path, .. } => Some(storage_path.clone()),
            FileObject::Artifact { entry, .. } if entry.reference.is_none() => {
                cairn_core::content::ContentStore::key(&entry.digest)
            }
            _ => None,
        }
    }

    /// The artifact an upload belongs to.
    async fn artifact(&self) -> Option<ArtifactObject> {
        match self {
            FileObject::Upload { artifact, .. } => {
                Some(ArtifactObject((**artifact).clone().readable()))
            }
            _ => None,
        }
    }

    async fn size_bytes(&self) -> i64 {
        match self {
            FileObject::Run { file, .. } => file.size_bytes,
            FileObject::Artifact { entry, .. } => entry.size.unwrap_or_default(),
            _ => 0,
        }
    }

    async fn mimetype(&self) -> Option<&str> {
        match self {
            FileObject::Run { file, .. } => file.mimetype.as_deref(),
            FileObject::Artifact { entry, .. } => entry.mimetype.as_deref(),
            _ => None,
        }
    }

    async fn updated_at(&self) -> Option<DateTime> {
        match self {
            FileObject::Run { file, .. } => Some(DateTime(file.updated_at)),
            FileObject::Artifact { updated_at, .. } => Some(DateTime(*updated_at)),
            _ => None,
        }
    }

    /// Base64 MD5 of the bytes.
    async fn md5(&self) -> Option<&str> {
        match self {
            FileObject::Run { file, .. } => Some(&file.md5),
            FileObject::Artifact { entry, .. } => Some(&entry.digest),
            _ => None,
        }
    }

    /// The same digest as `md5`.
    async fn digest(&self) -> Option<&str> {
        match self {
            FileObject::Run { file, .. } => Some(&file.md5),
            FileObject::Artifact { entry, .. } => Some(&entry.digest),
            _ => None,
        }
    }
}

impl FileObject {
    fn download(&self, ctx: &Context<'_>) -> Option<String> {
        match self {
            FileObject::Run { file, run } => Some(signed_url(ctx, "GET", run, &file.name)),
            // A reference's bytes live where it points; the client fetches
            // them itself and only needs a non-null URL.
            FileObject::Artifact { entry, .. } => match &entry.reference {
                Some(reference) => Some(reference.clone()),
                None => blob_download_url(ctx, &entry.digest, &entry.path),
            },
            FileObject::Manifest { direct_url, .. } => direct_url.clone(),
            FileObject::Upload { .. } => None,
        }
    }
}

/// A page of files.
#[derive(SimpleObject)]
pub struct FileConnection {
    /// The files.
    pub edges: Vec<FileEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
    /// How many files in all (artifact files only).
    pub total_count: Option<i64>,
}

/// One file.
#[derive(SimpleObject)]
pub struct FileEdge {
    /// The file.
    pub node: FileObject,
    /// Its cursor (the file name).
    pub cursor: String,
}

/// One page of a run's files, in name order; the cursor is the last name.
pub async fn file_connection(
    ctx: &Context<'_>,
    run: &Readable<Run>,
    names: &[String],
    pattern: Option<&str>,
    after: Option<String>,
    first: Option<i32>,
) -> async_graphql::Result<FileConnection> {
    let first = i64::from(first.unwrap_or(DEFAULT_FILES));
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(CoreError::InvalidInput(format!(
            "Page size {first} is out of range; ask for 1 to {MAX_PAGE} files."
        )))
        .gql();
    }
    let after = after.filter(|a| !a.is_empty());
    let mut files = cairn(ctx)
        .run_files(run, names, pattern, after.as_deref(), first + 1)
        .await
        .gql()?;
    let has_next_page = files.len() as i64 > first;
    files.truncate(first as usize);
    Ok(FileConnection {
        total_count: None,
        page_info: PageInfo {
            end_cursor: files.last().map(|f| f.name.clone()),
            start_cursor: files.first().map(|f| f.name.clone()),
            has_next_page,
            ..PageInfo::default()
        },
        edges: files
            .into_iter()
            .map(|file| FileEdge {
                cursor: file.name.clone(),
                node: FileObject::Run {
                    file,
                    run: Box::new(run.clone()),
                },
            })
            .collect(),
    })
}
