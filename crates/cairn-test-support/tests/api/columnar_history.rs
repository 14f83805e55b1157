//! Columnar history (issue 17) through the Rust client: rows read back
//! the same after compaction, and `Api::history_many` exports many runs'
//! keys as Arrow batches.

use std::time::{Duration, Instant};

use cairn_client::arrow_array::cast::AsArray;
use cairn_client::arrow_array::types::{Float64Type, Int64Type};
use cairn_client::{Filter, HistoryQuery, HistoryRow};
use cairn_test_support::TestServer;
use serde_json::{Value, json};

/// A server that compacts at once: every 20 ms, a running run once 200
/// rows are due beyond its newest 1,000.
async fn compacting_server() -> TestServer {
    TestServer::start_with(|config| {
        config.history_compaction_interval = Duration::from_millis(20);
        config.history_compaction.every = 200;
        config.history_export_delay = Duration::ZERO;
    })
    .await
}

/// Rows with keys that come and go, ints, floats, NaN and infinities,
/// strings and nested values.
fn rows(n: i64) -> Vec<String> {
    (0..n)
        .map(|s| {
            let mut row = json!({"_step": s, "loss": 1.0 / (s as f64 + 1.0), "epoch": s / 10});
            if s % 3 == 0 {
                row["note"] = json!(format!("n{s} \"q\""));
            }
            if s % 50 == 0 {
                row["nested"] = json!({"a": [1, {"b": null}]});
            }
            let text = row.to_string();
            match s {
                5 => text.replacen("}", ",\"bad\":NaN}", 1),
                6 => text.replacen("}", ",\"bad\":-Infinity}", 1),
                _ => text,
            }
        })
        .collect()
}

async fn log(server: &TestServer, project: &str, run: &str, rows: &[String], config: Value) {
    let made = server
        .raw_graphql(
            &server.admin_key,
            json!({
                "query": "mutation($p: String, $r: String, $c: JSONString) { upsertBucket(input: {entityName: \"admin\", modelName: $p, name: $r, config: $c}) { bucket { id } } }",
                "variables": {"p": project, "r": run, "c": config.to_string()},
            }),
        )
        .await;
    assert!(made["errors"].is_null(), "{made}");
    for (i, chunk) in rows.chunks(500).enumerate() {
        server
            .file_stream(
                &format!("admin/{project}/{run}"),
                json!({"files": {"wandb-history.jsonl": {"offset": i * 500, "content": chunk}}}),
            )
            .await;
    }
}

/// How many compacted history files the server's data directory holds.
fn history_files(server: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        count(&path)
                    } else {
                        usize::from(path.extension().is_some_and(|x| x == "parquet"))
                    }
                })
                .sum()
        })
    }
    count(&server.data_dir().join("blobs"))
}

