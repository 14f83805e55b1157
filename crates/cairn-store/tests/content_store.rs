//! `cairn_core::content::ContentStore` over the real backends (SQLite and
//! the local blob directory), including two "processes" (two store handles
//! on one database and one directory) racing uploads against collections
//! of the same digest: unique blob keys, not locks, keep them apart.

use std::sync::Arc;

use cairn_core::blob::{BlobStore, ByteStream, Bytes};
use cairn_core::content::ContentStore;
use cairn_core::store::{BlobRow, EntryStore};
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

/// Every content blob in the store (`cas/…`), sorted.
async fn cas_keys(p: &Process) -> Vec<String> {
    let mut keys = p.blobs.list_prefix("cas").await.unwrap();
    keys.sort();
    keys
}

/// The rule every interleaving must keep: a row names bytes that are
/// there and are its content, and no other content key is left over.
async fn consistent(p: &Process) {
    let keys = cas_keys(p).await;
    match p.content.find(HELLO_MD5).await.unwrap() {
        Some(found) => {
            assert_eq!(keys, [found.key()], "only the row's key holds bytes");
            assert_eq!(
                read(p.content.open(&found, None).await.unwrap()).await,
                HELLO
            );
        }
        None => assert!(keys.is_empty(), "no row, no bytes: {keys:?}"),
    }
}

#[tokio::test]
async fn bytes_are_kept_only_under_their_digest_whole_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let p = process(dir.path()).await;
    // Declared small: read whole, stored in one step.
    let size = p
        .content
        .put(HELLO_MD5, stream(&[b"hello ", b"world"]), Some(11), None)
        .await
        .unwrap();
    assert_eq!(size, 11);
    let found = p.content.find(HELLO_MD5).await.unwrap().unwrap();
    assert_eq!(found.size(), 11);
    let stem = ContentStore::key(HELLO_MD5).unwrap();
    assert!(
        found.key().starts_with(&format!("{stem}.")),
        "an upload's own key: {}",
        found.key()
    );
    // The same content again, streamed, is accepted and recorded once.
    let again = p.content.put(HELLO_MD5, stream(&[HELLO]), None, None).await;
    assert_eq!(again.unwrap(), 11);
    assert_eq!(p.content.read(HELLO_MD5).await.unwrap(), HELLO);
    let range = p.content.open(&found, Some((6, 5))).await.unwrap();
    assert_eq!(read(range).await, b"world");
    consistent(&p).await;
    // Wrong bytes are refused, and nothing is recorded or left behind.
    let other = cairn_types::digest::b64(&[7u8; 16]);
    for len in [None, Some(11)] {
        let refused = p.content.put(&other, stream(&[HELLO]), len, None).await;
        assert!(
            matches!(refused, Err(CoreError::InvalidInput(ref m)) if m.contains("Digest mismatch")),
            "{refused:?}"
        );
    }
    assert_eq!(p.content.find(&other).await.unwrap(), None);
    assert!(matches!(
        p.content.read(&other).await,
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(cas_keys(&p).await, [found.key()]);
    // Unreferenced, so collected: the row and exactly its key.
    assert_eq!(
        p.content.collect(&[HELLO_MD5.to_string()]).await.unwrap(),
        1
    );
    consistent(&p).await;
    assert_eq!(p.content.find(HELLO_MD5).await.unwrap(), None);
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
    let missing = p
        .content
        .put_parts(HELLO_MD5, "up-1", &[1, 2, 3], None)
        .await;
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
        .put_parts(HELLO_MD5, "up-1", &[1, 2], None)
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
    consistent(&p).await;
}

#[tokio::test]
async fn the_second_process_to_store_a_digest_deletes_its_own_key() {
    let dir = tempfile::tempdir().unwrap();
    let first = process(dir.path()).await;
    let second = process(dir.path()).await;
    first
        .content
        .put_bytes(HELLO_MD5, Bytes::from_static(HELLO))
        .await
        .unwrap();
    let kept = first.content.find(HELLO_MD5).await.unwrap().unwrap();
    assert_eq!(
        second
            .content
            .put(HELLO_MD5, stream(&[HELLO]), None, None)
            .await
            .unwrap(),
        11
    );
    assert_eq!(second.content.find(HELLO_MD5).await.unwrap(), Some(kept));
    consistent(&second).await;
}

#[tokio::test]
async fn a_collection_deletes_only_the_key_of_the_row_it_forgot() {
    let dir = tempfile::tempdir().unwrap();
    let uploader = process(dir.path()).await;
    let collector = process(dir.path()).await;
    uploader
        .content
        .put_bytes(HELLO_MD5, Bytes::from_static(HELLO))
        .await
        .unwrap();
    // The collector forgets the row and is about to delete its key when
    // the uploader stores the same content again.
    let Some(BlobRow {
        key: Some(forgotten),
        ..
    }) = collector
        .store
        .forget_blob_if_unreferenced(HELLO_MD5)
        .await
        .unwrap()
    else {
        panic!("the unreferenced row is forgotten, with its key");
    };
    uploader
        .content
        .put_bytes(HELLO_MD5, Bytes::from_static(HELLO))
        .await
        .unwrap();
    collector.blobs.delete(&forgotten).await.unwrap();
    assert_eq!(collector.content.read(HELLO_MD5).await.unwrap(), HELLO);
    consistent(&collector).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_racing_collections_in_two_processes_never_leave_a_row_without_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let uploader = process(dir.path()).await;
    let collector = process(dir.path()).await;
    let digests = [HELLO_MD5.to_string()];
    for round in 0..40 {
        let small = uploader
            .content
            .put_bytes(HELLO_MD5, Bytes::from_static(HELLO));
        let streamed = collector
            .content
            .put(HELLO_MD5, stream(&[HELLO]), None, None);
        let collected = collector.content.collect(&digests);
        let (small, streamed, collected) = tokio::join!(small, streamed, collected);
        assert_eq!(small.unwrap(), 11, "round {round}");
        assert_eq!(streamed.unwrap(), 11, "round {round}");
        assert!(collected.unwrap() <= 1);
        consistent(&uploader).await;
        consistent(&collector).await;
    }
}

#[tokio::test]
async fn rows_from_before_unique_keys_still_read_and_collect() {
    let dir = tempfile::tempdir().unwrap();
    let p = process(dir.path()).await;
    // What an earlier release left: bytes at the digest's own name, and a
    // row without a key.
    let legacy = ContentStore::key(HELLO_MD5).unwrap();
    p.blobs
        .put_bytes(&legacy, Bytes::from_static(HELLO), Some(HELLO_MD5))
        .await
        .unwrap();
    let db = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("db.sqlite3")),
    )
    .await
    .unwrap();
    sqlx::query("INSERT INTO artifact_blobs (md5, size, created_at) VALUES (?, 11, 0)")
        .bind(HELLO_MD5)
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let found = p.content.find(HELLO_MD5).await.unwrap().unwrap();
    assert_eq!((found.size(), found.key()), (11, legacy.as_str()));
    assert_eq!(p.content.read(HELLO_MD5).await.unwrap(), HELLO);
    // Uploaded again: the old row stays, the new copy is dropped.
    p.content
        .put(HELLO_MD5, stream(&[HELLO]), Some(11), None)
        .await
        .unwrap();
    assert_eq!(cas_keys(&p).await, [legacy.as_str()]);
    assert_eq!(
        p.content.collect(&[HELLO_MD5.to_string()]).await.unwrap(),
        1
    );
    assert!(p.blobs.head(&legacy).await.unwrap().is_none());
    consistent(&p).await;
}
