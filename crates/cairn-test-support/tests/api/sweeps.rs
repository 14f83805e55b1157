//! Sweeps through `cairn-client`: creating them from YAML or JSON, reading
//! and listing them, changing their state, the agent protocol, and bad
//! configurations refused with the field named.

use cairn_client::{AgentCommand, Error};
use cairn_test_support::TestServer;
use serde_json::json;

const GRID: &str = "method: grid\nmetric: {name: loss, goal: minimize}\nprogram: train.py\nparameters:\n  a: {values: [1, 2]}\n  b: {value: x}\n";

#[tokio::test]
async fn create_read_list_and_control_sweeps() {
    let server = TestServer::start().await;
    let api = &server.api;
    let created = api.create_sweep("admin/p", GRID).await.unwrap();
    let sweep = created.sweep;
    assert!(created.warnings.is_empty());
    assert_eq!((sweep.state(), sweep.method()), ("RUNNING", Some("grid")));
    assert_eq!(sweep.expected_run_count(), Some(2));
    assert_eq!(
        sweep.config().unwrap()["parameters"]["a"]["values"],
        json!([1, 2])
    );
    assert_eq!(sweep.order().as_deref(), Some("+summary_metrics.loss"));
    assert!(
        sweep
            .url()
            .ends_with(&format!("/admin/p/sweeps/{}", sweep.id()))
    );

    // JSON works too, and the path has every form.
    let other = api
        .create_sweep("p", json!({"method": "random", "name": "lr search", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}))
        .await
        .unwrap()
        .sweep;
    assert_eq!(other.name(), "lr search");
    for path in [other.path(), format!("admin/p/sweeps/{}", other.id())] {
        assert_eq!(api.sweep(&path).await.unwrap().id(), other.id());
    }
    let mut listed = Vec::new();
    let mut pager = api.sweeps("admin/p", 1);
    while let Some(s) = pager.next().await.unwrap() {
        listed.push(s.id().to_string());
    }
    assert_eq!(
        listed,
        [other.id(), sweep.id()],
        "newest first, across pages"
    );

    assert_eq!(sweep.pause().await.unwrap().state(), "PAUSED");
    assert_eq!(sweep.resume().await.unwrap().state(), "RUNNING");
    assert_eq!(sweep.stop().await.unwrap().state(), "FINISHED");
    assert_eq!(other.cancel().await.unwrap().state(), "CANCELED");

    let missing = api.sweep("admin/p/nosuchsw").await;
    assert!(
        matches!(missing, Err(Error::NotFound { what: "sweep", .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn agents_get_every_grid_point_once_then_exit() {
    let server = TestServer::start().await;
    let api = &server.api;
    let sweep = api.create_sweep("admin/p", GRID).await.unwrap().sweep;
    let agent = api.create_agent(&sweep, "host-1").await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let commands = api.agent_heartbeat(&agent, &[]).await.unwrap();
        let [
            AgentCommand::Run {
                run_id,
                program,
                args,
            },
        ] = commands.as_slice()
        else {
            panic!("expected one run command, got {commands:?}");
        };
        assert_eq!(program.as_deref(), Some("train.py"));
        assert_eq!(args["b"], "x");
        seen.push(args["a"].as_i64().unwrap());
        // A busy agent gets nothing new.
        assert!(
            api.agent_heartbeat(&agent, std::slice::from_ref(run_id))
                .await
                .unwrap()
                .is_empty()
        );
        // The run reports and finishes.
        let mut run = api
            .create_run("p", Some("admin"), Some(run_id))
            .await
            .unwrap();
        run.update_state("finished").await.unwrap();
    }
    seen.sort();
    assert_eq!(seen, [1, 2]);
    assert_eq!(
        api.agent_heartbeat(&agent, &[]).await.unwrap(),
        [AgentCommand::Exit]
    );
}

#[tokio::test]
async fn bad_configurations_are_refused_naming_the_field() {
    let server = TestServer::start().await;
    for (config, field) in [
        ("method: nope\nparameters: {a: {value: 1}}", "method"),
        (
            "method: random\nparameters: {lr: {min: 0.5, max: 0.1}}",
            "parameters.lr",
        ),
        (
            "method: bayes\nparameters: {lr: {min: 0.0, max: 1.0}}",
            "metric",
        ),
        (
            "method: grid\nparameters: {lr: {min: 0.0, max: 1.0}}",
            "parameters.lr",
        ),
    ] {
        let err = server
            .api
            .create_sweep("admin/p", config)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Api(m) if m.contains(field)),
            "{config}: {err}"
        );
    }
    assert_eq!(
        server
            .api
            .sweeps("admin/p", 10)
            .next()
            .await
            .unwrap()
            .map(|s| s.id().to_string()),
        None
    );
}
