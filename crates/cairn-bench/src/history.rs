//! Workload c: reading a long run's history back.
//!
//! The full scan pages through `history(minStep, maxStep, samples)` as
//! `run.scan_history()` does (the `HistoryPage` query), and parses every
//! row client-side, so rows/s is end to end: what a user's loop would see.
//! Time spent parsing in the benchmark is reported apart from time spent
//! waiting for the server. Cairn's own streaming endpoint
//! (`GET /cairn/v1/runs/.../history`) is measured the same way for
//! comparison. Sampled reads (`sampledHistory`, `history(samples)`) are
//! repeated and summarized as latencies.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::Client;
use crate::stats::Latency;

pub(crate) const HISTORY_PAGE: &str = "query HistoryPage($entity: String!, $project: String!, \
    $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) { project(name: \
    $project, entityName: $entity) { run(name: $run) { history(minStep: $minStep, maxStep: \
    $maxStep, samples: $pageSize) } } }";

const SAMPLED_HISTORY: &str = "query RunSampledHistory($project: String!, $entity: String!, \
    $name: String!, $specs: [JSONString!]!) { project(name: $project, entityName: $entity) \
    { run(name: $name) { sampledHistory(specs: $specs) } } }";

pub(crate) const FULL_HISTORY: &str = "query RunFullHistory($project: String!, $entity: String!, \
    $name: String!, $samples: Int) { project(name: $project, entityName: $entity) { run(name: \
    $name) { history(samples: $samples) } } }";

/// Which run to read.
pub struct Target<'a> {
    /// Entity (user or team) name.
    pub entity: &'a str,
    /// Project name.
    pub project: &'a str,
    /// Run name.
    pub run: &'a str,
    /// Steps the run has (`0..steps`).
    pub steps: u64,
}

/// A full scan's timing.
pub struct Scan {
    /// Wall time of the whole scan.
    pub elapsed: Duration,
    /// Rows read.
    pub rows: u64,
    /// Requests made.
    pub requests: usize,
    /// Time until answers' headers arrived (GraphQL: the server's think
    /// time; the REST stream sends headers at once).
    pub headers: Duration,
    /// Time the benchmark spent decoding answers and parsing rows.
    pub parse: Duration,
}

/// One `HistoryPage` answer, decoded just enough to reach the rows.
#[derive(Deserialize)]
struct PageAnswer {
    data: Option<PageData>,
    errors: Option<Value>,
}

#[derive(Deserialize)]
struct PageData {
    project: Option<PageProject>,
}

#[derive(Deserialize)]
struct PageProject {
    run: Option<PageRun>,
}

#[derive(Deserialize)]
struct PageRun {
    history: Vec<String>,
}

/// A history row as the scan reads it: the whole JSON object is parsed
/// and validated, but only `_step` is kept.
#[derive(Deserialize)]
struct Row {
    #[serde(rename = "_step")]
    step: Option<i64>,
}

/// Read `0..steps` through `HistoryPage`, `page_rows` rows per request.
pub async fn scan_graphql(
    client: &Client,
    t: &Target<'_>,
    page_rows: usize,
) -> anyhow::Result<Scan> {
    let (mut headers, mut parse) = (Duration::ZERO, Duration::ZERO);
    let (mut rows, mut requests, mut next) = (0u64, 0usize, 0i64);
    let max = t.steps as i64;
    let start = Instant::now();
    while next < max {
        let (body, to_headers, _) = client
            .gql_raw(
                HISTORY_PAGE,
                json!({ "entity": t.entity, "project": t.project, "run": t.run,
                        "minStep": next, "maxStep": max, "pageSize": page_rows }),
            )
            .await?;
        requests += 1;
        headers += to_headers;
        let p = Instant::now();
        let answer: PageAnswer =
            serde_json::from_slice(&body).context("a HistoryPage answer is not JSON")?;
        if let Some(errors) = answer.errors {
            bail!("GraphQL errors: {errors}");
        }
        let page = answer
            .data
            .and_then(|d| d.project)
            .and_then(|p| p.run)
            .context("a HistoryPage answer has no run")?
            .history;
        let mut last = None;
        for row in &page {
            let row: Row = serde_json::from_str(row).context("a history row is not JSON")?;
            last = row.step;
            rows += 1;
        }
        parse += p.elapsed();
        match last {
            Some(step) if page.len() == page_rows => next = step + 1,
            _ => break,
        }
    }
    let elapsed = start.elapsed();
    check_rows(rows, t.steps)?;
    Ok(Scan {
        elapsed,
        rows,
        requests,
        headers,
        parse,
    })
}

