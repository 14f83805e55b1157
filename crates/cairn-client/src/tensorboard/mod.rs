//! Importing TensorBoard logs: [`Api::sync_tensorboard`].
//!
//! The official client's `Api.sync_tensorboard` is broken in
//! `wandb==0.31.0` (it imports the removed `wandb.sync` module) and
//! `wandb sync --sync-tensorboard` is gone, so this is Cairn's own: a
//! native reader of `tfevents` files that logs what they hold as ordinary
//! W&B runs, history, summary and media files, over the same wire calls the
//! official client makes. It works against any W&B-compatible server.
//!
//! The pieces, one job each:
//! * `record.rs`: TFRecord framing and its CRC32C checks, with recovery
//!   from damaged and truncated records;
//! * `proto.rs`: the `Event`/`Summary` protobuf messages;
//! * `convert.rs`: events → history rows, summary and media, in W&B's
//!   shapes;
//! * `upload.rs`: the wire calls.
//!
//! **Run mapping.** Every directory under the root that directly holds
//! `tfevents` files is one TensorBoard run and becomes one W&B run; its
//! keys are the TensorBoard tags. The run id is derived from the
//! directory's path relative to the root (a sanitized name plus a short
//! hash), so importing the same logs again updates the same runs and
//! rewrites the same history lines instead of adding copies.

mod convert;
mod proto;
mod record;
mod upload;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::api::Api;
use crate::error::{Error, Result};
use convert::RunEvents;
use upload::Source;

/// A damaged or truncated record, skipped during an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The `tfevents` file.
    pub path: PathBuf,
    /// Byte offset of the damaged record in the file.
    pub offset: u64,
    /// What is wrong, and what the reader did about it.
    pub problem: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: at byte {}: {}",
            self.path.display(),
            self.offset,
            self.problem
        )
    }
}

/// One TensorBoard run directory, imported.
#[derive(Debug, Clone)]
pub struct ImportedRun {
    /// The directory, relative to the root (`.` for the root itself).
    pub dir: String,
    /// The run, as `entity/project/run_id`.
    pub path: String,
    /// Its display name.
    pub display_name: String,
    /// History rows written (one per step).
    pub rows: usize,
    /// Values read, of every kind.
    pub values: u64,
    /// Of those, scalars.
    pub scalars: u64,
    /// Run files uploaded: media and the `tfevents` files.
    pub files: usize,
    /// Values that could not be imported, by reason, with counts.
    pub skipped: Vec<(String, u64)>,
}

/// What [`Api::sync_tensorboard`] did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// The runs, in directory order.
    pub runs: Vec<ImportedRun>,
    /// Damaged records met and skipped, in every file.
    pub damage: Vec<Damage>,
}

/// What reading a log directory found, without sending anything: the
/// decode half of an import (benchmarks time it apart).
#[derive(Debug, Clone, Default)]
pub struct DecodeStats {
    /// Run directories.
    pub runs: usize,
    /// `tfevents` files.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Values read, of every kind.
    pub values: u64,
    /// Of those, scalars.
    pub scalars: u64,
    /// History rows they make.
    pub rows: usize,
    /// Damaged records.
    pub damage: Vec<Damage>,
}

/// A run directory found under the root.
#[derive(Debug, Clone)]
struct RunDir {
    /// Relative to the root, `/`-separated; `.` for the root.
    relative: String,
    files: Vec<PathBuf>,
}

/// A run directory read and converted.
struct DecodedRun {
    /// History rows handed out.
    rows: usize,
    /// The summary line.
    summary: String,
    media: Vec<convert::Media>,
    damage: Vec<Damage>,
    skipped: Vec<(String, u64)>,
    values: u64,
    scalars: u64,
    bytes: u64,
}

