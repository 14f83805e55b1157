//! `Api::sync_tensorboard` against a real server: a corpus written by the
//! test-support encoder is imported, then read back through the client
//! (runs, history, scans, summary, files). Re-imports, damaged and
//! truncated files, and the run-id rules.

use std::path::Path;

use cairn_client::{Api, Error, HistoryRow, Run};
use cairn_test_support::TestServer;
use cairn_test_support::tfevents::{DT_FLOAT, DT_INT64, EventFile, png_header};

const T0: f64 = 1_700_000_000.0;

/// `train/` with every kind of value, `eval/` with scalars only.
fn corpus(root: &Path) {
    let mut train = EventFile::new(T0);
    for step in 0..5 {
        let t = T0 + 1.0 + step as f64;
        train.scalar(step, t, "loss", 1.0 / (step as f32 + 1.0));
        train.tensor_scalar(step, t, "lr", DT_FLOAT, &0.5f32.to_le_bytes());
        train.tensor_double(step, t, "acc", 0.25 * step as f64);
    }
    train.tensor_scalar(4, T0 + 5.5, "tokens", DT_INT64, &123i64.to_le_bytes());
    train.histogram(
        2,
        T0 + 3.0,
        "weights",
        (0.0, 3.0),
        &[1.0, 2.0, 3.0, f64::MAX],
        &[1.0, 2.0, 3.0, 0.0],
    );
    train.text(3, T0 + 4.0, "notes", "hello *tensorboard*");
    train.image(4, T0 + 5.0, "samples/input", (3, 2), &png_header(3, 2));
    train.write(&root.join("train"), 1);
    let mut eval = EventFile::new(T0 + 10.0);
    for step in [0, 2, 4] {
        eval.scalar(
            step,
            T0 + 10.0 + step as f64,
            "val/loss",
            2.0 - step as f32 * 0.25,
        );
    }
    eval.write(&root.join("eval"), 2);
}

async fn run_at(api: &Api, path: &str) -> Run {
    api.run(path).await.unwrap()
}

async fn scan(run: &Run) -> Vec<HistoryRow> {
    run.scan_history(&[], None, None, 1000)
        .collect_all()
        .await
        .unwrap()
}

