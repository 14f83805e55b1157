//! The Public API's runs through `cairn-client`: listing with filters,
//! order and pages; lookup; updates; state, stop and delete; sampled and
//! scanned history (NaN included); run files up and down.

use cairn_client::{Error, Filter, FromPath, HistoryRow, Run};
use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};

/// Create `admin/<project>/<id>`.
async fn new_run(server: &TestServer, project: &str, id: &str) -> Run {
    let run = server
        .api
        .create_run(project, Some("admin"), Some(id))
        .await
        .expect("create run");
    assert_eq!(run.id(), id);
    assert_eq!(run.state(), "running");
    run
}

/// Log history `lines` (relaxed JSON) and an optional summary for a run.
async fn log(server: &TestServer, run: &Run, lines: &[String], summary: Option<&str>) {
    let mut files = json!({ "wandb-history.jsonl": { "offset": 0, "content": lines } });
    if let Some(summary) = summary {
        files["wandb-summary.json"] = json!({ "offset": 0, "content": [summary] });
    }
    server
        .file_stream(&run.path(), json!({ "files": files }))
        .await;
}

/// Five runs in `admin/sweep`: r0..r4 with lr and loss per run, the even
/// ones tagged `baseline`, r4 finished.
async fn five_runs(server: &TestServer) -> Vec<Run> {
    let lrs = [0.001, 0.01, 0.1, 0.05, 0.2];
    let losses = [0.9, 0.5, 0.1, 0.3, 0.7];
    let mut runs = Vec::new();
    for (i, (lr, loss)) in lrs.iter().zip(losses).enumerate() {
        let mut run = new_run(server, "sweep", &format!("r{i}")).await;
        run.config_mut().insert("lr".into(), json!(lr));
        run.config_mut()
            .insert("opt".into(), json!(if i < 3 { "sgd" } else { "adam" }));
        if i % 2 == 0 {
            run.set_tags(["baseline"]);
        }
        run.update().await.expect("update");
        log(
            server,
            &run,
            &[],
            Some(&json!({ "loss": loss }).to_string()),
        )
        .await;
        if i == 4 {
            server
                .file_stream(&run.path(), json!({ "complete": true, "exitcode": 0 }))
                .await;
        }
        runs.push(run);
    }
    runs
}

fn ids(runs: &[Run]) -> Vec<&str> {
    runs.iter().map(Run::id).collect()
}

#[tokio::test]
async fn runs_page_through_a_project_in_creation_order() {
    let server = TestServer::start().await;
    five_runs(&server).await;
    let mut pager = server.api.runs("admin/sweep", Filter::default(), None, 2);
    assert_eq!(pager.len().await.unwrap(), 5);
    let mut seen = Vec::new();
    while let Some(run) = pager.next().await.unwrap() {
        seen.push(run);
    }
    assert_eq!(ids(&seen), ["r0", "r1", "r2", "r3", "r4"]);
    // Each listed run carries its full data.
    assert_eq!(seen[2].config()["lr"], json!(0.1));
    assert_eq!(seen[2].summary()["loss"], json!(0.1));
    assert_eq!(seen[2].tags(), ["baseline"]);
    assert_eq!(seen[4].state(), "finished");
    assert_eq!(seen[0].user(), Some("admin"));

    let missing = server
        .api
        .runs("admin/nope", Filter::default(), None, 2)
        .collect_all()
        .await;
    assert!(
        matches!(
            missing,
            Err(Error::NotFound {
                what: "project",
                ..
            })
        ),
        "{missing:?}"
    );
}

