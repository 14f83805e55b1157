//! `cairn queue`, `cairn job` and `cairn launch` against a real server.

use std::process::{Command, Output};

use cairn_client::NewArtifact;
use cairn_test_support::TestServer;
use serde_json::json;

fn cairn(server: &TestServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", &server.admin_key)
        .env_remove("WANDB_ENTITY")
        .output()
        .expect("run cairn")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn queues_jobs_and_launch_through_the_cli() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let job_dir = dir.path().join("job");
    std::fs::create_dir(&job_dir).unwrap();
    std::fs::write(
        job_dir.join("wandb-job.json"),
        json!({"source_type": "artifact", "source": {"entrypoint": ["python", "train.py"], "artifact": "wandb-artifact://_id/x"}, "input_types": {}, "output_types": {}}).to_string(),
    )
    .unwrap();
    std::fs::write(job_dir.join("requirements.frozen.txt"), "wandb\n").unwrap();
    server
        .api
        .log_artifact(
            "admin/jobs",
            NewArtifact::new("trainer", "job").add_dir(&job_dir, None),
            &[],
            &[],
        )
        .await
        .unwrap();

    let config = dir.path().join("config.json");
    std::fs::write(&config, r#"{"args": ["--epochs", "{{epochs}}"]}"#).unwrap();
    let vars = dir.path().join("vars.json");
    std::fs::write(
        &vars,
        r#"{"epochs": {"schema": {"type": "integer", "default": 3, "minimum": 1, "maximum": 100}}}"#,
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let v = vars.to_str().unwrap();

    let s = &server;
    assert!(
        stdout(&cairn(
            s,
            &[
                "queue",
                "create",
                "gpu",
                "--config",
                c,
                "--template-variables",
                v,
                "--prioritize"
            ]
        ))
        .contains("Created run queue admin/gpu")
    );
    let listed = stdout(&cairn(s, &["queue", "ls"]));
    assert!(
        listed.contains("gpu") && listed.contains("local-process") && listed.contains("V0"),
        "{listed}"
    );

    let jobs = stdout(&cairn(s, &["job", "ls", "admin/jobs"]));
    assert!(
        jobs.contains("trainer") && jobs.contains("latest"),
        "{jobs}"
    );
    let shown = stdout(&cairn(s, &["job", "show", "admin/jobs/trainer:latest"]));
    assert!(shown.contains("entrypoint:  python train.py"), "{shown}");

    let refused = stderr(&cairn(
        s,
        &[
            "launch",
            "admin/jobs/trainer:latest",
            "-q",
            "gpu",
            "--set",
            "epochs=500",
        ],
    ));
    assert!(
        refused.contains("templateVariableValues.epochs: 500 is greater than the maximum 100"),
        "{refused}"
    );
    let queued = stdout(&cairn(
        s,
        &[
            "launch",
            "admin/jobs/trainer:latest",
            "-q",
            "gpu",
            "--set",
            "epochs=5",
            "--priority",
            "1",
        ],
    ));
    assert!(
        queued.contains("Queued admin/jobs/trainer:latest on gpu"),
        "{queued}"
    );
    let shown = stdout(&cairn(s, &["queue", "show", "gpu"]));
    assert!(
        shown.contains("PENDING") && shown.contains("admin/jobs/trainer:latest"),
        "{shown}"
    );
    assert!(shown.contains("variable epochs"), "{shown}");

    assert!(stdout(&cairn(s, &["queue", "rm", "gpu"])).contains("Deleted"));
    assert!(stderr(&cairn(s, &["queue", "show", "gpu"])).contains("not found"));
}
