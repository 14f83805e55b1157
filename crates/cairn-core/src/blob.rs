//! [`BlobStore`]: where file bytes live, behind a trait.
//!
//! Artifact files, manifests, multipart parts and run files are bytes too
//! large for the database; they are kept in a blob store under string keys
//! (`cas/5e/5eb6…`, `runs/12/output.log`). The domain names keys and decides
//! what may be stored or deleted; a backend only moves bytes. The server
//! holds an `Arc<dyn BlobStore>` and never opens a file itself, so a local
//! directory (`cairn_store::LocalBlobs`) and, later, an object store
//! (S3 through `object_store`) are interchangeable.
//!
//! Bytes travel as streams of [`Bytes`] both ways, so a 10 GiB upload or
//! download never sits whole in memory. A backend commits only complete,
//! durable data: a [`BlobStore::put`] that fails (the source stream broke
//! off, the digest did not match, the disk failed) leaves the key as it
//! was. When the caller names the MD5 it expects, the backend hashes the
//! bytes as they pass and keeps them only if they match: a content-addressed
//! blob is then always what its name says.

use std::io;

use async_trait::async_trait;
use futures_util::stream::BoxStream;

pub use bytes::Bytes;

use crate::error::CoreError;

/// Bytes as they arrive or leave. A failing item is the source's failure
/// (a client that hung up, a disk read that failed).
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// What a [`BlobStore::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Bytes.
    pub size: u64,
    /// Base64 MD5 of the bytes (W&B's digest format).
    pub md5: String,
}

/// A blob store's failure.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// Nothing is stored under the key.
    #[error("No blob {0:?} is stored.")]
    NotFound(String),
    /// The key is not one a store accepts (empty, absolute, `..`).
    #[error("The blob key {0:?} is not a plain relative path.")]
    InvalidKey(String),
    /// The bytes do not have the MD5 the caller expected; nothing was kept.
    #[error("Digest mismatch: the bytes received have MD5 {actual}, not the declared {expected}.")]
    DigestMismatch {
        /// The declared base64 MD5.
        expected: String,
        /// The base64 MD5 the bytes have.
        actual: String,
    },
    /// The source stream failed before its end (the client broke off);
    /// nothing was kept. The source's error says why.
    #[error("The upload broke off: {0}")]
    Interrupted(#[source] io::Error),
    /// The store itself failed (disk, network); retrying may succeed.
    #[error("blob storage failed: {0}")]
    Io(#[source] io::Error),
}

/// Result alias for blob store calls.
pub type BlobResult<T> = Result<T, BlobError>;

impl From<BlobError> for CoreError {
    fn from(err: BlobError) -> Self {
        match err {
            BlobError::NotFound(_) => CoreError::NotFound(err.to_string()),
            BlobError::InvalidKey(_)
            | BlobError::DigestMismatch { .. }
            | BlobError::Interrupted(_) => CoreError::InvalidInput(err.to_string()),
            BlobError::Io(_) => CoreError::Unavailable(err.to_string()),
        }
    }
}

/// Bytes under string keys. Keys are `/`-separated relative paths built by
/// the domain (see [`run_file_key`] and `content::ContentStore::key`).
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Store the stream's bytes as `key`, replacing what was there, once
    /// they are complete and durable. With `expected_md5` (base64), bytes
    /// with another MD5 are discarded with [`BlobError::DigestMismatch`].
    async fn put(
        &self,
        key: &str,
        bytes: ByteStream,
        expected_md5: Option<&str>,
    ) -> BlobResult<StoredBlob>;

    /// [`BlobStore::put`] for bytes already in memory (small blobs, where a
    /// backend may save the per-chunk overhead of a stream).
    async fn put_bytes(
        &self,
        key: &str,
        bytes: Bytes,
        expected_md5: Option<&str>,
    ) -> BlobResult<StoredBlob> {
        let stream = futures_util::stream::once(async move { Ok(bytes) });
        self.put(key, Box::pin(stream), expected_md5).await
    }

    /// The bytes of `key`; [`BlobError::NotFound`] if none.
    async fn get(&self, key: &str) -> BlobResult<ByteStream>;

    /// `len` bytes of `key` from `offset` (an HTTP `Range`); fewer if the
    /// blob ends first.
    async fn get_range(&self, key: &str, offset: u64, len: u64) -> BlobResult<ByteStream>;

    /// The size of `key`, or `None` if nothing is stored there.
    async fn head(&self, key: &str) -> BlobResult<Option<u64>>;

    /// Delete `key`; a missing key is fine.
    async fn delete(&self, key: &str) -> BlobResult<()>;

    /// Delete every key under `prefix` (`runs/12` deletes `runs/12/…`);
    /// nothing there is fine.
    async fn delete_prefix(&self, prefix: &str) -> BlobResult<()>;

    /// Every key under `prefix`, in no particular order.
    async fn list_prefix(&self, prefix: &str) -> BlobResult<Vec<String>>;
}

/// Every byte of `stream`, in memory (manifests, history files: blobs
/// small enough to hold).
pub async fn read_all(mut stream: ByteStream) -> Result<Bytes, CoreError> {
    use futures_util::StreamExt;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| CoreError::from(BlobError::Io(e)))?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(bytes))
}

/// The key of a run file's bytes (`name` is a validated file path).
pub fn run_file_key(run_id: i64, name: &str) -> String {
    format!("runs/{run_id}/{name}")
}

/// The prefix holding all of a run's files.
pub fn run_prefix(run_id: i64) -> String {
    format!("runs/{run_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_errors_become_domain_errors_by_kind() {
        let not_found: CoreError = BlobError::NotFound("runs/1/a".into()).into();
        assert!(matches!(not_found, CoreError::NotFound(_)));
        let mismatch: CoreError = BlobError::DigestMismatch {
            expected: "a".into(),
            actual: "b".into(),
        }
        .into();
        assert!(
            matches!(mismatch, CoreError::InvalidInput(ref m) if m.starts_with("Digest mismatch"))
        );
        let io: CoreError = BlobError::Io(io::Error::other("disk")).into();
        assert!(matches!(io, CoreError::Unavailable(_)));
    }
}