/// Read the whole history through Cairn's JSON-lines endpoint in one
/// request, parsing every line as its chunk arrives.
pub async fn scan_rest(client: &Client, t: &Target<'_>) -> anyhow::Result<Scan> {
    let start = Instant::now();
    let (mut resp, headers) = client
        .get(&format!(
            "/cairn/v1/runs/{}/{}/{}/history",
            t.entity, t.project, t.run
        ))
        .await?;
    let (mut parse, mut rows) = (Duration::ZERO, 0u64);
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.context("the history stream broke")? {
        let p = Instant::now();
        pending.extend_from_slice(&chunk);
        let done = parse_lines(&pending, &mut rows)?;
        pending.drain(..done);
        parse += p.elapsed();
    }
    if !pending.is_empty() {
        bail!("The history stream ended in the middle of a line.");
    }
    let elapsed = start.elapsed();
    check_rows(rows, t.steps)?;
    Ok(Scan {
        elapsed,
        rows,
        requests: 1,
        headers,
        parse,
    })
}

/// Parse the complete JSON lines at the start of `buf` (those before its
/// last newline), counting them; returns how many bytes they took (the
/// rest is an unfinished line).
fn parse_lines(buf: &[u8], rows: &mut u64) -> anyhow::Result<usize> {
    let Some(end) = buf.iter().rposition(|b| *b == b'\n') else {
        return Ok(0);
    };
    for row in serde_json::Deserializer::from_slice(&buf[..end]).into_iter::<Row>() {
        row.context("a history line is not JSON")?;
        *rows += 1;
    }
    Ok(end + 1)
}

fn check_rows(rows: u64, steps: u64) -> anyhow::Result<()> {
    if rows != steps {
        bail!("The scan returned {rows} rows; the run has {steps} steps.");
    }
    Ok(())
}

/// `sampledHistory(specs: [{"keys":["_step","m0"],"samples":n}])`, once
/// as a warm-up (timed apart) and then `repeats` times; also returns the row count.
pub async fn sampled(
    client: &Client,
    t: &Target<'_>,
    samples: usize,
    repeats: usize,
) -> anyhow::Result<(Latency, usize)> {
    let spec = json!({ "keys": ["_step", "m0"], "samples": samples }).to_string();
    let variables =
        json!({ "project": t.project, "entity": t.entity, "name": t.run, "specs": [spec] });
    let count = |data: &Value| {
        data["project"]["run"]["sampledHistory"][0]
            .as_array()
            .map(Vec::len)
    };
    let t = Instant::now();
    let warm = client.gql(SAMPLED_HISTORY, variables.clone()).await?;
    let warmup = t.elapsed();
    let rows = count(&warm).context("a sampledHistory answer has no list")?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t0 = Instant::now();
        let data = client.gql(SAMPLED_HISTORY, variables.clone()).await?;
        times.push(t0.elapsed());
        if count(&data) != Some(rows) {
            bail!("sampledHistory answered a different number of rows on a repeat");
        }
    }
    Ok((Latency::with_warmup(warmup, &times), rows))
}

/// `history(samples: n)` (what `run.history()` without keys sends), once
/// as a warm-up (timed apart) and then `repeats` times; also returns the row count.
pub async fn full_sampled(
    client: &Client,
    t: &Target<'_>,
    samples: usize,
    repeats: usize,
) -> anyhow::Result<(Latency, usize)> {
    let variables =
        json!({ "project": t.project, "entity": t.entity, "name": t.run, "samples": samples });
    let count = |data: &Value| data["project"]["run"]["history"].as_array().map(Vec::len);
    let t = Instant::now();
    let warm = client.gql(FULL_HISTORY, variables.clone()).await?;
    let warmup = t.elapsed();
    let rows = count(&warm).context("a history answer has no list")?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t0 = Instant::now();
        let data = client.gql(FULL_HISTORY, variables.clone()).await?;
        times.push(t0.elapsed());
        if count(&data) != Some(rows) {
            bail!("history(samples) answered a different number of rows on a repeat");
        }
    }
    Ok((Latency::with_warmup(warmup, &times), rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_parsed_up_to_an_unfinished_one() {
        let mut rows = 0;
        let buf = b"{\"_step\":0,\"a\":1.5}\n{\"_step\":1}\n{\"_st";
        let done = parse_lines(buf, &mut rows).unwrap();
        assert_eq!(rows, 2);
        assert_eq!(&buf[done..], b"{\"_st");
        let mut rows = 0;
        assert_eq!(parse_lines(b"{\"_step\":0}\n", &mut rows).unwrap(), 12);
        assert_eq!(rows, 1);
        assert!(parse_lines(b"{\"_step\":0}\nnope\n", &mut rows).is_err());
    }
}
