//! What each operator finds, on every kind of run field.

use cairn_core::filter::Order;
use cairn_core::run::RunSearch;
use serde_json::json;

use super::*;

#[tokio::test]
async fn without_filters_all_runs_of_the_project_come_oldest_first() {
    let pool = fixture().await;
    assert_eq!(names(&pool, json!({}), "").await.join(" "), ALL);
    assert_eq!(names(&pool, json!(null), "").await.join(" "), ALL);
    let unfiltered = RunSearch {
        filter: None,
        order: Order::parse_runs(None).unwrap(),
        include_sweeps: false,
    };
    assert_eq!(search_names(&pool, 1, &unfiltered).await.join(" "), ALL);
}

#[tokio::test]
async fn sweep_runs_are_left_out_unless_asked_for() {
    let pool = fixture().await;
    let in_sweep = json!({"sweep": "sw1"});
    assert!(names(&pool, in_sweep.clone(), "").await.is_empty());
    let with_sweeps = RunSearch {
        include_sweeps: true,
        ..search(&in_sweep, "")
    };
    assert_eq!(search_names(&pool, 1, &with_sweeps).await, ["zeta"]);
    let all = json!({});
    let with_sweeps = RunSearch {
        include_sweeps: true,
        ..search(&all, "")
    };
    assert_eq!(
        search_names(&pool, 1, &with_sweeps).await.join(" "),
        "beta delta alpha zeta epsilon eta gamma theta iota"
    );
}

#[tokio::test]
async fn config_keys_are_read_from_their_value() {
    expect_filters(
        r#"
        # iota's lr is 0.1 too, but its config is not valid JSON.
        {"config.lr": 0.1}                  => alpha theta
        {"config.lr.value": 0.1}            => alpha theta
        {"config.lr": {"$eq": 0.1}}         => alpha theta
        {"config.model.layers": 4}          => delta alpha epsilon
        {"config.model.layers": 8}          => beta
        {"config.model.value.layers": 8}    => beta
        # W&B's own form: the flattened key, then `.value`.
        {"config.model.layers.value": 8}    => beta
        "#,
    )
    .await;
}

#[tokio::test]
async fn numbers_match_only_numbers_and_strings_only_strings() {
    expect_filters(
        r#"
        {"config.lr": "0.1"}                        => gamma
        {"config.lr": 1}                            => eta
        {"config.lr": 1.0}                          => eta
        # gamma's "0.1" is text, which is not greater than a number here.
        {"config.lr": {"$gt": 0.01}}                => alpha eta theta
        {"config.lr": {"$lte": 0.01}}               => beta epsilon
        {"config.lr": {"$gt": 0.001, "$lt": 1}}     => beta alpha theta
        # theta's loss is Infinity.
        {"summary_metrics.loss": {"$gte": 0.5}}     => alpha epsilon eta theta
        {"summary_metrics.loss": {"$gte": "a"}}     => gamma
        {"summary_metrics.loss": {"$lt": "a"}}      => (none)
        "#,
    )
    .await;
}

#[tokio::test]
async fn booleans_match_json_booleans_only() {
    expect_filters(
        r#"
        {"config.use_bn": true}             => alpha
        {"config.use_bn": false}            => beta
        {"config.use_bn": 1}                => (none)
        {"config.use_bn": {"$ne": true}}    => beta delta epsilon eta gamma theta iota
        {"summary_metrics.flag": true}      => eta
        "#,
    )
    .await;
}

#[tokio::test]
async fn null_means_missing_or_null_and_ne_matches_missing() {
    expect_filters(
        r#"
        {"config.lr": null}                         => delta iota
        {"config.lr": {"$ne": null}}                => beta alpha epsilon eta gamma theta
        # theta's top1 is NaN, which reads as null.
        {"summary_metrics.acc.top1": null}          => delta eta gamma theta iota
        {"summary_metrics.loss": {"$ne": 0.5}}      => beta delta eta gamma theta iota
        {"display_name": null}                      => delta
        {"display_name": {"$ne": "Alpha"}}          => beta delta epsilon eta gamma theta iota
        "#,
    )
    .await;
}

#[tokio::test]
async fn objects_and_arrays_compare_whole() {
    expect_filters(
        r#"
        # Key order does not matter: delta and epsilon store act first.
        {"config.model": {"layers": 4, "act": "relu"}}                  => delta alpha epsilon
        {"config.model": {"layers": 4}}                                 => (none)
        {"config.model": {"$in": [{"act": "gelu", "layers": 8}]}}       => beta
        {"config.lr_schedule": [1, 2, 3]}                               => epsilon
        {"config.lr_schedule": [1, 2]}                                  => (none)
        {"config.lr_schedule": [3, 2, 1]}                               => (none)
        "#,
    )
    .await;
}

