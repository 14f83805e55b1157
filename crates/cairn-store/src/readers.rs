//! A small pool of plain (rusqlite) read-only connections for bulk reads.
//!
//! sqlx's SQLite driver runs each connection on a worker thread and hands
//! every row over a channel; measured on a 100,000-row history scan that
//! cost about 8 µs a row, ten times what SQLite itself needs. History scans
//! and samples read many small rows, so they run here instead: on the
//! blocking thread pool, straight through the C API. Both drivers use the
//! same bundled SQLite; WAL mode lets these readers run beside the writer.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_core::store::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags};

/// Idle connections kept for reuse.
const MAX_IDLE: usize = 4;

/// Read-only connections to the database file.
#[derive(Clone)]
pub(crate) struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Self {
        Readers {
            inner: Arc::new(Inner {
                path,
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Run `read` on a connection, off the async runtime.
    pub(crate) async fn read<T, F>(&self, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner.take()?;
            let result = read(&conn).map_err(|e| StoreError::Backend(e.to_string()));
            inner.give_back(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("reader task failed: {e}")))?
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
        .map_err(|e| StoreError::Backend(format!("cannot open a reader: {e}")))?;
        conn.busy_timeout(Duration::from_secs(10))
            .and_then(|()| conn.pragma_update(None, "mmap_size", crate::MMAP_BYTES))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}