#[tokio::test]
async fn runs_filter_with_raw_json_and_the_typed_builder() {
    let server = TestServer::start().await;
    five_runs(&server).await;
    let list = |filter: Filter| {
        let api = server.api.clone();
        async move {
            let mut pager = api.runs("admin/sweep", filter, None, 2);
            let count = pager.len().await.unwrap();
            let runs = pager.collect_all().await.unwrap();
            (count, runs)
        }
    };

    let (count, runs) = list(json!({"config.lr": {"$gt": 0.01}}).into()).await;
    assert_eq!(ids(&runs), ["r2", "r3", "r4"]);
    assert_eq!(count, 3);

    let (count, runs) = list(
        Filter::config("lr")
            .gt(0.01)
            .and(Filter::tags().is_in(["baseline"])),
    )
    .await;
    assert_eq!(ids(&runs), ["r2", "r4"]);
    assert_eq!(count, 2);

    let (_, runs) = list(Filter::state().eq("finished")).await;
    assert_eq!(ids(&runs), ["r4"]);

    let (_, runs) = list(
        Filter::summary("loss")
            .lt(0.4)
            .or(Filter::config("opt").eq("sgd")),
    )
    .await;
    assert_eq!(ids(&runs), ["r0", "r1", "r2", "r3"]);

    let (_, runs) = list(
        json!({"$and": [{"config.opt": {"$in": ["adam"]}}, {"tags": {"$nin": ["baseline"]}}]})
            .into(),
    )
    .await;
    assert_eq!(ids(&runs), ["r3"]);

    // A filter that is not a filter is the server's to refuse, by name.
    let bad = server
        .api
        .runs("admin/sweep", json!({"config.lr": {"$bogus": 1}}), None, 2)
        .collect_all()
        .await;
    assert!(
        matches!(&bad, Err(Error::Api(m)) if m.contains("$bogus")),
        "{bad:?}"
    );
}

#[tokio::test]
async fn runs_follow_the_order_string() {
    let server = TestServer::start().await;
    five_runs(&server).await;
    let ordered = |order: &'static str| {
        let api = server.api.clone();
        async move {
            api.runs("admin/sweep", Filter::default(), Some(order), 2)
                .collect_all()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        ids(&ordered("-summary_metrics.loss").await),
        ["r0", "r4", "r1", "r3", "r2"]
    );
    assert_eq!(
        ids(&ordered("+config.lr").await),
        ["r0", "r1", "r3", "r2", "r4"]
    );
    assert_eq!(
        ids(&ordered("-created_at").await),
        ["r4", "r3", "r2", "r1", "r0"]
    );
}

