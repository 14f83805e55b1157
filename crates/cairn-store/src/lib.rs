//! Cairn's storage: the only crate that speaks SQL.
//!
//! [`SqliteStore`] implements every trait in `cairn_core::store` on an
//! embedded SQLite database (WAL mode, foreign keys on, migrations applied at
//! open). One module per aggregate holds its queries; `rows.rs` turns rows
//! into domain records. A PostgreSQL backend will sit beside this one,
//! implementing the same traits with its own `migrations/postgres`;
//! `tests/backends.rs` holds the behaviour both must share, run per backend.
//!
//! Two drivers, each for what it does best, on the same bundled SQLite:
//!
//! | driver   | used for                                                   | why |
//! |----------|------------------------------------------------------------|-----|
//! | sqlx     | everything by default: migrations, point reads, searches, every write (`pool`, and the one `writer` connection) | async, pooled, typed binds, `REGEXP` registered |
//! | rusqlite | bulk history reads only (`readers.rs`, on the blocking pool) | sqlx hands each row over a channel, ~8 µs a row: ten times SQLite's own cost on 100k-row scans |
//!
//! Neither driver's types cross the crate boundary: the traits in
//! `cairn_core::store` speak domain types, and failures arrive as
//! [`StoreError`] with the driver's error kept as its source (`Unavailable`
//! for a busy, locked or failing database, so the server answers 503).

/// SQL condition on a project `p`: `cairn_core::registry::Visibility::shows`
/// for the viewer, bound by [`bind_visibility!`]. A project is left out
/// when its access is the rule's hidden value (`RESTRICTED`) and the viewer
/// neither created it nor holds a role in it (directly or through a team);
/// a NULL viewer sees everything (instance admins). One text for every
/// listing that must leave hidden registries out; the access value comes
/// from core, never from here.
macro_rules! restricted_visible_sql {
    () => {
        "(? IS NULL OR p.access <> ? OR p.created_by = ? \
          OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id \
                     AND (pm.user_id = ? OR pm.team_id IN \
                          (SELECT m.entity_id FROM memberships m WHERE m.user_id = ?))))"
    };
}

/// Bind [`restricted_visible_sql!`]'s parameters for a
/// `cairn_core::registry::Visibility`. (sqlx numbers plain `?`s from the
/// first argument whatever `?NNN`s stand before them, so the viewer cannot
/// be one numbered parameter.)
macro_rules! bind_visibility {
    ($query:expr, $visibility:expr) => {{
        let visibility: cairn_core::registry::Visibility = $visibility;
        $query
            .bind(visibility.viewer)
            .bind(visibility.hidden_access)
            .bind(visibility.viewer)
            .bind(visibility.viewer)
            .bind(visibility.viewer)
    }};
}

mod artifacts;
mod automations;
mod blobs;
mod dialect;
mod entities;
mod entity_secrets;
mod filter;
mod integrations;
mod keys;
mod launch;
mod private;
mod projects;
mod readers;
mod rows;
mod runs;
mod secrets;
mod sessions;
mod sweeps;
mod triggers;
mod users;
mod views;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use cairn_core::store::StoreError;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use blobs::LocalBlobs;
pub use private::ensure_private_dir;

// Memory. Every SQLite connection has a private page cache, and a
// connection with `mmap_size` > 0 maps the database file: the resident
// pages of each mapping count in the process's RSS again, so RSS grows with
// the database times the number of mapping connections. Measured (the soak
// in BENCHMARKS.md): with 12-14 connections mapping up to 1 GiB each, RSS
// tracked the growing database (samples up to 187 MiB at 100-160 MiB of
// database, 127 MiB of it the file's mappings) while the heap levelled
// off at 28 MiB. So only the few bulk readers map the file, and what
// they may map is capped. The bounds, all set here and in `readers.rs`:
//
//   page caches   (POOL_CONNECTIONS + 1 writer + readers::MAX_OPEN) x CACHE_KIB
//   file mapping  readers::MAX_OPEN x min(database size, READER_MMAP_BYTES)
//
// Mapped pages are the kernel's page cache (clean, reclaimable, shared by
// the readers: PSS counts each once), not heap.

/// Connections in the general pool (point reads, searches, small writes).
const POOL_CONNECTIONS: u32 = 8;

/// Each connection's page cache, KiB (`PRAGMA cache_size = -N`; about
/// SQLite's default of 2,000 KiB, written down so the bound above is ours).
pub(crate) const CACHE_KIB: i64 = 2048;

/// Prepared statements each sqlx connection keeps (sqlx's default; the
/// runs search prepares one statement per filter shape).
const STATEMENT_CACHE: usize = 100;