#[tokio::test]
async fn summary_and_system_metrics_paths() {
    expect_filters(
        r#"
        {"summary_metrics.acc.top1": {"$gt": 0.85}}     => beta alpha
        {"summaryMetrics.acc.top1": {"$gt": 0.85}}      => beta alpha
        {"summary.acc.top1": {"$gt": 0.85}}             => beta alpha
        {"system_metrics.cpu": {"$gt": 50}}             => beta
        {"systemMetrics.cpu": {"$lt": 50}}              => alpha
        "#,
    )
    .await;
}

#[tokio::test]
async fn in_nin_and_exists() {
    expect_filters(
        r#"
        {"config.batch": {"$in": [32, 64]}}                 => beta alpha gamma
        {"config.lr": {"$in": [null, "0.1"]}}               => delta gamma iota
        {"config.opt": {"$nin": ["adam"]}}                  => beta delta epsilon eta gamma theta iota
        {"config.opt": {"$in": []}}                         => (none)
        {"config.opt": {"$nin": []}}                        => (all)
        {"config.opt": {"$exists": true}}                   => beta alpha
        {"config.opt": {"$exists": false}}                  => delta epsilon eta gamma theta iota
        {"summary_metrics.loss": {"$exists": false}}        => delta iota
        # A null (theta's NaN) exists.
        {"summary_metrics.acc.top1": {"$exists": true}}     => beta alpha epsilon theta
        {"displayName": {"$exists": false}}                 => delta
        {"createdAt": {"$exists": true}}                    => (all)
        "#,
    )
    .await;
}

#[tokio::test]
async fn run_columns() {
    expect_filters(
        r#"
        {"state": "running"}                        => beta iota
        {"state": {"$in": ["crashed", "failed"]}}   => delta gamma
        {"state": {"$ne": "finished"}}              => beta delta gamma iota
        {"state": 5}                                => (none)
        {"name": {"$gt": "gamma"}}                  => theta iota
        {"displayName": "Theta"}                    => theta
        {"group": "g1"}                             => beta alpha
        {"jobType": "eval"}                         => beta
        {"job_type": "train"}                       => alpha
        {"host": "node-2"}                          => epsilon
        {"notes": {"$regex": "step"}}               => gamma
        {"description": "first try"}               => delta
        {"username": "alice"}                       => alpha
        {"username": {"$in": ["bob", "carol"]}}     => beta
        {"sweep": null}                             => (all)
        {"notes": {"$contains": "step"}}            => gamma
        {"host": {"$contains": "-"}}                => alpha epsilon
        "#,
    )
    .await;
}

#[tokio::test]
async fn dates_are_iso_strings_or_unix_seconds() {
    expect_filters(
        r#"
        {"createdAt": {"$gte": "2024-05-01T03:00:00", "$lt": "2024-05-01T06:00:00Z"}}   => alpha epsilon
        # 04:00 at +02:00 is 02:00 UTC.
        {"created_at": {"$lt": "2024-05-01T04:00:00+02:00"}}                            => beta
        {"createdAt": {"$gt": "2024-05-01T08:59:59.999"}}                               => iota
        {"createdAt": "2024-05-01T02:00:00.000Z"}                                       => delta
        {"createdAt": {"$gte": "2024-05-01", "$lt": "2024-05-02"}}                      => (all)
        # UNIX seconds: 02:00 and 01:00:00.5.
        {"created_at": {"$lte": 1714528800}}                                            => beta delta
        {"created_at": {"$lt": 1714525200.5}}                                           => beta
        # alpha's heartbeat is 04:00 exactly.
        {"heartbeatAt": {"$gt": "2024-05-01T04:00:00Z"}}                                => epsilon eta gamma theta iota
        {"updated_at": {"$lt": "2024-05-01 01:30:00"}}                                  => beta
        {"duration": {"$gte": 600}}                                                     => alpha epsilon
        {"duration": {"$lt": 45.5}}                                                     => gamma theta iota
        "#,
    )
    .await;
}

