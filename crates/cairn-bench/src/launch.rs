//! Workload: run queues under load, through the protocol `launch_add` and
//! the launch agents speak (`pushToRunQueueByName`, `popFromRunQueue`).
//!
//! `items` runs are pushed onto one queue by 8 concurrent pushers, then 8
//! agents pop until the queue is empty. Every popped id is counted: the
//! workload fails unless each pushed item was popped exactly once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;
use tokio::task::JoinSet;

use crate::client::Client;

/// Concurrent pushers, and concurrent agents.
pub const WORKERS: usize = 8;

const CREATE: &str = "mutation($e: String!) { createRunQueue(input: {entityName: $e, \
    projectName: \"model-registry\", queueName: \"bench-queue\", access: PROJECT, \
    prioritizationMode: V0}) { queueID } }";
const PUSH: &str = "mutation($e: String!, $s: JSONString!, $p: Int) { pushToRunQueueByName(\
    input: {entityName: $e, projectName: \"model-registry\", queueName: \"bench-queue\", \
    runSpec: $s, priority: $p}) { runQueueItemId } }";
const POP: &str = "mutation($e: String!) { popFromRunQueue(input: {entityName: $e, \
    projectName: \"model-registry\", queueName: \"bench-queue\"}) { runQueueItemId } }";

/// What the workload measured.
pub struct Measured {
    /// Items pushed.
    pub items: usize,
    /// Wall time of all pushes.
    pub push_wall: Duration,
    /// Wall time until the queue was empty.
    pub pop_wall: Duration,
    /// Every successful pop's latency.
    pub pops: Vec<Duration>,
}

/// Push `items` runs with 8 pushers, pop them with 8 agents, and check
/// each was handed out exactly once.
pub async fn push_pop(client: &Client, entity: &str, items: usize) -> anyhow::Result<Measured> {
    client.gql(CREATE, json!({ "e": entity })).await?;
    let spec =
        json!({"entity": entity, "project": "bench", "job": null, "overrides": {}}).to_string();
    let started = Instant::now();
    let mut pushers = JoinSet::new();
    for worker in 0..WORKERS {
        let client = client.clone();
        let (entity, spec) = (entity.to_string(), spec.clone());
        pushers.spawn(async move {
            let mut ids = Vec::new();
            for i in (worker..items).step_by(WORKERS) {
                let data = client
                    .gql(PUSH, json!({ "e": entity, "s": spec, "p": (i % 4) as i64 }))
                    .await?;
                ids.push(
                    data["pushToRunQueueByName"]["runQueueItemId"]
                        .as_str()
                        .context("a push gave no item id")?
                        .to_string(),
                );
            }
            anyhow::Ok(ids)
        });
    }
    let mut pushed = HashSet::new();
    while let Some(ids) = pushers.join_next().await {
        pushed.extend(ids??);
    }
    let push_wall = started.elapsed();
    if pushed.len() != items {
        bail!("{} distinct items pushed, expected {items}", pushed.len());
    }

    let started = Instant::now();
    let mut agents = JoinSet::new();
    for _ in 0..WORKERS {
        let client = client.clone();
        let entity = entity.to_string();
        agents.spawn(async move {
            let mut got = Vec::new();
            let mut times = Vec::new();
            loop {
                let t = Instant::now();
                let data = client.gql(POP, json!({ "e": entity })).await?;
                let Some(id) = data["popFromRunQueue"]["runQueueItemId"].as_str() else {
                    return anyhow::Ok((got, times));
                };
                times.push(t.elapsed());
                got.push(id.to_string());
            }
        });
    }
    let mut popped = Vec::new();
    let mut pops = Vec::new();
    while let Some(result) = agents.join_next().await {
        let (got, times) = result??;
        popped.extend(got);
        pops.extend(times);
    }
    let pop_wall = started.elapsed();
    let distinct: HashSet<&String> = popped.iter().collect();
    if popped.len() != items || distinct.len() != items {
        bail!(
            "{} pops of {} distinct items, expected each of {items} exactly once",
            popped.len(),
            distinct.len()
        );
    }
    if distinct.iter().any(|id| !pushed.contains(*id)) {
        bail!("an item was popped that was never pushed");
    }
    Ok(Measured {
        items,
        push_wall,
        pop_wall,
        pops,
    })
}
