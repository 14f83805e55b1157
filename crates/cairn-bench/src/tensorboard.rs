//! Workload: the TensorBoard import (`cairn sync-tensorboard`,
//! `Api::sync_tensorboard`) of a generated log directory.
//!
//! The corpus is written here, in Rust: one run directory with one
//! `tfevents` file of `steps` × `tags` TF1 scalars (`simple_value`), framed
//! with real masked CRC32C checksums, written before the clock starts. Two
//! figures: decoding alone (read, check, decode, build the history lines),
//! and the whole import against the server (decode, `UpsertBucket`,
//! `file_stream` history, summary, and the event file uploaded as a run
//! file). The history is counted on the server afterwards.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cairn_client::Api;

/// What the workload measured.
pub struct Measured {
    /// Scalar events in the corpus.
    pub events: u64,
    /// Size of the event file.
    pub bytes: u64,
    /// Decoding alone.
    pub decode: Duration,
    /// The whole import.
    pub import: Duration,
}

/// Masked CRC32C, as TFRecord frames records.
fn masked_crc(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
        .rotate_right(15)
        .wrapping_add(0xa282_ead8)
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn frame(out: &mut Vec<u8>, data: &[u8]) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// An `Event{wall_time, step, summary{value{tag, simple_value}}}`.
fn scalar_event(buf: &mut Vec<u8>, step: u64, wall_time: f64, tag: &[u8], v: f32) {
    buf.clear();
    // Summary.Value: tag (1), simple_value (2).
    let value_len = 2 + tag.len() + 5;
    buf.push(0x09); // Event.wall_time, fixed64
    buf.extend_from_slice(&wall_time.to_le_bytes());
    buf.push(0x10); // Event.step, varint
    varint(buf, step);
    buf.push(0x2a); // Event.summary, length-delimited
    varint(buf, (value_len + 2) as u64);
    buf.push(0x0a); // Summary.value
    varint(buf, value_len as u64);
    buf.push(0x0a); // Value.tag
    buf.push(tag.len() as u8);
    buf.extend_from_slice(tag);
    buf.push(0x15); // Value.simple_value, fixed32
    buf.extend_from_slice(&v.to_le_bytes());
}

/// Write `steps` × `tags` scalars to `dir/run/events.out.tfevents.…`.
pub fn write_corpus(dir: &Path, steps: u64, tags: usize) -> anyhow::Result<u64> {
    let run = dir.join("run");
    std::fs::create_dir_all(&run)?;
    let names: Vec<Vec<u8>> = (0..tags).map(|t| format!("m{t}").into_bytes()).collect();
    let mut out = Vec::with_capacity(steps as usize * tags * 40);
    let mut version = vec![0x09];
    version.extend_from_slice(&1.7e9f64.to_le_bytes());
    version.push(0x1a);
    version.push(13);
    version.extend_from_slice(b"brain.Event:2");
    frame(&mut out, &version);
    let mut buf = Vec::with_capacity(64);
    for step in 0..steps {
        let wall_time = 1.7e9 + step as f64 * 0.01;
        for (t, name) in names.iter().enumerate() {
            let v = ((step as f32) * 0.001).sin() + t as f32;
            scalar_event(&mut buf, step, wall_time, name, v);
            frame(&mut out, &buf);
        }
    }
    let path = run.join("events.out.tfevents.1700000000.bench");
    std::fs::write(&path, &out).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(out.len() as u64)
}

/// Decode the corpus alone, then import it into `entity/project`; check
/// every scalar arrived.
pub async fn run(
    api: &Api,
    dir: &Path,
    entity: &str,
    project: &str,
    steps: u64,
    tags: usize,
) -> anyhow::Result<Measured> {
    let events = steps * tags as u64;
    let bytes = write_corpus(dir, steps, tags)?;
    let root = dir.to_path_buf();
    let started = Instant::now();
    let stats =
        tokio::task::spawn_blocking(move || cairn_client::tensorboard::decode_logdir(&root))
            .await??;
    let decode = started.elapsed();
    if stats.scalars != events || stats.rows as u64 != steps || !stats.damage.is_empty() {
        bail!(
            "decoding found {} scalars in {} rows ({} damaged records), expected {events} in {steps}",
            stats.scalars,
            stats.rows,
            stats.damage.len()
        );
    }
    let started = Instant::now();
    let report = api
        .sync_tensorboard(dir, Some("tb-bench"), Some(project), Some(entity))
        .await?;
    let import = started.elapsed();
    let imported = &report.runs[0];
    if imported.scalars != events || imported.rows as u64 != steps {
        bail!(
            "the import sent {} scalars in {} rows, expected {events} in {steps}",
            imported.scalars,
            imported.rows
        );
    }
    let run = api.run(&imported.path).await?;
    if run.history_line_count() != steps as i64 || run.state() != "finished" {
        bail!(
            "the server holds {} history lines (state {}), expected {steps} (finished)",
            run.history_line_count(),
            run.state()
        );
    }
    Ok(Measured {
        events,
        bytes,
        decode,
        import,
    })
}
