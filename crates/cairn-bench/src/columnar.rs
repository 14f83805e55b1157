//! Workload g: columnar history (issue 17).
//!
//! Two finished runs of `--steps` rows × `--metrics` metrics — uniform
//! random floats and smooth training curves with noise — are compacted by
//! the server, then measured: bytes per metric point of their Parquet
//! files (the whole file, `_step`/`_runtime`/`_timestamp` included),
//! ingestion of a third run while the first two compact, and a full scan
//! two ways — the official client's path (`parquetHistory`, download the
//! files, decode every column as wandb-core's reader does; turning the rows
//! into JSON text, as wandb-core hands them on to Python, is timed apart)
//! and the Rust client's `Api::history_many` (Arrow batches).
//! Then `--multi-runs` finished runs of `--multi-steps` steps of one
//! metric are compacted and read with one `history_many` request: sampled
//! to `--samples` points a run, and whole.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cairn_client::{Api, HistoryQuery};
use serde_json::json;

use crate::client::Client;
use crate::ingest::{self, Bodies};

/// Entity of every run here.
const ENTITY: &str = "admin";
/// Project of the scan and size runs.
pub const PROJECT: &str = "bench-columnar";
/// Project of the multi-run read.
pub const MANY_PROJECT: &str = "bench-columnar-many";

/// The figures of this workload, measured.
pub struct Measured {
    /// Bytes per metric point: random floats, smooth curves.
    pub bytes_per_point: [(f64, u64); 2],
    /// Ingestion (points/s) of a run uploaded while two others compact.
    pub ingest_during_compaction: f64,
    /// Official-client path: rows, seconds to list, download and decode
    /// (Arrow), seconds to turn the rows into JSON text.
    pub scan_files: (u64, Duration, Duration),
    /// `Api::history_many` of one run, all keys: rows, seconds.
    pub scan_arrow: (u64, Duration),
    /// Multi-run sampled read: runs, points, seconds (median).
    pub many_sampled: (usize, u64, Duration),
    /// Multi-run full read: points, seconds.
    pub many_full: (u64, Duration),
}

/// Smooth training curves: decaying losses, rising accuracies, a cosine
/// learning rate, each with a little noise.
pub fn smooth(steps: u64, metrics: usize, batch_lines: usize) -> anyhow::Result<Bodies> {
    let t0 = 1_767_225_600.0_f64;
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut bodies = Vec::new();
    let mut step = 0;
    while step < steps {
        let end = (step + batch_lines as u64).min(steps);
        let mut content = Vec::with_capacity((end - step) as usize);
        for s in step..end {
            let runtime = s as f64 * 0.01 + noise() * 0.001;
            let mut line = format!(
                "{{\"_step\":{s},\"_runtime\":{runtime},\"_timestamp\":{}",
                t0 + runtime
            );
            let x = s as f64 / steps as f64;
            for m in 0..metrics {
                let value = match m % 3 {
                    0 => 2.0 * (-(m as f64 + 3.0) * x).exp() + 0.1 + noise() * 0.02,
                    1 => 1.0 - 0.9 * (-(m as f64 + 2.0) * x).exp() + noise() * 0.01,
                    _ => 1e-3 * 0.5 * (1.0 + (std::f64::consts::PI * x).cos()),
                };
                write!(line, ",\"m{m}\":{value}")?;
            }
            line.push('}');
            content.push(line);
        }
        let body = json!({
            "files": { "wandb-history.jsonl": { "offset": step, "content": content } }
        });
        bodies.push(serde_json::to_vec(&body)?);
        step = end;
    }
    Ok(Bodies {
        bodies,
        lines: steps,
        metrics,
    })
}

const PARQUET_HISTORY: &str = "query RunParquetHistory($entity: String!, $project: String!, \
    $runName: String!, $liveKeys: [String!]!) { project(name: $project, entityName: $entity) { \
    run(name: $runName) { parquetHistory(liveKeys: $liveKeys) { parquetUrls liveData } } } }";

/// `parquetHistory` of a run: its file URLs and how many rows are live.
async fn parquet_history(
    client: &Client,
    project: &str,
    run: &str,
) -> anyhow::Result<(Vec<String>, usize)> {
    let data = client
        .gql(
            PARQUET_HISTORY,
            json!({"entity": ENTITY, "project": project, "runName": run, "liveKeys": ["_step"]}),
        )
        .await?;
    let ph = &data["project"]["run"]["parquetHistory"];
    let urls = ph["parquetUrls"]
        .as_array()
        .context("no parquetUrls")?
        .iter()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect();
    let live = ph["liveData"].as_array().map_or(0, Vec::len);
    Ok((urls, live))
}

