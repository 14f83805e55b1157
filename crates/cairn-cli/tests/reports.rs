//! `cairn report ls|show|rm` against a real server.

use std::process::{Command, Output};

use cairn_client::NewReport;
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

#[tokio::test(flavor = "multi_thread")]
async fn reports_are_listed_shown_and_deleted() {
    let server = TestServer::start().await;
    server.api.create_run("p", None, Some("r1")).await.unwrap();
    let report = server
        .api
        .create_report(
            "admin/p",
            &NewReport {
                title: "Weekly".into(),
                description: "numbers".into(),
                spec: json!({"blocks": [{"type": "paragraph"}]}),
                draft: false,
            },
        )
        .await
        .unwrap();

    let listed = stdout(&cairn(&server, &["report", "ls", "admin/p"]));
    assert!(
        listed.contains("Weekly") && listed.contains(report.id()),
        "{listed}"
    );

    let shown = stdout(&cairn(
        &server,
        &["report", "show", &report.url(), "--spec"],
    ));
    assert!(shown.starts_with("Weekly\n"), "{shown}");
    assert!(
        shown.contains("numbers") && shown.contains("\"paragraph\""),
        "{shown}"
    );

    let removed = stdout(&cairn(&server, &["report", "rm", report.id()]));
    assert!(removed.contains("Deleted report \"Weekly\""), "{removed}");
    let gone = cairn(&server, &["report", "show", report.id()]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no report"));
    let empty = stdout(&cairn(&server, &["report", "ls", "admin/p"]));
    assert!(!empty.contains("Weekly"), "{empty}");
}
