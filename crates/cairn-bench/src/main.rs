//! `cairn-bench`: Cairn's performance figures, measured against the real
//! server binary.
//!
//! Performance targets are checked here, by a program anyone can run,
//! never by timed assertions in tests (which would be flaky on shared CI
//! machines and silent about by how much a target is missed). The
//! benchmark builds nothing: it starts the `cairn` binary it is given on
//! `127.0.0.1:0` with a temporary data directory, drives it over HTTP as
//! the official client would, reads the child's memory from `/proc`, and
//! prints each figure next to its target. See `BENCHMARKS.md`.
//!
//! Workloads run in this order: idle memory; ingestion (one run, then
//! several at once); history reads of the ingested run; seeding a project
//! with many runs and searching it; artifact upload and download through
//! the Rust client, judged against the disk's own write speed; memory
//! after everything. `--soak SECS` runs none of them: it loads one server
//! with loggers and readers at once for that long and reports its memory
//! over time (`soak.rs`).

mod artifacts;
mod client;
mod columnar;
mod corpus;
mod history;
mod ingest;
mod launch;
mod report;
mod runs_query;
mod server;
mod soak;
mod stats;
mod sweeps;
mod tensorboard;
mod web;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::json;

use crate::client::Client;
use crate::report::{Figure, Machine, Phase, PhaseMemory, Report, Target, number};
use crate::server::{Cpu, Memory, ServerProcess, load_average, machine_busy_cpu, own_cpu};
use crate::stats::Latency;

/// Measure a `cairn` server binary against Cairn's performance targets.
///
/// Build first: `cargo build --release -p cairn-cli -p cairn-bench`.
/// Every size has a default (shown) and `--quick` divides sizes by about
/// 20 for a smoke run; an explicit size flag wins over both.
#[derive(Debug, Parser)]
#[command(name = "cairn-bench", version)]
struct Args {
    /// The `cairn` binary to start.
    #[arg(long, default_value_os_t = server::default_server_bin())]
    server_bin: PathBuf,
    /// Shrink every workload about 20x (a smoke run of a few seconds).
    #[arg(long)]
    quick: bool,
    /// Print the report as JSON on stdout (progress still goes to stderr).
    #[arg(long)]
    json: bool,
    /// Steps per ingested run [default: 100000; quick: 5000].
    #[arg(long)]
    steps: Option<u64>,
    /// Metrics per step [default: 10].
    #[arg(long)]
    metrics: Option<usize>,
    /// History lines per file_stream request [default: 2000; quick: 100].
    #[arg(long)]
    batch_lines: Option<usize>,
    /// Runs ingesting at once in the concurrent ingestion [default: 8].
    #[arg(long)]
    concurrent_runs: Option<usize>,
    /// Runs in the searched project [default: 100000; quick: 5000].
    #[arg(long)]
    runs: Option<usize>,
    /// upsertBucket requests in flight while seeding runs [default: 16].
    #[arg(long)]
    seed_concurrency: Option<usize>,
    /// Timed repetitions of each latency measurement [default: 30; quick: 5].
    #[arg(long)]
    repeats: Option<usize>,
    /// Rows per history page in the full scan (1 to 10000) [default: 10000; quick: 500].
    #[arg(long)]
    page_rows: Option<usize>,
    /// Points in the sampled history reads [default: 500].
    #[arg(long)]
    samples: Option<usize>,
    /// Artifact size for the transfer workloads, MiB [default: 1024; quick: 32].
    #[arg(long)]
    artifact_mib: Option<u64>,
    /// File size in the many-small-files artifact, KiB [default: 64].
    #[arg(long)]
    small_file_kib: Option<u64>,
    /// Finished runs in the bayes sweep whose suggestions are timed [default: 1000; quick: 100].
    #[arg(long)]
    bayes_runs: Option<usize>,
    /// Rounds of 64 agents heartbeating at once [default: 10; quick: 2].
    #[arg(long)]
    heartbeat_rounds: Option<usize>,
    /// Items pushed and popped by the run queue workload [default: 10000; quick: 1000].
    #[arg(long)]
    queue_items: Option<usize>,
    /// Columnar history: finished runs read back together [default: 1000; quick: 50].
    #[arg(long)]
    multi_runs: Option<usize>,
    /// Columnar history: steps of each of those runs [default: 10000; quick: 1000].
    #[arg(long)]
    multi_steps: Option<u64>,
    /// Run only these workload groups (idle and final memory always run).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
    /// Instead of the workloads: load the server with loggers and readers
    /// for this many seconds and report its memory over time.
    #[arg(long, value_name = "SECS")]
    soak: Option<u64>,
    /// Soak: concurrent loggers (init, log, finish, again).
    #[arg(long, default_value_t = 60)]
    soak_loggers: usize,
    /// Soak: concurrent readers (runs search, history, scan_history).
    #[arg(long, default_value_t = 8)]
    soak_readers: usize,
    /// Soak: seconds between memory samples.
    #[arg(long, default_value_t = 5)]
    soak_sample_seconds: u64,
    /// Soak: steps a logger logs before it finishes its run and starts another.
    #[arg(long, default_value_t = 1000)]
    soak_steps_per_run: u64,
    /// Soak: history lines per file_stream request.
    #[arg(long, default_value_t = 10)]
    soak_lines: u64,
    /// Soak: a logger's pause after each file_stream request, ms.
    #[arg(long, default_value_t = 100)]
    soak_pause_ms: u64,
    /// Give up (and kill the server) after this many seconds.
    #[arg(long, default_value_t = 600)]
    max_seconds: u64,
}

impl Args {
    /// The soak's sizes, if `--soak` was given.
    fn soak_params(&self) -> anyhow::Result<Option<soak::SoakParams>> {
        let Some(seconds) = self.soak else {
            return Ok(None);
        };
        let p = soak::SoakParams {
            seconds,
            loggers: self.soak_loggers,
            readers: self.soak_readers,
            sample_seconds: self.soak_sample_seconds,
            steps_per_run: self.soak_steps_per_run,
            lines_per_request: self.soak_lines,
            pause_ms: self.soak_pause_ms,
        };
        let positive = [
            ("--soak", p.seconds),
            ("--soak-loggers", p.loggers as u64),
            ("--soak-sample-seconds", p.sample_seconds),
            ("--soak-steps-per-run", p.steps_per_run),
            ("--soak-lines", p.lines_per_request),
        ];
        for (flag, v) in positive {
            if v == 0 {
                bail!("{flag} must be at least 1.");
            }
        }
        // Time to finish the runs in flight, drain and take the last sample.
        if seconds + 60 > self.max_seconds {
            bail!(
                "--soak {seconds} needs --max-seconds of at least {} (the load, plus a \
                 minute to finish runs in flight).",
                seconds + 60
            );
        }
        Ok(Some(p))
    }
}

