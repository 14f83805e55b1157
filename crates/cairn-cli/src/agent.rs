//! `cairn agent ENTITY/PROJECT/SWEEP_ID`: a sweep agent without Python.
//!
//! It does what `wandb agent` does, so a training script cannot tell them
//! apart: register with the sweep, heartbeat every few seconds reporting
//! the runs still going, start each run the controller hands out as a child
//! process from the sweep's `command` (W&B's default
//! `${env} ${interpreter} ${program} ${args}`), with the same macros, the
//! same argument spellings (values as Python's `str()` writes them) and the
//! same environment (`WANDB_SWEEP_ID`, `WANDB_RUN_ID`,
//! `WANDB_SWEEP_PARAM_PATH` pointing at `wandb/sweep-<id>/config-<run>.yaml`),
//! stop runs it is told to stop (SIGTERM, then SIGKILL after a delay), and
//! quit when told to exit, after `--count` runs, or on Ctrl-C.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use cairn_client::{AgentCommand, Api, Sweep};
use clap::Args;
use serde_json::{Map, Value};
use tokio::process::{Child, Command};

use crate::admin::Connection;

/// W&B's command when the sweep names none.
const DEFAULT_COMMAND: [&str; 4] = ["${env}", "${interpreter}", "${program}", "${args}"];

/// Runs in a row that may fail before the agent gives up (W&B's
/// `MAX_INITIAL_FAILURES`).
const MAX_CONSECUTIVE_FAILURES: u32 = 5;

/// `cairn agent …`
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// ENTITY/PROJECT/SWEEP_ID.
    pub sweep: String,
    /// Stop after this many runs.
    #[arg(long)]
    pub count: Option<u32>,
    /// Seconds between heartbeats.
    #[arg(long, default_value_t = 5.0)]
    pub poll_interval: f64,
    /// Seconds a run may take to stop after SIGTERM before it is killed.
    #[arg(long, default_value_t = 30.0)]
    pub kill_delay: f64,
}

/// A run the agent started.
struct Running {
    child: Child,
    stop_sent: Option<Instant>,
}

/// Run an agent until the sweep lets it go.
pub async fn agent(conn: &Connection, args: AgentArgs) -> anyhow::Result<()> {
    let api = conn.api()?;
    let sweep = api.sweep(&args.sweep).await?;
    let config = sweep.config()?;
    let template: Vec<String> = match config.get("command").and_then(Value::as_array) {
        Some(parts) if !parts.is_empty() => parts.iter().map(python_str).collect(),
        _ => DEFAULT_COMMAND.iter().map(|s| s.to_string()).collect(),
    };
    let host = hostname();
    let agent_id = api.create_agent(&sweep, &host).await?;
    eprintln!(
        "cairn agent: running sweep {} as agent on {host}",
        sweep.path()
    );
    let poll = Duration::from_secs_f64(args.poll_interval.max(0.05));
    let kill_delay = Duration::from_secs_f64(args.kill_delay.max(0.0));
    let mut runs: HashMap<String, Running> = HashMap::new();
    let mut finished = 0u32;
    let mut failures = 0u32;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        // Reap runs that ended.
        let mut ended = Vec::new();
        for (run_id, run) in &mut runs {
            if let Some(status) = run.child.try_wait()? {
                ended.push((run_id.clone(), status));
            }
        }
        for (run_id, status) in ended {
            runs.remove(&run_id);
            finished += 1;
            if status.success() {
                failures = 0;
            } else {
                failures += 1;
                eprintln!("cairn agent: run {run_id} ended with {status}");
            }
        }
        if failures >= MAX_CONSECUTIVE_FAILURES {
            stop_all(&mut runs).await;
            anyhow::bail!("{failures} runs in a row failed; stopping the agent");
        }
        if args.count.is_some_and(|count| finished >= count) {
            break;
        }
        let running: Vec<String> = runs.keys().cloned().collect();
        let commands = match api.agent_heartbeat(&agent_id, &running).await {
            Ok(commands) => commands,
            Err(cairn_client::Error::NotFound { .. }) => {
                anyhow::bail!("the sweep or this agent no longer exists")
            }
            Err(e) => {
                eprintln!("cairn agent: heartbeat failed, will retry: {e}");
                Vec::new()
            }
        };
        let mut exit = false;
        for command in commands {
            match command {
                AgentCommand::Run {
                    run_id,
                    program,
                    args: params,
                } => {
                    eprintln!("cairn agent: starting run {run_id}");
                    let child = start_run(
                        conn,
                        &api,
                        &sweep,
                        &template,
                        &run_id,
                        program.as_deref(),
                        &params,
                    )?;
                    runs.insert(
                        run_id,
                        Running {
                            child,
                            stop_sent: None,
                        },
                    );
                }
                AgentCommand::Stop { run_id } => {
                    if let Some(run) = runs.get_mut(&run_id) {
                        stop_run(&run_id, run, kill_delay).await;
                    }
                }
                AgentCommand::Exit => exit = true,
                AgentCommand::Other(other) => {
                    eprintln!("cairn agent: ignoring an unknown command: {other}");
                }
            }
        }
        if exit {
            stop_all(&mut runs).await;
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = &mut ctrl_c => {
                eprintln!("cairn agent: interrupted; stopping runs");
                stop_all(&mut runs).await;
                break;
            }
        }
    }
    eprintln!("cairn agent: done after {finished} run(s)");
    Ok(())
}