/// Wait until `run` has no live rows and at least one listed file.
async fn compacted(server: &TestServer, project: &str, run: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = server
            .raw_graphql(
                &server.admin_key,
                json!({"query": format!(
                    "{{ project(name: \"{project}\", entityName: \"admin\") {{ run(name: \"{run}\") {{ parquetHistory(liveKeys: [\"_step\"]) {{ parquetUrls liveData }} }} }} }}"
                )}),
            )
            .await;
        let ph = &out["data"]["project"]["run"]["parquetHistory"];
        let files = ph["parquetUrls"].as_array().map_or(0, Vec::len);
        if files > 0 && ph["liveData"].as_array().is_some_and(Vec::is_empty) {
            return;
        }
        assert!(Instant::now() < deadline, "{run} was not compacted: {out}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_read_back_the_same_after_compaction() {
    let server = compacting_server().await;
    let rows = rows(700);
    log(&server, "cols", "r", &rows, json!({})).await;
    let run = server.api.run("admin/cols/r").await.expect("run");
    let before = run
        .scan_history(&[], None, None, 1000)
        .collect_all()
        .await
        .expect("scan");
    let sampled_before = run.history(50, &["loss"]).await.expect("sampled");
    assert_eq!(before.len(), 700);

    let files_before = history_files(&server);
    server.finish_run("admin", "cols", "r", 0).await;
    // Its nested values keep its file from being listed: wait for the file.
    let deadline = Instant::now() + Duration::from_secs(30);
    while history_files(&server) == files_before {
        assert!(Instant::now() < deadline, "the run was not compacted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let run = server.api.run("admin/cols/r").await.expect("run");
    let after = run
        .scan_history(&[], None, None, 1000)
        .collect_all()
        .await
        .expect("scan");
    assert_eq!(after, before);
    assert!(after[5].get_f64("bad").is_some_and(f64::is_nan));
    assert_eq!(after[6].get_f64("bad"), Some(f64::NEG_INFINITY));
    assert_eq!(after[0]["nested"], json!({"a": [1, {"b": null}]}));
    // Ints stay ints, floats floats.
    assert!(after[10]["epoch"].is_i64() && after[10]["loss"].is_f64());
    assert_eq!(
        run.history(50, &["loss"]).await.expect("sampled"),
        sampled_before
    );
    let keyed: Vec<HistoryRow> = run
        .scan_history(&["note"], Some(100), Some(200), 1000)
        .collect_all()
        .await
        .expect("keyed scan");
    assert_eq!(keyed.len(), 33);
    assert!(
        keyed
            .iter()
            .all(|r| r.len() == 2 && r.step().is_some_and(|s| s % 3 == 0))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_many_exports_a_metric_of_the_runs_a_filter_selects() {
    let server = compacting_server().await;
    for i in 0..6i64 {
        let rows: Vec<String> = (0..300)
            .map(|s| {
                // One run logs loss as ints: it still exports as numbers.
                let loss = if i == 5 {
                    json!(s)
                } else {
                    json!(i as f64 + s as f64 / 1000.0)
                };
                json!({"_step": s, "loss": loss, "acc": s}).to_string()
            })
            .collect();
        log(
            &server,
            "many",
            &format!("r{i}"),
            &rows,
            json!({"lr": {"value": i}}),
        )
        .await;
        if i % 2 == 0 {
            server
                .finish_run("admin", "many", &format!("r{i}"), 0)
                .await;
        }
    }
    compacted(&server, "many", "r0").await;
    let filter = Filter::config("lr").gte(json!(1));
    let batches = server
        .api
        .history_many(
            "admin/many",
            &HistoryQuery::keys(["loss"]).filter(filter.clone()),
        )
        .await
        .expect("export")
        .collect_all()
        .await
        .expect("batches");
    assert_eq!(batches.len(), 5, "one batch per selected run");
    for batch in &batches {
        assert_eq!(batch.num_rows(), 300);
        let names: Vec<String> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["run", "_step", "loss"]);
        let run = batch.column(0).as_string::<i32>().value(0).to_string();
        let i: f64 = run[1..].parse().expect("run index");
        let steps = batch.column(1).as_primitive::<Int64Type>();
        let loss = batch.column(2).as_primitive::<Float64Type>();
        assert_eq!(steps.value(299), 299);
        let want = if i == 5.0 { 123.0 } else { i + 0.123 };
        assert_eq!(loss.value(123), want, "{run}");
    }

    let sampled = server
        .api
        .history_many(
            "admin/many",
            &HistoryQuery::keys(["loss", "acc"]).samples(10),
        )
        .await
        .expect("sampled export")
        .collect_all()
        .await
        .expect("batches");
    assert_eq!(sampled.len(), 6);
    for batch in &sampled {
        let steps = batch.column(1).as_primitive::<Int64Type>();
        assert_eq!(batch.num_rows(), 10);
        assert_eq!((steps.value(0), steps.value(9)), (0, 299));
    }

    // A running run partly in a file, partly live: the export's sample is
    // the one sampledHistory picks, values included.
    let long: Vec<String> = (0..2500)
        .map(|s| {
            let mut row = json!({"_step": s, "loss": s as f64 / 7.0});
            if s % 3 == 0 {
                row["acc"] = json!(s);
            }
            row.to_string()
        })
        .collect();
    log(&server, "mixed", "long", &long, json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = server
            .raw_graphql(
                &server.admin_key,
                json!({"query": "{ project(name: \"mixed\", entityName: \"admin\") { run(name: \"long\") { parquetHistory(liveKeys: [\"_step\"]) { parquetUrls liveData } } } }"}),
            )
            .await;
        let ph = &out["data"]["project"]["run"]["parquetHistory"];
        if ph["parquetUrls"].as_array().is_some_and(|u| !u.is_empty()) {
            assert_eq!(ph["liveData"].as_array().map(Vec::len), Some(1500), "{out}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the running run was not compacted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let run = server.api.run("admin/mixed/long").await.expect("run");
    let want = run.history(40, &["loss", "acc"]).await.expect("sampled");
    let got = server
        .api
        .history_many(
            "admin/mixed",
            &HistoryQuery::keys(["loss", "acc"]).samples(40),
        )
        .await
        .expect("mixed export")
        .collect_all()
        .await
        .expect("batches");
    let got: Vec<(i64, f64, i64)> = got
        .iter()
        .flat_map(|b| {
            let (steps, loss, acc) = (
                b.column(1).as_primitive::<Int64Type>().clone(),
                b.column(2).as_primitive::<Float64Type>().clone(),
                b.column(3).as_primitive::<Float64Type>().clone(),
            );
            (0..b.num_rows()).map(move |i| (steps.value(i), loss.value(i), acc.value(i) as i64))
        })
        .collect();
    let want: Vec<(i64, f64, i64)> = want
        .iter()
        .map(|r| {
            let step = r.step().expect("step");
            (
                step,
                r.get_f64("loss").expect("loss"),
                r["acc"].as_i64().expect("acc"),
            )
        })
        .collect();
    assert_eq!(want.len(), 40);
    assert!(want.iter().any(|w| w.0 < 1000) && want.iter().any(|w| w.0 >= 1000));
    assert_eq!(got, want);

    let err = server
        .api
        .history_many("admin/many", &HistoryQuery::keys(Vec::<String>::new()))
        .await
        .err()
        .expect("no keys is refused");
    assert!(
        err.to_string().contains("at least one history key"),
        "{err}"
    );
    let bad = HistoryQuery::keys(["loss"]).filter(Filter::from(json!({"config.lr": {"$nope": 1}})));
    let err = server
        .api
        .history_many("admin/many", &bad)
        .await
        .err()
        .expect("bad filter");
    assert!(err.to_string().contains("$nope"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn history_many_is_refused_to_strangers() {
    let server = TestServer::start().await;
    log(&server, "private", "r", &rows(10), json!({})).await;
    let (_, stranger, _) = server.new_user("stranger@example.com").await;
    let err = stranger
        .history_many("admin/private", &HistoryQuery::keys(["loss"]))
        .await
        .err()
        .expect("a stranger reads nothing");
    assert!(
        matches!(
            err,
            cairn_client::Error::NotFound { .. } | cairn_client::Error::Http { .. }
        ),
        "{err}"
    );
}
