//! The soak: many loggers and readers at once for a fixed time, with the
//! server's memory sampled every few seconds, to tell memory that levels
//! off (caches filling up to their configured size) from memory that grows
//! for as long as the load lasts (a leak).
//!
//! A logger does what `wandb.init` / `wandb.log` / `wandb.finish` do:
//! `upsertBucket` with a config, then `file_stream` requests each carrying
//! a few history lines, the summary and console lines, then a last request
//! with `complete: true`; then it starts its next run. A reader cycles
//! through what the public API asks of a project being logged to: the
//! `Runs` search with a filter and an order (the filter's threshold
//! varies, so remembered counts and statement caches see many distinct
//! queries), `run.history()` (`history(samples: 500)`), and
//! `run.scan_history()` (`HistoryPage` pages) of a finished run.
//!
//! The load is bounded twice over: by `--soak` seconds and by the loggers'
//! pause between requests. Every request must succeed; the first failure
//! ends the soak with an error.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::client::Client;
use crate::history::{FULL_HISTORY, HISTORY_PAGE};
use crate::runs_query::RUNS_QUERY;
use crate::server::ServerProcess;
use crate::stats::Rng;

/// The project the soak logs to.
const PROJECT: &str = "soak";
/// Metrics per history line (besides `_step`, `_runtime`, `_timestamp`).
const METRICS: usize = 10;
/// Rows per `HistoryPage` request in the readers' scans.
const SCAN_PAGE_ROWS: usize = 500;

/// The soak's sizes.
#[derive(Debug, Clone, Serialize)]
pub struct SoakParams {
    /// How long the load lasts.
    pub seconds: u64,
    /// Concurrent loggers.
    pub loggers: usize,
    /// Concurrent readers.
    pub readers: usize,
    /// Seconds between memory samples.
    pub sample_seconds: u64,
    /// Steps a logger logs before it finishes the run and starts another.
    pub steps_per_run: u64,
    /// History lines per `file_stream` request.
    pub lines_per_request: u64,
    /// A logger's pause after each `file_stream` request, in ms.
    pub pause_ms: u64,
}

/// One look at the server.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Seconds since the load started.
    pub t_s: f64,
    /// `VmRSS`, KiB.
    pub rss_kb: u64,
    /// `RssAnon` (heap, stacks), KiB.
    pub anon_kb: Option<u64>,
    /// `RssFile` (mapped files: the binary, the database and its WAL
    /// index), KiB.
    pub file_kb: Option<u64>,
    /// The server's threads.
    pub threads: Option<u64>,
    /// Size of the database file, bytes.
    pub db_bytes: u64,
    /// Size of its write-ahead log, bytes.
    pub wal_bytes: u64,
    /// Runs created so far.
    pub runs: u64,
    /// `file_stream` requests answered so far.
    pub stream_requests: u64,
    /// Reader queries answered so far.
    pub reads: u64,
}

/// What the soak saw.
#[derive(Debug, Serialize)]
pub struct SoakReport {
    /// The sizes.
    pub params: SoakParams,
    /// RSS before any request, KiB.
    pub idle_rss_kb: u64,
    /// Every sample, in order (the last one after the load stopped).
    pub samples: Vec<Sample>,
    /// History lines logged in all.
    pub history_lines: u64,
}

/// Counters the load tasks bump.
#[derive(Default)]
struct Counters {
    runs: AtomicU64,
    stream_requests: AtomicU64,
    history_lines: AtomicU64,
    reads: AtomicU64,
}

/// Runs finished so far, for readers to read.
#[derive(Default)]
struct Finished {
    runs: Mutex<Vec<String>>,
}

impl Finished {
    fn push(&self, run: String) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.push(run);
        }
    }

    fn pick(&self, rng: &mut Rng) -> Option<String> {
        let runs = self.runs.lock().ok()?;
        if runs.is_empty() {
            return None;
        }
        let i = ((rng.unit() * runs.len() as f64) as usize).min(runs.len() - 1);
        Some(runs[i].clone())
    }
}

