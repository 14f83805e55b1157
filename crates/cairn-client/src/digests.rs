//! Remembered file digests, so a new version hashes only what changed.
//!
//! Logging an artifact needs every file's MD5 before the server can say
//! which bytes it already has. Re-reading a large, mostly unchanged data
//! set for that would make a small change cost as much as the whole
//! upload, so an [`Api`](crate::Api) remembers each file's digest with the
//! file's size, modification time and inode, and reuses it while all
//! three are unchanged. A digest is remembered only if the stamp was the
//! same before and after hashing, so a file rewritten mid-hash is hashed
//! again next time. The cache lives as long as the `Api` (and its clones).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// What must not change for a remembered digest to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    size: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    /// The file's size.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The stamp of the file at `path` now.
    pub(crate) fn of(path: &Path) -> std::io::Result<Stamp> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(Stamp {
            size: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

/// File digests by path.
#[derive(Debug, Default)]
pub(crate) struct DigestCache {
    entries: Mutex<HashMap<PathBuf, (Stamp, String)>>,
}

impl DigestCache {
    /// The remembered base64 MD5 of `path`, if its stamp still matches.
    pub(crate) fn get(&self, path: &Path, stamp: Stamp) -> Option<String> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(path)
            .filter(|(remembered, _)| *remembered == stamp)
            .map(|(_, md5)| md5.clone())
    }

    /// Remember `md5` for `path` as of `stamp`.
    pub(crate) fn put(&self, path: &Path, stamp: Stamp, md5: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(path.to_path_buf(), (stamp, md5.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_holds_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"one").unwrap();
        let cache = DigestCache::default();
        let stamp = Stamp::of(&path).unwrap();
        cache.put(&path, stamp, "md5-of-one");
        assert_eq!(
            cache.get(&path, Stamp::of(&path).unwrap()).as_deref(),
            Some("md5-of-one")
        );

        std::fs::write(&path, b"other").unwrap();
        assert_eq!(cache.get(&path, Stamp::of(&path).unwrap()), None);
    }
}
