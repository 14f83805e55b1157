//! The content-addressed store behind artifact files.
//!
//! Every distinct content is kept once, at `cas/<2 hex>/<32 hex>` in the blob
//! store, named by its MD5 (the digest the W&B client computes for each file
//! and sends before uploading). Bytes arriving for a digest are hashed as
//! they stream to disk and kept only if they match it, so a stored blob is
//! always what its name says.
//!
//! Storing and collecting race on the same digest: an upload may be putting
//! bytes in place just as a delete decides nothing references them. Both
//! therefore run under the digest's lock (one of [`STRIPES`] async mutexes),
//! and each step pairs the file operation with its database row: an upload
//! renames the file in and records the row; a collection forgets the row
//! (only if unreferenced, checked in the same transaction) and unlinks the
//! file. A reader never sees a row without its file.

use std::sync::Arc;

use axum::body::{Body, HttpBody};
use cairn_core::{Cairn, CoreError};
use cairn_store::{BlobWriter, LocalBlobs};
use futures_util::StreamExt;
use tokio::sync::{Mutex, MutexGuard};

/// Number of digest locks; digests hash onto them.
const STRIPES: usize = 64;

/// Uploads of at most this many bytes (by `Content-Length`) are read whole
/// and stored in one blocking step; larger ones stream to disk.
const SMALL_BLOB: usize = 4 << 20;

/// Content-addressed artifact bytes.
#[derive(Clone)]
pub struct ContentStore {
    blobs: LocalBlobs,
    locks: Arc<Vec<Mutex<()>>>,
}

pub use cairn_types::digest::{b64_of, hex_of};

impl ContentStore {
    /// Keep artifact bytes in `blobs`.
    pub fn new(blobs: LocalBlobs) -> Self {
        ContentStore {
            blobs,
            locks: Arc::new((0..STRIPES).map(|_| Mutex::new(())).collect()),
        }
    }

    /// The blob key of a digest (base64 MD5).
    pub fn key(md5_b64: &str) -> Option<String> {
        let hex = hex_of(md5_b64)?;
        Some(format!("cas/{}/{hex}", &hex[..2]))
    }

    /// The file holding a digest's bytes.
    pub fn path(&self, md5_b64: &str) -> Option<std::path::PathBuf> {
        self.blobs.path(&Self::key(md5_b64)?).ok()
    }

    async fn lock(&self, md5_b64: &str) -> MutexGuard<'_, ()> {
        let stripe = md5_b64
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
        self.locks[stripe % STRIPES].lock().await
    }

    /// Take `body` in as the content of `md5_b64`. Bytes whose MD5 differs
    /// are discarded with an error; content already stored is accepted
    /// (small bodies are written again, identical, rather than paying a
    /// look-up each). Returns the size.
    pub async fn put(&self, cairn: &Cairn, md5_b64: &str, body: Body) -> Result<i64, CoreError> {
        let key = Self::key(md5_b64)
            .ok_or_else(|| CoreError::InvalidInput(format!("{md5_b64:?} is not an MD5 digest.")))?;
        let small = HttpBody::size_hint(&body)
            .exact()
            .is_some_and(|n| n <= SMALL_BLOB as u64);
        if small {
            return self.put_small(cairn, md5_b64, &key, body).await;
        }
        let writer = self.receive_streaming(body).await?;
        let (size, actual) = writer.digest();
        if actual != md5_b64 {
            writer.abort().await;
            return Err(mismatch(&actual, md5_b64));
        }
        let _guard = self.lock(md5_b64).await;
        if cairn.blob_size(md5_b64).await?.is_some() {
            writer.abort().await;
            return Ok(size as i64);
        }
        writer.commit(&self.blobs, &key).await.map_err(io_error)?;
        cairn.record_blob(md5_b64, size as i64).await?;
        Ok(size as i64)
    }

    /// A small body: read whole, then checked, written, fsynced and renamed
    /// in one blocking step under the digest's lock, and recorded.
    async fn put_small(
        &self,
        cairn: &Cairn,
        md5_b64: &str,
        key: &str,
        body: Body,
    ) -> Result<i64, CoreError> {
        let bytes = axum::body::to_bytes(body, SMALL_BLOB)
            .await
            .map_err(|e| CoreError::InvalidInput(format!("The upload broke off: {e}")))?;
        let _guard = self.lock(md5_b64).await;
        let stored = self
            .blobs
            .put_whole(key, bytes, md5_b64.to_string())
            .await
            .map_err(io_error)?;
        let size = stored.map_err(|actual| mismatch(&actual, md5_b64))? as i64;
        cairn.record_blob(md5_b64, size).await?;
        Ok(size)
    }

    /// A large (or unsized) body, written to disk as it arrives.
    async fn receive_streaming(&self, body: Body) -> Result<BlobWriter, CoreError> {
        let mut writer = self.blobs.writer().await.map_err(io_error)?;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    writer.abort().await;
                    return Err(CoreError::InvalidInput(format!(
                        "The upload broke off: {e}"
                    )));
                }
            };
            if let Err(e) = writer.write(&chunk).await {
                writer.abort().await;
                return Err(io_error(e));
            }
        }
        Ok(writer)
    }

    /// Delete the bytes of every digest in `digests` that nothing references
    /// any more. Returns how many blobs went.
    pub async fn collect(&self, cairn: &Cairn, digests: &[String]) -> Result<usize, CoreError> {
        let mut removed = 0;
        for md5 in digests {
            let Some(key) = Self::key(md5) else { continue };
            let _guard = self.lock(md5).await;
            if cairn.forget_blob_if_unreferenced(md5).await? {
                self.blobs.delete(&key).await.map_err(io_error)?;
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(removed, "artifact blobs collected");
        }
        Ok(removed)
    }
}

fn mismatch(actual: &str, declared: &str) -> CoreError {
    CoreError::InvalidInput(format!(
        "Digest mismatch: the bytes received have MD5 {actual}, not the declared {declared}."
    ))
}

fn io_error(e: std::io::Error) -> CoreError {
    CoreError::Internal(format!("blob store: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_forms() {
        let b64 = "XrY7u+Ae7tCTyyK7j1rNww==";
        let hex = hex_of(b64).unwrap();
        assert_eq!(hex, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(b64_of(&hex).unwrap(), b64);
        assert_eq!(ContentStore::key(b64).unwrap(), format!("cas/5e/{hex}"));
        assert!(hex_of("nope").is_none());
        assert!(b64_of("zz").is_none());
    }
}