/// Run the soak against `server`.
pub async fn run(
    client: &Client,
    server: &ServerProcess,
    entity: &str,
    p: &SoakParams,
) -> anyhow::Result<SoakReport> {
    let idle_rss_kb = server.memory()?.rss_kb;
    // The first run creates the project alone: concurrent first upserts
    // into a missing project can race.
    client.upsert_run(entity, PROJECT, "soak-first").await?;

    let counters = Arc::new(Counters::default());
    let finished = Arc::new(Finished::default());
    let start = Instant::now();
    let deadline = start + Duration::from_secs(p.seconds);
    let mut tasks = JoinSet::new();
    for i in 0..p.loggers {
        let (client, entity, p) = (client.clone(), entity.to_string(), p.clone());
        let (counters, finished) = (Arc::clone(&counters), Arc::clone(&finished));
        tasks.spawn(async move {
            logger(&client, &entity, i, &p, deadline, &counters, &finished).await
        });
    }
    for i in 0..p.readers {
        let (client, entity, steps) = (client.clone(), entity.to_string(), p.steps_per_run);
        let (counters, finished) = (Arc::clone(&counters), Arc::clone(&finished));
        tasks.spawn(async move {
            reader(&client, &entity, i, steps, deadline, &counters, &finished).await
        });
    }

    let look = |t: Duration| -> anyhow::Result<Sample> {
        let m = server.memory()?;
        let db = server.data_dir().join("cairn.sqlite3");
        Ok(Sample {
            t_s: t.as_secs_f64(),
            rss_kb: m.rss_kb,
            anon_kb: m.anon_kb,
            file_kb: m.file_kb,
            threads: server.threads(),
            db_bytes: file_size(&db),
            wal_bytes: file_size(&db.with_extension("sqlite3-wal")),
            runs: counters.runs.load(Ordering::Relaxed),
            stream_requests: counters.stream_requests.load(Ordering::Relaxed),
            reads: counters.reads.load(Ordering::Relaxed),
        })
    };
    let mut samples = vec![look(Duration::ZERO)?];
    let period = Duration::from_secs(p.sample_seconds);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            done = tasks.join_next() => match done {
                Some(result) => result.context("a soak task panicked")??,
                None => break,
            },
            _ = tick.tick() => {
                let s = look(start.elapsed())?;
                crate::progress(format!(
                    "soak {:>4.0} s: RSS {:.1} MiB (anon {}), db {:.0} MiB, wal {:.1} MiB, \
                     {} runs, {} file_stream requests, {} reads",
                    s.t_s,
                    mib(s.rss_kb),
                    s.anon_kb.map_or_else(|| "?".into(), |a| format!("{:.1}", mib(a))),
                    s.db_bytes as f64 / 1048576.0,
                    s.wal_bytes as f64 / 1048576.0,
                    s.runs,
                    s.stream_requests,
                    s.reads
                ));
                samples.push(s);
            }
        }
    }
    // One more look once the load has stopped and in-flight work drained.
    tokio::time::sleep(Duration::from_secs(p.sample_seconds.min(5))).await;
    samples.push(look(start.elapsed())?);
    Ok(SoakReport {
        params: p.clone(),
        idle_rss_kb,
        samples,
        history_lines: counters.history_lines.load(Ordering::Relaxed),
    })
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// One logger: runs one after another until the deadline.
async fn logger(
    client: &Client,
    entity: &str,
    index: usize,
    p: &SoakParams,
    deadline: Instant,
    counters: &Counters,
    finished: &Finished,
) -> anyhow::Result<()> {
    let mut rng = Rng::new(0x50a_0000 + index as u64);
    let pause = Duration::from_millis(p.pause_ms);
    let mut number = 0;
    while Instant::now() < deadline {
        let run = format!("l{index:03}-{number:05}");
        number += 1;
        let config = json!({ "lr": { "value": rng.unit() * 0.01 }, "logger": { "value": index } });
        client
            .gql(
                "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id } } }",
                json!({ "input": { "name": run, "modelName": PROJECT, "entityName": entity,
                                   "config": config.to_string() } }),
            )
            .await
            .with_context(|| format!("cannot create run {run}"))?;
        counters.runs.fetch_add(1, Ordering::Relaxed);

        let mut step = 0;
        let mut console = 0;
        while step < p.steps_per_run && Instant::now() < deadline {
            let end = (step + p.lines_per_request).min(p.steps_per_run);
            let body = stream_body(&mut rng, step, end, console);
            client.file_stream(entity, PROJECT, &run, body).await?;
            counters.stream_requests.fetch_add(1, Ordering::Relaxed);
            counters
                .history_lines
                .fetch_add(end - step, Ordering::Relaxed);
            step = end;
            console += 2;
            tokio::time::sleep(pause).await;
        }
        // wandb.finish: the exit code, in a request of its own.
        let done = serde_json::to_vec(&json!({ "files": {}, "complete": true, "exitcode": 0 }))?;
        client.file_stream(entity, PROJECT, &run, done).await?;
        counters.stream_requests.fetch_add(1, Ordering::Relaxed);
        if step == p.steps_per_run {
            finished.push(run);
        }
    }
    Ok(())
}

