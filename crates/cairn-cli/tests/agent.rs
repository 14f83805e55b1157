//! `cairn sweep …` and `cairn agent` against a real server: the agent runs
//! a sweep's program as `wandb agent` would (arguments, environment,
//! parameter file), each grid point once, and exits when the grid is done.

use std::path::Path;
use std::process::{Command, Output};

use cairn_test_support::TestServer;
use serde_json::Value;

fn cairn(server: &TestServer, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .current_dir(dir)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", &server.admin_key)
        .env("WANDB_DIR", dir)
        .env_remove("WANDB_ENTITY")
        .env_remove("WANDB_PROJECT")
        .output()
        .expect("run cairn")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Records its argv and sweep environment to `<out>/<run id>.json`.
const RECORD_PY: &str = r#"
import json, os, sys
run = os.environ["WANDB_RUN_ID"]
with open(os.environ["WANDB_SWEEP_PARAM_PATH"]) as f:
    params = f.read()
record = {"argv": sys.argv[1:], "sweep": os.environ["WANDB_SWEEP_ID"],
          "project": os.environ.get("WANDB_PROJECT"), "params": params}
with open(os.path.join(os.environ["RECORD_DIR"], run + ".json"), "w") as f:
    json.dump(record, f)
"#;

#[tokio::test(flavor = "multi_thread")]
async fn sweep_commands_and_an_agent_that_runs_every_grid_point_once() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    std::fs::create_dir(&records).unwrap();
    std::fs::write(dir.path().join("record.py"), RECORD_PY).unwrap();
    std::fs::write(
        dir.path().join("sweep.yaml"),
        "program: record.py\nmethod: grid\ncommand: [\"${env}\", \"python3\", \"${program}\", \"${args}\"]\nparameters:\n  a: {values: [1, 2]}\n  b: {values: [x, y]}\n  lr: {value: 0.00001}\n",
    )
    .unwrap();
    let out = ok(&cairn(
        &server,
        dir.path(),
        &["sweep", "create", "sweep.yaml", "--project", "admin/p"],
    ));
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("Created sweep "))
        .expect("the new sweep's id")
        .trim()
        .to_string();
    let path = format!("admin/p/{id}");
    assert!(ok(&cairn(&server, dir.path(), &["sweep", "ls", "admin/p"])).contains(&id));
    let shown = ok(&cairn(&server, dir.path(), &["sweep", "show", &path]));
    assert!(
        shown.contains("RUNNING") && shown.contains("of 4"),
        "{shown}"
    );
    assert!(ok(&cairn(&server, dir.path(), &["sweep", "pause", &path])).contains("PAUSED"));
    assert!(ok(&cairn(&server, dir.path(), &["sweep", "resume", &path])).contains("RUNNING"));

    let agent = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["agent", &path, "--poll-interval", "0.2"])
        .current_dir(dir.path())
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", &server.admin_key)
        .env("WANDB_DIR", dir.path())
        .env("RECORD_DIR", &records)
        .env_remove("WANDB_PROJECT")
        .output()
        .expect("run cairn agent");
    assert!(
        agent.status.success(),
        "{}",
        String::from_utf8_lossy(&agent.stderr)
    );
    let mut argvs = Vec::new();
    for entry in std::fs::read_dir(&records).unwrap() {
        let record: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        assert_eq!(record["sweep"], id.as_str());
        assert_eq!(record["project"], "p");
        let params: Value = serde_json::from_str(record["params"].as_str().unwrap()).unwrap();
        assert_eq!(params["lr"]["value"], 1e-5);
        argvs.push(
            record["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    argvs.sort();
    assert_eq!(
        argvs,
        [
            "--a=1 --b=x --lr=1e-05",
            "--a=1 --b=y --lr=1e-05",
            "--a=2 --b=x --lr=1e-05",
            "--a=2 --b=y --lr=1e-05",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cairn_agent_runs_a_wandb_training_script() {
    // The official client's interpreter (scripts/test sets it); without it
    // the test above still covers the agent, this one needs `import wandb`.
    let Some(python) = std::env::var_os("CAIRN_TEST_PYTHON") else {
        eprintln!("CAIRN_TEST_PYTHON is not set: scripts/test sets it to the pinned client's venv");
        return;
    };
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("train.py"),
        "import argparse, wandb\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float)\na = p.parse_args()\nrun = wandb.init()\nrun.log({'loss': a.lr * 10})\nrun.finish()\n",
    )
    .unwrap();
    let sweep = server
        .api
        .create_sweep(
            "admin/p",
            "program: train.py\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  lr: {values: [0.1, 0.2]}\n",
        )
        .await
        .unwrap()
        .sweep;
    let bin = Path::new(&python).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let agent = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["agent", &sweep.path(), "--poll-interval", "0.5"])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", &server.admin_key)
        .env("WANDB_DIR", dir.path())
        .env("WANDB_SILENT", "true")
        .output()
        .expect("run cairn agent");
    assert!(
        agent.status.success(),
        "{}",
        String::from_utf8_lossy(&agent.stderr)
    );
    let sweep = sweep.reload().await.unwrap();
    assert_eq!((sweep.state(), sweep.run_count()), ("FINISHED", 2));
    assert_eq!(sweep.best_loss(), Some(1.0));
    let best = sweep.best_run().await.unwrap().expect("a best run");
    assert_eq!(best.config()["lr"], 0.1);
}
