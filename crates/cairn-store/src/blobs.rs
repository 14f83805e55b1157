//! The local blob store: file bytes under `<data dir>/blobs`.
//!
//! Writes go to a temporary file that is fsynced and then renamed into
//! place, so a reader never sees half a file and a crash leaves either the
//! old bytes or the new ones. Keys are relative paths built by the server
//! from validated names; [`LocalBlobs`] checks them again so that no key
//! can step outside the store.

use std::io;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use md5::{Digest, Md5};
use tokio::fs;
use tokio::io::AsyncWriteExt;

/// Blobs in a local directory.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

/// A blob being written.
pub struct BlobWriter {
    file: fs::File,
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
    /// Use (creating) `root`.
    pub async fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(root.join("tmp")).await?;
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

    /// Start writing a new blob.
    pub async fn writer(&self) -> io::Result<BlobWriter> {
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
        let name = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
        let tmp = self.root.join("tmp").join(name);
        let file = fs::File::create(&tmp).await?;
        Ok(BlobWriter {
            file,
            tmp,
            size: 0,
            md5: Md5::new(),
        })
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
        self.file.sync_all().await?;
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).await?;
        }
        fs::rename(&self.tmp, &target).await?;
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
}
