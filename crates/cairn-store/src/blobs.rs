//! The local blob store: file bytes under `<data dir>/blobs`, behind
//! `cairn_core::blob::BlobStore`.
//!
//! Every directory and file here is private to the server's account (0700
//! and 0600, see `private.rs`). Writes go to a temporary file that is
//! fsynced and then renamed into place, so a reader never sees half a file
//! and a crash leaves either the old bytes or the new ones. Temporary files
//! are spread over [`TMP_SHARDS`] directories, and ones a crash left behind
//! are removed when the store opens. Keys are relative paths built by the
//! domain from validated names; [`LocalBlobs`] checks them again so that no
//! key can step outside the store.
//!
//! Reads of up to 1 MiB are read whole in the blocking step that opens the
//! file; larger ones stream in 256 KiB chunks (a `Range` seeks first), so a
//! large download is never read whole into memory. Small puts
//! ([`BlobStore::put_bytes`]) hash, write, fsync and rename in one blocking
//! step: each async file operation is a hand-off to a blocking thread that
//! would cost more than the write itself.

use std::io;
use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use cairn_core::blob::{BlobError, BlobResult, BlobStore, ByteStream, StoredBlob};
use futures_util::StreamExt;
use md5::{Digest, Md5};
use tokio::fs;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};

use crate::private;

/// Bytes per chunk of a streamed read.
const READ_CHUNK: usize = 256 * 1024;

/// Reads of at most this many bytes are done whole, in the blocking step
/// that opens the file: a small download then costs one hand-off to a
/// blocking thread, not three (open, read, and the read that finds the
/// end).
const WHOLE_READ: u64 = 1 << 20;

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

/// A blob opened for reading: read already, or to stream `.1` bytes of.
enum Opened {
    Whole(Bytes),
    File(std::fs::File, u64),
}

/// A blob being written.
struct BlobWriter {
    /// Buffered, so streamed bytes reach the file (a hand-off to a
    /// blocking thread each time) in large writes, not network-sized ones.
    file: BufWriter<fs::File>,
    tmp: PathBuf,
    size: u64,
    md5: Md5,
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
    fn path(&self, key: &str) -> io::Result<PathBuf> {
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
    async fn writer(&self) -> io::Result<BlobWriter> {
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
    /// `expected` (or nothing is expected): hash, write a temporary file,
    /// fsync, rename into place. Returns what was stored, or the MD5 the
    /// bytes really have (nothing is written then).
    async fn put_whole(
        &self,
        key: &str,
        bytes: impl AsRef<[u8]> + Send + 'static,
        expected: Option<String>,
    ) -> io::Result<Result<StoredBlob, String>> {
        let target = self.path(key)?;
        let tmp = self.temporary_path()?;
        tokio::task::spawn_blocking(move || {
            let bytes = bytes.as_ref();
            let actual = base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes));
            if expected.is_some_and(|expected| actual != expected) {
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
                Ok(()) => Ok(Ok(StoredBlob {
                    size: bytes.len() as u64,
                    md5: actual,
                })),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            }
        })
        .await
        .map_err(io::Error::other)?
    }

    /// The file of `key`, checked, as a [`BlobError`].
    fn file_of(&self, key: &str) -> BlobResult<PathBuf> {
        self.path(key)
            .map_err(|_| BlobError::InvalidKey(key.to_string()))
    }