/// Wait until every run in `runs` is compacted whole.
async fn compacted(client: &Client, project: &str, runs: &[String]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    for run in runs {
        loop {
            let (urls, live) = parquet_history(client, project, run).await?;
            if !urls.is_empty() && live == 0 {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "{run} was not compacted within 10 minutes ({} files, {live} live rows)",
                    urls.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

async fn finish(client: &Client, project: &str, run: &str) -> anyhow::Result<()> {
    let body = serde_json::to_vec(&json!({"complete": true, "exitcode": 0}))?;
    client.file_stream(ENTITY, project, run, body).await
}

/// The workload's sizes.
#[derive(Clone, Copy)]
pub struct Sizes {
    /// Steps of the scan and size runs.
    pub steps: u64,
    /// Metrics a row of those runs.
    pub metrics: usize,
    /// History lines a request.
    pub batch_lines: usize,
    /// Runs of the multi-run read.
    pub multi_runs: usize,
    /// Steps each of those has.
    pub multi_steps: u64,
    /// Points a run of the sampled multi-run read.
    pub samples: u32,
}

/// Run the workload.
pub async fn run(client: &Client, api: &Api, sizes: &Sizes) -> anyhow::Result<Measured> {
    let Sizes {
        steps,
        metrics,
        batch_lines,
        multi_runs,
        multi_steps,
        samples,
    } = *sizes;
    let random = ingest::prepare(steps, metrics, batch_lines)?;
    let curves = smooth(steps, metrics, batch_lines)?;
    for (run, bodies) in [("random", &random), ("smooth", &curves)] {
        client.upsert_run(ENTITY, PROJECT, run).await?;
        ingest::upload(client, ENTITY, PROJECT, run, bodies).await?;
        finish(client, PROJECT, run).await?;
    }
    // Both are due for compaction (the worker looks every 2 s); a third run
    // is logged meanwhile, and compaction yields to it (it starts once
    // logging pauses for 300 ms, or after 10 s of waiting).
    client.upsert_run(ENTITY, PROJECT, "alongside").await?;
    let upload = ingest::upload(client, ENTITY, PROJECT, "alongside", &random).await?;
    let ingest_during_compaction = random.points() as f64 / upload.elapsed.as_secs_f64();
    crate::progress("two runs logged and finished; waiting for their compaction");
    compacted(client, PROJECT, &["random".into(), "smooth".into()]).await?;
    crate::progress("compacted; measuring");

    let http = reqwest::Client::new();
    let mut bytes_per_point = [(0.0, 0); 2];
    for (i, run) in ["random", "smooth"].iter().enumerate() {
        let (urls, _) = parquet_history(client, PROJECT, run).await?;
        let mut bytes = 0;
        for url in &urls {
            let head = http.head(url).send().await?.error_for_status()?;
            // reqwest reports no body length for a HEAD: read the header.
            bytes += head
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                .context("no Content-Length")?;
        }
        bytes_per_point[i] = (bytes as f64 / (steps as f64 * metrics as f64), bytes);
    }

    // The official client's path: list, download, decode every column of
    // every row (what wandb-core's reader does), then, timed apart, turn
    // every row into JSON text (its hand-off towards Python).
    let start = Instant::now();
    let (urls, _) = parquet_history(client, PROJECT, "random").await?;
    let mut rows = 0u64;
    let mut to_text = Duration::ZERO;
    for url in &urls {
        let bytes = http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let (decoded, text) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let file = cairn_history::HistoryFile::open(bytes)?;
            let Some(batch) = file.read(&cairn_history::Selection::ALL)? else {
                return Ok((0, Duration::ZERO));
            };
            let start = Instant::now();
            let mut n = 0;
            cairn_history::for_each_row(&batch, |_, row| {
                n += u64::from(!row.is_empty());
            })?;
            Ok((n, start.elapsed()))
        })
        .await??;
        rows += decoded;
        to_text += text;
    }
    let scan_files = (rows, start.elapsed() - to_text, to_text);
    if rows != steps {
        bail!("the official client's path read {rows} rows, not {steps}");
    }

    // The Rust client: every key of one run as Arrow.
    let mut keys = vec!["_runtime".to_string(), "_timestamp".to_string()];
    keys.extend((0..metrics).map(|m| format!("m{m}")));
    let filter = cairn_client::Filter::field("name").eq(json!("random"));
    let start = Instant::now();
    let query = HistoryQuery {
        keys,
        ..HistoryQuery::default()
    }
    .filter(filter);
    let batches = api
        .history_many(&format!("{ENTITY}/{PROJECT}"), &query)
        .await?
        .collect_all()
        .await?;
    let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let scan_arrow = (rows, start.elapsed());
    if rows != steps {
        bail!("history_many read {rows} rows, not {steps}");
    }

    // Many runs, one metric.
    let many = std::sync::Arc::new(ingest::prepare(multi_steps, 1, batch_lines)?);
    let names: Vec<String> = (0..multi_runs).map(|i| format!("r{i:05}")).collect();
    for chunk in names.chunks(16) {
        let mut tasks = tokio::task::JoinSet::new();
        for run in chunk {
            let (client, run, bodies) = (client.clone(), run.clone(), std::sync::Arc::clone(&many));
            tasks.spawn(async move {
                client.upsert_run(ENTITY, MANY_PROJECT, &run).await?;
                ingest::upload(&client, ENTITY, MANY_PROJECT, &run, &bodies).await?;
                finish(&client, MANY_PROJECT, &run).await
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
    }
    crate::progress(format!(
        "{multi_runs} runs logged; waiting for their compaction"
    ));
    compacted(client, MANY_PROJECT, &names).await?;
    let project = format!("{ENTITY}/{MANY_PROJECT}");
    let mut times = Vec::new();
    let mut points = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let batches = api
            .history_many(&project, &HistoryQuery::keys(["m0"]).samples(samples))
            .await?
            .collect_all()
            .await?;
        times.push(start.elapsed());
        points = batches.iter().map(|b| b.num_rows() as u64).sum();
    }
    times.sort();
    let many_sampled = (multi_runs, points, times[1]);
    let start = Instant::now();
    let batches = api
        .history_many(&project, &HistoryQuery::keys(["m0"]))
        .await?
        .collect_all()
        .await?;
    let full_points: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let many_full = (full_points, start.elapsed());
    if full_points != multi_runs as u64 * multi_steps {
        bail!("the full multi-run read gave {full_points} points");
    }
    Ok(Measured {
        bytes_per_point,
        ingest_during_compaction,
        scan_files,
        scan_arrow,
        many_sampled,
        many_full,
    })
}
