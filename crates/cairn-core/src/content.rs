//! [`ContentStore`]: artifact bytes, content-addressed, over any
//! [`BlobStore`].
//!
//! Every distinct content is kept once, at `cas/<2 hex>/<32 hex>`, named by
//! its MD5 (the digest the W&B client computes for each file and sends
//! before uploading). Bytes arriving for a digest are hashed as they stream
//! into the blob store and kept only if they match it, so a stored blob is
//! always what its name says. Multipart uploads land as parts under
//! `uploads/<id>/` and are joined into their digest's blob here too.
//!
//! Storing and collecting race on the same digest: an upload may be putting
//! bytes in place just as a collection decides nothing references them. The
//! two are serialised through the database, not a process's memory, so the
//! rule holds with several server processes on one database and store:
//! - an upload takes a lease on the digest (its own holder id, live
//!   [`UPLOAD_LEASE_SECS`] and refreshed while bytes flow) before writing,
//!   records the blob row only if that lease still lives, and then
//!   releases it;
//! - a collection forgets the row only if nothing references the digest
//!   and no upload lease lives, taking the [`COLLECTION_LEASE`] in the same
//!   transaction; it then deletes the bytes and releases that lease. An
//!   upload finding the collection lease waits for it.
//!
//! Either the upload's lease comes first (the collection refuses) or the
//! collection's (the upload writes after the bytes are gone), so a row is
//! never left without its bytes. An upload whose lease expired before it
//! was recorded is refused (the client uploads again) rather than trusted.
//! (An earlier version held 64 in-process mutexes instead; they could not
//! hold across two processes.)

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::blob::{BlobError, BlobStore, ByteStream};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

pub use cairn_types::digest::{b64_of, hex_of};

/// Uploads of at most this many bytes (by their declared length) are read
/// whole and stored in one step; larger ones stream.
pub const SMALL_BLOB: u64 = 4 << 20;

/// The lease holder a collection takes (upload holders are random ids,
/// never this).
pub const COLLECTION_LEASE: &str = "collection";

/// How long a collection's lease lives: deleting one blob's bytes takes far
/// less; after a crash the digest is free again this much later.
pub const COLLECTION_LEASE_SECS: i64 = 5 * 60;

/// How long an upload's lease lives without a refresh.
pub const UPLOAD_LEASE_SECS: i64 = 30 * 60;

/// How often a streaming upload refreshes its lease.
const LEASE_REFRESH: Duration = Duration::from_secs(5 * 60);

/// How often, and how many times, an upload asks again for a lease held by
/// a collection (which deletes one file and lets go).
const LEASE_RETRY: Duration = Duration::from_millis(20);
const LEASE_ATTEMPTS: usize = 250;

/// Content-addressed artifact bytes. Cheap to clone.
#[derive(Clone)]
pub struct ContentStore {
    blobs: Arc<dyn BlobStore>,
    store: Arc<dyn Store>,
}

