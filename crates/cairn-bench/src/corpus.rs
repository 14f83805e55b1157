//! Files for the artifact workloads, and the disk speed they are judged by.
//!
//! The artifact targets are relative: upload and download throughput must
//! reach a share of what the disk itself sustains for one sequential write,
//! measured here on the same file system the server stores blobs on. The
//! content is pseudo-random (a fixed-seed xorshift), so no two files share
//! bytes and nothing is deduplicated by accident, and a run can be repeated
//! exactly.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

/// Bytes written per `write` call.
const CHUNK: usize = 8 << 20;

/// A directory of generated files.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Where the files are.
    pub root: PathBuf,
    /// Relative paths, in creation order.
    pub files: Vec<PathBuf>,
    /// Total bytes.
    pub bytes: u64,
    /// Size of each file.
    pub file_bytes: u64,
}

/// A fast deterministic byte generator.
struct Xorshift(u64);

impl Xorshift {
    fn new(seed: u64) -> Self {
        Xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Write `count` files of `file_bytes` each under `root`, spread over
/// subdirectories of 256 files (as a real data set would be).
pub fn many_files(root: &Path, count: usize, file_bytes: u64, seed: u64) -> anyhow::Result<Corpus> {
    let mut files = Vec::with_capacity(count);
    let mut buf = vec![0u8; file_bytes as usize];
    for i in 0..count {
        let relative = PathBuf::from(format!("shard-{:03}/part-{i:06}.bin", i / 256));
        let path = root.join(&relative);
        if i % 256 == 0 {
            fs::create_dir_all(path.parent().unwrap_or(root))?;
        }
        Xorshift::new(seed ^ ((i as u64) << 20)).fill(&mut buf);
        fs::write(&path, &buf).with_context(|| format!("cannot write {}", path.display()))?;
        files.push(relative);
    }
    Ok(Corpus {
        root: root.to_path_buf(),
        files,
        bytes: count as u64 * file_bytes,
        file_bytes,
    })
}

/// Write one file of `bytes` under `root`.
pub fn one_file(root: &Path, bytes: u64, seed: u64) -> anyhow::Result<Corpus> {
    fs::create_dir_all(root)?;
    let relative = PathBuf::from("weights.bin");
    let mut out = fs::File::create(root.join(&relative))?;
    let mut rng = Xorshift::new(seed);
    let mut buf = vec![0u8; CHUNK];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        rng.fill(&mut buf[..n]);
        out.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(Corpus {
        root: root.to_path_buf(),
        files: vec![relative],
        bytes,
        file_bytes: bytes,
    })
}

/// Rewrite every `every`-th file of `corpus` with new content. Returns the
/// bytes changed.
pub fn change_every(corpus: &Corpus, every: usize, seed: u64) -> anyhow::Result<u64> {
    let mut buf = vec![0u8; corpus.file_bytes as usize];
    let mut changed = 0;
    for (i, relative) in corpus.files.iter().enumerate().step_by(every.max(1)) {
        Xorshift::new(seed ^ ((i as u64) << 20)).fill(&mut buf);
        fs::write(corpus.root.join(relative), &buf)?;
        changed += buf.len() as u64;
    }
    Ok(changed)
}

/// Sequential write speed of the file system holding `dir`: `bytes` in 8
/// MiB writes, then `fsync`, the way `dd conv=fsync` measures it. The file
/// is removed afterwards. Returns bytes per second.
pub fn disk_write_speed(dir: &Path, bytes: u64) -> anyhow::Result<(f64, Duration)> {
    let path = dir.join("disk-speed.bin");
    let mut buf = vec![0u8; CHUNK];
    Xorshift::new(7).fill(&mut buf);
    let started = Instant::now();
    {
        let mut out = fs::File::create(&path)?;
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            out.write_all(&buf[..n])?;
            left -= n as u64;
        }
        out.sync_all()?;
    }
    let took = started.elapsed();
    fs::remove_file(&path)?;
    Ok((bytes as f64 / took.as_secs_f64(), took))
}

/// What the file system itself sustains for the pattern a blob store of
/// small files needs: `count` files of `file_bytes`, each created, written,
/// fsynced and renamed into one of 256 directories, by `threads` threads
/// at once. Context for the many-small-files figures (no target). The
/// files stay (under `dir`) until the caller removes `dir`: on ext4 without
/// a journal, inodes deleted in the last few minutes slow down creating
/// new files, which would bill the next workload for this one's cleanup.
/// Returns bytes per second.
pub fn disk_small_files_speed(
    dir: &Path,
    count: usize,
    file_bytes: u64,
    threads: usize,
) -> anyhow::Result<(f64, Duration)> {
    let root = dir.join("small-files-speed");
    for d in 0..256 {
        fs::create_dir_all(root.join(format!("{d:02x}")))?;
    }
    let mut buf = vec![0u8; file_bytes as usize];
    Xorshift::new(11).fill(&mut buf);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|t| {
                let (root, buf, next) = (&root, &buf, &next);
                scope.spawn(move || -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= count {
                            return Ok(());
                        }
                        let tmp = root.join(format!("tmp-{t}"));
                        let mut out = fs::File::create(&tmp)?;
                        out.write_all(buf)?;
                        out.sync_all()?;
                        fs::rename(&tmp, root.join(format!("{:02x}/{i}", i % 256)))?;
                    }
                })
            })
            .collect();
        for w in workers {
            w.join()
                .map_err(|_| anyhow::anyhow!("a disk-speed thread panicked"))??;
        }
        Ok(())
    })?;
    let took = started.elapsed();
    fs::remove_dir_all(&root)?;
    Ok((
        (count as u64 * file_bytes) as f64 / took.as_secs_f64(),
        took,
    ))
}

/// Whether two directories hold the same relative files with the same bytes.
pub fn same_tree(expected: &Corpus, actual_root: &Path) -> anyhow::Result<bool> {
    for relative in &expected.files {
        let a = fs::read(expected.root.join(relative))?;
        let b = match fs::read(actual_root.join(relative)) {
            Ok(b) => b,
            Err(_) => return Ok(false),
        };
        if a != b {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_differ_and_regenerate_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = many_files(dir.path(), 3, 1000, 1).unwrap();
        let bytes: Vec<Vec<u8>> = corpus
            .files
            .iter()
            .map(|f| fs::read(dir.path().join(f)).unwrap())
            .collect();
        assert_ne!(bytes[0], bytes[1]);
        assert_eq!(corpus.bytes, 3000);
        let again = tempfile::tempdir().unwrap();
        many_files(again.path(), 3, 1000, 1).unwrap();
        assert!(same_tree(&corpus, again.path()).unwrap());
        assert_eq!(change_every(&corpus, 2, 9).unwrap(), 2000);
        assert!(!same_tree(&corpus, again.path()).unwrap());
    }
}
