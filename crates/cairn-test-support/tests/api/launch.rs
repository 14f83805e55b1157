//! Launch through `cairn-client`: queues (create, upsert, read, list,
//! delete), `launch_add` with template variables checked by the server,
//! the agent side (pop, ack, fail), queued runs, and jobs.

use std::collections::BTreeMap;

use cairn_client::{Error, LaunchOptions, NewArtifact};
use cairn_test_support::TestServer;
use serde_json::json;

/// A code job `admin/jobs/trainer` as `create_job` would log it.
async fn make_job(server: &TestServer) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wandb-job.json"),
        json!({
            "_version": "v0",
            "source_type": "artifact",
            "source": {"artifact": "wandb-artifact://_id/QXJ0aWZhY3Q6MQ==", "entrypoint": ["python", "train.py"], "notebook": false},
            "input_types": {"wb_type": "typedDict", "params": {"type_map": {}}},
            "output_types": {"wb_type": "typedDict", "params": {"type_map": {}}},
            "runtime": "3.11",
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(dir.path().join("requirements.frozen.txt"), "wandb\n").unwrap();
    server
        .api
        .log_artifact(
            "admin/jobs",
            NewArtifact::new("trainer", "job").add_dir(dir.path(), None),
            &[],
            &[],
        )
        .await
        .unwrap();
    "admin/jobs/trainer:latest".to_string()
}

fn epochs() -> serde_json::Value {
    json!({"epochs": {"schema": {"type": "integer", "default": 3, "minimum": 1, "maximum": 100}}})
}

#[tokio::test]
async fn queues_are_created_read_changed_listed_and_deleted() {
    let server = TestServer::start().await;
    let api = &server.api;
    let queue = api
        .create_run_queue(
            "gpu",
            "local-process",
            None,
            Some("v0"),
            json!({"args": ["--epochs", "{{epochs}}"]}),
            Some(epochs()),
        )
        .await
        .unwrap();
    assert_eq!((queue.name(), queue.entity()), ("gpu", "admin"));
    assert_eq!(queue.resource(), Some("local-process"));
    assert_eq!(queue.prioritization_mode(), "V0");
    assert_eq!(queue.access(), "PROJECT");
    assert_eq!(
        queue.default_resource_config(),
        json!({"resource_args": {"local-process": {"args": ["--epochs", "{{epochs}}"]}}})
    );
    assert_eq!(queue.template_variables()["epochs"]["maximum"], json!(100));
    let again = api
        .create_run_queue("gpu", "local-process", None, None, json!({}), None)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");

    let links = BTreeMap::from([("docs".to_string(), "https://example.com".to_string())]);
    let (changed, warnings) = api
        .upsert_run_queue(
            "gpu",
            json!({"args": ["{{lr}}"]}),
            "local-process",
            None,
            None,
            &links,
            None,
        )
        .await
        .unwrap();
    assert_eq!(changed.prioritization_mode(), "DISABLED");
    assert_eq!(changed.external_links()["links"][0]["label"], "docs");
    assert!(
        warnings.iter().any(|w| w.contains("{{lr}} is used")),
        "{warnings:?}"
    );
    let (_, _) = api
        .upsert_run_queue(
            "cpu",
            json!({}),
            "local-process",
            Some("admin"),
            None,
            &BTreeMap::new(),
            None,
        )
        .await
        .unwrap();
    let names: Vec<String> = api
        .run_queues(None)
        .await
        .unwrap()
        .iter()
        .map(|q| q.name().to_string())
        .collect();
    assert_eq!(names, ["gpu", "cpu"]);

    let bad = api
        .upsert_run_queue("x", json!({}), "slurm", None, None, &BTreeMap::new(), None)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("unknown resource type"), "{bad}");

    api.run_queue("admin", "cpu")
        .await
        .unwrap()
        .delete()
        .await
        .unwrap();
    let gone = api.run_queue("admin", "cpu").await.unwrap_err();
    assert!(
        matches!(
            gone,
            Error::NotFound {
                what: "run queue",
                ..
            }
        ),
        "{gone:?}"
    );
}