#[tokio::test]
async fn a_run_is_found_by_path_and_a_missing_one_is_not_found() {
    let server = TestServer::start().await;
    new_run(&server, "p", "abc").await;
    for path in ["admin/p/abc", "admin/p/runs/abc", "/admin/p:abc"] {
        let run = server.api.run(path).await.unwrap();
        assert_eq!(run.path(), "admin/p/abc", "{path}");
        assert!(!run.storage_id().is_empty());
        assert!(run.created_at().is_some());
        assert!(run.project_internal_id().is_some());
        assert!(!run.read_only());
    }
    // Without an entity, the caller's default entity.
    assert_eq!(server.api.run("p/abc").await.unwrap().entity(), "admin");

    for path in ["admin/p/nope", "admin/nope/abc", "ghosts/p/abc"] {
        let missing = server.api.run(path).await;
        assert!(
            matches!(&missing, Err(Error::NotFound { what: "run", name }) if name == path),
            "{path}: {missing:?}"
        );
    }
    assert!(matches!(server.api.run("").await, Err(Error::Config(_))));

    match server.api.from_path("admin/p/runs/abc").await.unwrap() {
        FromPath::Run(run) => assert_eq!(run.id(), "abc"),
        other => panic!("{other:?}"),
    }
    match server.api.from_path("admin/p").await.unwrap() {
        FromPath::Project(p) => assert_eq!(p.path(), "admin/p"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        server.api.from_path("admin/nope").await,
        Err(Error::NotFound {
            what: "project",
            ..
        })
    ));

    // Someone outside the entity does not see it.
    let (_, bob, _) = server.new_user("bob@example.com").await;
    assert!(matches!(
        bob.run("admin/p/abc").await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn updates_round_trip_and_keep_the_clients_config() {
    let server = TestServer::start().await;
    let run = new_run(&server, "p", "upd").await;
    // wandb's own config section, as wandb.init writes it.
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($id: String, $config: JSONString) { upsertBucket(input: {id: $id, config: $config}) { bucket { id } } }",
                "variables": {"id": run.storage_id(), "config": "{\"lr\": {\"value\": 0.1}, \"_wandb\": {\"value\": {\"t\": {\"1\": [1]}}}}"},
            }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");

    let mut run = server.api.run("admin/p/upd").await.unwrap();
    assert_eq!(Value::Object(run.config().clone()), json!({"lr": 0.1}));
    run.set_tags(["a", "b"]);
    run.set_notes("some notes");
    run.set_display_name("nice name");
    run.set_group("g1");
    run.set_job_type("train");
    run.set_description("desc");
    run.config_mut().insert("batch".into(), json!(32));
    run.config_mut()
        .insert("nested".into(), json!({"x": [1, 2]}));
    run.summary_mut().insert("best".into(), json!(0.25));
    run.update().await.unwrap();
    assert_eq!(run.tags(), ["a", "b"]);
    assert_eq!(run.summary()["best"], json!(0.25));

    let fresh = server.api.run("admin/p/upd").await.unwrap();
    assert_eq!(fresh.tags(), ["a", "b"]);
    assert_eq!(fresh.notes(), Some("some notes"));
    assert_eq!(fresh.display_name(), Some("nice name"));
    assert_eq!(fresh.name(), Some("nice name"));
    assert_eq!(fresh.group(), Some("g1"));
    assert_eq!(fresh.job_type(), Some("train"));
    assert_eq!(fresh.description(), Some("desc"));
    assert_eq!(
        Value::Object(fresh.config().clone()),
        json!({"lr": 0.1, "batch": 32, "nested": {"x": [1, 2]}})
    );
    assert_eq!(
        Value::Object(fresh.summary().clone()),
        json!({"best": 0.25})
    );

    // The client's `_wandb` section survived the rewrite.
    let raw = server
        .raw_graphql(
            ADMIN_KEY,
            json!({"query": "{ project(name: \"p\", entityName: \"admin\") { run(name: \"upd\") { config } } }"}),
        )
        .await;
    let stored: Value =
        serde_json::from_str(raw["data"]["project"]["run"]["config"].as_str().unwrap()).unwrap();
    assert_eq!(stored["_wandb"]["value"], json!({"t": {"1": [1]}}));
    assert_eq!(stored["batch"]["value"], json!(32));

    // An unchanged summary is not sent again: what the run logs meanwhile stays.
    log(&server, &fresh, &[], Some("{\"best\": 0.5, \"loss\": NaN}")).await;
    let mut stale = fresh;
    stale.set_notes("again");
    stale.update().await.unwrap();
    assert_eq!(stale.summary()["best"], json!(0.5));
    assert!(
        cairn_client::number(&stale.summary()["loss"])
            .unwrap()
            .is_nan()
    );
}

#[tokio::test]
async fn state_stop_and_delete() {
    let server = TestServer::start().await;
    let mut run = new_run(&server, "p", "s1").await;
    new_run(&server, "p", "s2").await;
    assert!(run.update_state("failed").await.unwrap());
    assert_eq!(run.state(), "failed");
    assert_eq!(
        server.api.run("admin/p/s1").await.unwrap().state(),
        "failed"
    );
    let bad = run.update_state("exploded").await;
    assert!(
        matches!(&bad, Err(Error::Api(m)) if m.contains("exploded")),
        "{bad:?}"
    );

    run.stop().await.unwrap();
    let stopped = server
        .raw_graphql(
            ADMIN_KEY,
            json!({"query": "{ project(name: \"p\", entityName: \"admin\") { run(name: \"s1\") { stopped } } }"}),
        )
        .await;
    assert_eq!(stopped["data"]["project"]["run"]["stopped"], true);

    run.delete().await.unwrap();
    assert!(matches!(
        server.api.run("admin/p/s1").await,
        Err(Error::NotFound { .. })
    ));
    let left = server
        .api
        .runs("admin/p", Filter::default(), None, 10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(&left), ["s2"]);
}

/// 100 rows: loss at every step (NaN at 50, Infinity at 60), acc at even
/// steps only.
fn hundred_rows() -> Vec<String> {
    (0..100)
        .map(|step| {
            let loss = match step {
                50 => "NaN".to_string(),
                60 => "-Infinity".to_string(),
                s => format!("{}", 1.0 / f64::from(s + 1)),
            };
            let acc = if step % 2 == 0 {
                format!(", \"acc\": {}", f64::from(step) / 100.0)
            } else {
                String::new()
            };
            format!("{{\"_step\": {step}, \"loss\": {loss}{acc}, \"_runtime\": {step}}}")
        })
        .collect()
}

fn steps(rows: &[HistoryRow]) -> Vec<i64> {
    rows.iter().map(|r| r.step().unwrap()).collect()
}

#[tokio::test]
async fn sampled_history_keeps_first_and_last_and_respects_keys() {
    let server = TestServer::start().await;
    let run = new_run(&server, "p", "h").await;
    log(&server, &run, &hundred_rows(), None).await;
    let run = server.api.run("admin/p/h").await.unwrap();
    assert_eq!(run.history_line_count(), 100);
    assert_eq!(run.last_history_step(), Some(99));

    let rows = run.history(10, &[]).await.unwrap();
    assert!(rows.len() <= 10 && rows.len() >= 2, "{}", rows.len());
    let s = steps(&rows);
    assert_eq!((s[0], *s.last().unwrap()), (0, 99));
    assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
    assert!(rows[0].contains_key("_runtime"));

    let all = run.history(500, &[]).await.unwrap();
    assert_eq!(steps(&all), (0..100).collect::<Vec<_>>());
    assert!(all[50].get_f64("loss").unwrap().is_nan());
    assert_eq!(all[60].get_f64("loss"), Some(f64::NEG_INFINITY));
    assert_eq!(all[3].get_f64("loss"), Some(0.25));

    let acc = run.history(10, &["acc"]).await.unwrap();
    assert!(acc.len() <= 10 && acc.len() >= 2);
    let s = steps(&acc);
    assert_eq!((s[0], *s.last().unwrap()), (0, 98));
    for row in &acc {
        let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["_step", "acc"]);
    }
    let with_nan = run.history(500, &["loss"]).await.unwrap();
    assert_eq!(with_nan.len(), 100);
    assert!(with_nan[50].get_f64("loss").unwrap().is_nan());
}

#[tokio::test]
async fn scan_history_reads_every_row_page_by_page() {
    let server = TestServer::start().await;
    let run = new_run(&server, "p", "scan").await;
    log(&server, &run, &hundred_rows(), None).await;

    let rows = run
        .scan_history(&[], None, None, 7)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&rows), (0..100).collect::<Vec<_>>());
    assert!(rows[50].get_f64("loss").unwrap().is_nan());
    assert_eq!(rows[99].get("_runtime"), Some(&json!(99)));

    let range = run
        .scan_history(&[], Some(10), Some(20), 3)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&range), (10..20).collect::<Vec<_>>());

    // Past the end is the end; an empty range is empty.
    let tail = run
        .scan_history(&[], Some(95), Some(1_000), 1000)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&tail), [95, 96, 97, 98, 99]);
    assert!(
        run.scan_history(&[], Some(200), None, 10)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );

    // With keys: only rows having them, holding only them and _step.
    let acc = run
        .scan_history(&["acc"], None, None, 7)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&acc), (0..100).step_by(2).collect::<Vec<_>>());
    assert!(acc.iter().all(|r| r.len() == 2 && r.contains_key("acc")));
    assert_eq!(acc[10].get_f64("acc"), Some(0.2));

    let both = run
        .scan_history(&["acc", "loss"], Some(52), Some(64), 4)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&both), (52..64).step_by(2).collect::<Vec<_>>());
    assert_eq!(both[4].get_f64("loss"), Some(f64::NEG_INFINITY));
    assert_eq!(both[0].get_f64("acc"), Some(0.52));

    // A run with no history scans to nothing.
    let empty = new_run(&server, "p", "empty").await;
    assert!(
        empty
            .scan_history(&[], None, None, 10)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
}