/// A `file_stream` body with history lines `from..to`, the summary after
/// them and two console lines from `console` on.
fn stream_body(rng: &mut Rng, from: u64, to: u64, console: u64) -> Vec<u8> {
    let t0 = 1_767_225_600.0_f64;
    let mut history = Vec::with_capacity((to - from) as usize);
    let mut last = String::new();
    for s in from..to {
        let runtime = s as f64 * 0.1;
        let mut line = format!(
            "{{\"_step\":{s},\"_runtime\":{runtime},\"_timestamp\":{}",
            t0 + runtime
        );
        for m in 0..METRICS {
            let _ = write!(line, ",\"m{m}\":{}", rng.unit());
        }
        line.push('}');
        last.clone_from(&line);
        history.push(line);
    }
    let body = json!({
        "files": {
            "wandb-history.jsonl": { "offset": from, "content": history },
            "wandb-summary.json": { "offset": 0, "content": [last] },
            "output.log": { "offset": console, "content": [
                format!("2026-01-01T00:00:00.000000 step {from}: training"),
                format!("ERROR 2026-01-01T00:00:00.000000 step {from}: a warning on stderr"),
            ] },
        }
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// One reader: search, sampled history and a full scan, in turn, until the
/// deadline.
async fn reader(
    client: &Client,
    entity: &str,
    index: usize,
    steps: u64,
    deadline: Instant,
    counters: &Counters,
    finished: &Finished,
) -> anyhow::Result<()> {
    let mut rng = Rng::new(0x50a_1000 + index as u64);
    let mut turn = index;
    while Instant::now() < deadline {
        turn += 1;
        let run = finished.pick(&mut rng);
        match (turn % 3, run) {
            (1, Some(run)) => {
                let data = client
                    .gql(
                        FULL_HISTORY,
                        json!({ "project": PROJECT, "entity": entity, "name": run, "samples": 500 }),
                    )
                    .await?;
                if data["project"]["run"]["history"].as_array().is_none() {
                    bail!("history(samples) of {run} has no list: {data}");
                }
            }
            (2, Some(run)) => scan(client, entity, &run, steps).await?,
            _ => {
                // Thresholds in steps of 0.0001: a hundred distinct filters.
                let threshold = (rng.unit() * 100.0).floor() / 10_000.0;
                let filters = json!({ "$and": [
                    { "config.lr": { "$gt": threshold } },
                    { "summary_metrics.m0": { "$gt": 0.5 } },
                ] });
                let data = client
                    .gql(
                        RUNS_QUERY,
                        json!({ "project": PROJECT, "entity": entity, "cursor": null,
                                "perPage": 50, "order": "-summary_metrics.m1",
                                "filters": filters.to_string() }),
                    )
                    .await?;
                if data["project"]["runs"]["edges"].as_array().is_none() {
                    bail!("the Runs search has no edges: {data}");
                }
            }
        }
        counters.reads.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// `run.scan_history()` of a finished run; it must return every step.
async fn scan(client: &Client, entity: &str, run: &str, steps: u64) -> anyhow::Result<()> {
    let (mut rows, mut next) = (0u64, 0u64);
    while next < steps {
        let data = client
            .gql(
                HISTORY_PAGE,
                json!({ "entity": entity, "project": PROJECT, "run": run, "minStep": next,
                        "maxStep": steps, "pageSize": SCAN_PAGE_ROWS }),
            )
            .await?;
        let page = data["project"]["run"]["history"]
            .as_array()
            .with_context(|| format!("a HistoryPage of {run} has no rows"))?;
        rows += page.len() as u64;
        let last = page
            .last()
            .and_then(Value::as_str)
            .and_then(|row| serde_json::from_str::<Value>(row).ok())
            .and_then(|row| row["_step"].as_u64());
        match last {
            Some(step) if page.len() == SCAN_PAGE_ROWS => next = step + 1,
            _ => break,
        }
    }
    if rows != steps {
        bail!("Scanning {run} returned {rows} rows; it has {steps} steps.");
    }
    Ok(())
}

impl SoakReport {
    /// The human-readable report: RSS over time, and whether it levelled off.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let p = &self.params;
        let _ = writeln!(
            out,
            "Soak: {} loggers + {} readers for {} s ({} steps a run, {} lines a request, \
             {} ms pause); {} history lines logged. MiB = 2^20 bytes.",
            p.loggers,
            p.readers,
            p.seconds,
            p.steps_per_run,
            p.lines_per_request,
            p.pause_ms,
            self.history_lines
        );
        let _ = writeln!(
            out,
            "Idle RSS before the load: {:.1} MiB.",
            mib(self.idle_rss_kb)
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:>6}  {:>8}  {:>8}  {:>8}  {:>7}  {:>8}  {:>8}  {:>6}  {:>9}  {:>7}",
            "t s",
            "RSS MiB",
            "anon",
            "file",
            "threads",
            "db MiB",
            "wal MiB",
            "runs",
            "requests",
            "reads"
        );
        let opt = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |v| format!("{:.1}", mib(v)));
        for s in &self.samples {
            let _ = writeln!(
                out,
                "{:>6.0}  {:>8.1}  {:>8}  {:>8}  {:>7}  {:>8.1}  {:>8.1}  {:>6}  {:>9}  {:>7}",
                s.t_s,
                mib(s.rss_kb),
                opt(s.anon_kb),
                opt(s.file_kb),
                s.threads.map_or_else(|| "?".to_string(), |t| t.to_string()),
                s.db_bytes as f64 / 1048576.0,
                s.wal_bytes as f64 / 1048576.0,
                s.runs,
                s.stream_requests,
                s.reads
            );
        }
        if let Some([first, second]) = self.halves(|s| Some(s.rss_kb)) {
            let anon = self
                .halves(|s| s.anon_kb)
                .map_or_else(String::new, |[a, b]| format!(" (anon {a:+.2} and {b:+.2})"));
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "RSS trend (least-squares slope): {first:+.2} MiB/min in the first half of \
                 the load, {second:+.2} MiB/min in the second{anon}."
            );
        }
        out
    }

    /// The trend (least-squares slope, MiB/min) of `kb` over the first and
    /// the second half of the load; the sample taken after the load
    /// stopped is left out.
    fn halves(&self, kb: impl Fn(&Sample) -> Option<u64>) -> Option<[f64; 2]> {
        let load = &self.samples[..self.samples.len().saturating_sub(1)];
        if load.len() < 4 {
            return None;
        }
        let mid = load.len() / 2;
        Some([slope(&load[..mid], &kb)?, slope(&load[mid..], &kb)?])
    }
}

/// Least-squares slope of `kb` over `samples`, in MiB per minute.
fn slope(samples: &[Sample], kb: impl Fn(&Sample) -> Option<u64>) -> Option<f64> {
    let points: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| kb(s).map(|v| (s.t_s / 60.0, mib(v))))
        .collect::<Option<_>>()?;
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(sxy, sxx), p| {
        (sxy + (p.0 - mx) * (p.1 - my), sxx + (p.0 - mx) * (p.0 - mx))
    });
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_body_carries_history_summary_and_console() {
        let mut rng = Rng::new(1);
        let body: Value = serde_json::from_slice(&stream_body(&mut rng, 10, 13, 4)).unwrap();
        let files = &body["files"];
        assert_eq!(files["wandb-history.jsonl"]["offset"], 10);
        let lines = files["wandb-history.jsonl"]["content"].as_array().unwrap();
        assert_eq!(lines.len(), 3);
        let last: Value = serde_json::from_str(lines[2].as_str().unwrap()).unwrap();
        assert_eq!(last["_step"], 12);
        assert_eq!(files["wandb-summary.json"]["content"][0], lines[2]);
        assert_eq!(files["output.log"]["offset"], 4);
        assert_eq!(files["output.log"]["content"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_trend_is_taken_over_each_half() {
        let sample = |t_s: f64, mib: u64| Sample {
            t_s,
            rss_kb: mib * 1024,
            anon_kb: None,
            file_kb: None,
            threads: None,
            db_bytes: 0,
            wal_bytes: 0,
            runs: 0,
            stream_requests: 0,
            reads: 0,
        };
        let report = SoakReport {
            params: SoakParams {
                seconds: 120,
                loggers: 1,
                readers: 1,
                sample_seconds: 30,
                steps_per_run: 1,
                lines_per_request: 1,
                pause_ms: 0,
            },
            idle_rss_kb: 0,
            // Rising 20 MiB/min, then flat; then the after-load sample.
            samples: vec![
                sample(0.0, 30),
                sample(30.0, 40),
                sample(60.0, 50),
                sample(90.0, 50),
                sample(120.0, 50),
                sample(125.0, 10),
            ],
            history_lines: 0,
        };
        let [first, second] = report.halves(|s| Some(s.rss_kb)).unwrap();
        assert!((first - 20.0).abs() < 1e-9, "{first}");
        assert!(second.abs() < 1e-9, "{second}");
        assert!(report.halves(|s| s.anon_kb).is_none());
    }
}
