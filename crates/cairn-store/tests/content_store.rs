//! `cairn_core::content::ContentStore` over the real backends (SQLite and
//! the local blob directory), including two "processes" (two store handles
//! on one database and one directory) racing an upload against a
//! collection: the database leases, not in-process locks, keep them apart.

use std::sync::Arc;
use std::time::Duration;

use cairn_core::blob::{BlobStore, ByteStream, Bytes};
use cairn_core::content::{COLLECTION_LEASE, ContentStore};
use cairn_core::store::EntryStore;
use cairn_core::{Cairn, CoreError};
use cairn_store::{LocalBlobs, SqliteStore};
use futures_util::StreamExt;

const HELLO: &[u8] = b"hello world";
const HELLO_MD5: &str = "XrY7u+Ae7tCTyyK7j1rNww==";

/// One server process: its own database handle and blob store handle.
struct Process {
    store: SqliteStore,
    blobs: Arc<dyn BlobStore>,
    content: ContentStore,
}

async fn process(dir: &std::path::Path) -> Process {
    let store = SqliteStore::open(&dir.join("db.sqlite3")).await.unwrap();
    let cairn = Cairn::open(Arc::new(store.clone())).await.unwrap();
    let blobs: Arc<dyn BlobStore> = Arc::new(LocalBlobs::open(dir.join("blobs")).await.unwrap());
    let content = cairn.content_store(blobs.clone());
    Process {
        store,
        blobs,
        content,
    }
}

fn stream(chunks: &[&'static [u8]]) -> ByteStream {
    let chunks: Vec<std::io::Result<Bytes>> =
        chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
    futures_util::stream::iter(chunks).boxed()
}

async fn read(stream: ByteStream) -> Vec<u8> {
    let chunks: Vec<std::io::Result<Bytes>> = stream.collect().await;
    chunks
        .into_iter()
        .flat_map(|c| c.unwrap().to_vec())
        .collect()
}

#[tokio::test]
async fn bytes_are_kept_only_under_their_digest_whole_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let p = process(dir.path()).await;
    // Declared small: read whole, stored in one step.
    let size = p
        .content
        .put(HELLO_MD5, stream(&[b"hello ", b"world"]), Some(11))
        .await
        .unwrap();
    assert_eq!(size, 11);
    assert_eq!(p.content.size(HELLO_MD5).await.unwrap(), Some(11));
    // The same content again is accepted (and recorded once).
    let again = p.content.put(HELLO_MD5, stream(&[HELLO]), None).await;
    assert_eq!(again.unwrap(), 11);
    assert_eq!(p.content.read(HELLO_MD5).await.unwrap(), HELLO);
    let range = p.content.open(HELLO_MD5, Some((6, 5))).await.unwrap();
    assert_eq!(read(range).await, b"world");
    // Unsized: streamed. Wrong bytes are refused and nothing is recorded.
    let other = cairn_types::digest::b64(&[7u8; 16]);
    let refused = p.content.put(&other, stream(&[HELLO]), None).await;
    assert!(
        matches!(refused, Err(CoreError::InvalidInput(ref m)) if m.contains("Digest mismatch")),
        "{refused:?}"
    );
    assert_eq!(p.content.size(&other).await.unwrap(), None);
    assert!(matches!(
        p.content.open(&other, None).await,
        Err(CoreError::NotFound(_))
    ));
    // Every lease taken was released again.
    assert!(
        p.store
            .forget_blob_if_unreferenced(HELLO_MD5)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn parts_are_joined_in_order_then_removed() {
    let dir = tempfile::tempdir().unwrap();
    let p = process(dir.path()).await;
    p.content
        .put_part("up-1", 2, stream(&[b"world"]))
        .await
        .unwrap();
    p.content
        .put_part("up-1", 1, stream(&[b"hello "]))
        .await
        .unwrap();
    let missing = p.content.put_parts(HELLO_MD5, "up-1", &[1, 2, 3]).await;
    assert!(
        matches!(missing, Err(CoreError::InvalidInput(ref m)) if m.contains("Part 3 of upload up-1 was never uploaded")),
        "{missing:?}"
    );
    assert!(matches!(
        p.content.put_part("../x", 1, stream(&[b"x"])).await,
        Err(CoreError::InvalidInput(_))
    ));
    let size = p
        .content
        .put_parts(HELLO_MD5, "up-1", &[1, 2])
        .await
        .unwrap();
    assert_eq!(size, 11);
    assert_eq!(p.content.read(HELLO_MD5).await.unwrap(), HELLO);
    assert!(
        p.blobs
            .list_prefix("uploads/up-1")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn another_process_upload_lease_keeps_a_blob_from_collection() {
    let dir = tempfile::tempdir().unwrap();
    let uploader = process(dir.path()).await;
    let collector = process(dir.path()).await;
    uploader
        .content
        .put_bytes(HELLO_MD5, Bytes::from_static(HELLO))
        .await
        .unwrap();
    // The uploader is writing the same bytes again, holding a lease.
    assert!(
        uploader
            .store
            .lease_blob(HELLO_MD5, "in-flight", 60)
            .await
            .unwrap()
    );
    let removed = collector
        .content
        .collect(&[HELLO_MD5.to_string()])
        .await
        .unwrap();
    assert_eq!(removed, 0, "a leased blob is not collected");
    assert_eq!(collector.content.read(HELLO_MD5).await.unwrap(), HELLO);
    uploader
        .store
        .release_blob_lease(HELLO_MD5, "in-flight")
        .await
        .unwrap();
    let removed = collector
        .content
        .collect(&[HELLO_MD5.to_string()])
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(uploader.content.size(HELLO_MD5).await.unwrap(), None);
    assert!(
        uploader
            .blobs
            .head(&ContentStore::key(HELLO_MD5).unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_upload_waits_while_another_process_collects_the_same_digest() {
    let dir = tempfile::tempdir().unwrap();
    let uploader = process(dir.path()).await;
    let collector = process(dir.path()).await;
    uploader
        .content
        .put_bytes(HELLO_MD5, Bytes::from_static(HELLO))
        .await
        .unwrap();
    // The collector has forgotten the row and is about to delete the bytes.
    assert!(
        collector
            .store
            .forget_blob_if_unreferenced(HELLO_MD5)
            .await
            .unwrap()
    );
    let content = uploader.content.clone();
    let upload = tokio::spawn(async move {
        content
            .put_bytes(HELLO_MD5, Bytes::from_static(HELLO))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!upload.is_finished(), "the upload waits for the collection");
    collector
        .blobs
        .delete(&ContentStore::key(HELLO_MD5).unwrap())
        .await
        .unwrap();
    collector
        .store
        .release_blob_lease(HELLO_MD5, COLLECTION_LEASE)
        .await
        .unwrap();
    assert_eq!(upload.await.unwrap().unwrap(), 11);
    assert_eq!(uploader.content.read(HELLO_MD5).await.unwrap(), HELLO);
    assert_eq!(collector.content.size(HELLO_MD5).await.unwrap(), Some(11));
}
