//! Blob leases: the database half of keeping an upload and a garbage
//! collection of the same digest apart.
//!
//! The rule lives in `cairn_core::content`; here it is made atomic. Each
//! step that must not interleave with another process's is one statement
//! or one `BEGIN IMMEDIATE` transaction: taking an upload lease checks for
//! a live collection lease in the same statement; recording a blob checks
//! its upload lease is still live in the same statement (and releases it
//! just after); forgetting a blob
//! checks references and live upload leases and takes the collection lease
//! in the same transaction. Expired leases count for nothing and are
//! removed when their digest is next collected or leased again.

use cairn_core::content::{COLLECTION_LEASE, COLLECTION_LEASE_SECS};
use cairn_core::store::StoreResult;

use crate::{SqliteStore, backend, now};

impl SqliteStore {
    pub(super) async fn take_blob_lease(
        &self,
        md5: &str,
        holder: &str,
        ttl_secs: i64,
    ) -> StoreResult<bool> {
        let now = now();
        let taken = sqlx::query(
            "INSERT INTO blob_leases (md5, holder, expires_at) \
             SELECT ?1, ?2, ?3 WHERE NOT EXISTS \
               (SELECT 1 FROM blob_leases WHERE md5 = ?1 AND holder = ?4 AND expires_at > ?5) \
             ON CONFLICT (md5, holder) DO UPDATE SET expires_at = excluded.expires_at",
        )
        .bind(md5)
        .bind(holder)
        .bind(now + ttl_secs)
        .bind(COLLECTION_LEASE)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(backend)?
        .rows_affected()
            > 0;
        Ok(taken)
    }

    /// Two statements, not one transaction (a round trip and a commit
    /// fewer on every upload): the row is recorded only while the lease
    /// lives, and the lease is released after; between the two the live
    /// lease still keeps collections away, and after a crash there it
    /// expires.
    pub(super) async fn insert_blob_releasing_lease(
        &self,
        md5: &str,
        size: i64,
        holder: &str,
    ) -> StoreResult<bool> {
        let now = now();
        // A no-op update on an existing row still counts as a change, so
        // zero changes means the lease was dead.
        let recorded = sqlx::query(
            "INSERT INTO artifact_blobs (md5, size, created_at)              SELECT ?1, ?2, ?3 WHERE EXISTS                (SELECT 1 FROM blob_leases WHERE md5 = ?1 AND holder = ?4 AND expires_at > ?3)              ON CONFLICT (md5) DO UPDATE SET size = artifact_blobs.size",
        )
        .bind(md5)
        .bind(size)
        .bind(now)
        .bind(holder)
        .execute(&self.writer)
        .await
        .map_err(backend)?
        .rows_affected()
            > 0;
        self.drop_blob_lease(md5, holder).await?;
        Ok(recorded)
    }

    pub(super) async fn drop_blob_lease(&self, md5: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM blob_leases WHERE md5 = ? AND holder = ?")
            .bind(md5)
            .bind(holder)
            .execute(&self.writer)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// [`cairn_core::store::EntryStore::forget_blob_if_unreferenced`].
    pub(super) async fn forget_unreferenced_blob(&self, md5: &str) -> StoreResult<bool> {
        let now = now();
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM blob_leases WHERE md5 = ? AND expires_at <= ?")
            .bind(md5)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let held: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM artifact_entries WHERE digest = ?1 AND ref IS NULL) \
             OR EXISTS (SELECT 1 FROM artifacts WHERE manifest_md5 = ?1) \
             OR EXISTS (SELECT 1 FROM blob_leases WHERE md5 = ?1)",
        )
        .bind(md5)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        if held {
            tx.commit().await.map_err(backend)?;
            return Ok(false);
        }
        let gone = sqlx::query("DELETE FROM artifact_blobs WHERE md5 = ?")
            .bind(md5)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected()
            > 0;
        if gone {
            sqlx::query("INSERT INTO blob_leases (md5, holder, expires_at) VALUES (?, ?, ?)")
                .bind(md5)
                .bind(COLLECTION_LEASE)
                .bind(now + COLLECTION_LEASE_SECS)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use cairn_core::content::COLLECTION_LEASE;
    use cairn_core::store::EntryStore;

    use crate::SqliteStore;

    const MD5: &str = "XrY7u+Ae7tCTyyK7j1rNww==";

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3"))
            .await
            .unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn a_live_upload_lease_keeps_an_unreferenced_blob_from_collection() {
        let (_dir, store) = store().await;
        // One upload recorded the blob; another of the same bytes is still
        // writing them when the collection looks.
        assert!(store.lease_blob(MD5, "first", 60).await.unwrap());
        assert!(store.lease_blob(MD5, "second", 60).await.unwrap());
        assert!(store.insert_leased_blob(MD5, 11, "first").await.unwrap());
        assert!(
            !store.forget_blob_if_unreferenced(MD5).await.unwrap(),
            "the second upload's lease keeps the blob"
        );
        assert_eq!(store.blob_size(MD5).await.unwrap(), Some(11));
        assert!(store.insert_leased_blob(MD5, 11, "second").await.unwrap());
        assert!(store.forget_blob_if_unreferenced(MD5).await.unwrap());
        assert_eq!(store.blob_size(MD5).await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_upload_waits_for_a_collection_and_an_expired_lease_records_nothing() {
        let (_dir, store) = store().await;
        assert!(store.lease_blob(MD5, "up", 60).await.unwrap());
        assert!(store.insert_leased_blob(MD5, 11, "up").await.unwrap());
        assert!(store.forget_blob_if_unreferenced(MD5).await.unwrap());
        assert!(
            !store.lease_blob(MD5, "next", 60).await.unwrap(),
            "no upload starts while the collection deletes the bytes"
        );
        store
            .release_blob_lease(MD5, COLLECTION_LEASE)
            .await
            .unwrap();
        // A lease that has run out no longer protects anything, so the
        // upload holding it may not record its blob.
        assert!(store.lease_blob(MD5, "slow", -1).await.unwrap());
        assert!(!store.insert_leased_blob(MD5, 11, "slow").await.unwrap());
        assert_eq!(store.blob_size(MD5).await.unwrap(), None);
    }
}