    /// Up to `len` bytes of `key` from `offset`. Opening, sizing, seeking
    /// and (for at most [`WHOLE_READ`] bytes) reading are one blocking
    /// step; larger reads then stream in [`READ_CHUNK`]s, and end at the
    /// length found rather than with one more read that finds nothing.
    async fn read(&self, key: &str, offset: u64, len: u64) -> BlobResult<ByteStream> {
        let path = self.file_of(key)?;
        let opened = tokio::task::spawn_blocking(move || {
            let mut file = std::fs::File::open(&path)?;
            let wanted = file.metadata()?.len().saturating_sub(offset).min(len);
            if offset > 0 {
                io::Seek::seek(&mut file, io::SeekFrom::Start(offset))?;
            }
            if wanted > WHOLE_READ {
                return Ok(Opened::File(file, wanted));
            }
            let mut bytes = Vec::with_capacity(wanted as usize);
            io::Read::read_to_end(&mut io::Read::take(file, wanted), &mut bytes)?;
            Ok(Opened::Whole(Bytes::from(bytes)))
        })
        .await
        .map_err(|e| BlobError::Io(io::Error::other(e)))?
        .map_err(|e: io::Error| match e.kind() {
            io::ErrorKind::NotFound => BlobError::NotFound(key.to_string()),
            _ => BlobError::Io(e),
        })?;
        Ok(match opened {
            Opened::Whole(bytes) if bytes.is_empty() => futures_util::stream::empty().boxed(),
            Opened::Whole(bytes) => futures_util::stream::once(async { Ok(bytes) }).boxed(),
            Opened::File(file, wanted) => {
                let file = fs::File::from_std(file).take(wanted);
                tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK).boxed()
            }
        })
    }
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn put(
        &self,
        key: &str,
        mut bytes: ByteStream,
        expected_md5: Option<&str>,
    ) -> BlobResult<StoredBlob> {
        let target = self.file_of(key)?;
        let mut writer = self.writer().await.map_err(BlobError::Io)?;
        while let Some(chunk) = bytes.next().await {
            let written = match chunk {
                Ok(chunk) => writer.write(&chunk).await.map_err(BlobError::Io),
                Err(e) => Err(BlobError::Interrupted(e)),
            };
            if let Err(e) = written {
                writer.abort().await;
                return Err(e);
            }
        }
        let (_, actual) = writer.digest();
        if let Some(expected) = expected_md5
            && actual != expected
        {
            writer.abort().await;
            return Err(BlobError::DigestMismatch {
                expected: expected.to_string(),
                actual,
            });
        }
        writer.commit(target).await.map_err(BlobError::Io)
    }

    async fn put_bytes(
        &self,
        key: &str,
        bytes: Bytes,
        expected_md5: Option<&str>,
    ) -> BlobResult<StoredBlob> {
        self.file_of(key)?;
        let stored = self
            .put_whole(key, bytes, expected_md5.map(str::to_string))
            .await
            .map_err(BlobError::Io)?;
        stored.map_err(|actual| BlobError::DigestMismatch {
            expected: expected_md5.unwrap_or_default().to_string(),
            actual,
        })
    }

    async fn get(&self, key: &str) -> BlobResult<ByteStream> {
        self.read(key, 0, u64::MAX).await
    }

    async fn get_range(&self, key: &str, offset: u64, len: u64) -> BlobResult<ByteStream> {
        self.read(key, offset, len).await
    }

    async fn head(&self, key: &str) -> BlobResult<Option<u64>> {
        match fs::metadata(self.file_of(key)?).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BlobError::Io(e)),
        }
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        match fs::remove_file(self.file_of(key)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(BlobError::Io(e)),
            _ => Ok(()),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> BlobResult<()> {
        match fs::remove_dir_all(self.file_of(prefix)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(BlobError::Io(e)),
            _ => Ok(()),
        }
    }

    async fn list_prefix(&self, prefix: &str) -> BlobResult<Vec<String>> {
        let dir = self.file_of(prefix)?;
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let mut keys = Vec::new();
            list_files(&dir, &prefix, &mut keys)?;
            Ok(keys)
        })
        .await
        .map_err(|e| BlobError::Io(io::Error::other(e)))?
        .map_err(BlobError::Io)
    }
}

/// Keys of the files under `dir` (which holds key `key`), depth first.
fn list_files(dir: &Path, key: &str, keys: &mut Vec<String>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            keys.push(key.to_string());
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let child = format!("{key}/{name}");
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), &child, keys)?;
        } else {
            keys.push(child);
        }
    }
    Ok(())
}