/// Start one run as W&B's agent would.
fn start_run(
    conn: &Connection,
    api: &Api,
    sweep: &Sweep,
    command: &[String],
    run_id: &str,
    program: Option<&str>,
    params: &Map<String, Value>,
) -> anyhow::Result<Child> {
    let base = std::env::var_os("WANDB_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let dir = base.join("wandb").join(format!("sweep-{}", sweep.id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let param_path = dir.join(format!("config-{run_id}.yaml"));
    let json_path = dir.join(format!("config-{run_id}.json"));
    let as_config: Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!({ "value": v })))
        .collect();
    // JSON is YAML: the client reads the file with a YAML parser.
    std::fs::write(&param_path, Value::Object(as_config).to_string())
        .with_context(|| format!("cannot write {}", param_path.display()))?;
    let vars = expansions(params, program, &json_path);
    if command.iter().any(|c| c == "${args_json_file}") {
        std::fs::write(&json_path, Value::Object(params.clone()).to_string())
            .with_context(|| format!("cannot write {}", json_path.display()))?;
    }
    let argv = expand_command(command, &vars);
    let (first, rest) = argv.split_first().context("the sweep's command is empty")?;
    let mut child = Command::new(first);
    child
        .args(rest)
        .env("WANDB_SWEEP_ID", sweep.id())
        .env("WANDB_RUN_ID", run_id)
        .env("WANDB_SWEEP_PARAM_PATH", &param_path)
        .env("WANDB_ENTITY", sweep.entity())
        .env("WANDB_PROJECT", sweep.project())
        .stdin(Stdio::null())
        // Its own process group, as W&B's agent does: a Ctrl-C at the
        // terminal reaches the agent, which then stops its runs.
        .process_group(0);
    if std::env::var_os("WANDB_BASE_URL").is_none() {
        child.env("WANDB_BASE_URL", api.base_url());
    }
    if std::env::var_os("WANDB_API_KEY").is_none()
        && let Some(key) = conn.api_key()
    {
        child.env("WANDB_API_KEY", key);
    }
    child
        .spawn()
        .with_context(|| format!("cannot start {first:?} for run {run_id}"))
}

/// SIGTERM a run; SIGKILL it when it is still there `kill_delay` later.
async fn stop_run(run_id: &str, run: &mut Running, kill_delay: Duration) {
    match run.stop_sent {
        None => {
            eprintln!("cairn agent: stopping run {run_id}");
            run.stop_sent = Some(Instant::now());
            terminate(&mut run.child).await;
        }
        Some(sent) if sent.elapsed() >= kill_delay => {
            eprintln!("cairn agent: killing run {run_id}");
            let _ = run.child.start_kill();
        }
        Some(_) => {}
    }
}

/// Stop every run and wait for them.
async fn stop_all(runs: &mut HashMap<String, Running>) {
    for run in runs.values_mut() {
        let _ = run.child.start_kill();
    }
    for run in runs.values_mut() {
        let _ = run.child.wait().await;
    }
    runs.clear();
}