/// A NaN is a logged value: a row whose key holds NaN has that key, also
/// when another requested key is missing from some rows (the server's
/// "sparse" sampling path).
#[tokio::test]
async fn history_with_keys_keeps_rows_whose_value_is_nan() {
    let server = TestServer::start().await;
    let run = new_run(&server, "p", "nan").await;
    log(&server, &run, &hundred_rows(), None).await;
    let rows = run
        .scan_history(&["acc", "loss"], Some(40), Some(62), 4)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&rows), (40..62).step_by(2).collect::<Vec<_>>());
    assert!(rows[5].get_f64("loss").unwrap().is_nan());
    let sampled = run.history(500, &["acc", "loss"]).await.unwrap();
    assert_eq!(sampled.len(), 50);
    assert!(sampled[25].get_f64("loss").unwrap().is_nan());
}

#[tokio::test]
async fn scan_history_with_keys_handles_sparse_and_dense_steps() {
    let server = TestServer::start().await;
    let run = new_run(&server, "p", "sparse").await;
    // Steps far apart, then a dense block: windows must widen over the
    // gaps and never lose rows to sampling in the block.
    let mut lines: Vec<String> = (0..=20)
        .map(|i| format!("{{\"_step\": {}, \"x\": {i}}}", i * 10_000))
        .collect();
    lines.extend((200_001..200_050).map(|s| format!("{{\"_step\": {s}, \"x\": {s}}}")));
    log(&server, &run, &lines, None).await;

    let rows = run
        .scan_history(&["x"], None, None, 5)
        .collect_all()
        .await
        .unwrap();
    let mut expected: Vec<i64> = (0..=20).map(|i| i * 10_000).collect();
    expected.extend(200_001..200_050);
    assert_eq!(steps(&rows), expected);
    let unkeyed = run
        .scan_history(&[], None, None, 5)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(steps(&unkeyed), expected);
}

