//! [`ContentStore`]: artifact bytes, content-addressed, over any
//! [`BlobStore`].
//!
//! Every distinct content is kept once, named by its MD5 (the digest the
//! W&B client computes for each file and sends before uploading). Bytes
//! arriving for a digest are hashed as they stream into the blob store and
//! kept only if they match it, so a stored blob is always what its name
//! says. Multipart uploads land as parts under `uploads/<id>/` and are
//! joined into their digest's blob here too.
//!
//! **Unique keys.** Each upload writes its bytes to a key of its own,
//! `cas/<2 hex>/<32 hex>.<random>`, and then records the digest's row with
//! that key in one statement that does nothing if the row already exists
//! (someone stored the content first: the upload deletes its own key and
//! succeeds). Readers find the key through the row. A collection deletes
//! the row, only if nothing references the digest, and gets back its key
//! in the same transaction; it then deletes exactly that key. Rows from
//! before unique keys have none: their bytes are at `cas/<2 hex>/<32 hex>`
//! ([`ContentStore::key`]), and read and collect as any other.
//!
//! Why uploads and collections of one digest need no lock, even across
//! processes sharing a database and a store: no key is ever written by two
//! uploads, and the only key a collection deletes is the one named by the
//! row it deleted itself. Between an upload U and a collection C:
//! - U records its row before C looks: C deletes that row and U's key
//!   together, so neither stays without the other (U's content is gone, as
//!   if C had come a moment later: it was unreferenced);
//! - the row existed before U (U deduplicates): U deletes only its own key,
//!   C only the row's, whichever comes first;
//! - C deletes the row before U records: U's insert makes a new row naming
//!   U's key, which C never saw and never deletes.
//!
//! So a row never names missing bytes, with one database write per upload
//! and no overwrite or rename of a shared key (an object store such as S3
//! has neither atomic rename nor locks). A crash between writing the bytes
//! and recording the row, or between forgetting a row and deleting its
//! key, leaves an orphan key that nothing reads. A reader that found a
//! row just before a collection may find its key gone: that is a digest
//! being deleted, answered as not stored. (Before this, uploads took
//! leases in the database, three writes per upload; before that, 64
//! in-process mutexes that could not hold across processes.)

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::blob::{BlobError, BlobStore, ByteStream};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

pub use cairn_types::digest::{b64_of, hex_of};

/// Uploads of at most this many bytes (by their declared length) are read
/// whole and stored in one step; larger ones stream.
pub const SMALL_BLOB: u64 = 4 << 20;

/// Content-addressed artifact bytes. Cheap to clone.
#[derive(Clone)]
pub struct ContentStore {
    blobs: Arc<dyn BlobStore>,
    store: Arc<dyn Store>,
}

/// A stored digest, found through its row: its size and where its bytes
/// are. Looked up once per download ([`ContentStore::find`]), then opened
/// ([`ContentStore::open`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContent {
    md5: String,
    size: u64,
    key: String,
}

