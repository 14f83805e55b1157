//! The local blob store: file bytes under `<data dir>/blobs`.
//!
//! Every directory and file here is private to the server's account (0700
//! and 0600, see `private.rs`). Writes go to a temporary file that is
//! fsynced and then renamed into place, so a reader never sees half a file
//! and a crash leaves either the old bytes or the new ones. Keys are
//! relative paths built by the server from validated names; [`LocalBlobs`]
//! checks them again so that no key can step outside the store.

use std::io;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use md5::{Digest, Md5};
use tokio::fs;
use tokio::io::{AsyncWriteExt, BufWriter};

use crate::private;

/// Directories temporary files are spread over.
const TMP_SHARDS: usize = 16;

/// Temporary files this old are partial blobs left by a crash (no upload
/// takes a day); they are removed when the store opens.
const STALE_TMP: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// Bytes gathered before a streamed blob is written to its file.
const WRITE_BUFFER: usize = 1 << 20;

/// Blobs in a local directory.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

/// A blob being written.
pub struct BlobWriter {
    /// Buffered, so streamed bytes reach the file (a hand-off to a
    /// blocking thread each time) in large writes, not network-sized ones.
    file: BufWriter<fs::File>,
    tmp: PathBuf,
    size: u64,
    md5: Md5,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct WrittenBlob {
    /// Bytes.
    pub size: u64,
    /// Base64 MD5 of the bytes (W&B's digest format).
    pub md5: String,
}

impl LocalBlobs {
    /// Use (creating) `root`, making it private if it is not.
    pub async fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        let at = root.clone();
        tokio::task::spawn_blocking(move || {
            private::ensure_private_dir(&at)?;
            for shard in 0..TMP_SHARDS {
                private::dir_builder().create(at.join("tmp").join(format!("{shard:02x}")))?;
            }
            remove_stale(&at.join("tmp"), STALE_TMP);
            Ok::<_, io::Error>(())
        })
        .await
        .map_err(io::Error::other)??;
        Ok(LocalBlobs { root })
    }

