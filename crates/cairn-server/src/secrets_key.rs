//! The secrets key: the 32 bytes that seal entity secrets
//! (`cairn_core::secret::SecretBox`). It lives in a file, not in the
//! database, so that a copy of the database alone does not reveal the
//! secrets: `--secrets-key-file` (`CAIRN_SECRETS_KEY_FILE`), by default
//! `secrets.key` in the data directory.
//!
//! The file holds 64 hex digits (surrounding whitespace ignored, as
//! `openssl rand -hex 32 > FILE` leaves it) or exactly 32 raw bytes.
//! When it does not exist the server makes one from the system's random
//! source, private to its account (0600), written under a temporary name and
//! linked into place, so a crash mid-write or two servers starting at once
//! never leave a half-written key. Anything else in the file is refused at
//! start: a server that guessed would seal new secrets under a key the
//! operator does not have, or fail to open the old ones.

use std::io::Write;
use std::path::Path;

use cairn_core::secret::KEY_BYTES;

/// The secrets key in `path`, made first if the file does not exist.
/// The error is a sentence for the operator.
pub(crate) fn load_or_create(path: &Path) -> Result<[u8; KEY_BYTES], String> {
    match std::fs::read(path) {
        Ok(bytes) => parse(&bytes, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(e) => Err(format!(
            "Cannot read the secrets key file {}: {e}.",
            path.display()
        )),
    }
}

/// Read a key file's contents.
fn parse(bytes: &[u8], path: &Path) -> Result<[u8; KEY_BYTES], String> {
    warn_if_shared(path);
    if let Ok(raw) = <[u8; KEY_BYTES]>::try_from(bytes) {
        return Ok(raw);
    }
    let text = bytes.trim_ascii();
    let hex_key = (text.len() == KEY_BYTES * 2)
        .then(|| decode_hex(text))
        .flatten();
    hex_key.ok_or_else(|| {
        format!(
            "The secrets key file {} does not hold a key: it must be 64 hex digits (e.g. `openssl rand -hex 32`) or exactly 32 bytes, and it holds {} bytes. Restore the file from your backup; a new key cannot open secrets sealed with the old one.",
            path.display(),
            bytes.len()
        )
    })
}

fn decode_hex(text: &[u8]) -> Option<[u8; KEY_BYTES]> {
    let mut key = [0u8; KEY_BYTES];
    for (byte, pair) in key.iter_mut().zip(text.chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(key)
}

/// Make a new key file at `path`; if another process made one meanwhile,
/// use that.
fn create(path: &Path) -> Result<[u8; KEY_BYTES], String> {
    let failed = |e: &dyn std::fmt::Display| {
        format!(
            "Cannot create the secrets key file {}: {e}.",
            path.display()
        )
    };
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| failed(&e))?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    // A random name, so neither a crashed start's leftover nor another
    // process (containers often share PID 1) is in the way.
    let mut tag = [0u8; 8];
    getrandom::fill(&mut tag).map_err(|e| failed(&e))?;
    let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let temp = path.with_extension(format!("tmp-{tag}"));
    let written = write_new(&temp, format!("{hex}\n").as_bytes());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(failed(&e));
    }
    // A link, unlike a rename, never replaces a key another start made.
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            tracing::info!(
                path = %path.display(),
                "created the secrets key that seals entity secrets; back it up: without it they cannot be read"
            );
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = std::fs::read(path).map_err(|e| failed(&e))?;
            parse(&bytes, path)
        }
        Err(e) => Err(failed(&e)),
    }
}

/// Write `bytes` to a new private file at `path`, synced to disk.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = private_file().open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(unix)]
fn private_file() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    options
}

#[cfg(not(unix))]
fn private_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    options
}

/// Warn when other accounts may read the key file.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the secrets key file is readable by other accounts; chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_made_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.key");
        let key = load_or_create(&path).unwrap();
        assert_eq!(load_or_create(&path).unwrap(), key);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64, "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn hex_and_raw_keys_are_read_and_anything_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, format!("  {}\n", "ab".repeat(32))).unwrap();
        assert_eq!(load_or_create(&path).unwrap(), [0xab; 32]);
        std::fs::write(&path, [b'\n'; 32]).unwrap();
        assert_eq!(load_or_create(&path).unwrap(), [b'\n'; 32]);
        for bad in ["short".as_bytes(), &[b'z'; 64], &[0u8; 33]] {
            std::fs::write(&path, bad).unwrap();
            let err = load_or_create(&path).unwrap_err();
            assert!(err.contains("64 hex digits"), "{err}");
        }
    }
}
