//! The `cairn` binary's admin commands against a real server.

use std::process::{Command, Output};

use cairn_test_support::TestServer;

fn cairn(server: &TestServer, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("WANDB_BASE_URL", &server.base_url)
        .env("WANDB_API_KEY", key)
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
async fn errors_are_one_clear_line() {
    let server = TestServer::start().await;
    let out = cairn(&server, &server.admin_key, &["team", "show", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no team named \"nope\""), "{err}");
}
