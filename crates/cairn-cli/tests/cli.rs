//! The `cairn` binary's admin, run, report and TensorBoard-import commands
//! against a real server.

use std::process::{Command, Output};

use cairn_test_support::TestServer;
use cairn_test_support::tfevents::EventFile;

fn cairn(server: &TestServer, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", key)
        .env_remove("WANDB_ENTITY")
        .env_remove("WANDB_PROJECT")
        .output()
        .expect("run cairn")
}

/// [`cairn`] with `input` on standard input.
fn cairn_with_stdin(server: &TestServer, key: &str, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", key)
        .env_remove("WANDB_ENTITY")
        .env_remove("WANDB_PROJECT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cairn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("cairn finishes")
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
async fn admin_flow_through_the_cli() {
    let server = TestServer::start().await;
    let admin = server.admin_key.clone();
    let s = &server;
    let run = move |key: String, args: Vec<&'static str>| cairn(s, &key, &args);

    assert!(stdout(&run(admin.clone(), vec!["whoami"])).starts_with("admin"));
    assert!(
        stdout(&run(
            admin.clone(),
            vec!["user", "create", "alice@example.com"]
        ))
        .contains("alice")
    );
    let alice_key = stdout(&run(
        admin.clone(),
        vec!["key", "create", "--user", "alice", "--description", "cli"],
    ));
    let alice_key = alice_key.trim().to_string();
    assert!(stdout(&run(alice_key.clone(), vec!["whoami"])).starts_with("alice"));

    stdout(&run(admin.clone(), vec!["team", "create", "ml"]));
    stdout(&run(admin.clone(), vec!["team", "invite", "ml", "alice"]));
    assert!(stdout(&run(admin.clone(), vec!["team", "show", "ml"])).contains("alice\tmember"));
    stdout(&run(
        admin.clone(),
        vec!["project", "create", "--entity", "ml", "p1"],
    ));
    assert_eq!(
        stdout(&run(
            alice_key.clone(),
            vec!["project", "list", "--entity", "ml"]
        )),
        "ml/p1\n"
    );

    let keys = stdout(&run(alice_key.clone(), vec!["key", "list"]));
    let name = keys.split('\t').next().unwrap().to_string();
    let name: &'static str = Box::leak(name.into_boxed_str());
    stdout(&run(alice_key.clone(), vec!["key", "delete", name]));
    let denied = run(alice_key, vec!["whoami"]);
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stderr).contains("unauthorized"));
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_and_deactivation_through_the_cli() {
    let server = TestServer::start().await;
    let admin = server.admin_key.as_str();
    let (_, _, alice_key) = server.new_user("alice@example.com").await;

    // The password is the piped line, without its line ending.
    let set = cairn_with_stdin(
        &server,
        admin,
        &["user", "set-password", "alice"],
        "a long passphrase\r\n",
    );
    assert!(stdout(&set).contains("set the password of alice"));
    server
        .cairn()
        .sign_in_with_password("alice", "a long passphrase")
        .await
        .unwrap();
    let short = cairn_with_stdin(
        &server,
        admin,
        &["user", "set-password", "alice"],
        "short\n",
    );
    assert!(!short.status.success());
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(err.contains("8 to 256 bytes"), "{err}");
    let empty = cairn_with_stdin(&server, admin, &["user", "set-password", "alice"], "");
    assert!(!empty.status.success());
    assert!(String::from_utf8_lossy(&empty.stderr).contains("--clear"));
    let by_alice = cairn_with_stdin(
        &server,
        &alice_key,
        &["user", "set-password", "alice"],
        "her own choice\n",
    );
    assert!(!by_alice.status.success(), "admins only");

    let cleared = stdout(&cairn(
        &server,
        admin,
        &["user", "set-password", "alice", "--clear"],
    ));
    assert!(
        cleared.contains("cleared the password of alice"),
        "{cleared}"
    );
    assert!(
        server
            .cairn()
            .sign_in_with_password("alice", "a long passphrase")
            .await
            .is_err()
    );

    // Deactivated: her key is refused, saying why; her account is listed
    // as such. Activated again: the same key works.
    assert!(
        stdout(&cairn(&server, admin, &["user", "deactivate", "alice"]))
            .contains("deactivated alice")
    );
    let denied = cairn(&server, &alice_key, &["whoami"]);
    assert!(!denied.status.success());
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(
        err.contains("unauthorized") && err.contains("deactivated"),
        "{err}"
    );
    let listed = stdout(&cairn(&server, admin, &["user", "list", "alice"]));
    assert!(
        listed.contains("alice\talice@example.com\tdeactivated"),
        "{listed}"
    );
    let own = cairn(&server, admin, &["user", "deactivate", "admin"]);
    assert!(!own.status.success());
    assert!(
        stdout(&cairn(&server, admin, &["user", "activate", "alice"])).contains("activated alice")
    );
    assert!(stdout(&cairn(&server, &alice_key, &["whoami"])).starts_with("alice"));
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_one_clear_line() {
    let server = TestServer::start().await;
    let out = cairn(&server, &server.admin_key, &["team", "show", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no team named \"nope\""), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_through_the_cli() {
    let server = TestServer::start().await;
    let key = server.admin_key.clone();
    let r1 = server
        .api
        .create_run("p", Some("admin"), Some("r1"))
        .await
        .unwrap();
    let lines: Vec<String> = (0..5)
        .map(|s| {
            let acc = if s % 2 == 0 {
                format!(", \"acc\": {s}")
            } else {
                String::new()
            };
            let loss = if s == 3 {
                "NaN".to_string()
            } else {
                format!("{s}.5")
            };
            format!("{{\"_step\": {s}, \"loss\": {loss}, \"note\": \"a,\\\"b\\\"\"{acc}}}")
        })
        .collect();
    server
        .file_stream(
            "admin/p/r1",
            serde_json::json!({ "files": {
                "wandb-history.jsonl": { "offset": 0, "content": lines },
                "wandb-summary.json": { "offset": 0, "content": ["{\"loss\": 4.5}"] },
            }}),
        )
        .await;
    let mut r2 = server
        .api
        .create_run("p", Some("admin"), Some("r2"))
        .await
        .unwrap();
    r2.set_display_name("second");
    r2.update().await.unwrap();
    let src = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(src.path().join("model.bin"), &bytes).unwrap();
    r1.upload_file(src.path().join("model.bin"), src.path())
        .await
        .unwrap();
    let run = |args: &[&str]| cairn(&server, &key, args);

    let ls = stdout(&run(&["run", "ls", "admin/p"]));
    let table: Vec<Vec<&str>> = ls.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(table[0], ["ID", "STATE", "CREATED", "NAME", "TAGS"]);
    assert_eq!(table.len(), 3, "{ls}");
    assert_eq!(&table[1][..2], ["r1", "running"]);
    assert_eq!(table[2][0], "r2");
    assert_eq!(table[2][3], "second");
    let limited = run(&["run", "ls", "admin/p", "--limit", "1"]);
    assert_eq!(stdout(&limited).lines().count(), 2);
    assert!(String::from_utf8_lossy(&limited.stderr).contains("showing 1 of 2 runs"));

    let csv = stdout(&run(&["run", "history", "admin/p/r1", "--format", "csv"]));
    assert_eq!(
        csv,
        "_step,acc,loss,note\n\
         0,0,0.5,\"a,\"\"b\"\"\"\n\
         1,,1.5,\"a,\"\"b\"\"\"\n\
         2,2,2.5,\"a,\"\"b\"\"\"\n\
         3,,NaN,\"a,\"\"b\"\"\"\n\
         4,4,4.5,\"a,\"\"b\"\"\"\n"
    );
    let jsonl = stdout(&run(&[
        "run",
        "history",
        "admin/p/r1",
        "--format",
        "jsonl",
        "--keys",
        "acc",
        "--min-step",
        "1",
    ]));
    assert_eq!(jsonl, "{\"_step\":2,\"acc\":2}\n{\"_step\":4,\"acc\":4}\n");
    let out = src.path().join("h.csv");
    stdout(&run(&[
        "run",
        "history",
        "admin/p/r1",
        "--keys",
        "loss",
        "--max-step",
        "2",
        "--output",
        out.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "_step,loss\n0,0.5\n1,1.5\n"
    );

    let show = stdout(&run(&["run", "show", "admin/p/r1"]));
    assert!(show.contains("state      running"), "{show}");
    assert!(show.contains("history    5 rows, last step 4"), "{show}");
    assert!(show.contains("\"loss\": 4.5"), "{show}");

    let files = stdout(&run(&["run", "files", "admin/p/r1"]));
    let row: Vec<&str> = files.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..2], ["model.bin", "200000"]);

    let dest = tempfile::tempdir().unwrap();
    let dest_dir = dest.path().to_str().unwrap();
    let got = stdout(&run(&[
        "run",
        "download",
        "admin/p/r1",
        "model.bin",
        "--to",
        dest_dir,
    ]));
    assert_eq!(got.trim(), dest.path().join("model.bin").to_str().unwrap());
    assert_eq!(std::fs::read(dest.path().join("model.bin")).unwrap(), bytes);
    let again = run(&[
        "run",
        "download",
        "admin/p/r1",
        "model.bin",
        "--to",
        dest_dir,
    ]);
    assert!(!again.status.success());
    let missing = run(&["run", "download", "admin/p/r1", "nope.bin"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not found"));

    assert_eq!(
        stdout(&run(&["run", "rm", "admin/p/r2"])),
        "deleted admin/p/r2\n"
    );
    let gone = run(&["run", "show", "admin/p/r2"]);
    assert!(!gone.status.success());
    let err = String::from_utf8_lossy(&gone.stderr);
    assert!(err.contains("run \"admin/p/r2\" not found"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn artifacts_through_the_cli() {
    let server = TestServer::start().await;
    let key = server.admin_key.clone();
    let run = |args: &[&str]| cairn(&server, &key, args);

    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(src.path().join("data/nested")).unwrap();
    std::fs::write(src.path().join("data/a.txt"), b"alpha").unwrap();
    std::fs::write(src.path().join("data/nested/b.txt"), b"beta").unwrap();
    std::fs::write(src.path().join("README.md"), b"# readme").unwrap();
    let data = src.path().join("data");
    let readme = src.path().join("README.md");
    let (data, readme) = (data.to_str().unwrap(), readme.to_str().unwrap());

    let put = stdout(&run(&[
        "artifact",
        "put",
        "admin/arts",
        data,
        readme,
        "--name",
        "ds",
        "--type",
        "dataset",
        "--alias",
        "best",
        "--tag",
        "raw",
        "--description",
        "sample",
    ]));
    assert!(put.starts_with("admin/arts/ds:v0: 3 files"), "{put}");
    assert!(put.contains("3 uploaded"), "{put}");

    // A second version sharing two files uploads one.
    std::fs::write(src.path().join("data/a.txt"), b"alpha 2").unwrap();
    let put = stdout(&run(&[
        "artifact",
        "put",
        "admin/arts",
        data,
        readme,
        "--name",
        "ds",
        "--type",
        "dataset",
    ]));
    assert!(
        put.contains("1 uploaded") && put.contains("2 already stored"),
        "{put}"
    );

    let types = stdout(&run(&["artifact", "ls", "admin/arts"]));
    assert!(types.contains("dataset") && types.contains("ds"), "{types}");
    assert!(types.lines().nth(1).unwrap().ends_with('2'), "{types}");
    let versions = stdout(&run(&["artifact", "ls", "admin/arts/ds"]));
    assert!(
        versions.contains("v0") && versions.contains("best"),
        "{versions}"
    );
    assert!(
        versions.contains("v1") && versions.contains("latest"),
        "{versions}"
    );

    let dest = tempfile::tempdir().unwrap();
    let root = dest.path().join("ds");
    let got = stdout(&run(&[
        "artifact",
        "get",
        "admin/arts/ds:best",
        "--type",
        "dataset",
        "--root",
        root.to_str().unwrap(),
    ]));
    assert!(got.contains("3 files fetched"), "{got}");
    assert_eq!(std::fs::read(root.join("a.txt")).unwrap(), b"alpha");
    assert_eq!(std::fs::read(root.join("nested/b.txt")).unwrap(), b"beta");
    assert_eq!(std::fs::read(root.join("README.md")).unwrap(), b"# readme");
    let again = stdout(&run(&[
        "artifact",
        "get",
        "admin/arts/ds:latest",
        "--root",
        root.to_str().unwrap(),
    ]));
    assert!(
        again.contains("1 files fetched") && again.contains("2 already present"),
        "{again}"
    );

    let wrong = run(&["artifact", "get", "admin/arts/ds", "--type", "model"]);
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("type \"model\"") && err.contains("\"dataset\""),
        "{err}"
    );
    let missing = run(&["artifact", "get", "admin/arts/nope:v3"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no artifact"));

    let refused = run(&["artifact", "rm", "admin/arts/ds:v0"]);
    assert!(!refused.status.success(), "v0 holds the alias best");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("aliases"));
    assert_eq!(
        stdout(&run(&[
            "artifact",
            "rm",
            "admin/arts/ds:v0",
            "--delete-aliases"
        ])),
        "deleted admin/arts/ds:v0\n"
    );
    let versions = stdout(&run(&["artifact", "ls", "admin/arts/ds"]));
    assert!(!versions.contains("v0"), "{versions}");

    for sub in ["ls", "get", "put", "rm"] {
        let help = stdout(&run(&["artifact", sub, "--help"]));
        assert!(help.contains("Usage"), "{help}");
    }
}

/// Run `cairn server` on a fresh data directory with `args` and `env`,
/// expecting it to refuse to start; returns its stderr. Killed after 30 s
/// if it starts after all.
async fn server_refusal(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_cairn"));
    command
        .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .args(args)
        .env_remove("CAIRN_ADMIN_API_KEY")
        .env_remove("CAIRN_URL_SIGNING_KEY")
        .env_remove("CAIRN_URL_SIGNING_KEY_FILE")
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), command.output())
        .await
        .expect("the server refused to start instead of serving")
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_refuses_short_or_doubly_given_url_signing_keys() {
    let short = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(short.path(), "too-short\n").unwrap();
    let path = short.path().to_str().unwrap();
    let err = server_refusal(&["--url-signing-key-file", path], &[]).await;
    assert!(
        err.contains("9 bytes") && err.contains("at least 32"),
        "{err}"
    );
    let err = server_refusal(&[], &[("CAIRN_URL_SIGNING_KEY", "too-short")]).await;
    assert!(
        err.contains("CAIRN_URL_SIGNING_KEY") && err.contains("at least 32"),
        "{err}"
    );
    let err = server_refusal(
        &["--url-signing-key-file", path],
        &[("CAIRN_URL_SIGNING_KEY", &"k".repeat(40))],
    )
    .await;
    assert!(err.contains("not both"), "{err}");
    let err = server_refusal(&["--url-signing-key-file", "/nonexistent/key"], &[]).await;
    assert!(err.contains("/nonexistent/key"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_refuses_a_predictable_admin_key_without_printing_it() {
    let weak = format!("p-{}", "a".repeat(40));
    let err = server_refusal(&[], &[("CAIRN_ADMIN_API_KEY", &weak)]).await;
    assert!(
        err.contains("CAIRN_ADMIN_API_KEY") && err.contains("openssl rand"),
        "{err}"
    );
    assert!(!err.contains(&weak), "the key is never printed: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_are_listed_shown_and_deleted() {
    use cairn_client::NewReport;
    use serde_json::json;

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

    let listed = stdout(&cairn(
        &server,
        &server.admin_key,
        &["report", "ls", "admin/p"],
    ));
    assert!(
        listed.contains("Weekly") && listed.contains(report.id()),
        "{listed}"
    );

    let shown = stdout(&cairn(
        &server,
        &server.admin_key,
        &["report", "show", &report.url(), "--spec"],
    ));
    assert!(shown.starts_with("Weekly\n"), "{shown}");
    assert!(
        shown.contains("numbers") && shown.contains("\"paragraph\""),
        "{shown}"
    );

    let removed = stdout(&cairn(
        &server,
        &server.admin_key,
        &["report", "rm", report.id()],
    ));
    assert!(removed.contains("Deleted report \"Weekly\""), "{removed}");
    let gone = cairn(&server, &server.admin_key, &["report", "show", report.id()]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no report"));
    let empty = stdout(&cairn(
        &server,
        &server.admin_key,
        &["report", "ls", "admin/p"],
    ));
    assert!(!empty.contains("Weekly"), "{empty}");
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_integrations_are_listed_created_and_deleted() {
    let server =
        TestServer::start_with(|c| c.set_webhook_allow("hooks.example.com").unwrap()).await;
    let created = stdout(&cairn(
        &server,
        &server.admin_key,
        &[
            "integration",
            "create",
            "admin",
            "on link",
            "https://hooks.example.com/x",
        ],
    ));
    assert!(created.contains("Created webhook \"on link\""), "{created}");
    let listed = stdout(&cairn(&server, &server.admin_key, &["integration", "ls"]));
    assert!(
        listed.contains("on link") && listed.contains("https://hooks.example.com/x"),
        "{listed}"
    );
    let id = server
        .api
        .integrations(Some("admin"), 10)
        .collect_all()
        .await
        .unwrap()[0]
        .id
        .clone();
    let refused = cairn(
        &server,
        &server.admin_key,
        &[
            "integration",
            "create",
            "admin",
            "inside",
            "http://10.0.0.1/",
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--webhook-allow"));
    let removed = stdout(&cairn(
        &server,
        &server.admin_key,
        &["integration", "rm", &id],
    ));
    assert!(removed.contains("Deleted integration"), "{removed}");
    let empty = stdout(&cairn(
        &server,
        &server.admin_key,
        &["integration", "ls", "admin"],
    ));
    assert!(!empty.contains("on link"), "{empty}");
}

/// `cairn secret`: a value from stdin (its trailing newline dropped, as the
/// webhook will use it), names listed, never values; then removed.
#[tokio::test(flavor = "multi_thread")]
async fn secrets_are_set_from_stdin_listed_by_name_and_deleted() {
    let server = TestServer::start().await;
    let set = stdout(&cairn_with_stdin(
        &server,
        &server.admin_key,
        &["secret", "set", "admin", "HOOK_TOKEN"],
        "tok-from-stdin-5e1f\n",
    ));
    assert!(set.contains("Set secret HOOK_TOKEN of admin"), "{set}");
    let entity_id = server.api.secrets("admin").await.unwrap()[0].entity_id;
    assert_eq!(
        server
            .cairn()
            .entity_secret_value(entity_id, "HOOK_TOKEN")
            .await
            .unwrap()
            .as_deref(),
        Some("tok-from-stdin-5e1f")
    );
    let listed = stdout(&cairn(
        &server,
        &server.admin_key,
        &["secret", "ls", "admin"],
    ));
    assert!(listed.contains("HOOK_TOKEN"), "{listed}");
    assert!(!listed.contains("tok-from-stdin"), "{listed}");
    let bad = cairn_with_stdin(
        &server,
        &server.admin_key,
        &["secret", "set", "admin", "not-a-name"],
        "x",
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not-a-name"));
    let removed = stdout(&cairn(
        &server,
        &server.admin_key,
        &["secret", "rm", "admin", "HOOK_TOKEN"],
    ));
    assert!(removed.contains("Deleted secret HOOK_TOKEN"), "{removed}");
    let empty = stdout(&cairn(
        &server,
        &server.admin_key,
        &["secret", "ls", "admin"],
    ));
    assert!(!empty.contains("HOOK_TOKEN"), "{empty}");
}

/// `cairn sync-tensorboard`: runs imported from a log directory, read back
/// through the client; damage reported as warnings naming file and offset.
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
        &server.admin_key,
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
        &server.admin_key,
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
        &server.admin_key,
        &["sync-tensorboard", dir, "--project", "tb", "--run-id", "x"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 TensorBoard runs"));
    let one = logs.path().join("a");
    let out = cairn(
        &server,
        &server.admin_key,
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

/// A loopback webhook receiver: every request's body, in order.
async fn receiver() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            let body = loop {
                let n = socket.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break String::new();
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if seen.len() >= end + 4 + length {
                        break text[end + 4..end + 4 + length].to_string();
                    }
                }
            };
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .await;
            let _ = tx.send(body);
        }
    });
    (port, rx)
}

/// `cairn automation`: an automation made with the Rust client calls a
/// loopback receiver when a run finishes; listed, shown, disabled (a run's
/// end then calls nobody), enabled again, its delivery log read, removed.
#[tokio::test(flavor = "multi_thread")]
async fn automations_are_listed_switched_logged_and_removed() {
    use cairn_client::{AutomationAction, NewAutomation};
    let (port, mut received) = receiver().await;
    let server = TestServer::start_with(|c| {
        c.set_webhook_allow(&format!("127.0.0.1:{port}")).unwrap();
    })
    .await;
    let api = &server.api;
    let project = api.create_project("p", "admin").await.unwrap();
    let hook = api
        .create_webhook_integration("admin", "log", &format!("http://127.0.0.1:{port}/hook"))
        .await
        .unwrap();
    let made = api
        .create_automation(&NewAutomation {
            name: "on-finish".into(),
            description: Some("a run ended well".into()),
            enabled: true,
            scope_kind: "PROJECT".into(),
            scope_id: project.id().to_string(),
            event: "RUN_STATE".into(),
            filter: serde_json::json!({"run_filter": "{\"$and\":[]}", "run_state_filter": {"states": ["FINISHED"]}}),
            action: AutomationAction::Webhook {
                integration_id: hook.id.clone(),
                payload: Some(serde_json::json!({"run": "${run_id}", "state": "${run_state}"})),
            },
        })
        .await
        .unwrap();
    assert_eq!(made.scope.kind, "PROJECT");
    assert_eq!(made.event, "RUN_STATE");

    let listed = stdout(&cairn(
        &server,
        &server.admin_key,
        &["automation", "ls", "admin"],
    ));
    assert!(
        listed.contains("on-finish") && listed.contains("RUN_STATE") && listed.contains("webhook"),
        "{listed}"
    );
    let shown = stdout(&cairn(
        &server,
        &server.admin_key,
        &["automation", "show", "admin", "on-finish"],
    ));
    assert!(
        shown.contains("run_state_filter") && shown.contains("a run ended well"),
        "{shown}"
    );

    let off = stdout(&cairn(
        &server,
        &server.admin_key,
        &["automation", "disable", "admin", "on-finish"],
    ));
    assert!(off.contains("Disabled"), "{off}");
    server.finish_run("admin", "p", "quiet", 0).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(received.try_recv().is_err(), "a disabled automation called");

    stdout(&cairn(
        &server,
        &server.admin_key,
        &["automation", "enable", "admin", "on-finish"],
    ));
    server.finish_run("admin", "p", "loud", 0).await;
    let body = tokio::time::timeout(std::time::Duration::from_secs(30), received.recv())
        .await
        .expect("a delivery")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["run"], "loud");
    assert_eq!(body["state"], "finished");

    // The log line is written just after the receiver answers.
    let mut log = String::new();
    for _ in 0..50 {
        log = stdout(&cairn(
            &server,
            &server.admin_key,
            &["automation", "deliveries", "admin", "on-finish"],
        ));
        if log.contains("delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        log.contains("delivered") && log.contains("200") && log.contains("RUN_STATE"),
        "{log}"
    );

    stdout(&cairn(
        &server,
        &server.admin_key,
        &["automation", "rm", "admin", "on-finish"],
    ));
    assert!(
        api.automation("admin", "on-finish")
            .await
            .unwrap()
            .is_none()
    );
    let missing = cairn(
        &server,
        &server.admin_key,
        &["automation", "show", "admin", "on-finish"],
    );
    assert!(!missing.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn history_export_writes_many_runs_as_parquet_arrow_and_json_lines() {
    let server = TestServer::start().await;
    let key = server.admin_key.clone();
    for (run, lr) in [("a", 0.1), ("b", 0.01), ("c", 0.001)] {
        let made = server
            .raw_graphql(
                &key,
                serde_json::json!({
                    "query": "mutation($r: String, $c: JSONString) { upsertBucket(input: {entityName: \"admin\", modelName: \"hx\", name: $r, config: $c}) { bucket { id } } }",
                    "variables": {"r": run, "c": serde_json::json!({"lr": {"value": lr}}).to_string()},
                }),
            )
            .await;
        assert!(made["errors"].is_null(), "{made}");
        let lines: Vec<String> = (0..50)
            .map(|s| serde_json::json!({"_step": s, "loss": lr * s as f64}).to_string())
            .collect();
        server
            .file_stream(
                &format!("admin/hx/{run}"),
                serde_json::json!({ "files": { "wandb-history.jsonl": { "offset": 0, "content": lines } } }),
            )
            .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).display().to_string();
    let filter = r#"{"config.lr": {"$gte": 0.01}}"#;
    for name in ["out.jsonl", "out.arrow", "out.parquet"] {
        let path = out(name);
        let args = [
            "history", "export", "admin/hx", "--keys", "loss", "--filter", filter, "-o", &path,
        ];
        stdout(&cairn(&server, &key, &args));
    }
    let jsonl = std::fs::read_to_string(out("out.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 100, "two runs of 50 rows");
    assert_eq!(
        rows[0],
        serde_json::json!({"run": "a", "_step": 0, "loss": 0.0})
    );
    assert_eq!(rows[51]["run"], "b");
    let (schema, batches) =
        cairn_history::read_ipc(&std::fs::read(out("out.arrow")).unwrap()).unwrap();
    assert_eq!(schema.fields().len(), 3);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 100);
    let parquet = std::fs::read(out("out.parquet")).unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"));
    let sampled = stdout(&cairn(
        &server,
        &key,
        &[
            "history",
            "export",
            "admin/hx",
            "--keys",
            "loss",
            "--samples",
            "5",
        ],
    ));
    assert_eq!(sampled.lines().count(), 15, "5 rows of each of 3 runs");
    let bad = cairn(
        &server,
        &key,
        &[
            "history",
            "export",
            "admin/hx",
            "--keys",
            "loss",
            "--filter",
            "{\"config.lr\": {\"$bad\": 1}}",
        ],
    );
    assert!(!bad.status.success());
    let why = String::from_utf8_lossy(&bad.stderr);
    assert!(why.contains("$bad"), "{why}");
}