#[tokio::test]
async fn tags_are_a_set() {
    expect_filters(
        r#"
        {"tags": "gpu"}                                 => beta alpha eta
        {"tags": {"$eq": "gpu"}}                        => beta alpha eta
        {"tags": {"$in": ["debug", "baseline"]}}        => delta alpha epsilon
        {"tags": {"$nin": ["gpu", "baseline"]}}         => delta gamma theta iota
        {"tags": {"$ne": "gpu"}}                        => delta epsilon gamma theta iota
        {"tags": {"$all": ["gpu", "baseline"]}}         => alpha
        {"tags": {"$all": []}}                          => (none)
        {"tags": {"$exists": false}}                    => gamma theta iota
        {"tags": {"$regex": "^base"}}                   => alpha epsilon
        # Glob characters in tags are literal.
        {"tags": "a*b"}                                 => eta
        {"tags": {"$regex": "^a\\*b$"}}                 => eta
        {"tags": {"$regex": "^A\\*B$", "$options": "i"}} => eta
        {"tags": {"$regex": "^a\\*\\*b$"}}              => (none)
        # The operators of artifact label sets work on tags too.
        {"tags": {"$size": 2}}                          => alpha eta
        {"tags": {"$contains": "aselin"}}               => alpha epsilon
        "#,
    )
    .await;
}

#[tokio::test]
async fn regexes_run_as_glob_or_like() {
    expect_filters(
        r#"
        {"display_name": {"$regex": "^Gam"}}                    => gamma
        {"display_name": {"$regex": "ray$"}}                    => gamma
        {"display_name": {"$regex": "eps\\.t"}}                 => epsilon
        {"display_name": {"$regex": "^eps\\.test$"}}            => epsilon
        {"display_name": {"$regex": "^Bet.$"}}                  => beta
        {"display_name": {"$regex": "^.+a$"}}                   => beta alpha theta iota
        {"display_name": {"$regex": "^G.*y$"}}                  => gamma
        {"display_name": {"$regex": ""}}                        => beta alpha epsilon eta gamma theta iota
        {"display_name": {"$regex": "ALPHA"}}                   => (none)
        {"display_name": {"$regex": "ALPHA", "$options": "i"}}  => alpha
        {"display_name": {"$regex": "^e.*s$", "$options": "i"}} => eta
        {"display_name": {"$not": {"$regex": "^A"}}}            => beta delta epsilon eta gamma theta iota
        {"config.opt": {"$regex": "^s"}}                        => beta
        {"summary_metrics.loss": {"$regex": "^div"}}            => gamma
        "#,
    )
    .await;
}

#[tokio::test]
async fn other_regexes_run_as_regexp() {
    expect_filters(
        r#"
        {"display_name": {"$regex": "^(Alpha|Beta)$"}}          => beta alpha
        {"display_name": {"$regex": "^[AB]"}}                   => beta alpha
        {"display_name": {"$regex": "^[ab]", "$options": "i"}}  => beta alpha
        {"display_name": {"$regex": "a\\b"}}                    => beta alpha gamma theta iota
        {"display_name": {"$regex": "^\\w+\\.\\w+$"}}             => epsilon
        {"display_name": {"$not": {"$regex": "^[A-G]"}}}        => delta epsilon theta iota
        {"config.opt": {"$regex": "^[s]"}}                      => beta
        {"summary_metrics.loss": {"$regex": "^d\\w+"}}          => gamma
        {"tags": {"$regex": "^(gpu|debug)$"}}                   => beta delta alpha eta
        "#,
    )
    .await;
}

#[tokio::test]
async fn and_or_nor_not() {
    expect_filters(
        r#"
        {"$or": [{"state": "crashed"}, {"tags": "debug"}]}          => delta gamma
        {"$and": [{"tags": "gpu"}, {"config.lr": {"$lt": 0.5}}]}    => beta alpha
        {"state": "finished", "tags": "gpu"}                        => alpha eta
        {"$nor": [{"state": "finished"}, {"state": "running"}]}     => delta gamma
        {"$not": {"state": "finished"}}                             => beta delta gamma iota
        {"state": {"$not": {"$in": ["finished", "running"]}}}       => delta gamma
        # The W&B UI's empty filter.
        {"$or": [{"$and": []}]}                                     => (all)
        {"$and": [{}]}                                              => (all)
        {"$or": []}                                                 => (none)
        {"$or": [{"$and": [{"state": "finished"}, {"summary_metrics.loss": {"$lt": 1}}]}, {"display_name": {"$regex": "^G"}}]} => alpha epsilon gamma
        "#,
    )
    .await;
}

#[tokio::test]
async fn values_and_paths_are_bound_never_spliced() {
    let pool = fixture().await;
    let hostile = json!({
        "config.x') OR 1=1 --": 1,
        "summary.it's": {"$regex": "'; DROP TABLE runs; --"},
        "name": "alpha' OR '1'='1",
    });
    let sql = count_sql(1, &search(&hostile, "")).unwrap();
    for spliced in ["1=1", "DROP", "it's"] {
        assert!(!sql.text.contains(spliced), "{}", sql.text);
    }
    assert!(
        names(&pool, hostile, "-config.x') OR 1=1 --")
            .await
            .is_empty()
    );
    assert_eq!(names(&pool, json!({}), "").await.join(" "), ALL);
}
