//! Workload a: history ingestion through `file_stream`.
//!
//! The request bodies are built once, before any timing, and reused by
//! every run (the server keys rows by run, so identical content is fine):
//! the clock then measures the server, not the benchmark's JSON encoding.
//! Lines look like the official client's (`_step`, `_runtime`,
//! `_timestamp`, then the metrics), and each request carries
//! `batch_lines` consecutive lines with the right `offset`, as wandb-core's
//! time-based batching does.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use tokio::task::JoinSet;

use crate::client::Client;
use crate::stats::Rng;

/// Prepared `file_stream` bodies for one run's whole history.
pub struct Bodies {
    /// One JSON body per request, in order.
    pub bodies: Vec<Vec<u8>>,
    /// History lines in all bodies.
    pub lines: u64,
    /// Metrics per line (besides `_step`, `_runtime`, `_timestamp`).
    pub metrics: usize,
}

impl Bodies {
    /// Total request bytes.
    pub fn bytes(&self) -> usize {
        self.bodies.iter().map(Vec::len).sum()
    }

    /// Points (step × metric values) in all bodies.
    pub fn points(&self) -> u64 {
        self.lines * self.metrics as u64
    }
}

/// Build the bodies for `steps` steps of `metrics` metrics, `batch_lines`
/// lines per request.
pub fn prepare(steps: u64, metrics: usize, batch_lines: usize) -> anyhow::Result<Bodies> {
    let mut rng = Rng::new(0x5eed_0001);
    let t0 = 1_767_225_600.0_f64; // 2026-01-01T00:00:00Z
    let mut bodies = Vec::new();
    let mut step = 0u64;
    while step < steps {
        let end = (step + batch_lines as u64).min(steps);
        let mut content = Vec::with_capacity((end - step) as usize);
        for s in step..end {
            let runtime = s as f64 * 0.01;
            let mut line = format!(
                "{{\"_step\":{s},\"_runtime\":{runtime},\"_timestamp\":{}",
                t0 + runtime
            );
            for m in 0..metrics {
                write!(line, ",\"m{m}\":{}", rng.unit())?;
            }
            line.push('}');
            content.push(line);
        }
        let body = json!({
            "files": { "wandb-history.jsonl": { "offset": step, "content": content } }
        });
        bodies.push(serde_json::to_vec(&body).context("cannot encode a body")?);
        step = end;
    }
    Ok(Bodies {
        bodies,
        lines: steps,
        metrics,
    })
}

/// Timings of one run's upload.
pub struct RunUpload {
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
    /// Each request's round trip.
    pub requests: Vec<Duration>,
}

/// POST every body for `run`, one request after the other (as one client
/// does); the run must exist.
pub async fn upload(
    client: &Client,
    entity: &str,
    project: &str,
    run: &str,
    bodies: &Bodies,
) -> anyhow::Result<RunUpload> {
    let mut requests = Vec::with_capacity(bodies.bodies.len());
    let start = Instant::now();
    for body in &bodies.bodies {
        let t = Instant::now();
        client
            .file_stream(entity, project, run, body.clone())
            .await?;
        requests.push(t.elapsed());
    }
    Ok(RunUpload {
        elapsed: start.elapsed(),
        requests,
    })
}

/// Upload the same history to each of `runs` (all created beforehand) at
/// once; returns the wall time for all of them and every request's time.
pub async fn upload_concurrently(
    client: &Client,
    entity: &str,
    project: &str,
    runs: &[String],
    bodies: Arc<Bodies>,
) -> anyhow::Result<RunUpload> {
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    for run in runs {
        let (client, entity, project, run) = (
            client.clone(),
            entity.to_string(),
            project.to_string(),
            run.clone(),
        );
        let bodies = Arc::clone(&bodies);
        tasks.spawn(async move { upload(&client, &entity, &project, &run, &bodies).await });
    }
    let mut requests = Vec::new();
    while let Some(done) = tasks.join_next().await {
        requests.extend(done.context("an upload task panicked")??.requests);
    }
    Ok(RunUpload {
        elapsed: start.elapsed(),
        requests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_cover_every_step_with_offsets() {
        let b = prepare(5, 3, 2).unwrap();
        assert_eq!(b.bodies.len(), 3);
        assert_eq!(b.points(), 15);
        let last: serde_json::Value = serde_json::from_slice(&b.bodies[2]).unwrap();
        let file = &last["files"]["wandb-history.jsonl"];
        assert_eq!(file["offset"], 4);
        let line: serde_json::Value =
            serde_json::from_str(file["content"][0].as_str().unwrap()).unwrap();
        assert_eq!(line["_step"], 4);
        assert!(line["m2"].is_f64());
        assert!(line["_timestamp"].as_f64().unwrap() > 1.7e9);
    }
}