#[tokio::test]
async fn files_upload_list_download_and_delete() {
    let server = TestServer::start().await;
    let run = new_run(&server, "p", "f").await;
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(src.path().join("media")).unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(src.path().join("media/a b.bin"), &big).unwrap();
    std::fs::write(src.path().join("config.yaml"), "lr: 0.1\n").unwrap();
    std::fs::write(src.path().join("notes.txt"), "hi").unwrap();

    let file = run
        .upload_file(src.path().join("media/a b.bin"), src.path())
        .await
        .unwrap();
    assert_eq!(file.name(), "media/a b.bin");
    assert_eq!(file.size(), big.len() as u64);
    for name in ["config.yaml", "notes.txt"] {
        run.upload_file(src.path().join(name), src.path())
            .await
            .unwrap();
    }
    let outside = run.upload_file("/etc/hostname", src.path()).await;
    assert!(matches!(outside, Err(Error::Config(_))), "{outside:?}");

    let mut pager = run.files(&[], 1);
    assert_eq!(pager.len().await.unwrap(), 3);
    let names: Vec<String> = pager
        .collect_all()
        .await
        .unwrap()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    assert_eq!(names, ["config.yaml", "media/a b.bin", "notes.txt"]);
    let matching = run.files_matching("%.txt", 10).collect_all().await.unwrap();
    assert_eq!(matching.len(), 1);
    assert_eq!(matching[0].name(), "notes.txt");

    let dest = tempfile::tempdir().unwrap();
    let file = run.file("media/a b.bin").await.unwrap();
    let mut last = (0, 0);
    let path = file
        .download_with_progress(dest.path(), false, |done, total| last = (done, total))
        .await
        .unwrap();
    assert_eq!(path, dest.path().join("media/a b.bin"));
    assert_eq!(std::fs::read(&path).unwrap(), big);
    assert_eq!(last, (big.len() as u64, big.len() as u64));
    assert!(!dest.path().join("media/a b.bin.part").exists());

    let again = file.download(dest.path(), false).await;
    assert!(matches!(again, Err(Error::Io { .. })), "{again:?}");
    std::fs::write(&path, "clobbered").unwrap();
    file.download(dest.path(), true).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), big);

    // The direct URL needs no credentials.
    let direct = reqwest::get(file.direct_url().unwrap()).await.unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(direct.bytes().await.unwrap(), big);

    file.delete().await.unwrap();
    assert!(matches!(
        run.file("media/a b.bin").await,
        Err(Error::NotFound {
            what: "run file",
            ..
        })
    ));
    assert_eq!(run.files(&[], 50).len().await.unwrap(), 2);
}