async fn file_names(run: &Run) -> Vec<String> {
    let mut names: Vec<String> = run
        .files(&[], 100)
        .collect_all()
        .await
        .unwrap()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn imports_scalars_histograms_text_and_images_as_runs() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    corpus(logs.path());
    let report = server
        .api
        .sync_tensorboard(logs.path(), None, Some("tb"), None)
        .await
        .unwrap();
    assert!(report.damage.is_empty(), "{:?}", report.damage);
    let dirs: Vec<&str> = report.runs.iter().map(|r| r.dir.as_str()).collect();
    assert_eq!(dirs, ["eval", "train"]);
    let train = &report.runs[1];
    assert!(train.path.starts_with("admin/tb/train-"), "{}", train.path);
    assert_eq!((train.rows, train.scalars, train.values), (5, 16, 19));
    assert_eq!(train.files, 2, "the image and the tfevents file");

    let run = run_at(&server.api, &train.path).await;
    assert_eq!(run.display_name(), Some("train"));
    assert_eq!(run.state(), "finished");
    assert_eq!(run.history_line_count(), 5);
    let rows = scan(&run).await;
    assert_eq!(rows.len(), 5);
    let steps: Vec<Option<i64>> = rows.iter().map(HistoryRow::step).collect();
    assert_eq!(steps, [Some(0), Some(1), Some(2), Some(3), Some(4)]);
    // Values of one step share a row; scalars keep their written form.
    assert_eq!(rows[1]["loss"], serde_json::json!(0.5));
    assert_eq!(rows[1]["lr"], serde_json::json!(0.5));
    assert_eq!(rows[1]["acc"], serde_json::json!(0.25));
    assert_eq!(rows[1]["_timestamp"], serde_json::json!(T0 + 2.0));
    assert_eq!(rows[1]["_runtime"], serde_json::json!(2.0));
    assert_eq!(rows[4]["tokens"], serde_json::json!(123));
    assert_eq!(
        rows[2]["weights"],
        serde_json::json!({"_type": "histogram", "values": [1, 2, 3, 0], "bins": [0.0, 1.0, 2.0, 3.0, 4.0]})
    );
    assert_eq!(rows[3]["notes"], "hello *tensorboard*");
    let image = &rows[4]["samples/input"];
    assert_eq!(image["_type"], "image-file");
    assert_eq!(
        (image["width"].as_i64(), image["height"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(image["format"], "png");
    let media = image["path"].as_str().unwrap().to_string();
    assert!(
        media.starts_with("media/images/samples_input_4_"),
        "{media}"
    );
    // The row's time is the latest of its values.
    assert_eq!(rows[4]["_timestamp"], serde_json::json!(T0 + 5.5));

    // Sampled history sees the same rows.
    let sampled = run.history(100, &["loss"]).await.unwrap();
    assert_eq!(sampled.len(), 5);

    // Summary: the last value of each key, with the last step and time.
    let summary = run.summary();
    assert_eq!(summary["_step"], 4);
    assert_eq!(summary["loss"], serde_json::json!(0.2));
    assert_eq!(summary["acc"], serde_json::json!(1.0));
    assert_eq!(summary["notes"], "hello *tensorboard*");
    assert_eq!(summary["samples/input"]["path"], media.as_str());

    // The image and the event file are run files, byte for byte.
    assert_eq!(
        file_names(&run).await,
        ["events.out.tfevents.1.test".to_string(), media.clone()]
    );
    let out = tempfile::tempdir().unwrap();
    let file = run.file(&media).await.unwrap();
    let saved = file.download(out.path(), true).await.unwrap();
    assert_eq!(std::fs::read(saved).unwrap(), png_header(3, 2));
    let size = image["size"].as_u64().unwrap();
    assert_eq!(size, png_header(3, 2).len() as u64);

    let eval = run_at(&server.api, &report.runs[0].path).await;
    assert_eq!(eval.display_name(), Some("eval"));
    let rows = scan(&eval).await;
    let losses: Vec<Option<f64>> = rows.iter().map(|r| r.get_f64("val/loss")).collect();
    assert_eq!(losses, [Some(2.0), Some(1.5), Some(1.0)]);
    assert_eq!(rows[2].step(), Some(4));
}

#[tokio::test]
async fn importing_again_updates_the_same_runs() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    corpus(logs.path());
    let first = server
        .api
        .sync_tensorboard(logs.path(), None, Some("tb"), None)
        .await
        .unwrap();
    let before = scan(&run_at(&server.api, &first.runs[1].path).await).await;
    let second = server
        .api
        .sync_tensorboard(logs.path(), None, Some("tb"), None)
        .await
        .unwrap();
    let paths = |r: &cairn_client::SyncReport| -> Vec<String> {
        r.runs.iter().map(|r| r.path.clone()).collect()
    };
    assert_eq!(paths(&first), paths(&second));
    let mut runs = server.api.runs("admin/tb", serde_json::json!({}), None, 50);
    let mut count = 0;
    while let Some(run) = runs.next().await.unwrap() {
        count += 1;
        assert_eq!(run.state(), "finished");
    }
    assert_eq!(count, 2);
    let run = run_at(&server.api, &second.runs[1].path).await;
    assert_eq!(run.history_line_count(), 5);
    assert_eq!(scan(&run).await, before);
    assert_eq!(file_names(&run).await.len(), 2);
}

#[tokio::test]
async fn a_damaged_record_is_reported_and_the_rest_imported() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    let mut file = EventFile::new(T0);
    for step in 0..10 {
        file.scalar(step, T0 + step as f64, "loss", step as f32);
    }
    let mut bytes = file.bytes().to_vec();
    // Record 4 holds step 3: damage its data, then record 7's (step 6)
    // length, which forces a scan for the next valid record.
    let data_damage = file.offset(4);
    bytes[data_damage + 14] ^= 0xff;
    let length_damage = file.offset(7);
    bytes[length_damage] ^= 0x55;
    std::fs::write(logs.path().join("events.out.tfevents.1.host"), &bytes).unwrap();

    let report = server
        .api
        .sync_tensorboard(logs.path(), Some("damaged"), Some("tb"), None)
        .await
        .unwrap();
    assert_eq!(report.damage.len(), 2, "{:?}", report.damage);
    let offsets: Vec<u64> = report.damage.iter().map(|d| d.offset).collect();
    assert_eq!(offsets, [data_damage as u64, length_damage as u64]);
    let message = report.damage[0].to_string();
    assert!(
        message.contains("events.out.tfevents.1.host")
            && message.contains(&format!("byte {data_damage}")),
        "{message}"
    );
    let run = run_at(&server.api, "admin/tb/damaged").await;
    let steps: Vec<i64> = scan(&run)
        .await
        .iter()
        .filter_map(HistoryRow::step)
        .collect();
    assert_eq!(steps, [0, 1, 2, 4, 5, 7, 8, 9]);
}

#[tokio::test]
async fn a_truncated_file_keeps_its_whole_records_and_later_files() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    let mut first = EventFile::new(T0);
    for step in 0..4 {
        first.scalar(step, T0 + step as f64, "loss", step as f32);
    }
    let cut = first.offset(4) + 7;
    std::fs::write(
        logs.path().join("events.out.tfevents.1.host"),
        &first.bytes()[..cut],
    )
    .unwrap();
    let mut second = EventFile::new(T0 + 10.0);
    second.scalar(10, T0 + 10.0, "loss", 10.0);
    second.write(logs.path(), 2);

    let report = server
        .api
        .sync_tensorboard(logs.path(), Some("cut"), Some("tb"), None)
        .await
        .unwrap();
    assert_eq!(report.damage.len(), 1);
    assert_eq!(report.damage[0].offset, first.offset(4) as u64);
    assert!(report.damage[0].problem.contains("ends inside a record"));
    let run = run_at(&server.api, "admin/tb/cut").await;
    let steps: Vec<i64> = scan(&run)
        .await
        .iter()
        .filter_map(HistoryRow::step)
        .collect();
    assert_eq!(steps, [0, 1, 2, 10]);
}