    /// The file holding `key`, if the key is a safe relative path.
    pub fn path(&self, key: &str) -> io::Result<PathBuf> {
        let relative = Path::new(key);
        let safe = !key.is_empty()
            && key
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != "..")
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("blob key {key:?} is not a plain relative path"),
            ));
        }
        Ok(self.root.join("data").join(relative))
    }

    /// A fresh temporary file name, in one of [`TMP_SHARDS`] directories
    /// (a single directory serializes concurrent creates and renames on
    /// its lock).
    fn temporary_path(&self) -> io::Result<PathBuf> {
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
        let shard = usize::from(random[0]) % TMP_SHARDS;
        let name = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
        Ok(self
            .root
            .join("tmp")
            .join(format!("{shard:02x}"))
            .join(name))
    }

    /// Start writing a new blob.
    pub async fn writer(&self) -> io::Result<BlobWriter> {
        let tmp = self.temporary_path()?;
        let file = fs::OpenOptions::from(private::new_file_options())
            .open(&tmp)
            .await?;
        let file = BufWriter::with_capacity(WRITE_BUFFER, file);
        Ok(BlobWriter {
            file,
            tmp,
            size: 0,
            md5: Md5::new(),
        })
    }

    /// Store `bytes` as `key` in one blocking step, if their base64 MD5 is
    /// `expected`: hash, write a temporary file, fsync, rename into place.
    /// For small blobs, where each async file operation's hand-off to a
    /// blocking thread would cost more than the write itself. Returns the
    /// size, or the MD5 the bytes really have (nothing is written then).
    pub async fn put_whole(
        &self,
        key: &str,
        bytes: impl AsRef<[u8]> + Send + 'static,
        expected: String,
    ) -> io::Result<Result<u64, String>> {
        let target = self.path(key)?;
        let tmp = self.temporary_path()?;
        tokio::task::spawn_blocking(move || {
            let bytes = bytes.as_ref();
            let actual = base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes));
            if actual != expected {
                return Ok(Err(actual));
            }
            let written = (|| {
                let mut file = private::new_file_options().open(&tmp)?;
                std::io::Write::write_all(&mut file, bytes)?;
                file.sync_all()?;
                if let Some(parent) = target.parent() {
                    private::dir_builder().create(parent)?;
                }
                std::fs::rename(&tmp, &target)
            })();
            match written {
                Ok(()) => Ok(Ok(bytes.len() as u64)),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            }
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Delete every blob under `prefix` (a run's files); missing is fine.
    pub async fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        match fs::remove_dir_all(self.path(prefix)?).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Delete one blob; missing is fine.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

impl BlobWriter {
    /// Append bytes.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.md5.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes).await
    }

    /// Bytes written so far, and their base64 MD5.
    pub fn digest(&self) -> (u64, String) {
        let md5 = base64::engine::general_purpose::STANDARD.encode(self.md5.clone().finalize());
        (self.size, md5)
    }

    /// Make the blob durable and visible as `key`, replacing any old one.
    pub async fn commit(mut self, blobs: &LocalBlobs, key: &str) -> io::Result<WrittenBlob> {
        let target = blobs.path(key)?;
        self.file.flush().await?;
        self.file.get_ref().sync_all().await?;
        let tmp = self.tmp.clone();
        // Directory and rename in one blocking step.
        tokio::task::spawn_blocking(move || {
            if let Some(parent) = target.parent() {
                private::dir_builder().create(parent)?;
            }
            std::fs::rename(&tmp, &target)
        })
        .await
        .map_err(io::Error::other)??;
        Ok(WrittenBlob {
            size: self.size,
            md5: base64::engine::general_purpose::STANDARD.encode(self.md5.finalize()),
        })
    }

    /// Throw the partial blob away.
    pub async fn abort(self) {
        drop(self.file);
        let _ = fs::remove_file(&self.tmp).await;
    }
}

/// Remove files under `dir` (and its subdirectories) not modified for
/// `age`. Best effort: what cannot be read or removed stays.
fn remove_stale(dir: &Path, age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            remove_stale(&path, age);
        } else if meta.modified().ok().and_then(|m| m.elapsed().ok()) >= Some(age) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_atomically_and_refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path()).await.unwrap();
        let mut w = blobs.writer().await.unwrap();
        w.write(b"hello ").await.unwrap();
        w.write(b"world").await.unwrap();
        let written = w.commit(&blobs, "runs/1/out/a.txt").await.unwrap();
        assert_eq!(written.size, 11);
        assert_eq!(written.md5, "XrY7u+Ae7tCTyyK7j1rNww==");
        let path = blobs.path("runs/1/out/a.txt").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"hello world");
        for bad in ["", "../x", "/etc/passwd", "runs/../../x", "a/./b"] {
            assert!(blobs.path(bad).is_err(), "{bad:?} must be refused");
        }
        blobs.delete_prefix("runs/1").await.unwrap();
        assert!(!blobs.path("runs/1/out/a.txt").unwrap().exists());
    }

    #[tokio::test]
    async fn a_whole_small_blob_is_stored_only_if_its_digest_matches() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path()).await.unwrap();
        let md5 = "XrY7u+Ae7tCTyyK7j1rNww==".to_string();
        let stored = blobs.put_whole("cas/5e/x", b"hello world".to_vec(), md5.clone());
        assert_eq!(stored.await.unwrap(), Ok(11));
        assert_eq!(
            std::fs::read(blobs.path("cas/5e/x").unwrap()).unwrap(),
            b"hello world"
        );
        let refused = blobs
            .put_whole("cas/5e/y", b"other".to_vec(), md5)
            .await
            .unwrap();
        assert!(refused.is_err());
        assert!(!blobs.path("cas/5e/y").unwrap().exists());
        let left: usize = std::fs::read_dir(dir.path().join("tmp"))
            .unwrap()
            .map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap().count())
            .sum();
        assert_eq!(left, 0, "no temporary file is left behind");
    }

    #[tokio::test]
    async fn stale_temporary_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        LocalBlobs::open(dir.path()).await.unwrap();
        let partial = dir.path().join("tmp/03/partial");
        std::fs::write(&partial, b"half").unwrap();
        remove_stale(&dir.path().join("tmp"), STALE_TMP);
        assert!(
            partial.exists(),
            "a fresh temporary file may be an upload in flight"
        );
        remove_stale(&dir.path().join("tmp"), std::time::Duration::ZERO);
        assert!(!partial.exists());
    }
}