impl Api {
    /// Import the TensorBoard logs under `root_dir`, like the official
    /// client's (broken) `Api.sync_tensorboard(root_dir, run_id, project,
    /// entity)`: one run per directory that holds `tfevents` files, with
    /// scalars, histograms, text and images as history, the last values as
    /// summary, images and the `tfevents` files as run files, and the run
    /// finished at the end.
    ///
    /// `run_id` names the run when there is exactly one run directory (an
    /// error otherwise); without it ids are derived from each directory's
    /// path, so a second import of the same logs updates the same runs.
    /// `project` defaults to the configured one, then `uncategorized`;
    /// `entity` to the configured one, then the caller's default.
    ///
    /// Damaged or truncated records are skipped and listed in the report
    /// with their file and byte offset; everything readable is imported.
    pub async fn sync_tensorboard(
        &self,
        root_dir: impl AsRef<Path>,
        run_id: Option<&str>,
        project: Option<&str>,
        entity: Option<&str>,
    ) -> Result<SyncReport> {
        let root = root_dir.as_ref().to_path_buf();
        let dirs = find_run_dirs(&root)?;
        if run_id.is_some() && dirs.len() > 1 {
            return Err(Error::Config(format!(
                "a run id names one run, but {} holds {} TensorBoard runs ({}); \
                 leave the run id out to import each as its own run",
                root.display(),
                dirs.len(),
                dirs.iter()
                    .map(|d| d.relative.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let entity = self.resolve_entity(entity).await?;
        let project = project
            .map(str::to_string)
            .or_else(|| self.project.clone())
            .unwrap_or_else(|| "uncategorized".to_string());
        let root_name = root_name(&root);
        let mut report = SyncReport::default();
        for dir in dirs {
            let display_name = if dir.relative == "." {
                root_name.clone()
            } else {
                dir.relative.clone()
            };
            let id =
                run_id.map_or_else(|| derived_run_id(&dir.relative, &root_name), str::to_string);
            let run = upload::upsert_run(self, &entity, &project, &id, &display_name).await?;
            let event_files: Vec<(String, Source)> = dir
                .files
                .iter()
                .filter_map(|file| {
                    let name = file.file_name()?.to_str()?.to_string();
                    Some((name, Source::Path(file.clone())))
                })
                .collect();
            let relative = dir.relative.clone();
            // Decoding, sending history as it is built, and uploading the
            // event files all overlap: a large import is bound by the
            // slowest of them, not their sum.
            let (bodies, received) = tokio::sync::mpsc::channel(2);
            let decoder = tokio::task::spawn_blocking(move || {
                let mut packer = upload::HistoryBodies::default();
                let decoded = decode_dir(&dir, |line| {
                    if let Some(body) = packer.push(line) {
                        // A closed channel means sending failed; that
                        // error is the one reported.
                        let _ = bodies.blocking_send(body);
                    }
                });
                if let (Ok(_), Some(body)) = (&decoded, packer.finish()) {
                    let _ = bodies.blocking_send(body);
                }
                decoded
            });
            let (decoded, _, event_files) = tokio::try_join!(
                async {
                    decoder
                        .await
                        .map_err(|e| Error::Decode(format!("the decoder stopped: {e}")))?
                },
                upload::post_bodies(self, &run, received),
                upload::upload_files(self, &run, event_files),
            )?;
            // Media before the final request, as the official client
            // uploads files before it reports the run complete.
            let media: Vec<(String, Source)> = decoded
                .media
                .into_iter()
                .map(|m| (m.name, Source::Bytes(m.bytes)))
                .collect();
            let media = upload::upload_files(self, &run, media).await?;
            upload::post(self, &run, upload::final_body(decoded.summary)).await?;
            let rows = decoded.rows;
            report.damage.extend(decoded.damage);
            report.runs.push(ImportedRun {
                dir: relative,
                path: format!("{}/{}/{}", run.entity, run.project, run.name),
                display_name,
                rows,
                values: decoded.values,
                scalars: decoded.scalars,
                files: event_files + media,
                skipped: decoded.skipped,
            });
        }
        Ok(report)
    }
}

/// Read and convert every run directory under `root` without sending
/// anything: the decode half of [`Api::sync_tensorboard`].
pub fn decode_logdir(root: impl AsRef<Path>) -> Result<DecodeStats> {
    let mut stats = DecodeStats::default();
    for dir in find_run_dirs(root.as_ref())? {
        stats.runs += 1;
        stats.files += dir.files.len();
        let decoded = decode_dir(&dir, |_| {})?;
        stats.bytes += decoded.bytes;
        stats.values += decoded.values;
        stats.scalars += decoded.scalars;
        stats.rows += decoded.rows;
        stats.damage.extend(decoded.damage);
    }
    Ok(stats)
}

/// Read a run directory's files in name order (their names start with the
/// creation time) and convert them, handing each history line to `emit`
/// as soon as it is built.
fn decode_dir(dir: &RunDir, mut emit: impl FnMut(String)) -> Result<DecodedRun> {
    let mut events = RunEvents::default();
    let mut bytes = 0;
    for file in &dir.files {
        let data = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        bytes += data.len() as u64;
        events.read_file(file, &data);
    }
    let media = std::mem::take(&mut events.media);
    let damage = std::mem::take(&mut events.damage);
    let mut skipped: Vec<(String, u64)> = std::mem::take(&mut events.skipped).into_iter().collect();
    skipped.sort();
    let (values, scalars) = (events.values, events.scalars);
    let mut rows = 0;
    let summary = events.convert_each(|line| {
        rows += 1;
        emit(line);
    });
    Ok(DecodedRun {
        rows,
        summary,
        media,
        damage,
        skipped,
        values,
        scalars,
        bytes,
    })
}

/// Whether a file name is a TensorBoard event file
/// (`events.out.tfevents.<time>.<host>…`).
fn is_tfevents(name: &str) -> bool {
    name.contains("tfevents")
}

/// Every directory under `root` (itself included) that directly holds
/// `tfevents` files, sorted by relative path. Symbolic links to
/// directories are not followed (they could loop).
fn find_run_dirs(root: &Path) -> Result<Vec<RunDir>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if !meta.is_dir() {
        return Err(Error::Config(format!(
            "{} is not a directory of TensorBoard logs",
            root.display()
        )));
    }
    let mut found = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::from("."))];
    while let Some((dir, relative)) = pending.pop() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let kind = entry.file_type().map_err(|e| Error::io(&entry.path(), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                let child = if relative == "." {
                    name
                } else {
                    format!("{relative}/{name}")
                };
                pending.push((entry.path(), child));
            } else if (kind.is_file() || kind.is_symlink()) && is_tfevents(&name) {
                files.push(entry.path());
            }
        }
        if !files.is_empty() {
            files.sort();
            found.push(RunDir { relative, files });
        }
    }
    if found.is_empty() {
        return Err(Error::Config(format!(
            "no TensorBoard event files (*tfevents*) under {}",
            root.display()
        )));
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

/// The root's own name (for a root that is itself a run directory).
fn root_name(root: &Path) -> String {
    std::path::absolute(root)
        .ok()
        .and_then(|p| {
            p.components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                    _ => None,
                })
                .next_back()
        })
        .unwrap_or_else(|| "tensorboard".to_string())
}

/// The run id of a run directory: its path (or, for the root, the root's
/// name) lowercased to `[a-z0-9-]`, at most 40 characters, then `-` and
/// the first 8 hex digits of the SHA-256 of the relative path, so distinct
/// directories never share an id and the same directory always has it.
fn derived_run_id(relative: &str, root_name: &str) -> String {
    let label = if relative == "." { root_name } else { relative };
    let mut name = String::new();
    for c in label.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_matches('-').chars().take(40).collect();
    let name = name.trim_end_matches('-');
    let hash: String = Sha256::digest(relative.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    if name.is_empty() {
        format!("tb-{hash}")
    } else {
        format!("{name}-{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_stable_and_distinct() {
        let a = derived_run_id("exp1/train", "logs");
        assert_eq!(a, derived_run_id("exp1/train", "other-root"));
        assert!(a.starts_with("exp1-train-"), "{a}");
        assert_eq!(a.len(), "exp1-train-".len() + 8);
        assert_ne!(a, derived_run_id("exp1_train", "logs"));
        assert!(derived_run_id(".", "My Logs").starts_with("my-logs-"));
        assert!(derived_run_id("///", "x").starts_with("tb-"));
        let long = derived_run_id(&"a".repeat(200), "x");
        assert_eq!(long.len(), 40 + 1 + 8);
    }

    #[test]
    fn finds_run_directories() {
        let root = tempfile::tempdir().unwrap();
        let make = |rel: &str| {
            let dir = root.path().join(rel);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("events.out.tfevents.1.host"), b"").unwrap();
        };
        make("b/eval");
        make("a");
        make("b/train");
        std::fs::create_dir_all(root.path().join("empty")).unwrap();
        std::fs::write(root.path().join("notes.txt"), b"").unwrap();
        let found = find_run_dirs(root.path()).unwrap();
        let names: Vec<&str> = found.iter().map(|d| d.relative.as_str()).collect();
        assert_eq!(names, ["a", "b/eval", "b/train"]);
        assert!(matches!(
            find_run_dirs(&root.path().join("empty")),
            Err(Error::Config(m)) if m.contains("no TensorBoard event files")
        ));
        assert!(matches!(
            find_run_dirs(&root.path().join("missing")),
            Err(Error::Io { .. })
        ));
    }
}
