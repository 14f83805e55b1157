//! `cairn sync-tensorboard` against a real server: runs imported from a
//! log directory, read back through the client; damage reported as
//! warnings naming file and offset; the run-id rule.

use std::process::{Command, Output};

use cairn_test_support::TestServer;
use cairn_test_support::tfevents::EventFile;

fn cairn(server: &TestServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", &server.admin_key)
        .env_remove("WANDB_ENTITY")
        .env_remove("WANDB_PROJECT")
        .output()
        .expect("run cairn")
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_tensorboard_imports_runs_and_warns_about_damage() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    for (run, base) in [("a", 0.0f32), ("b", 10.0)] {
        let mut file = EventFile::new(100.0);
        for step in 0..3 {
            file.scalar(step, 101.0 + step as f64, "loss", base + step as f32);
        }
        file.write(&logs.path().join(run), 1);
    }
    // A third run whose last record is cut short.
    let mut cut = EventFile::new(100.0);
    cut.scalar(0, 101.0, "loss", 7.0)
        .scalar(1, 102.0, "loss", 8.0);
    let end = cut.bytes().len() - 5;
    std::fs::create_dir(logs.path().join("c")).unwrap();
    std::fs::write(
        logs.path().join("c/events.out.tfevents.1.test"),
        &cut.bytes()[..end],
    )
    .unwrap();
    let dir = logs.path().to_str().unwrap();

    let out = cairn(
        &server,
        &[
            "sync-tensorboard",
            dir,
            "--project",
            "tb",
            "--entity",
            "admin",
        ],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stdout.contains("a -> admin/tb/a-"), "{stdout}");
    assert!(
        stderr.contains("c/events.out.tfevents.1.test: at byte")
            && stderr.contains("ends inside a record"),
        "{stderr}"
    );

    let run_path = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} -> ")))
            .and_then(|l| l.split(" -> ").nth(1))
            .and_then(|l| l.split(':').next())
            .unwrap()
            .to_string()
    };
    let b = server.api.run(&run_path("b")).await.unwrap();
    assert_eq!(b.display_name(), Some("b"));
    assert_eq!(b.state(), "finished");
    let rows = b.history(100, &[]).await.unwrap();
    let losses: Vec<Option<f64>> = rows.iter().map(|r| r.get_f64("loss")).collect();
    assert_eq!(losses, [Some(10.0), Some(11.0), Some(12.0)]);
    let c = server.api.run(&run_path("c")).await.unwrap();
    assert_eq!(c.history_line_count(), 1);

    // Again: the same runs, not copies.
    let again = cairn(
        &server,
        &[
            "sync-tensorboard",
            dir,
            "--project",
            "tb",
            "--entity",
            "admin",
        ],
    );
    assert!(again.status.success());
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);
    let b = server.api.run(&run_path("b")).await.unwrap();
    assert_eq!(b.history_line_count(), 3);

    // A run id names one run only.
    let out = cairn(
        &server,
        &["sync-tensorboard", dir, "--project", "tb", "--run-id", "x"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 TensorBoard runs"));
    let one = logs.path().join("a");
    let out = cairn(
        &server,
        &[
            "sync-tensorboard",
            one.to_str().unwrap(),
            "--project",
            "tb",
            "--run-id",
            "chosen",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-> admin/tb/chosen:"));
}
