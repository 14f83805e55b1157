//! Workload b: a project with many runs, searched the way `api.runs(...)`
//! searches it.
//!
//! Runs are seeded through concurrent `upsertBucket` calls carrying
//! `config` and `summaryMetrics`, as a fleet of training scripts would.
//! The values come from a fixed-seed generator, so the benchmark knows the
//! right answer (how many runs match, and the first page in order) and
//! reports whether the server's answer is right, not only how fast it came.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::client::Client;
use crate::stats::{Latency, Rng};

/// The `Runs` query of `wandb==0.31.0`, with the fields this workload reads.
pub const RUNS_QUERY: &str = "query Runs($project: String!, $entity: String!, $cursor: String, \
    $perPage: Int = 50, $order: String, $filters: JSONString) { project(name: $project, \
    entityName: $entity) { internalId runCount(filters: $filters) readOnly runs(filters: \
    $filters, after: $cursor, first: $perPage, order: $order) { edges { node { id name \
    displayName state config summaryMetrics tags createdAt } cursor } pageInfo { endCursor \
    hasNextPage } } } }";

/// The filter of the measured search.
pub const FILTERS: &str =
    r#"{"$and":[{"config.lr":{"$gt":0.005}},{"summary_metrics.acc":{"$gt":0.5}}]}"#;
/// The order of the measured search.
pub const ORDER: &str = "-summary_metrics.loss";
/// The page size of the measured search.
pub const PER_PAGE: usize = 50;

/// The same query without `runCount` (a second pass over all matches).
pub fn runs_query_without_count() -> String {
    RUNS_QUERY.replace(" runCount(filters: $filters)", "")
}

/// One seeded run's values.
#[derive(Debug, Clone, Copy)]
pub struct Seed {
    lr: f64,
    batch: u32,
    loss: f64,
    acc: f64,
}

impl Seed {
    fn matches(&self) -> bool {
        self.lr > 0.005 && self.acc > 0.5
    }
}

/// Run name `i` of the seeded project.
pub fn run_name(i: usize) -> String {
    format!("run{i:06}")
}

/// The values for `n` runs: lr uniform in [0.0001, 0.01), acc in [0, 1),
/// loss in [0, 3); about a quarter match the filter.
pub fn seeds(n: usize) -> Vec<Seed> {
    let mut rng = Rng::new(0x5eed_0002);
    (0..n)
        .map(|_| Seed {
            lr: 0.0001 + rng.unit() * 0.0099,
            batch: 16 << ((rng.unit() * 5.0) as u32),
            loss: rng.unit() * 3.0,
            acc: rng.unit(),
        })
        .collect()
}

/// Create every run with `concurrency` requests in flight; returns the
/// wall time.
///
/// The first run is created alone: it creates the project, and concurrent
/// first upserts into a missing project can race (one of them answering
/// "A project named … already exists"), which is not what is measured here.
pub async fn seed(
    client: &Client,
    entity: &str,
    project: &str,
    seeds: Arc<Vec<Seed>>,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    upsert_seed(client, entity, project, &seeds, 0).await?;
    let next = Arc::new(AtomicUsize::new(1));
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let (client, entity, project) = (client.clone(), entity.to_string(), project.to_string());
        let (seeds, next) = (Arc::clone(&seeds), Arc::clone(&next));
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= seeds.len() {
                    return anyhow::Ok(());
                }
                upsert_seed(&client, &entity, &project, &seeds, i).await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a seeding task panicked")??;
    }
    Ok(start.elapsed())
}

/// Create run `i` with its config and summary.
async fn upsert_seed(
    client: &Client,
    entity: &str,
    project: &str,
    seeds: &[Seed],
    i: usize,
) -> anyhow::Result<()> {
    let s = &seeds[i];
    let config = json!({ "lr": { "value": s.lr }, "batch": { "value": s.batch } });
    let summary = json!({ "loss": s.loss, "acc": s.acc });
    client
        .gql(
            "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id } } }",
            json!({ "input": {
                "name": run_name(i),
                "modelName": project,
                "entityName": entity,
                "config": config.to_string(),
                "summaryMetrics": summary.to_string(),
            } }),
        )
        .await
        .with_context(|| format!("cannot seed {}", run_name(i)))?;
    Ok(())
}

