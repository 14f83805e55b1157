//! `File` (a run file) and its connection. URLs are signed (see
//! `signing.rs`) so that they work with or without credentials.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::run::{Run, RunFile};
use cairn_core::{CoreError, MAX_PAGE};

use crate::error::GqlResultExt;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::page::PageInfo;
use crate::graphql::{BaseUrl, cairn, ids};
use crate::run_files;
use crate::signing::UrlSigner;

/// Files per page when the client names no number.
const DEFAULT_FILES: i32 = 50;

/// A run file.
pub struct FileObject {
    /// The record.
    pub file: RunFile,
    /// Its run.
    pub run: Run,
}

impl FileObject {
    fn signed(&self, ctx: &Context<'_>, method: &str) -> String {
        signed_url(ctx, method, &self.run, &self.file.name)
    }
}

/// An absolute URL, signed for `method`, of a run file (which need not
/// exist yet: upload URLs are signed before the bytes arrive).
pub fn signed_url(ctx: &Context<'_>, method: &str, run: &Run, name: &str) -> String {
    let base = ctx.data_unchecked::<BaseUrl>();
    let signer = ctx.data_unchecked::<UrlSigner>();
    let path = run_files::file_path(run, name);
    format!("{}{path}?{}", base.0, signer.sign(method, &path))
}

#[Object(name = "File")]
impl FileObject {
    async fn id(&self) -> ID {
        ids::encode("File", self.file.id)
    }

    /// Path within the run.
    async fn name(&self) -> &str {
        &self.file.name
    }

    /// A signed download URL (an upload URL with `upload: true`).
    async fn url(&self, ctx: &Context<'_>, upload: Option<bool>) -> String {
        let method = if upload == Some(true) { "PUT" } else { "GET" };
        self.signed(ctx, method)
    }

    /// A signed download URL that needs no credentials.
    async fn direct_url(&self, ctx: &Context<'_>) -> String {
        self.signed(ctx, "GET")
    }

    async fn size_bytes(&self) -> i64 {
        self.file.size_bytes
    }

    async fn mimetype(&self) -> Option<&str> {
        self.file.mimetype.as_deref()
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.file.updated_at)
    }

    /// Base64 MD5 of the bytes.
    async fn md5(&self) -> &str {
        &self.file.md5
    }

    /// The same digest as `md5`.
    async fn digest(&self) -> &str {
        &self.file.md5
    }
}

/// A page of files.
#[derive(SimpleObject)]
pub struct FileConnection {
    /// The files.
    pub edges: Vec<FileEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
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
    run: &Run,
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
                node: FileObject {
                    file,
                    run: run.clone(),
                },
            })
            .collect(),
    })
}
