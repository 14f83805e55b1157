//! Files and directories only the server's own account may read.
//!
//! The data directory holds the database (with every user, key hash and the
//! URL-signing key) and every stored file. Another local account able to
//! copy the database could forge signed URLs, so everything the server
//! creates is private from the moment it exists: directories 0700, files
//! 0600, set by the creating call itself rather than fixed afterwards (so
//! there is no window in which they are readable, whatever the umask).
//!
//! SQLite creates the database's `-wal` and `-shm` files with the mode of
//! the database file, so creating that file 0600 before SQLite opens it is
//! enough for all three.
//!
//! On start, the data directory, the database files and the blob directory
//! are checked, and looser permissions (left by an older release, or a
//! hand-made directory) are tightened with a warning. Files deeper inside
//! are not walked: with the data directory at 0700 no other account can
//! reach them, whatever their own modes.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// A builder for private directories (0700), creating parents as needed.
pub(crate) fn dir_builder() -> DirBuilder {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

/// Options that create a new private file (0600) for writing; fails if the
/// file exists.
pub(crate) fn new_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Create `dir` (and missing parents) private, or make an existing one
/// private, warning when it was not.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    dir_builder().create(dir)?;
    tighten(dir, 0o700)
}

/// Create an empty private file at `path` if nothing is there, or make an
/// existing file private, warning when it was not.
pub(crate) fn ensure_private_file(path: &Path) -> io::Result<()> {
    match new_file_options().open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten(path, 0o600),
        Err(e) => Err(e),
    }
}

/// Make an existing file private if it is there, warning when it was not.
pub(crate) fn tighten_if_present(path: &Path) -> io::Result<()> {
    match tighten(path, 0o600) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Set `path` to `mode` if group or others have any access to it.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let found = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if found & 0o077 == 0 {
        return Ok(());
    }
    tracing::warn!(
        path = %path.display(),
        found = format!("{found:o}"),
        now = format!("{mode:o}"),
        "other accounts could read this; made it private to the server's account"
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_private_and_tightens_what_is_loose() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&temp.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        ensure_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(&file, b"kept").unwrap();
        ensure_private_dir(&dir).unwrap();
        ensure_private_file(&file).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"kept");

        // Stricter than needed is left alone; missing is fine.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
        tighten_if_present(&file).unwrap();
        assert_eq!(mode(&file), 0o400);
        tighten_if_present(&dir.join("missing")).unwrap();
    }
}