#[tokio::test]
async fn launch_add_pop_ack_and_fail() {
    let server = TestServer::start().await;
    let api = &server.api;
    let job = make_job(&server).await;
    api.create_run_queue(
        "gpu",
        "local-process",
        None,
        Some("V0"),
        json!({"args": ["--epochs", "{{epochs}}"]}),
        Some(epochs()),
    )
    .await
    .unwrap();
    let bad = api
        .launch_add(
            &job,
            "gpu",
            LaunchOptions {
                template_variables: BTreeMap::from([("epochs".into(), json!(0))]),
                ..LaunchOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        bad.to_string()
            .contains("templateVariableValues.epochs: 0 is less than the minimum 1"),
        "{bad}"
    );
    let missing = api
        .launch_add("admin/jobs/nope:latest", "gpu", LaunchOptions::default())
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("runSpec.job"), "{missing}");
    let queue = api.run_queue("admin", "gpu").await.unwrap();
    assert!(
        queue.items(100).await.unwrap().is_empty(),
        "nothing half-queued"
    );

    let low = api
        .launch_add(
            &job,
            "gpu",
            LaunchOptions {
                priority: Some(3),
                ..LaunchOptions::default()
            },
        )
        .await
        .unwrap();
    let high = api
        .launch_add(
            &job,
            "gpu",
            LaunchOptions {
                priority: Some(0),
                template_variables: BTreeMap::from([("epochs".into(), json!(5))]),
                ..LaunchOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(high.state(), "PENDING");
    assert_eq!(
        high.run_spec()["overrides"]["args"],
        json!(["--epochs", "5"])
    );
    assert_eq!(high.run_spec()["project"], "jobs");
    let order: Vec<String> = queue
        .items(100)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id().to_string())
        .collect();
    assert_eq!(order, [high.id(), low.id()], "priority 0 first");

    let popped = api
        .pop_from_run_queue("admin", "gpu", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(popped.id, high.id());
    assert_eq!(popped.run_spec["resource"], "local-process");
    assert!(api.ack_run_queue_item(&popped.id, "run-a").await.unwrap());
    assert!(
        !api.ack_run_queue_item(&popped.id, "run-b").await.unwrap(),
        "claimed once"
    );
    let mut claimed = api.queued_run("admin", "gpu", high.id()).await.unwrap();
    assert_eq!(
        (claimed.state(), claimed.associated_run_id()),
        ("CLAIMED", Some("run-a"))
    );

    let second = api
        .pop_from_run_queue("admin", "gpu", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.id, low.id());
    assert!(
        api.pop_from_run_queue("admin", "gpu", None)
            .await
            .unwrap()
            .is_none()
    );
    api.fail_run_queue_item(&second.id, "no GPU", "agent")
        .await
        .unwrap();
    let failed = api.queued_run("admin", "gpu", low.id()).await.unwrap();
    assert_eq!(failed.state(), "FAILED");
    assert_eq!(failed.error().unwrap()["message"], "no GPU");

    // The run the item was claimed for finishes: the item reads finished.
    claimed.reload().await.unwrap();
    assert_eq!(claimed.state(), "CLAIMED", "its run does not exist yet");
    api.create_run_in_state("jobs", Some("admin"), Some("run-a"), "finished")
        .await
        .unwrap();
    claimed.reload().await.unwrap();
    assert_eq!(claimed.state(), "FINISHED");
    claimed.delete().await.unwrap();
    assert_eq!(queue.items(100).await.unwrap().len(), 1);
}

#[tokio::test]
async fn jobs_are_listed_and_fetched() {
    let server = TestServer::start().await;
    let api = &server.api;
    let job = make_job(&server).await;
    let listed = api.list_jobs("admin/jobs").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "trainer");
    assert!(listed[0].aliases.contains(&"latest".to_string()));
    let dir = tempfile::tempdir().unwrap();
    let fetched = api.job(&job, dir.path()).await.unwrap();
    assert_eq!(fetched.entrypoint(), ["python", "train.py"]);
    assert_eq!(fetched.source_type(), Some("artifact"));
    assert!(dir.path().join("requirements.frozen.txt").exists());
    let missing = api
        .job("admin/jobs/nope:latest", dir.path())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, Error::NotFound { what: "job", .. }),
        "{missing:?}"
    );
    assert!(api.list_jobs("admin/empty").await.unwrap().is_empty());
}