/// Workload groups `--only` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Group {
    /// Ingestion, history reads and the runs query.
    Runs,
    /// Artifact upload, download and incremental versions.
    Artifacts,
    /// The sweep controller (heartbeats, bayes suggestions) and search quality.
    Sweeps,
    /// Run queues: concurrent pushes and pops, each item handed out once.
    Launch,
    /// The TensorBoard import of a generated log directory.
    Tensorboard,
    /// The web UI in headless Chromium, on the `runs` group's data (runs
    /// with it; skipped without Chromium).
    Web,
    /// Columnar history: bytes per point, scans of compacted runs, reads of
    /// many runs at once.
    Columnar,
}

/// Validated workload sizes.
#[derive(Debug, Clone, serde::Serialize)]
struct Params {
    steps: u64,
    metrics: usize,
    batch_lines: usize,
    concurrent_runs: usize,
    runs: usize,
    seed_concurrency: usize,
    repeats: usize,
    page_rows: usize,
    samples: usize,
    artifact_mib: u64,
    small_file_kib: u64,
    bayes_runs: usize,
    heartbeat_rounds: usize,
    queue_items: usize,
    multi_runs: usize,
    multi_steps: u64,
    groups: Vec<Group>,
}

impl Params {
    fn from_args(a: &Args) -> anyhow::Result<Self> {
        let q = a.quick;
        let p = Self {
            steps: a.steps.unwrap_or(if q { 5_000 } else { 100_000 }),
            metrics: a.metrics.unwrap_or(10),
            batch_lines: a.batch_lines.unwrap_or(if q { 100 } else { 2_000 }),
            concurrent_runs: a.concurrent_runs.unwrap_or(8),
            runs: a.runs.unwrap_or(if q { 5_000 } else { 100_000 }),
            seed_concurrency: a.seed_concurrency.unwrap_or(16),
            repeats: a.repeats.unwrap_or(if q { 5 } else { 30 }),
            page_rows: a.page_rows.unwrap_or(if q { 500 } else { 10_000 }),
            samples: a.samples.unwrap_or(500),
            artifact_mib: a.artifact_mib.unwrap_or(if q { 32 } else { 1024 }),
            small_file_kib: a.small_file_kib.unwrap_or(64),
            bayes_runs: a.bayes_runs.unwrap_or(if q { 100 } else { BAYES_RUNS }),
            heartbeat_rounds: a.heartbeat_rounds.unwrap_or(if q { 2 } else { 10 }),
            queue_items: a.queue_items.unwrap_or(if q { 1_000 } else { 10_000 }),
            multi_runs: a.multi_runs.unwrap_or(if q { 50 } else { 1_000 }),
            multi_steps: a.multi_steps.unwrap_or(if q { 1_000 } else { 10_000 }),
            groups: if a.only.is_empty() {
                vec![
                    Group::Runs,
                    Group::Artifacts,
                    Group::Sweeps,
                    Group::Launch,
                    Group::Tensorboard,
                    Group::Web,
                    Group::Columnar,
                ]
            } else {
                a.only.clone()
            },
        };
        let positive = [
            ("--steps", p.steps as usize),
            ("--metrics", p.metrics),
            ("--batch-lines", p.batch_lines),
            ("--concurrent-runs", p.concurrent_runs),
            ("--runs", p.runs),
            ("--seed-concurrency", p.seed_concurrency),
            ("--repeats", p.repeats),
            ("--page-rows", p.page_rows),
            ("--samples", p.samples),
            ("--artifact-mib", p.artifact_mib as usize),
            ("--small-file-kib", p.small_file_kib as usize),
            ("--bayes-runs", p.bayes_runs),
            ("--heartbeat-rounds", p.heartbeat_rounds),
            ("--multi-runs", p.multi_runs),
            ("--multi-steps", p.multi_steps as usize),
        ];
        for (flag, v) in positive {
            if v == 0 {
                bail!("{flag} must be at least 1.");
            }
        }
        if p.small_file_kib > p.artifact_mib * 1024 {
            bail!("--small-file-kib must not exceed --artifact-mib.");
        }
        if p.page_rows > 10_000 {
            bail!("--page-rows must be at most 10000 (the server's page limit).");
        }
        Ok(p)
    }
}

const ENTITY: &str = "admin";
/// Runs table page view in the browser (issue 15).
const WEB_TABLE_TARGET_MS: f64 = 150.0;
/// A sort or filter change in the browser.
const WEB_CHANGE_TARGET_MS: f64 = 100.0;
/// One chart of a long run drawn.
const WEB_CHART_TARGET_MS: f64 = 300.0;
/// Runs overlaid on one chart.
const WEB_OVERLAY_TARGET_MS: f64 = 500.0;
/// JS + CSS + document of a page view (the target is for compressed JS+CSS).
const WEB_TRANSFER_TARGET_KB: f64 = 300.0;
const INGEST_PROJECT: &str = "bench";
const RUNS_PROJECT: &str = "runs-bench";
const ARTIFACTS_PROJECT: &str = "admin/artifacts-bench";
const TENSORBOARD_PROJECT: &str = "tensorboard-bench";