#[tokio::test]
async fn a_run_id_needs_exactly_one_run_directory() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    corpus(logs.path());
    let err = server
        .api
        .sync_tensorboard(logs.path(), Some("one"), Some("tb"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("2 TensorBoard runs") && m.contains("eval, train")),
        "{err}"
    );
    let report = server
        .api
        .sync_tensorboard(logs.path().join("eval"), Some("one"), Some("tb"), None)
        .await
        .unwrap();
    assert_eq!(report.runs[0].path, "admin/tb/one");
    let run = run_at(&server.api, "admin/tb/one").await;
    assert_eq!(run.display_name(), Some("eval"));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        server.api.sync_tensorboard(empty.path(), None, Some("tb"), None).await,
        Err(Error::Config(m)) if m.contains("no TensorBoard event files")
    ));
}

#[tokio::test]
async fn large_imports_are_sent_in_bounded_requests_in_order() {
    let server = TestServer::start().await;
    let logs = tempfile::tempdir().unwrap();
    let mut file = EventFile::new(T0);
    // About 8 MB of history: at least two file_stream requests.
    let steps = 25_000;
    for step in 0..steps {
        for tag in 0..10 {
            file.scalar(
                step,
                T0 + step as f64 * 0.001,
                &format!("metric_{tag:02}"),
                step as f32 + tag as f32,
            );
        }
    }
    file.write(logs.path(), 1);
    let report = server
        .api
        .sync_tensorboard(logs.path(), None, Some("tb"), None)
        .await
        .unwrap();
    assert_eq!(report.runs[0].rows, steps as usize);
    assert_eq!(report.runs[0].scalars, steps as u64 * 10);
    let run = run_at(&server.api, &report.runs[0].path).await;
    assert_eq!(run.history_line_count(), steps);
    let rows = scan(&run).await;
    assert_eq!(rows.len(), steps as usize);
    assert!(
        rows.iter()
            .enumerate()
            .all(|(i, r)| r.step() == Some(i as i64)
                && r.get_f64("metric_09") == Some(i as f64 + 9.0))
    );
    assert_eq!(
        run.summary()["metric_00"],
        serde_json::json!(f64::from(steps as f32 - 1.0))
    );
}
