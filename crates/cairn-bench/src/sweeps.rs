//! Workload: the sweep controller, through the agent protocol the official
//! agents speak (`createAgent`, `agentHeartbeat`), plus the search quality
//! of the methods themselves.
//!
//! - **Heartbeats at load**: 64 agents of one random sweep heartbeat at once,
//!   round after round. An idle agent's heartbeat is the controller's full
//!   path (read the sweep, draw a suggestion, hand the run out in one
//!   insert); a busy agent's is the common case (note the run, judge it).
//! - **A bayes suggestion with 1,000 finished runs**: the sweep is filled
//!   with finished runs first (each handed out by the controller and then
//!   finished with its metric, as an agent's run would be), then idle
//!   heartbeats are timed; each one fits the Gaussian process on the runs so
//!   far and maximises expected improvement.
//! - **Search quality** (no server): the median best Branin value after 30
//!   runs over 20 seeds, bayes against random, measured in-process on
//!   `cairn_core::sweep`.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::client::Client;
use crate::stats::Latency;

const PROJECT: &str = "sweeps-bench";

const CREATE: &str = "mutation($c: String, $p: String, $e: String) { upsertSweep(input: \
    {config: $c, projectName: $p, entityName: $e}) { sweep { id name } } }";
const AGENT: &str = "mutation($p: String, $e: String, $s: String!) { createAgent(input: \
    {host: \"bench\", projectName: $p, entityName: $e, sweep: $s}) { agent { id } } }";
const HEARTBEAT: &str = "mutation($id: ID!, $rs: JSONString) { agentHeartbeat(input: \
    {id: $id, metrics: \"{}\", runState: $rs}) { commands } }";
const FINISH: &str = "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) \
    { bucket { id } } }";

/// A sweep and its agents.
struct Swarm {
    name: String,
    agents: Vec<String>,
}

async fn swarm(
    client: &Client,
    entity: &str,
    config: &str,
    agents: usize,
) -> anyhow::Result<Swarm> {
    let data = client
        .gql(CREATE, json!({ "c": config, "p": PROJECT, "e": entity }))
        .await?;
    let name = data["upsertSweep"]["sweep"]["name"]
        .as_str()
        .context("upsertSweep gave no sweep")?
        .to_string();
    let mut ids = Vec::with_capacity(agents);
    for _ in 0..agents {
        let data = client
            .gql(AGENT, json!({ "p": PROJECT, "e": entity, "s": name }))
            .await?;
        ids.push(
            data["createAgent"]["agent"]["id"]
                .as_str()
                .context("createAgent gave no agent")?
                .to_string(),
        );
    }
    Ok(Swarm { name, agents: ids })
}

/// One heartbeat: its commands and how long it took.
async fn heartbeat(
    client: &Client,
    agent: &str,
    running: &[String],
) -> anyhow::Result<(Vec<Value>, Duration)> {
    let state: serde_json::Map<String, Value> = running
        .iter()
        .map(|r| (r.clone(), Value::Bool(true)))
        .collect();
    let started = Instant::now();
    let data = client
        .gql(
            HEARTBEAT,
            json!({ "id": agent, "rs": Value::Object(state).to_string() }),
        )
        .await?;
    let took = started.elapsed();
    let commands: Vec<Value> = serde_json::from_str(
        data["agentHeartbeat"]["commands"]
            .as_str()
            .context("agentHeartbeat gave no commands")?,
    )?;
    Ok((commands, took))
}

fn run_id(commands: &[Value]) -> anyhow::Result<String> {
    match commands.first() {
        Some(c) if c["type"] == "run" => Ok(c["run_id"].as_str().unwrap_or_default().to_string()),
        other => bail!("expected a run command, got {other:?}"),
    }
}

/// Heartbeat latencies of `agents` agents of one random sweep, all at once,
/// for `rounds` rounds: (idle agents getting runs, busy agents).
pub async fn heartbeats(
    client: &Client,
    entity: &str,
    agents: usize,
    rounds: usize,
) -> anyhow::Result<(Latency, Latency)> {
    let config = "method: random\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-05, max: 0.1}\n  \
                  batch: {values: [16, 32, 64]}\n  dropout: {min: 0.0, max: 0.5}\n";
    let swarm = swarm(client, entity, config, agents).await?;
    let mut idle = Vec::new();
    let mut busy = Vec::new();
    for _ in 0..rounds {
        // Idle: each agent asks for a run.
        let mut set = JoinSet::new();
        for agent in swarm.agents.clone() {
            let client = client.clone();
            set.spawn(async move { (heartbeat(&client, &agent, &[]).await, agent) });
        }
        let mut given = Vec::new();
        while let Some(done) = set.join_next().await {
            let (answer, agent) = done?;
            let (commands, took) = answer?;
            idle.push(took);
            given.push((agent, run_id(&commands)?));
        }
        // Busy: each reports its run running.
        let mut set = JoinSet::new();
        for (agent, run) in given {
            let client = client.clone();
            set.spawn(async move { heartbeat(&client, &agent, &[run]).await });
        }
        while let Some(done) = set.join_next().await {
            let (commands, took) = done??;
            if !commands.is_empty() {
                bail!("a busy agent of a running sweep got {commands:?}");
            }
            busy.push(took);
        }
    }
    let _ = swarm.name;
    Ok((Latency::of(&idle), Latency::of(&busy)))
}