/// How much of the database file each bulk reader may memory-map. History
/// reads from the mapped part skip a copy per page (a 500-point
/// `sampledHistory` of a 100k-step run took 11.6 ms mapped, 18.6 ms not,
/// on a busy 2-core machine); pages past it are read through the page
/// cache like any connection's.
pub(crate) const READER_MMAP_BYTES: u64 = 256 << 20;

/// The embedded SQLite backend.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// One connection for the hot write paths (run logging). SQLite allows
    /// one writer at a time; queueing writers here, in the async runtime,
    /// is far cheaper than letting them spin in SQLite's busy handler.
    writer: SqlitePool,
    /// Plain connections for bulk reads (history).
    readers: readers::Readers,
    /// Remembered run counts (see `runs/counts.rs`).
    counts: std::sync::Arc<runs::CountCache>,
}

impl SqliteStore {
    /// Open (creating if needed) the database file at `path` and bring its
    /// schema up to date. The file and its `-wal` and `-shm` companions are
    /// readable by the server's account only (see `private.rs`).
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let private = |e: std::io::Error| {
            StoreError::backend(format!(
                "cannot make the database {} private: {e}",
                path.display()
            ))
        };
        // Created here, 0600, so that SQLite gives its -wal and -shm files
        // the same mode.
        private::ensure_private_file(path).map_err(private)?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut companion = path.as_os_str().to_owned();
            companion.push(suffix);
            private::tighten_if_present(Path::new(&companion)).map_err(private)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(backend)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL loses no committed transaction on a process
            // crash; only an OS crash may drop the last few.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // See "Memory" above: these connections do not map the file.
            .pragma("mmap_size", "0")
            .pragma("cache_size", format!("-{CACHE_KIB}"))
            .statement_cache_capacity(STATEMENT_CACHE)
            // `$regex` in registry and collection filters compiles to REGEXP.
            .with_regexp();
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_CONNECTIONS)
            .connect_with(options.clone())
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::backend(format!("database migration failed: {e}")))?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(backend)?;
        Ok(SqliteStore {
            pool,
            writer,
            readers: readers::Readers::new(path.to_path_buf()),
            counts: std::sync::Arc::default(),
        })
    }

    /// A transaction that writes: on the single writer connection, holding
    /// the write lock from its first statement (`BEGIN IMMEDIATE`). A
    /// deferred transaction that reads and then writes fails with
    /// SQLITE_BUSY_SNAPSHOT whenever another connection committed in
    /// between, and the busy timeout cannot retry that; every transaction
    /// that writes therefore starts here.
    pub(crate) async fn write_tx(&self) -> Result<WriteTx, StoreError> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }

    /// Close the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A write transaction (see [`SqliteStore::write_tx`]).
pub(crate) type WriteTx = sqlx::Transaction<'static, sqlx::Sqlite>;

/// Map a driver error to a backend error.
fn backend(err: impl Into<cairn_core::store::BackendError>) -> StoreError {
    let err = err.into();
    let not_now = err.downcast_ref::<sqlx::Error>().is_some_and(unavailable)
        || err
            .downcast_ref::<rusqlite::Error>()
            .is_some_and(reader_unavailable);
    if not_now {
        StoreError::Unavailable(err)
    } else {
        StoreError::Backend(err)
    }
}

/// [`unavailable`] for the bulk readers' driver.
fn reader_unavailable(err: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, DiskFull, SystemIoFailure};
    matches!(
        err.sqlite_error_code(),
        Some(DatabaseBusy | DatabaseLocked | DiskFull | SystemIoFailure)
    )
}

/// Whether a driver error means "not now" rather than "never": no
/// connection to be had, I/O failing, or the database still locked after
/// the busy timeout.
fn unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            // SQLITE_BUSY (5), SQLITE_LOCKED (6), SQLITE_IOERR (10) and
            // SQLITE_FULL (13), with or without an extended code.
            let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
            matches!(code & 0xff, 5 | 6 | 10 | 13)
        }
        _ => false,
    }
}

/// Map a driver error, turning a uniqueness violation into a conflict that
/// says `what` clashed.
fn conflict_or_backend(err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what()),
        _ => backend(err),
    }
}

/// Seconds since the epoch, now.
fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_to_get_a_connection_is_unavailable_and_keeps_its_source() {
        let err = backend(sqlx::Error::PoolTimedOut);
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(std::error::Error::source(&err).is_some());
        assert!(err.chain().contains("pool timed out"), "{}", err.chain());
        assert!(matches!(
            backend(sqlx::Error::PoolClosed),
            StoreError::Unavailable(_)
        ));
    }

    #[test]
    fn other_failures_are_backend_errors() {
        assert!(matches!(
            backend(sqlx::Error::RowNotFound),
            StoreError::Backend(_)
        ));
        assert!(matches!(backend("a run vanished"), StoreError::Backend(_)));
    }
}