impl ContentStore {
    /// Keep artifact bytes in `blobs`, their rows and leases in `store`.
    pub(crate) fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>) -> Self {
        ContentStore { blobs, store }
    }

    /// The blob key of a digest (base64 MD5).
    pub fn key(md5_b64: &str) -> Option<String> {
        let hex = hex_of(md5_b64)?;
        Some(format!("cas/{}/{hex}", &hex[..2]))
    }

    fn key_or_error(md5_b64: &str) -> CoreResult<String> {
        Self::key(md5_b64)
            .ok_or_else(|| CoreError::InvalidInput(format!("{md5_b64:?} is not an MD5 digest.")))
    }

    /// Take `body` in as the content of `md5_b64`; `len` is its declared
    /// length, if known. Bytes whose MD5 differs are discarded with an
    /// error; content already stored is accepted (and written again,
    /// identical, rather than paying a look-up each). Returns the size.
    pub async fn put(&self, md5_b64: &str, body: ByteStream, len: Option<u64>) -> CoreResult<i64> {
        let key = Self::key_or_error(md5_b64)?;
        if len.is_some_and(|n| n <= SMALL_BLOB) {
            let bytes = read_whole(body, SMALL_BLOB).await?;
            return self.put_leased(md5_b64, &key, Payload::Whole(bytes)).await;
        }
        self.put_leased(md5_b64, &key, Payload::Stream(body)).await
    }

    /// [`ContentStore::put`] for bytes in memory (manifests the server
    /// writes).
    pub async fn put_bytes(&self, md5_b64: &str, bytes: Bytes) -> CoreResult<i64> {
        let key = Self::key_or_error(md5_b64)?;
        self.put_leased(md5_b64, &key, Payload::Whole(bytes)).await
    }

    async fn put_leased(&self, md5: &str, key: &str, payload: Payload) -> CoreResult<i64> {
        let lease = self.lease(md5).await?;
        let stored = match payload {
            Payload::Whole(bytes) => self.blobs.put_bytes(key, bytes, Some(md5)).await?,
            Payload::Stream(body) => {
                let _refresh = AbortOnDrop(
                    tokio::spawn(refresh_lease(
                        self.store.clone(),
                        md5.to_string(),
                        lease.holder.clone(),
                    ))
                    .abort_handle(),
                );
                self.blobs.put(key, body, Some(md5)).await?
            }
        };
        let size = stored.size as i64;
        let recorded = self
            .store
            .insert_leased_blob(md5, size, &lease.holder)
            .await?;
        lease.released();
        if !recorded {
            return Err(CoreError::Unavailable(format!(
                "The upload of {md5} took too long to be recorded; upload it again."
            )));
        }
        Ok(size)
    }

    /// A fresh lease on `md5`, waiting out a collection of it.
    async fn lease(&self, md5: &str) -> CoreResult<Lease> {
        let mut random = [0u8; 12];
        getrandom::fill(&mut random)
            .map_err(|e| CoreError::Internal(format!("no randomness: {e}")))?;
        let holder = cairn_types::digest::b64(&random);
        for _ in 0..LEASE_ATTEMPTS {
            if self
                .store
                .lease_blob(md5, &holder, UPLOAD_LEASE_SECS)
                .await?
            {
                return Ok(Lease {
                    store: Some(self.store.clone()),
                    md5: md5.to_string(),
                    holder,
                });
            }
            tokio::time::sleep(LEASE_RETRY).await;
        }
        Err(CoreError::Unavailable(format!(
            "The blob {md5} is being deleted; upload it again in a moment."
        )))
    }

    /// Store one part of multipart upload `upload_id`; returns its base64
    /// MD5 (the part's `ETag`). Parts are not content-addressed: they are
    /// only read back by [`ContentStore::put_parts`].
    pub async fn put_part(
        &self,
        upload_id: &str,
        part: i64,
        body: ByteStream,
    ) -> CoreResult<String> {
        let key = part_key(upload_id, part)?;
        Ok(self.blobs.put(&key, body, None).await?.md5)
    }

    /// Join the parts of upload `upload_id` (in the order given) into the
    /// content of `md5_b64`, then delete the parts. Returns the size.
    pub async fn put_parts(
        &self,
        md5_b64: &str,
        upload_id: &str,
        parts: &[i64],
    ) -> CoreResult<i64> {
        let mut streams = Vec::with_capacity(parts.len());
        for &part in parts {
            match self.blobs.get(&part_key(upload_id, part)?).await {
                Ok(stream) => streams.push(stream),
                Err(BlobError::NotFound(_)) => {
                    return Err(CoreError::InvalidInput(format!(
                        "Part {part} of upload {upload_id} was never uploaded."
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let body = futures_util::stream::iter(streams).flatten().boxed();
        let stored = self.put(md5_b64, body, None).await;
        if let Err(e) = self
            .blobs
            .delete_prefix(&format!("uploads/{upload_id}"))
            .await
        {
            tracing::warn!(upload_id, error = %e, "could not delete an upload's parts");
        }
        stored
    }

    /// The size of a stored digest, if stored.
    pub async fn size(&self, md5_b64: &str) -> CoreResult<Option<u64>> {
        Ok(self.store.blob_size(md5_b64).await?.map(|n| n as u64))
    }

    /// A stored digest's bytes, or `len` of them from `offset`.
    pub async fn open(&self, md5_b64: &str, range: Option<(u64, u64)>) -> CoreResult<ByteStream> {
        let key = Self::key_or_error(md5_b64)?;
        let opened = match range {
            None => self.blobs.get(&key).await,
            Some((offset, len)) => self.blobs.get_range(&key, offset, len).await,
        };
        opened.map_err(|e| match e {
            BlobError::NotFound(_) => {
                CoreError::NotFound(format!("No file with digest {md5_b64} is stored."))
            }
            other => other.into(),
        })
    }

    /// A stored digest's bytes, whole (manifests).
    pub async fn read(&self, md5_b64: &str) -> CoreResult<Vec<u8>> {
        let mut stream = self.open(md5_b64, None).await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| CoreError::from(BlobError::Io(e)))?;
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Delete the bytes of every digest in `digests` that nothing references
    /// (and no upload is writing) any more. Returns how many blobs went.
    pub async fn collect(&self, digests: &[String]) -> CoreResult<usize> {
        let mut removed = 0;
        for md5 in digests {
            let Some(key) = Self::key(md5) else { continue };
            if !self.store.forget_blob_if_unreferenced(md5).await? {
                continue;
            }
            let deleted = self.blobs.delete(&key).await;
            // Released even if the delete failed: the row is gone, so the
            // bytes are an orphan a new upload simply replaces.
            self.store.release_blob_lease(md5, COLLECTION_LEASE).await?;
            deleted?;
            removed += 1;
        }
        if removed > 0 {
            tracing::info!(removed, "artifact blobs collected");
        }
        Ok(removed)
    }
}

/// An upload's lease on a digest. Dropped before [`Lease::released`] (the
/// upload failed, or its request was cancelled), it is released in the
/// background so a collection need not wait for it to expire.
struct Lease {
    store: Option<Arc<dyn Store>>,
    md5: String,
    holder: String,
}

impl Lease {
    /// The lease was released with the blob's row.
    fn released(mut self) {
        self.store = None;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else {
            return;
        };
        let (md5, holder) = (
            std::mem::take(&mut self.md5),
            std::mem::take(&mut self.holder),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.release_blob_lease(&md5, &holder).await {
                    tracing::warn!(error = %e, "could not release a blob lease");
                }
            });
        }
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What [`ContentStore::put_leased`] stores.
enum Payload {
    Whole(Bytes),
    Stream(ByteStream),
}

/// The blob key of one part of a multipart upload, if `upload_id` is one
/// the server could have handed out.
fn part_key(upload_id: &str, part: i64) -> CoreResult<String> {
    let ours = !upload_id.is_empty()
        && upload_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ours || part < 0 {
        return Err(CoreError::InvalidInput(format!(
            "{upload_id:?} part {part} is not a part of an upload of ours."
        )));
    }
    Ok(format!("uploads/{upload_id}/{part:06}"))
}

/// A body read into memory, at most `max` bytes.
async fn read_whole(mut body: ByteStream, max: u64) -> CoreResult<Bytes> {
    let broke_off = |e: std::io::Error| CoreError::from(BlobError::Interrupted(e));
    let Some(first) = body.next().await.transpose().map_err(broke_off)? else {
        return Ok(Bytes::new());
    };
    let Some(second) = body.next().await.transpose().map_err(broke_off)? else {
        return Ok(first);
    };
    let mut whole = BytesMut::with_capacity(first.len() + second.len());
    whole.extend_from_slice(&first);
    whole.extend_from_slice(&second);
    loop {
        if whole.len() as u64 > max {
            return Err(CoreError::InvalidInput(
                "The upload is longer than its declared length.".into(),
            ));
        }
        let Some(chunk) = body.next().await.transpose().map_err(broke_off)? else {
            break;
        };
        whole.extend_from_slice(&chunk);
    }
    Ok(whole.freeze())
}

/// Keep an upload's lease alive while its bytes stream (aborted when the
/// upload ends).
async fn refresh_lease(store: Arc<dyn Store>, md5: String, holder: String) {
    loop {
        tokio::time::sleep(LEASE_REFRESH).await;
        if let Err(e) = store.lease_blob(&md5, &holder, UPLOAD_LEASE_SECS).await {
            tracing::warn!(error = %e, "could not refresh a blob lease");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_forms_and_keys() {
        let b64 = "XrY7u+Ae7tCTyyK7j1rNww==";
        let hex = hex_of(b64).unwrap();
        assert_eq!(hex, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(b64_of(&hex).unwrap(), b64);
        assert_eq!(ContentStore::key(b64).unwrap(), format!("cas/5e/{hex}"));
        assert!(hex_of("nope").is_none());
        assert!(b64_of("zz").is_none());
        assert_eq!(part_key("ab-C_1", 3).unwrap(), "uploads/ab-C_1/000003");
        assert!(part_key("../x", 1).is_err());
        assert!(part_key("", 1).is_err());
    }
}