/// SIGTERM through `kill(1)` (the workspace forbids `unsafe`); SIGKILL if
/// that cannot run.
async fn terminate(child: &mut Child) {
    let Some(pid) = child.id() else {
        return;
    };
    let sent = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .is_ok_and(|s| s.success());
    if !sent {
        let _ = child.start_kill();
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// What each `${…}` macro of a sweep command stands for.
fn expansions(
    params: &Map<String, Value>,
    program: Option<&str>,
    json_path: &Path,
) -> HashMap<&'static str, Vec<String>> {
    let mut args = Vec::new();
    let mut no_hyphens = Vec::new();
    let mut no_booleans = Vec::new();
    let mut no_equals = Vec::new();
    let mut append_hydra = Vec::new();
    let mut override_hydra = Vec::new();
    for (name, value) in params {
        let flag = format!("{name}={}", python_str(value));
        args.push(format!("--{flag}"));
        no_hyphens.push(flag.clone());
        no_equals.push(format!("--{name}"));
        no_equals.push(python_str(value));
        append_hydra.push(format!("+{flag}"));
        override_hydra.push(format!("++{flag}"));
        match value {
            Value::Bool(true) => no_booleans.push(format!("--{name}")),
            Value::Bool(false) => {}
            _ => no_booleans.push(format!("--{flag}")),
        }
    }
    HashMap::from([
        ("env", vec!["/usr/bin/env".to_string()]),
        ("interpreter", vec!["python".to_string()]),
        ("program", program.map(str::to_string).into_iter().collect()),
        ("args", args),
        ("args_no_hyphens", no_hyphens),
        ("args_no_boolean_flags", no_booleans),
        ("args_no_equals", no_equals),
        ("args_append_hydra", append_hydra),
        ("args_override_hydra", override_hydra),
        ("args_json", vec![Value::Object(params.clone()).to_string()]),
        ("args_json_file", vec![json_path.display().to_string()]),
    ])
}

/// The argv: `${envvar:NAME}` replaced inside every part, and parts that
/// are exactly a `${macro}` replaced by its (possibly empty) list.
fn expand_command(command: &[String], vars: &HashMap<&'static str, Vec<String>>) -> Vec<String> {
    let mut argv = Vec::new();
    for part in command {
        let part = expand_envvars(part);
        match part.strip_prefix("${").and_then(|p| p.strip_suffix('}')) {
            Some(name) if vars.contains_key(name) => argv.extend(vars[name].iter().cloned()),
            Some(_) => {}
            None => argv.push(part),
        }
    }
    argv
}

/// `${envvar:NAME}` → the variable's value (or `NAME` when unset, as W&B).
fn expand_envvars(part: &str) -> String {
    let mut out = String::new();
    let mut rest = part;
    while let Some(start) = rest.find("${envvar:") {
        let after = &rest[start + "${envvar:".len()..];
        let Some(end) = after.find('}') else {
            break;
        };
        let name = &after[..end];
        out.push_str(&rest[..start]);
        out.push_str(&std::env::var(name).unwrap_or_else(|_| name.to_string()));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A value as Python's `str()` writes it (what `wandb agent` puts in
/// `--name=value`).
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// A value as Python's `repr()` writes it (inside lists and dicts).
fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{}\"", s.replace('\\', "\\\\"))
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    python_repr(&Value::String(k.clone())),
                    python_repr(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same,
/// fixed notation for 1e-4 <= |x| < 1e16 (with `.0` when integral),
/// scientific otherwise (`1e-05`, `1.5e+16`).
fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde±x`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{body}")
    } else {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_are_written_as_python_writes_them() {
        for (x, python) in [
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.0, "1.0"),
            (100000.0, "100000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123.456, "123.456"),
            (-2.5e-7, "-2.5e-07"),
            (0.30000000000000004, "0.30000000000000004"),
        ] {
            assert_eq!(python_float(x), python, "{x}");
        }
    }

    #[test]
    fn values_are_written_as_python_str_writes_them() {
        assert_eq!(python_str(&json!("adam")), "adam");
        assert_eq!(python_str(&json!(true)), "True");
        assert_eq!(python_str(&json!(null)), "None");
        assert_eq!(python_str(&json!(32)), "32");
        assert_eq!(python_str(&json!([1, "a", false])), "[1, 'a', False]");
        assert_eq!(
            python_str(&json!({"name": "adam", "momentum": 0.9})),
            "{'momentum': 0.9, 'name': 'adam'}"
        );
    }

    #[test]
    fn commands_expand_like_wandb_agent() {
        let mut params = Map::new();
        params.insert("lr".into(), json!(1e-5));
        params.insert("fast".into(), json!(false));
        let vars = expansions(&params, Some("train.py"), Path::new("/tmp/a.json"));
        let default: Vec<String> = DEFAULT_COMMAND.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            expand_command(&default, &vars),
            [
                "/usr/bin/env",
                "python",
                "train.py",
                "--fast=False",
                "--lr=1e-05"
            ]
        );
        let custom: Vec<String> = [
            "python3",
            "${program}",
            "--x",
            "${args_no_boolean_flags}",
            "${args_no_hyphens}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            expand_command(&custom, &vars),
            [
                "python3",
                "train.py",
                "--x",
                "--lr=1e-05",
                "fast=False",
                "lr=1e-05"
            ]
        );
        assert_eq!(
            expand_envvars("a${envvar:CAIRN_NO_SUCH_VAR_X}b"),
            "aCAIRN_NO_SUCH_VAR_Xb"
        );
    }
}
