//! A small pool of plain (rusqlite) read-only connections for bulk reads.
//!
//! sqlx's SQLite driver runs each connection on a worker thread and hands
//! every row over a channel; measured on a 100,000-row history scan that
//! cost about 8 µs a row, ten times what SQLite itself needs. History scans
//! and samples read many small rows, so they run here instead: on the
//! blocking thread pool, straight through the C API. Both drivers use the
//! same bundled SQLite; WAL mode lets these readers run beside the writer.
//!
//! At most [`MAX_OPEN`] readers exist at once; more concurrent reads wait
//! for one. Each connection has its own page cache and its own mapping of
//! the file (up to `READER_MMAP_BYTES`), both counted in RSS, so their
//! number, not the request rate, must bound this pool's memory (see
//! "Memory" in `lib.rs`). Before the cap, every concurrent history read
//! beyond the idle ones opened a connection of its own.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_core::store::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

/// Most reader connections open at once, busy or idle (the number the pool
/// used to keep idle). Bulk reads are CPU-bound, so on a machine of a few
/// cores more at once would add memory, not throughput.
pub(crate) const MAX_OPEN: usize = 4;

/// Read-only connections to the database file.
#[derive(Clone)]
pub(crate) struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// One permit per connection that may be open.
    open: Arc<Semaphore>,
    idle: Mutex<Vec<Connection>>,
    /// Connections opened so far (for tests).
    #[cfg(test)]
    opened: std::sync::atomic::AtomicUsize,
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Self {
        Readers {
            inner: Arc::new(Inner {
                path,
                open: Arc::new(Semaphore::new(MAX_OPEN)),
                idle: Mutex::new(Vec::new()),
                #[cfg(test)]
                opened: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    /// Run `read` on a connection, off the async runtime, once one of the
    /// [`MAX_OPEN`] connections is free.
    pub(crate) async fn read<T, F>(&self, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.inner.open)
            .acquire_owned()
            .await
            .map_err(|e| StoreError::backend(format!("the readers are closed: {e}")))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            // The permit travels with the connection: released only once
            // the connection is back in `idle`, even if the caller gave up.
            let _permit = permit;
            let conn = inner.take()?;
            let result = read(&conn).map_err(crate::backend);
            inner.give_back(conn);
            result
        })
        .await
        .map_err(|e| StoreError::backend(format!("reader task failed: {e}")))?
    }
}

impl Inner {
    fn take(&self) -> StoreResult<Connection> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::backend(format!("cannot open a reader: {e}")))?;
        #[cfg(test)]
        self.opened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        conn.busy_timeout(Duration::from_secs(10))
            .and_then(|()| conn.pragma_update(None, "mmap_size", crate::READER_MMAP_BYTES))
            .and_then(|()| conn.pragma_update(None, "cache_size", -crate::CACHE_KIB))
            .map_err(crate::backend)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        // Never more than MAX_OPEN: a permit is held while `conn` is out.
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Many more concurrent reads than connections: they share
    /// `MAX_OPEN` connections (each with its own page cache and file
    /// mapping) instead of opening one each.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_reads_share_at_most_max_open_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let readers = Readers::new(path);
        // MAX_OPEN reads at a time must all be inside `read` together to
        // pass the barrier: proof that the cap is reached, not just
        // respected by running one at a time.
        let barrier = Arc::new(Barrier::new(MAX_OPEN));
        let (active, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..MAX_OPEN * 8 {
            let (readers, barrier) = (readers.clone(), Arc::clone(&barrier));
            let (active, most) = (Arc::clone(&active), Arc::clone(&most));
            reads.spawn(async move {
                readers
                    .read(move |conn| {
                        let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let n: i64 = conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?;
                        barrier.wait();
                        active.fetch_sub(1, Ordering::SeqCst);
                        Ok(n)
                    })
                    .await
            });
        }
        while let Some(done) = reads.join_next().await {
            assert_eq!(done.unwrap().unwrap(), 0);
        }
        assert_eq!(most.load(Ordering::SeqCst), MAX_OPEN);
        assert_eq!(readers.inner.opened.load(Ordering::SeqCst), MAX_OPEN);
        assert_eq!(readers.inner.idle.lock().unwrap().len(), MAX_OPEN);
    }
}