/// Figures' targets.
const INGEST_TARGET: f64 = 1_000_000.0;
/// Scalar events imported per second from local TensorBoard files.
const TENSORBOARD_TARGET: f64 = 1_000_000.0;
const RUNS_QUERY_TARGET_MS: f64 = 20.0;
const SCAN_TARGET: f64 = 2_000_000.0;
/// Issue 17: compacted history size, scans of compacted runs, many runs.
const BYTES_PER_POINT_TARGET: f64 = 16.0;
const PARQUET_SCAN_TARGET: f64 = 2_000_000.0;
const MANY_SAMPLED_TARGET_MS: f64 = 1_000.0;
const MANY_FULL_TARGET: f64 = 10_000_000.0;
const SAMPLED_TARGET_MS: f64 = 20.0;
const IDLE_RSS_TARGET_MB: f64 = 30.0;
/// Artifact upload and download, as a share of the disk's write speed.
const TRANSFER_TARGET_SHARE: f64 = 0.7;
/// A version sharing 99% of its files: at most this share of the time the
/// whole artifact's first upload took (1% of the bytes plus fixed costs).
const INCREMENTAL_TARGET_SHARE: f64 = 0.1;
/// A random (or grid) suggestion, one idle agent's heartbeat.
const RANDOM_SUGGESTION_TARGET_MS: f64 = 2.0;
/// A bayes suggestion with 1,000 finished runs in the sweep.
const BAYES_SUGGESTION_TARGET_MS: f64 = 50.0;
/// Agents heartbeating at once on one sweep.
const SWEEP_AGENTS: usize = 64;
/// Finished runs in the sweep when bayes suggestions are timed.
const BAYES_RUNS: usize = 1_000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(soak) = args.soak_params()? {
        return run_soak(&args, &soak).await;
    }
    let params = Params::from_args(&args)?;
    let started = Instant::now();
    let date_utc = report::now_utc();
    let load_start = load_average();
    let mut server = ServerProcess::start(&args.server_bin).await?;
    progress(format!("server started at {}", server.base_url));

    let mut bench = Bench {
        client: Client::new(&server.base_url, &server.admin_key)?,
        params: params.clone(),
        figures: Vec::new(),
        phases: Vec::new(),
        checks: Vec::new(),
    };
    let outcome = tokio::time::timeout(
        Duration::from_secs(args.max_seconds),
        bench.workloads(&mut server),
    )
    .await;
    let log = server.log_tail();
    let stopped = server.stop().await;
    match outcome {
        Err(_) => bail!(
            "The benchmark did not finish within --max-seconds {}; the server was killed.",
            args.max_seconds
        ),
        Ok(Err(e)) => {
            return Err(e.context(format!("the server (now {stopped}) logged, last:\n{log}\n")));
        }
        Ok(Ok(())) => {}
    }

    let report = Report {
        date_utc,
        commit: report::git_commit(),
        machine: Machine::detect(),
        server_bin_built: std::fs::metadata(&args.server_bin)
            .and_then(|m| m.modified())
            .ok()
            .map(report::utc),
        server_bin: std::fs::canonicalize(&args.server_bin)
            .unwrap_or(args.server_bin)
            .display()
            .to_string(),
        mode: if args.quick { "quick" } else { "full" },
        params: serde_json::to_value(&params)?,
        figures: bench.figures,
        phases: bench.phases,
        checks: bench.checks,
        total_seconds: started.elapsed().as_secs_f64(),
        load_average: [load_start, load_average()],
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

/// `--soak`: one server, the soak load, the memory table.
async fn run_soak(args: &Args, params: &soak::SoakParams) -> anyhow::Result<()> {
    let mut server = ServerProcess::start(&args.server_bin).await?;
    progress(format!(
        "server started at {}; soaking for {} s",
        server.base_url, params.seconds
    ));
    // Let start-up work settle before the idle figure, as the workloads do.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let client = Client::new(&server.base_url, &server.admin_key)?;
    let outcome = tokio::time::timeout(
        Duration::from_secs(args.max_seconds),
        soak::run(&client, &server, ENTITY, params),
    )
    .await;
    let alive = server.check_alive();
    let log = server.log_tail();
    let stopped = server.stop().await;
    let report = match outcome {
        Err(_) => bail!(
            "The soak did not finish within --max-seconds {}; the server was killed.",
            args.max_seconds
        ),
        Ok(Err(e)) => {
            return Err(e.context(format!("the server (now {stopped}) logged, last:\n{log}\n")));
        }
        Ok(Ok(report)) => report,
    };
    alive?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

/// KiB (as /proc reports) to MB (10^6 bytes, as the targets are stated).
fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

pub(crate) fn progress(msg: impl AsRef<str>) {
    eprintln!("cairn-bench: {}", msg.as_ref());
}

/// The state the workloads fill in.
struct Bench {
    client: Client,
    params: Params,
    figures: Vec<Figure>,
    phases: Vec<Phase>,
    checks: Vec<String>,
}

/// CPU counters at the start of a phase.
struct PhaseStart {
    name: String,
    wall: Instant,
    server_cpu: Option<Cpu>,
    client_cpu: Option<Cpu>,
    machine_cpu: Option<f64>,
}

impl Bench {
    async fn workloads(&mut self, server: &mut ServerProcess) -> anyhow::Result<()> {
        // Let start-up work (migrations, the first log lines) settle.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = server.memory()?;
        self.memory_figures(
            ["rss.idle", "rss.idle_peak"],
            "idle",
            idle,
            Some(Target::at_most(IDLE_RSS_TARGET_MB)),
        );

        if self.params.groups.contains(&Group::Runs) {
            let ingested = self.ingestion(server).await?;
            server.check_alive()?;
            self.history(server, &ingested).await?;
            server.check_alive()?;
            self.runs_query(server).await?;
            server.check_alive()?;
            if self.params.groups.contains(&Group::Web) {
                self.web(server, &ingested).await?;
                server.check_alive()?;
            }
        }
        if self.params.groups.contains(&Group::Artifacts) {
            self.artifacts(server).await?;
            server.check_alive()?;
        }
        if self.params.groups.contains(&Group::Sweeps) {
            self.sweeps(server).await?;
            server.check_alive()?;
        }
        if self.params.groups.contains(&Group::Launch) {
            self.launch(server).await?;
            server.check_alive()?;
        }
        if self.params.groups.contains(&Group::Tensorboard) {
            self.tensorboard(server).await?;
            server.check_alive()?;
        }
        if self.params.groups.contains(&Group::Columnar) {
            self.columnar(server).await?;
            server.check_alive()?;
        }

        let end = server.memory()?;
        self.memory_figures(
            ["rss.end", "rss.end_peak"],
            "after all workloads",
            end,
            None,
        );
        Ok(())
    }

    fn begin(&self, server: &ServerProcess, name: impl Into<String>) -> PhaseStart {
        let name = name.into();
        progress(format!("{name} ..."));
        PhaseStart {
            name,
            wall: Instant::now(),
            server_cpu: server.cpu(),
            client_cpu: own_cpu(),
            machine_cpu: machine_busy_cpu(),
        }
    }

    fn end(&mut self, server: &ServerProcess, start: PhaseStart) {
        let wall_s = start.wall.elapsed().as_secs_f64();
        let delta = |now: Option<Cpu>, then: Option<Cpu>| {
            let (now, then) = (now?, then?);
            Some(Cpu {
                user: now.user - then.user,
                system: now.system - then.system,
            })
        };
        let server_cpu = delta(server.cpu(), start.server_cpu);
        let client_cpu = delta(own_cpu(), start.client_cpu).map(Cpu::total);
        let machine_cpu = machine_busy_cpu()
            .zip(start.machine_cpu)
            .map(|(now, then)| now - then);
        let other_cpu_s = machine_cpu
            .zip(server_cpu)
            .zip(client_cpu)
            .map(|((m, s), c)| (m - s.total() - c).max(0.0));
        self.phases.push(Phase {
            wall_s,
            server_user_s: server_cpu.map(|c| c.user),
            server_sys_s: server_cpu.map(|c| c.system),
            client_cpu_s: client_cpu,
            other_cpu_s,
            server_rss: server.memory().ok().map(|m| PhaseMemory {
                rss_mb: kb_to_mb(m.rss_kb),
                anon_mb: m.anon_kb.map(kb_to_mb),
            }),
            name: start.name,
        });
    }

    /// An RSS figure (with the target, if given) and a peak RSS figure.
    fn memory_figures(
        &mut self,
        [rss_id, hwm_id]: [&'static str; 2],
        label: &str,
        m: Memory,
        target: Option<Target>,
    ) {
        self.figures.push(Figure::new(
            rss_id,
            format!("RSS, {label}"),
            kb_to_mb(m.rss_kb),
            "MB",
            target,
            m.describe(),
        ));
        self.figures.push(Figure::new(
            hwm_id,
            format!("peak RSS (VmHWM), {label}"),
            kb_to_mb(m.hwm_kb),
            "MB",
            None,
            format!("VmHWM {} kB", m.hwm_kb),
        ));
    }

    /// Workload a. Returns the name of the single ingested run.
    async fn ingestion(&mut self, server: &ServerProcess) -> anyhow::Result<String> {
        let p = self.params.clone();
        let bodies = Arc::new(ingest::prepare(p.steps, p.metrics, p.batch_lines)?);
        let requests = bodies.bodies.len();
        let mib = bodies.bytes() as f64 / (1024.0 * 1024.0);
        let client = self.client.clone();
        let c = &client;

        let run = "r1".to_string();
        c.upsert_run(ENTITY, INGEST_PROJECT, &run).await?;
        let phase = self.begin(server, "ingestion, one run");
        let one = ingest::upload(c, ENTITY, INGEST_PROJECT, &run, &bodies).await?;
        self.end(server, phase);
        let lat = Latency::of(&one.requests);
        self.figures.push(Figure::new(
            "ingest.single",
            "ingest, 1 run",
            bodies.points() as f64 / one.elapsed.as_secs_f64(),
            "points/s",
            Some(Target::at_least(INGEST_TARGET)),
            format!(
                "{} steps x {} metrics in {requests} requests ({mib:.0} MiB) in {:.2} s; \
                 request p50 {:.1} ms, p95 {:.1} ms",
                number(p.steps as f64),
                p.metrics,
                one.elapsed.as_secs_f64(),
                lat.p50_ms,
                lat.p95_ms
            ),
        ));
        self.check_history_count(&run, p.steps).await?;

        let runs: Vec<String> = (1..=p.concurrent_runs).map(|i| format!("c{i}")).collect();
        for r in &runs {
            c.upsert_run(ENTITY, INGEST_PROJECT, r).await?;
        }
        let phase = self.begin(server, format!("ingestion, {} runs at once", runs.len()));
        let many = ingest::upload_concurrently(
            &self.client,
            ENTITY,
            INGEST_PROJECT,
            &runs,
            Arc::clone(&bodies),
        )
        .await?;
        self.end(server, phase);
        let lat = Latency::of(&many.requests);
        self.figures.push(Figure::new(
            "ingest.concurrent",
            format!("ingest, {} runs at once (total)", runs.len()),
            (bodies.points() * runs.len() as u64) as f64 / many.elapsed.as_secs_f64(),
            "points/s",
            Some(Target::at_least(INGEST_TARGET)),
            format!(
                "{} requests in {:.2} s; request p50 {:.1} ms, p95 {:.1} ms",
                requests * runs.len(),
                many.elapsed.as_secs_f64(),
                lat.p50_ms,
                lat.p95_ms
            ),
        ));
        for r in &runs {
            self.check_history_count(r, p.steps).await?;
        }

        // The same run again, in a project a run-metric automation watches
        // (its threshold never crossed): what deciding metric conditions
        // as history arrives costs the ingestion path.
        let project = c
            .gql(
                "mutation { upsertModel(input: {entityName: \"admin\", name: \"bench-watched\"}) { project { id } } }",
                json!({}),
            )
            .await?["upsertModel"]["project"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        c.gql(
            "mutation($input: CreateFilterTriggerInput!) { createFilterTrigger(input: $input) { trigger { id } } }",
            json!({"input": {
                "name": "bench-watch",
                "scopeType": "PROJECT",
                "scopeID": project,
                "triggeringEventType": "RUN_METRIC",
                "eventFilter": json!({"run_filter": "{\"$and\":[]}", "run_metric_filter": {"threshold_filter": {"name": "m0", "agg_op": "AVERAGE", "window_size": 5, "cmp_op": "$gt", "threshold": 2}}}).to_string(),
                "triggeredActionType": "NO_OP",
                "triggeredActionConfig": {"noOpActionInput": {"noOp": true}},
            }}),
        )
        .await?;
        c.upsert_run(ENTITY, "bench-watched", &run).await?;
        let phase = self.begin(server, "ingestion, one run, watched by an automation");
        let watched = ingest::upload(c, ENTITY, "bench-watched", &run, &bodies).await?;
        self.end(server, phase);
        let lat = Latency::of(&watched.requests);
        self.figures.push(Figure::new(
            "ingest.watched",
            "ingest, 1 run, a metric automation watching",
            bodies.points() as f64 / watched.elapsed.as_secs_f64(),
            "points/s",
            Some(Target::at_least(INGEST_TARGET)),
            format!(
                "as \"ingest, 1 run\", in a project with a RUN_METRIC automation on m0 \
                 (average of 5 > 2, never crossed): {:.2} s; request p50 {:.1} ms, p95 {:.1} ms",
                watched.elapsed.as_secs_f64(),
                lat.p50_ms,
                lat.p95_ms
            ),
        ));
        self.checks.push(format!(
            "ingestion: every file_stream request answered 200; historyLineCount is {} \
             on all {} runs",
            p.steps,
            runs.len() + 1
        ));
        Ok(run)
    }

    async fn check_history_count(&self, run: &str, steps: u64) -> anyhow::Result<()> {
        let data = self
            .client
            .gql(
                "query($p: String!, $e: String!, $r: String!) { project(name: $p, entityName: $e) \
                 { run(name: $r) { historyLineCount } } }",
                json!({ "p": INGEST_PROJECT, "e": ENTITY, "r": run }),
            )
            .await?;
        let count = data["project"]["run"]["historyLineCount"]
            .as_u64()
            .with_context(|| format!("no historyLineCount for run {run}"))?;
        if count != steps {
            bail!("Run {run} has historyLineCount {count} after ingesting {steps} steps.");
        }
        Ok(())
    }

    /// Workload c, on the run ingested first.
    async fn history(&mut self, server: &ServerProcess, run: &str) -> anyhow::Result<()> {
        let p = self.params.clone();
        let target = history::Target {
            entity: ENTITY,
            project: INGEST_PROJECT,
            run,
            steps: p.steps,
        };

        let phase = self.begin(server, "history scan, GraphQL pages");
        let scan = history::scan_graphql(&self.client, &target, p.page_rows).await?;
        self.end(server, phase);
        self.figures.push(Figure::new(
            "history.scan",
            "history scan, HistoryPage",
            scan.rows as f64 / scan.elapsed.as_secs_f64(),
            "rows/s",
            Some(Target::at_least(SCAN_TARGET)),
            format!(
                "{} rows in {} pages of {} in {:.2} s: {:.2} s until answers' headers \
                 (server think time), {:.2} s decoding and parsing rows here",
                number(scan.rows as f64),
                scan.requests,
                p.page_rows,
                scan.elapsed.as_secs_f64(),
                scan.headers.as_secs_f64(),
                scan.parse.as_secs_f64()
            ),
        ));

        let phase = self.begin(server, "history scan, REST stream");
        let scan = history::scan_rest(&self.client, &target).await?;
        self.end(server, phase);
        self.figures.push(Figure::new(
            "history.scan_rest",
            "history scan, REST stream",
            scan.rows as f64 / scan.elapsed.as_secs_f64(),
            "rows/s",
            None,
            format!(
                "{} rows in one streamed response in {:.2} s ({:.3} s to headers), \
                 of which {:.2} s parsing rows here as chunks arrived",
                number(scan.rows as f64),
                scan.elapsed.as_secs_f64(),
                scan.headers.as_secs_f64(),
                scan.parse.as_secs_f64()
            ),
        ));

        let phase = self.begin(server, "sampledHistory");
        let (lat, rows) = history::sampled(&self.client, &target, p.samples, p.repeats).await?;
        self.end(server, phase);
        self.latency_figures(
            ["history.sampled.p50", "history.sampled.p95"],
            &format!("sampledHistory({})", p.samples),
            lat,
            Some(Target::at_most(SAMPLED_TARGET_MS)),
            format!("{rows} rows, keys _step and m0"),
        );

        let phase = self.begin(server, "history(samples)");
        let (lat, rows) =
            history::full_sampled(&self.client, &target, p.samples, p.repeats).await?;
        self.end(server, phase);
        self.latency_figures(
            ["history.full_sampled.p50", "history.full_sampled.p95"],
            &format!("history(samples: {})", p.samples),
            lat,
            Some(Target::at_most(SAMPLED_TARGET_MS)),
            format!("{rows} rows, all keys"),
        );
        Ok(())
    }

    /// A p50 figure (with the target) and a p95 figure (without).
    fn latency_figures(
        &mut self,
        [p50_id, p95_id]: [&'static str; 2],
        name: &str,
        lat: Latency,
        target: Option<Target>,
        what: String,
    ) {
        let warmup = lat
            .warmup_ms
            .map_or_else(String::new, |w| format!(" after a warm-up of {w:.1} ms"));
        let detail = format!(
            "{what}; {} requests{warmup}: min {:.1} ms, max {:.1} ms",
            lat.n, lat.min_ms, lat.max_ms
        );
        self.figures.push(Figure::new(
            p50_id,
            format!("{name}, p50"),
            lat.p50_ms,
            "ms",
            target,
            detail,
        ));
        self.figures.push(Figure::new(
            p95_id,
            format!("{name}, p95"),
            lat.p95_ms,
            "ms",
            None,
            String::new(),
        ));
    }

    /// The TensorBoard import: `steps` × `metrics` scalars, decoded alone
    /// and imported end to end.
    async fn columnar(&mut self, server: &ServerProcess) -> anyhow::Result<()> {
        let p = self.params.clone();
        let api = cairn_client::Api::builder()
            .base_url(&server.base_url)
            .api_key(&server.admin_key)
            .build()?;
        let phase = self.begin(server, "columnar history");
        let sizes = columnar::Sizes {
            steps: p.steps,
            metrics: p.metrics,
            batch_lines: p.batch_lines,
            multi_runs: p.multi_runs,
            multi_steps: p.multi_steps,
            samples: p.samples as u32,
        };
        let m = columnar::run(&self.client, &api, &sizes).await?;
        self.end(server, phase);
        for (i, (id, what)) in [
            ("history.bytes_per_point.random", "uniform random floats"),
            ("history.bytes_per_point.smooth", "smooth training curves"),
        ]
        .into_iter()
        .enumerate()
        {
            let (per_point, bytes) = m.bytes_per_point[i];
            self.figures.push(Figure::new(
                id,
                format!("compacted history, {what}"),
                per_point,
                "B/point",
                Some(Target::at_most(BYTES_PER_POINT_TARGET)),
                format!(
                    "{} B of Parquet for {} rows x {} metrics (_step, _runtime, _timestamp included)",
                    number(bytes as f64),
                    number(p.steps as f64),
                    p.metrics
                ),
            ));
        }
        self.figures.push(Figure::new(
            "ingest.during_compaction",
            "ingest 1 run while 2 finished runs are due for compaction",
            m.ingest_during_compaction,
            "points/s",
            Some(Target::at_least(INGEST_TARGET)),
            format!(
                "{} steps x {} metrics; compaction yields to logging (starts after a 300 ms pause, or 10 s)",
                number(p.steps as f64),
                p.metrics
            ),
        ));
        let (rows, took, to_text) = m.scan_files;
        self.figures.push(Figure::new(
            "history.scan_parquet",
            "history scan, official client's path (parquetHistory, files)",
            rows as f64 / took.as_secs_f64(),
            "rows/s",
            Some(Target::at_least(PARQUET_SCAN_TARGET)),
            format!(
                "{} rows x {} columns of a compacted run in {:.3} s: list, download, decode (Arrow)",
                number(rows as f64),
                p.metrics + 3,
                took.as_secs_f64()
            ),
        ));
        self.figures.push(Figure::new(
            "history.scan_parquet_text",
            "  the same rows turned into JSON text (one core)",
            rows as f64 / to_text.as_secs_f64(),
            "rows/s",
            None,
            "the client's side: wandb-core hands every value on as JSON text; \
             scripts/measure-official-scan.py times the whole client"
                .to_string(),
        ));
        let (rows, took) = m.scan_arrow;
        self.figures.push(Figure::new(
            "history.scan_arrow",
            "history scan, Rust client (Api::history_many, all keys)",
            rows as f64 / took.as_secs_f64(),
            "rows/s",
            Some(Target::at_least(PARQUET_SCAN_TARGET)),
            format!(
                "{} rows x {} columns as Arrow in {:.3} s",
                number(rows as f64),
                p.metrics + 3,
                took.as_secs_f64()
            ),
        ));
        let (runs, points, took) = m.many_sampled;
        self.figures.push(Figure::new(
            "history.many_sampled",
            "one metric of many runs, sampled (history_many)",
            took.as_secs_f64() * 1000.0,
            "ms",
            Some(Target::at_most(MANY_SAMPLED_TARGET_MS)),
            format!(
                "{runs} runs x {} steps sampled to {} points each: {} points, median of 3",
                number(p.multi_steps as f64),
                p.samples,
                number(points as f64)
            ),
        ));
        let (points, took) = m.many_full;
        self.figures.push(Figure::new(
            "history.many_full",
            "one metric of many runs, whole (history_many)",
            points as f64 / took.as_secs_f64(),
            "points/s",
            Some(Target::at_least(MANY_FULL_TARGET)),
            format!(
                "{} points in {:.3} s",
                number(points as f64),
                took.as_secs_f64()
            ),
        ));
        Ok(())
    }

    async fn tensorboard(&mut self, server: &ServerProcess) -> anyhow::Result<()> {
        let (steps, tags) = (self.params.steps, self.params.metrics);
        let dir = tempfile::tempdir()?;
        let api = cairn_client::Api::builder()
            .base_url(&server.base_url)
            .api_key(&server.admin_key)
            .timeout(Duration::from_secs(120))
            .build()?;
        let phase = self.begin(
            server,
            format!(
                "TensorBoard import: {} scalar events",
                number((steps * tags as u64) as f64)
            ),
        );
        let root = dir.path().to_path_buf();
        let m = artifacts::on_client(&api, move |api| async move {
            tensorboard::run(&api, &root, ENTITY, TENSORBOARD_PROJECT, steps, tags).await
        })
        .await?;
        self.end(server, phase);
        let detail = format!(
            "{} steps x {tags} tags, one {:.0} MB tfevents file",
            number(steps as f64),
            m.bytes as f64 / 1e6
        );
        self.figures.push(Figure::new(
            "tensorboard.decode.rate",
            "TensorBoard decode: read, check CRCs, decode, build history rows",
            m.events as f64 / m.decode.as_secs_f64(),
            "events/s",
            None,
            detail.clone(),
        ));
        self.figures.push(Figure::new(
            "tensorboard.import.rate",
            "TensorBoard import end to end (decode, history, summary, event file upload)",
            m.events as f64 / m.import.as_secs_f64(),
            "events/s",
            Some(Target::at_least(TENSORBOARD_TARGET)),
            detail,
        ));
        self.checks.push(format!(
            "TensorBoard import: {} scalars decoded and imported, {} history rows on the server",
            m.events, steps
        ));
        Ok(())
    }

    /// Run queues: pushes and pops at load.
    async fn launch(&mut self, server: &ServerProcess) -> anyhow::Result<()> {
        let items = self.params.queue_items;
        let phase = self.begin(server, format!("run queue: {items} pushes and pops"));
        let m = launch::push_pop(&self.client, ENTITY, items).await?;
        self.end(server, phase);
        let workers = launch::WORKERS;
        self.figures.push(Figure::new(
            "launch.push.rate",
            format!("pushes per second, {workers} pushers"),
            m.items as f64 / m.push_wall.as_secs_f64(),
            "items/s",
            None,
            format!("{} items, priorities 0-3", number(m.items as f64)),
        ));
        self.figures.push(Figure::new(
            "launch.pop.rate",
            format!("pops per second, {workers} agents popping at once"),
            m.items as f64 / m.pop_wall.as_secs_f64(),
            "items/s",
            None,
            "every item popped exactly once (counted)",
        ));
        self.latency_figures(
            ["launch.pop.p50", "launch.pop.p95"],
            &format!("one pop, {workers} agents popping at once"),
            Latency::of(&m.pops),
            None,
            format!("{} items in a V0 queue", number(m.items as f64)),
        );
        self.checks.push(format!(
            "run queue: {} items pushed, each popped exactly once",
            m.items
        ));
        Ok(())
    }

    /// The sweep controller and search quality.
    async fn sweeps(&mut self, server: &ServerProcess) -> anyhow::Result<()> {
        let repeats = self.params.repeats;
        let phase = self.begin(server, "sweep heartbeats");
        let serial = sweeps::random_serial(&self.client, ENTITY, repeats).await?;
        let rounds = self.params.heartbeat_rounds;
        let (idle, busy) = sweeps::heartbeats(&self.client, ENTITY, SWEEP_AGENTS, rounds).await?;
        self.end(server, phase);
        self.latency_figures(
            ["sweep.random.p50", "sweep.random.p95"],
            "random suggestion (one idle agent's heartbeat)",
            serial,
            Some(Target::at_most(RANDOM_SUGGESTION_TARGET_MS)),
            "random sweep, 2 parameters".into(),
        );
        self.latency_figures(
            ["sweep.heartbeat.idle.p50", "sweep.heartbeat.idle.p95"],
            &format!("{SWEEP_AGENTS} idle agents heartbeating at once (each gets a run)"),
            idle,
            None,
            format!("random sweep, {rounds} rounds"),
        );
        self.latency_figures(
            ["sweep.heartbeat.busy.p50", "sweep.heartbeat.busy.p95"],
            &format!("{SWEEP_AGENTS} busy agents heartbeating at once"),
            busy,
            None,
            format!("random sweep, {rounds} rounds"),
        );

        let finished = self.params.bayes_runs;
        let phase = self.begin(server, format!("bayes sweep with {finished} finished runs"));
        let (bayes, filled) = sweeps::bayes(&self.client, ENTITY, finished, repeats).await?;
        self.end(server, phase);
        self.latency_figures(
            ["sweep.bayes.p50", "sweep.bayes.p95"],
            &format!(
                "bayes suggestion with {} finished runs (filling the sweep took {:.1} s)",
                number(finished as f64),
                filled.as_secs_f64()
            ),
            bayes,
            Some(Target::at_most(BAYES_SUGGESTION_TARGET_MS)),
            "2 continuous parameters, Branin metric".into(),
        );

        let (budget, seeds) = (30, 20);
        for (id, method) in [
            ("sweep.quality.bayes", "bayes"),
            ("sweep.quality.random", "random"),
        ] {
            let value = sweeps::quality(method, budget, seeds)?;
            self.figures.push(Figure::new(
                id,
                format!("{method}: median best Branin value after {budget} runs"),
                value,
                "",
                None,
                format!("{seeds} seeds; the global minimum is 0.398"),
            ));
        }
        Ok(())
    }

    /// The web UI in headless Chromium: the runs table of the seeded
    /// project (first page, a sort, a filter), a chart of the ingested run,
    /// the ingestion project's overlaid charts, and the bytes of a page.
    async fn web(&mut self, server: &ServerProcess, ingested: &str) -> anyhow::Result<()> {
        if !web::available() {
            self.checks.push(format!(
                "web UI: skipped ({} or {} is missing)",
                web::CHROMIUM,
                web::CHROMEDRIVER
            ));
            return Ok(());
        }
        let p = self.params.clone();
        let repeats = p.repeats.clamp(3, 20);
        let phase = self.begin(server, "web UI in headless Chromium");
        let browser = web::Browser::start().await?;
        browser.sign_in(&server.base_url, &server.admin_key).await?;
        let project = format!("{}/{ENTITY}/{RUNS_PROJECT}", server.base_url);
        let rows = "table.runs-table tbody tr";

        // The first, cold visit: what a page costs to fetch.
        browser.go(&project).await?;
        let (cold_bytes, cold_body) = browser.transfer().await?;
        let (mut first, mut sorted, mut filtered) = (Vec::new(), Vec::new(), Vec::new());
        let ms = |v: f64| Duration::from_secs_f64(v / 1000.0);
        for _ in 0..repeats {
            browser.go(&project).await?;
            let (t, n) = browser.page_time(rows).await?;
            anyhow::ensure!(n == 50, "the runs table showed {n} rows, not 50");
            first.push(ms(t));
            browser
                .go(&format!("{project}?order=-summary_metrics.loss"))
                .await?;
            sorted.push(ms(browser.page_time(rows).await?.0));
            browser
                .go(&format!(
                    "{project}?filter=lr%20%3E%200.005%20and%20summary_metrics.acc%20%3E%200.5"
                ))
                .await?;
            let (t, n) = browser.page_time(rows).await?;
            anyhow::ensure!(n > 0, "the filtered runs table is empty");
            filtered.push(ms(t));
        }
        let run = format!(
            "{}/{ENTITY}/{INGEST_PROJECT}/runs/{ingested}",
            server.base_url
        );
        let overlay = format!("{}/{ENTITY}/{INGEST_PROJECT}?metrics=m0", server.base_url);
        let (mut chart, mut overlaid) = (Vec::new(), Vec::new());
        let mut overlaid_runs = 0;
        for _ in 0..repeats {
            browser.go(&run).await?;
            chart.push(ms(browser.chart_time("#charts figure.chart").await?));
            browser.go(&overlay).await?;
            overlaid.push(ms(browser
                .chart_time("section.charts figure.chart")
                .await?));
            overlaid_runs = browser
                .eval(
                    "const f = document.querySelector('section.charts figure.chart'); \
                     return f.cairnData ? f.cairnData.series.length : 0;",
                )
                .await?
                .as_u64()
                .unwrap_or(0);
        }
        drop(browser);
        self.end(server, phase);

        let runs = number(p.runs as f64);
        let table = [
            (
                ["web.runs_table.p50", "web.runs_table.p95"],
                "runs table, first page",
                first,
                WEB_TABLE_TARGET_MS,
            ),
            (
                ["web.sort.p50", "web.sort.p95"],
                "runs table, sorted by a summary metric",
                sorted,
                WEB_CHANGE_TARGET_MS,
            ),
            (
                ["web.filter.p50", "web.filter.p95"],
                "runs table, short-form filter",
                filtered,
                WEB_CHANGE_TARGET_MS,
            ),
        ];
        for (ids, what, samples, target) in table {
            self.latency_figures(
                ids,
                &format!("web: {what}, {runs} runs"),
                Latency::of(&samples),
                Some(Target::at_most(target)),
                "navigation start to DOMContentLoaded in headless Chromium, 50 rows".into(),
            );
        }
        self.latency_figures(
            ["web.chart.p50", "web.chart.p95"],
            &format!(
                "web: chart of one metric over {} steps",
                number(p.steps as f64)
            ),
            Latency::of(&chart),
            Some(Target::at_most(WEB_CHART_TARGET_MS)),
            "navigation start to the chart drawn (server-sampled series)".into(),
        );
        self.latency_figures(
            ["web.overlay.p50", "web.overlay.p95"],
            &format!("web: one metric of {overlaid_runs} runs overlaid"),
            Latency::of(&overlaid),
            Some(Target::at_most(WEB_OVERLAY_TARGET_MS)),
            format!(
                "navigation start to the project page's first chart drawn; {} steps per run",
                number(p.steps as f64)
            ),
        );
        self.figures.push(Figure::new(
            "web.transfer_kb",
            "web: bytes of the runs table page with its CSS and JS",
            cold_body / 1000.0,
            "KB",
            Some(Target::at_most(WEB_TRANSFER_TARGET_KB)),
            format!(
                "document + CSS + JS bodies, uncompressed (the server sends no compression); \
                 {:.0} KB crossed the wire on the first visit after sign-in (CSS and JS \
                 already cached)",
                cold_bytes / 1000.0
            ),
        ));
        Ok(())
    }

    /// Workload b.
    async fn runs_query(&mut self, server: &ServerProcess) -> anyhow::Result<()> {
        let p = self.params.clone();
        let seeds = Arc::new(runs_query::seeds(p.runs));
        let phase = self.begin(server, format!("seeding {} runs", number(p.runs as f64)));
        let took = runs_query::seed(
            &self.client,
            ENTITY,
            RUNS_PROJECT,
            Arc::clone(&seeds),
            p.seed_concurrency,
        )
        .await?;
        self.end(server, phase);
        self.figures.push(Figure::new(
            "runs.seed",
            "seed runs (upsertBucket)",
            p.runs as f64 / took.as_secs_f64(),
            "runs/s",
            None,
            format!(
                "{} runs, {} requests in flight, {:.1} s",
                number(p.runs as f64),
                p.seed_concurrency,
                took.as_secs_f64()
            ),
        ));

        let name = format!("runs query, {} runs", number(p.runs as f64));
        let phase = self.begin(server, "runs query with runCount");
        let with = runs_query::measure(
            &self.client,
            ENTITY,
            RUNS_PROJECT,
            &seeds,
            runs_query::RUNS_QUERY,
            p.repeats,
        )
        .await?;
        self.end(server, phase);
        self.latency_figures(
            ["runs.query.p50", "runs.query.p95"],
            &name,
            with.latency,
            Some(Target::at_most(RUNS_QUERY_TARGET_MS)),
            format!(
                "filter + order, first {} with runCount",
                runs_query::PER_PAGE
            ),
        );
        self.checks
            .push(format!("runs query with runCount: {}", with.verdict));

        let phase = self.begin(server, "runs query without runCount");
        let without = runs_query::measure(
            &self.client,
            ENTITY,
            RUNS_PROJECT,
            &seeds,
            &runs_query::runs_query_without_count(),
            p.repeats,
        )
        .await?;
        self.end(server, phase);
        self.latency_figures(
            ["runs.query_no_count.p50", "runs.query_no_count.p95"],
            &format!("{name}, no runCount"),
            without.latency,
            Some(Target::at_most(RUNS_QUERY_TARGET_MS)),
            format!(
                "filter + order, first {} without runCount",
                runs_query::PER_PAGE
            ),
        );
        self.checks
            .push(format!("runs query without runCount: {}", without.verdict));
        Ok(())
    }
    /// Workload d: artifacts through `cairn-client`.
    async fn artifacts(&mut self, server: &ServerProcess) -> anyhow::Result<()> {
        let p = self.params.clone();
        let bytes = p.artifact_mib << 20;
        let file_bytes = p.small_file_kib << 10;
        let count = (bytes / file_bytes) as usize;
        // The server's data directory is a temporary directory too, so the
        // disk measured here is the one its blobs land on.
        let scratch = tempfile::Builder::new()
            .prefix("cairn-bench-artifacts-")
            .tempdir()?;
        let dir = scratch.path().to_path_buf();

        // This VM's disk swings widely from one write to the next: the
        // host's cache sometimes takes a whole gigabyte, fsync included
        // (340 to 1,700 MB/s seen). The yardstick is the slowest of three,
        // the rate the disk sustains.
        let phase = self.begin(server, "disk sequential write, 3 times");
        let mut speeds = Vec::with_capacity(3);
        for _ in 0..3 {
            speeds.push(corpus::disk_write_speed(&dir, bytes)?.0 / 1e6);
        }
        self.end(server, phase);
        speeds.sort_by(f64::total_cmp);
        let disk_mb = speeds[0];
        self.figures.push(Figure::new(
            "disk.write",
            "disk, one sequential write + fsync (slowest of 3)",
            disk_mb,
            "MB/s",
            None,
            format!(
                "{} MiB in 8 MiB writes, then fsync; the others {:.0} and {:.0} MB/s",
                p.artifact_mib, speeds[1], speeds[2]
            ),
        ));

        let phase = self.begin(server, "disk small-file writes");
        let threads = cairn_client::TRANSFER_CONCURRENCY;
        let (small, took) = corpus::disk_small_files_speed(&dir, count, file_bytes, threads)?;
        self.end(server, phase);
        self.figures.push(Figure::new(
            "disk.small_files",
            format!(
                "disk, {count} files of {} KiB + fsync each",
                p.small_file_kib
            ),
            small / 1e6,
            "MB/s",
            None,
            format!(
                "create, write, fsync, rename; {threads} threads; {:.2} s",
                took.as_secs_f64()
            ),
        ));

        progress(format!(
            "writing the artifact files ({count} x {} KiB, 1 x {} MiB) ...",
            p.small_file_kib, p.artifact_mib
        ));
        let many = corpus::many_files(&dir.join("many"), count, file_bytes, 1)?;
        let one = corpus::one_file(&dir.join("one"), bytes, 2)?;

        let shapes = [
            (
                "many",
                "many-files",
                format!("{count} files of {} KiB", p.small_file_kib),
                &many,
            ),
            (
                "one",
                "one-file",
                format!("one file of {} MiB", p.artifact_mib),
                &one,
            ),
        ];
        let target = Target::at_least(disk_mb * TRANSFER_TARGET_SHARE);
        let api = cairn_client::Api::builder()
            .base_url(&server.base_url)
            .api_key(&server.admin_key)
            .build()?;
        let mut first_upload = None;
        for (id, name, what, corpus) in shapes {
            let download_root = dir.join(format!("download-{id}"));
            let phase = self.begin(server, format!("artifact round trip, {what}"));
            let (name_owned, corpus_owned) = (name.to_string(), corpus.clone());
            let t = artifacts::on_client(&api, move |api| async move {
                artifacts::round_trip(
                    &api,
                    ARTIFACTS_PROJECT,
                    &name_owned,
                    &corpus_owned,
                    &download_root,
                )
                .await
            })
            .await?;
            self.end(server, phase);
            let mb = corpus.bytes as f64 / 1e6;
            let (upload_id, download_id) = match id {
                "many" => ("artifact.upload.many", "artifact.download.many"),
                _ => ("artifact.upload.one", "artifact.download.one"),
            };
            self.figures.push(Figure::new(
                upload_id,
                format!("artifact upload, {what}"),
                mb / t.upload.as_secs_f64(),
                "MB/s",
                Some(target),
                format!(
                    "log_artifact of {} files, {mb:.0} MB in {:.2} s (hashing included); \
                     {} files sent",
                    t.upload_summary.files,
                    t.upload.as_secs_f64(),
                    t.upload_summary.uploaded_files
                ),
            ));
            self.figures.push(Figure::new(
                download_id,
                format!("artifact download, {what}"),
                mb / t.download.as_secs_f64(),
                "MB/s",
                Some(target),
                format!(
                    "Artifact::download, {:.0} MB fetched in {:.2} s, MD5-verified",
                    t.downloaded_bytes as f64 / 1e6,
                    t.download.as_secs_f64()
                ),
            ));
            if id == "many" {
                first_upload = Some(t.upload);
            }
        }

        let phase = self.begin(server, "artifact version sharing 99% of its files");
        let corpus = many.clone();
        let inc = artifacts::on_client(&api, move |api| async move {
            artifacts::changed_version(&api, ARTIFACTS_PROJECT, "many-files", &corpus).await
        })
        .await?;
        self.end(server, phase);
        let first = first_upload.context("the many-files upload did not run")?;
        self.figures.push(Figure::new(
            "artifact.incremental",
            "new version sharing 99% of files, share of the first upload's time",
            100.0 * inc.took.as_secs_f64() / first.as_secs_f64(),
            "%",
            Some(Target::at_most(100.0 * INCREMENTAL_TARGET_SHARE)),
            format!(
                "{:.2} s (first upload {:.2} s); {} of {} files changed, {:.1} MB of {:.0} MB sent",
                inc.took.as_secs_f64(),
                first.as_secs_f64(),
                inc.summary.uploaded_files,
                inc.summary.files,
                inc.changed_bytes as f64 / 1e6,
                many.bytes as f64 / 1e6
            ),
        ));
        self.checks.push(format!(
            "artifacts: both downloads byte-identical to what was logged; the changed \
             version came back as v1 and sent exactly the {} changed files",
            inc.summary.uploaded_files
        ));
        Ok(())
    }
}