/// Timings of the repeated search, and what its answer looked like.
pub struct QueryResult {
    /// Round trips of the timed repetitions.
    pub latency: Latency,
    /// Whether the answer was right; a sentence either way.
    pub verdict: String,
}

/// Ask the search once as a warm-up (timed apart), then `repeats` times.
pub async fn measure(
    client: &Client,
    entity: &str,
    project: &str,
    seeds: &[Seed],
    query: &str,
    repeats: usize,
) -> anyhow::Result<QueryResult> {
    let variables = json!({
        "project": project,
        "entity": entity,
        "cursor": null,
        "perPage": PER_PAGE,
        "order": ORDER,
        "filters": FILTERS,
    });
    let t = Instant::now();
    let first = client.gql(query, variables.clone()).await?;
    let warmup = t.elapsed();
    let verdict = check(&first, seeds)?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t = Instant::now();
        client.gql(query, variables.clone()).await?;
        times.push(t.elapsed());
    }
    Ok(QueryResult {
        latency: Latency::with_warmup(warmup, &times),
        verdict,
    })
}

/// Compare an answer with what the seeds say it must be.
fn check(data: &Value, seeds: &[Seed]) -> anyhow::Result<String> {
    let project = &data["project"];
    let Some(edges) = project["runs"]["edges"].as_array() else {
        bail!("The Runs answer has no runs.edges: {project}");
    };
    let expected_count = seeds.iter().filter(|s| s.matches()).count();
    let mut expected: Vec<(usize, &Seed)> = seeds
        .iter()
        .enumerate()
        .filter(|(_, s)| s.matches())
        .collect();
    expected.sort_by(|a, b| b.1.loss.total_cmp(&a.1.loss));
    let expected_names: Vec<String> = expected
        .iter()
        .take(PER_PAGE)
        .map(|(i, _)| run_name(*i))
        .collect();

    let mut rows = Vec::new();
    for edge in edges {
        let node = &edge["node"];
        let parse = |field: &str| -> Value {
            node[field]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null)
        };
        let (config, summary) = (parse("config"), parse("summaryMetrics"));
        rows.push((
            node["name"].as_str().unwrap_or("").to_string(),
            config["lr"]["value"].as_f64().unwrap_or(f64::NAN),
            summary["acc"].as_f64().unwrap_or(f64::NAN),
            summary["loss"].as_f64().unwrap_or(f64::NAN),
        ));
    }
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let filtered = rows.iter().all(|r| r.1 > 0.005 && r.2 > 0.5);
    let ordered = rows.windows(2).all(|w| w[0].3 >= w[1].3);
    let mut parts = vec![format!("{} rows on the first page", rows.len())];
    if let Some(count) = project["runCount"].as_u64() {
        parts.push(if count as usize == expected_count {
            format!("runCount {count} (right)")
        } else {
            format!("runCount {count} (WRONG: {expected_count} runs match)")
        });
    }
    parts.push(if names == expected_names {
        "exactly the expected top 50 by loss (filter and order honored)".to_string()
    } else {
        format!(
            "NOT the expected page: filter {}, order {}",
            if filtered { "honored" } else { "IGNORED" },
            if ordered { "honored" } else { "IGNORED" }
        )
    });
    Ok(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_a_quarter_of_the_seeds_match() {
        let s = seeds(10_000);
        let m = s.iter().filter(|s| s.matches()).count();
        assert!((2_200..2_800).contains(&m), "{m}");
        assert!(s.iter().all(|s| [16, 32, 64, 128, 256].contains(&s.batch)));
    }

    #[test]
    fn the_query_without_count_differs_only_there() {
        let q = runs_query_without_count();
        assert!(!q.contains("runCount"));
        assert_eq!(
            q.len(),
            RUNS_QUERY.len() - " runCount(filters: $filters)".len()
        );
    }
}