impl StoredContent {
    /// Bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The blob key holding the bytes.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl ContentStore {
    /// Keep artifact bytes in `blobs`, their rows in `store`.
    pub(crate) fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>) -> Self {
        ContentStore { blobs, store }
    }

    /// A digest's (base64 MD5) name in the blob store, `cas/<2 hex>/<32
    /// hex>`: where blobs stored before unique keys are, the stem of every
    /// upload's own key, and the `storagePath` clients are shown.
    pub fn key(md5_b64: &str) -> Option<String> {
        let hex = hex_of(md5_b64)?;
        Some(format!("cas/{}/{hex}", &hex[..2]))
    }

    /// A key no other upload writes: the digest's name and 64 random bits.
    fn fresh_key(md5_b64: &str) -> CoreResult<String> {
        let stem = Self::key(md5_b64)
            .ok_or_else(|| CoreError::InvalidInput(format!("{md5_b64:?} is not an MD5 digest.")))?;
        let mut random = [0u8; 8];
        getrandom::fill(&mut random)
            .map_err(|e| CoreError::Internal(format!("no randomness: {e}")))?;
        Ok(format!("{stem}.{:016x}", u64::from_le_bytes(random)))
    }

    /// Take `body` in as the content of `md5_b64`; `len` is its declared
    /// length, if known. Bytes whose MD5 differs are discarded with an
    /// error; content already stored is accepted (written, then dropped
    /// when its row is found to exist, rather than paying a look-up
    /// first). Returns the size.
    ///
    /// `proving` names the artifact whose upload URL this is: the bytes,
    /// once checked, prove its staged entries with this digest (the
    /// uploader has them; the URL's signature is the authorization). The
    /// proof is written with the blob's row, in one round trip.
    pub async fn put(
        &self,
        md5_b64: &str,
        body: ByteStream,
        len: Option<u64>,
        proving: Option<i64>,
    ) -> CoreResult<i64> {
        let key = Self::fresh_key(md5_b64)?;
        let stored = if len.is_some_and(|n| n <= SMALL_BLOB) {
            let bytes = read_whole(body, SMALL_BLOB).await?;
            self.blobs.put_bytes(&key, bytes, Some(md5_b64)).await?
        } else {
            self.blobs.put(&key, body, Some(md5_b64)).await?
        };
        self.record(md5_b64, stored.size, key, proving).await
    }

    /// [`ContentStore::put`] for bytes in memory (manifests the server
    /// writes).
    pub async fn put_bytes(&self, md5_b64: &str, bytes: Bytes) -> CoreResult<i64> {
        let key = Self::fresh_key(md5_b64)?;
        let stored = self.blobs.put_bytes(&key, bytes, Some(md5_b64)).await?;
        self.record(md5_b64, stored.size, key, None).await
    }

    /// Record the bytes just stored at `key` as the content of `md5`, or,
    /// if the digest has a row already, drop them (see the module doc).
    async fn record(
        &self,
        md5: &str,
        size: u64,
        key: String,
        proving: Option<i64>,
    ) -> CoreResult<i64> {
        let size = size as i64;
        // On an error the row may or may not have been written, so the
        // bytes stay (at worst an orphan nothing reads).
        if !self.store.insert_blob(md5, size, &key, proving).await?
            && let Err(e) = self.blobs.delete(&key).await
        {
            tracing::warn!(key, error = %e, "could not delete a duplicate blob");
        }
        Ok(size)
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
    /// `proving` as for [`ContentStore::put`].
    pub async fn put_parts(
        &self,
        md5_b64: &str,
        upload_id: &str,
        parts: &[i64],
        proving: Option<i64>,
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
        let stored = self.put(md5_b64, body, None, proving).await;
        if let Err(e) = self
            .blobs
            .delete_prefix(&format!("uploads/{upload_id}"))
            .await
        {
            tracing::warn!(upload_id, error = %e, "could not delete an upload's parts");
        }
        stored
    }

    /// Where a stored digest's bytes are, and their size; `None` if the
    /// digest is not stored. One row read.
    pub async fn find(&self, md5_b64: &str) -> CoreResult<Option<StoredContent>> {
        let Some(row) = self.store.blob(md5_b64).await? else {
            return Ok(None);
        };
        let Some(key) = row.key.or_else(|| Self::key(md5_b64)) else {
            return Ok(None);
        };
        Ok(Some(StoredContent {
            md5: md5_b64.to_string(),
            size: u64::try_from(row.size).unwrap_or(0),
            key,
        }))
    }

    /// The bytes of a digest [`ContentStore::find`] found, or `len` of them
    /// from `offset`.
    pub async fn open(
        &self,
        found: &StoredContent,
        range: Option<(u64, u64)>,
    ) -> CoreResult<ByteStream> {
        let opened = match range {
            None => self.blobs.get(&found.key).await,
            Some((offset, len)) => self.blobs.get_range(&found.key, offset, len).await,
        };
        opened.map_err(|e| match e {
            BlobError::NotFound(_) => not_stored(&found.md5),
            other => other.into(),
        })
    }

    /// A stored digest's bytes, whole (manifests).
    pub async fn read(&self, md5_b64: &str) -> CoreResult<Vec<u8>> {
        let found = self
            .find(md5_b64)
            .await?
            .ok_or_else(|| not_stored(md5_b64))?;
        let stream = self.open(&found, None).await?;
        Ok(crate::blob::read_all(stream).await?.to_vec())
    }

    /// Delete the bytes of every digest in `digests` that nothing references
    /// any more. Returns how many blobs went.
    pub async fn collect(&self, digests: &[String]) -> CoreResult<usize> {
        let mut removed = 0;
        for md5 in digests {
            let Some(name) = Self::key(md5) else { continue };
            let Some(row) = self.store.forget_blob_if_unreferenced(md5).await? else {
                continue;
            };
            // If this fails the row is gone already: the bytes are an
            // orphan nothing reads.
            self.blobs.delete(&row.key.unwrap_or(name)).await?;
            removed += 1;
        }
        if removed > 0 {
            tracing::info!(removed, "artifact blobs collected");
        }
        Ok(removed)
    }
}

/// The answer for a digest with no row, or whose bytes went meanwhile.
fn not_stored(md5_b64: &str) -> CoreError {
    CoreError::NotFound(format!("No file with digest {md5_b64} is stored."))
}

/// The blob key of one part of a multipart upload, if `upload_id` is one
/// the server could have handed out.
fn part_key(upload_id: &str, part: i64) -> CoreResult<String> {
    crate::multipart::check_upload_id(upload_id)?;
    if !(1..=crate::multipart::MAX_PARTS).contains(&part) {
        return Err(CoreError::InvalidInput(format!(
            "Part number {part} is out of range; parts are numbered 1 to {}.",
            crate::multipart::MAX_PARTS
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
        let (one, two) = (
            ContentStore::fresh_key(b64).unwrap(),
            ContentStore::fresh_key(b64).unwrap(),
        );
        assert_ne!(one, two, "every upload writes a key of its own");
        let suffix = one.strip_prefix(&format!("cas/5e/{hex}.")).unwrap();
        assert!(suffix.len() == 16 && suffix.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(ContentStore::fresh_key("nope").is_err());
        assert!(hex_of("nope").is_none());
        assert!(b64_of("zz").is_none());
        assert_eq!(part_key("ab-C_1", 3).unwrap(), "uploads/ab-C_1/000003");
        assert!(part_key("../x", 1).is_err());
        assert!(part_key("", 1).is_err());
    }
}