/// Latency of one idle agent's heartbeats of a random sweep, one at a
/// time: the controller's cost for a random suggestion, with nothing else
/// running.
pub async fn random_serial(
    client: &Client,
    entity: &str,
    repeats: usize,
) -> anyhow::Result<Latency> {
    let config = "method: random\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-05, max: 0.1}\n  \
                  batch: {values: [16, 32, 64]}\n";
    let swarm = swarm(client, entity, config, 1).await?;
    let mut samples = Vec::with_capacity(repeats);
    // One warm-up, not counted.
    heartbeat(client, &swarm.agents[0], &[]).await?;
    for _ in 0..repeats {
        let (commands, took) = heartbeat(client, &swarm.agents[0], &[]).await?;
        run_id(&commands)?;
        samples.push(took);
    }
    Ok(Latency::of(&samples))
}

/// Branin on the sweep's parameters, the metric the seeded runs report.
fn branin_of(command: &Value) -> f64 {
    let x = command["args"]["x"]["value"].as_f64().unwrap_or(0.0);
    let y = command["args"]["y"]["value"].as_f64().unwrap_or(0.0);
    cairn_core::sweep::testfns::branin(x, y)
}

/// Latency of a bayes suggestion (an idle agent's heartbeat) once the sweep
/// has `finished` finished runs; also the time filling it took.
pub async fn bayes(
    client: &Client,
    entity: &str,
    finished: usize,
    repeats: usize,
) -> anyhow::Result<(Latency, Duration)> {
    let config = "method: bayes\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  \
                  x: {min: -5.0, max: 10.0}\n  y: {min: 0.0, max: 15.0}\n";
    let swarm = swarm(client, entity, config, 1).await?;
    let agent = &swarm.agents[0];
    let started = Instant::now();
    for _ in 0..finished {
        let (commands, _) = heartbeat(client, agent, &[]).await?;
        let run = run_id(&commands)?;
        let summary = json!({ "val_loss": branin_of(&commands[0]) }).to_string();
        client
            .gql(
                FINISH,
                json!({ "input": {
                    "entityName": entity, "modelName": PROJECT, "name": run,
                    "sweep": swarm.name, "state": "finished", "summaryMetrics": summary,
                }}),
            )
            .await?;
    }
    let filled = started.elapsed();
    let mut samples = Vec::with_capacity(repeats);
    let mut pending = Vec::new();
    for _ in 0..repeats {
        let (commands, took) = heartbeat(client, agent, &[]).await?;
        pending.push(run_id(&commands)?);
        samples.push(took);
    }
    Ok((Latency::of(&samples), filled))
}

/// Median best Branin value after `budget` runs over `seeds` seeds, for a
/// method (`random` or `bayes`), run in-process on the search code.
pub fn quality(method: &str, budget: usize, seeds: u64) -> anyhow::Result<f64> {
    use cairn_core::sweep::{SweepConfig, Trial, suggest, testfns::branin};
    let text = format!(
        "method: {method}\nmetric: {{name: val_loss, goal: minimize}}\nparameters:\n  \
         x: {{min: -5.0, max: 10.0}}\n  y: {{min: 0.0, max: 15.0}}\n"
    );
    let (config, _) = SweepConfig::parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut bests = Vec::new();
    for seed in 0..seeds {
        let mut trials: Vec<Trial> = Vec::new();
        for i in 0..budget {
            let params = suggest(&config, &trials, seed * 1_000 + i as u64)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let x = params["x"].as_f64().unwrap_or(0.0);
            let y = params["y"].as_f64().unwrap_or(0.0);
            trials.push(Trial {
                params,
                metric: Some(branin(x, y)),
                finished: true,
            });
        }
        let best = trials
            .iter()
            .filter_map(|t| t.metric)
            .fold(f64::INFINITY, f64::min);
        bests.push(best);
    }
    bests.sort_by(f64::total_cmp);
    let n = bests.len();
    Ok(if n % 2 == 1 {
        bests[n / 2]
    } else {
        (bests[n / 2 - 1] + bests[n / 2]) / 2.0
    })
}