impl BlobWriter {
    /// Append bytes.
    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.md5.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes).await
    }

    /// Bytes written so far, and their base64 MD5.
    fn digest(&self) -> (u64, String) {
        let md5 = base64::engine::general_purpose::STANDARD.encode(self.md5.clone().finalize());
        (self.size, md5)
    }

    /// Make the blob durable and visible at `target`, replacing any old
    /// one.
    async fn commit(mut self, target: PathBuf) -> io::Result<StoredBlob> {
        self.file.flush().await?;
        self.file.get_ref().sync_all().await?;
        let tmp = self.tmp.clone();
        // Directory and rename in one blocking step.
        let renamed = tokio::task::spawn_blocking(move || {
            if let Some(parent) = target.parent() {
                private::dir_builder().create(parent)?;
            }
            std::fs::rename(&tmp, &target)
        })
        .await
        .map_err(io::Error::other)
        .and_then(|r| r);
        if let Err(e) = renamed {
            self.abort().await;
            return Err(e);
        }
        Ok(StoredBlob {
            size: self.size,
            md5: base64::engine::general_purpose::STANDARD.encode(self.md5.finalize()),
        })
    }

    /// Throw the partial blob away.
    async fn abort(self) {
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

    fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        let parts: Vec<io::Result<Bytes>> = parts.iter().map(|p| Ok(Bytes::from(*p))).collect();
        futures_util::stream::iter(parts).boxed()
    }

    async fn read(stream: ByteStream) -> Vec<u8> {
        let chunks: Vec<io::Result<Bytes>> = stream.collect().await;
        chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect()
    }

    fn temporary_files(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("tmp"))
            .unwrap()
            .map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap().count())
            .sum()
    }

    #[tokio::test]
    async fn writes_atomically_and_refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path()).await.unwrap();
        let written = blobs
            .put("runs/1/out/a.txt", chunks(&[b"hello ", b"world"]), None)
            .await
            .unwrap();
        assert_eq!(written.size, 11);
        assert_eq!(written.md5, "XrY7u+Ae7tCTyyK7j1rNww==");
        let path = blobs.path("runs/1/out/a.txt").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"hello world");
        assert_eq!(blobs.head("runs/1/out/a.txt").await.unwrap(), Some(11));
        assert_eq!(
            blobs.list_prefix("runs/1").await.unwrap(),
            ["runs/1/out/a.txt"]
        );
        for bad in ["", "../x", "/etc/passwd", "runs/../../x", "a/./b"] {
            assert!(blobs.path(bad).is_err(), "{bad:?} must be refused");
            assert!(matches!(
                blobs.get(bad).await,
                Err(BlobError::InvalidKey(_))
            ));
        }
        blobs.delete_prefix("runs/1").await.unwrap();
        assert!(!blobs.path("runs/1/out/a.txt").unwrap().exists());
        assert_eq!(blobs.head("runs/1/out/a.txt").await.unwrap(), None);
        assert!(matches!(
            blobs.get("runs/1/out/a.txt").await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn reads_whole_or_a_range() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path()).await.unwrap();
        blobs
            .put("k/v", chunks(&[b"0123456789"]), None)
            .await
            .unwrap();
        assert_eq!(read(blobs.get("k/v").await.unwrap()).await, b"0123456789");
        assert_eq!(
            read(blobs.get_range("k/v", 3, 4).await.unwrap()).await,
            b"3456"
        );
        assert_eq!(
            read(blobs.get_range("k/v", 8, 100).await.unwrap()).await,
            b"89"
        );
        assert!(
            read(blobs.get_range("k/v", 20, 5).await.unwrap())
                .await
                .is_empty()
        );
        // Larger than one whole read: streamed, in order, to the end.
        let big: Vec<u8> = (0..3 * WHOLE_READ as usize + 7).map(|i| i as u8).collect();
        blobs
            .put_bytes("k/big", Bytes::from(big.clone()), None)
            .await
            .unwrap();
        assert_eq!(read(blobs.get("k/big").await.unwrap()).await, big);
        let (offset, len) = (WHOLE_READ as usize - 3, 2 * WHOLE_READ as usize);
        assert_eq!(
            read(
                blobs
                    .get_range("k/big", offset as u64, len as u64)
                    .await
                    .unwrap()
            )
            .await,
            &big[offset..offset + len]
        );
    }

    #[tokio::test]
    async fn a_blob_is_stored_only_if_its_digest_matches_and_its_source_completes() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path()).await.unwrap();
        let md5 = "XrY7u+Ae7tCTyyK7j1rNww==";
        let stored = blobs
            .put_bytes("cas/5e/x", Bytes::from_static(b"hello world"), Some(md5))
            .await
            .unwrap();
        assert_eq!(stored.size, 11);
        assert_eq!(
            std::fs::read(blobs.path("cas/5e/x").unwrap()).unwrap(),
            b"hello world"
        );
        let refused = blobs
            .put_bytes("cas/5e/y", Bytes::from_static(b"other"), Some(md5))
            .await;
        assert!(matches!(refused, Err(BlobError::DigestMismatch { .. })));
        let refused = blobs
            .put("cas/5e/y", chunks(&[b"oth", b"er"]), Some(md5))
            .await;
        assert!(matches!(refused, Err(BlobError::DigestMismatch { .. })));
        let broken: ByteStream = futures_util::stream::iter(vec![
            Ok(Bytes::from_static(b"hello")),
            Err(io::Error::other("connection reset")),
        ])
        .boxed();
        let refused = blobs.put("cas/5e/y", broken, None).await;
        assert!(matches!(refused, Err(BlobError::Interrupted(_))));
        assert!(!blobs.path("cas/5e/y").unwrap().exists());
        assert_eq!(
            temporary_files(dir.path()),
            0,
            "no temporary file is left behind"
        );
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
