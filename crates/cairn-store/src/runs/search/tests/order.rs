//! Orders, ties and keyset pages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_core::run::RunSearch;
use serde_json::json;

use super::*;

#[tokio::test]
async fn order_by_fields_with_missing_values_last() {
    expect_orders(
        r#"
        createdAt                   => (all)
        +created_at                 => (all)
        -created_at                 => iota theta gamma eta epsilon alpha delta beta
        # Numbers (Infinity the largest), then text, then missing; ties by id,
        # in the same direction.
        summary_metrics.loss        => beta alpha epsilon eta theta gamma delta iota
        -summary_metrics.loss       => gamma theta eta epsilon alpha beta iota delta
        +config.lr                  => epsilon beta alpha theta eta gamma delta iota
        +config.lr.value            => epsilon beta alpha theta eta gamma delta iota
        -config.model.layers.value  => beta epsilon delta alpha iota theta eta gamma
        display_name                => alpha beta eta gamma iota theta epsilon delta
        -displayName                => epsilon theta iota gamma eta beta alpha delta
        -duration                   => alpha epsilon beta eta delta theta gamma iota
        -name                       => theta iota gamma eta epsilon delta beta alpha
        -system_metrics.cpu         => beta alpha iota theta eta epsilon delta gamma
        "#,
    )
    .await;
}

#[tokio::test]
async fn ties_are_broken_by_id_in_the_same_direction() {
    let pool = fixture().await;
    let all = json!({});
    let fillers = |order| search(&all, order);
    // f01 and f00 share a minute; f01 was inserted first.
    let oldest = search_names(&pool, 3, &fillers("created_at")).await;
    assert_eq!(oldest[..4], ["f01", "f00", "f03", "f02"]);
    let newest = search_names(&pool, 3, &fillers("-created_at")).await;
    assert_eq!(newest[..4], ["f18", "f19", "f16", "f17"]);
}

#[tokio::test]
async fn pages_follow_cursors_without_gaps_or_repeats() {
    let pool = fixture().await;
    let everything = json!({});
    let not_crashed = json!({"state": {"$ne": "crashed"}});
    let orders = "+created_at -created_at summary_metrics.loss -summary_metrics.loss \
        config.lr -config.lr -config.i display_name -displayName duration -heartbeat_at name \
        -state username";
    for (project_id, filters) in [(1, &everything), (3, &everything), (3, &not_crashed)] {
        for order in orders.split_whitespace() {
            let search = RunSearch {
                include_sweeps: true,
                ..search(filters, order)
            };
            let full = search_names(&pool, project_id, &search).await;
            let mut unique = full.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), full.len(), "{order}: {full:?}");
            for page in [1, 7, 50] {
                assert_eq!(
                    walk(&pool, project_id, &search, page).await,
                    full,
                    "{order} by {page}"
                );
            }
        }
    }
}

/// Creation time, the default order, is walked along `runs_by_created`:
/// no sort of the whole project for the first page, nor for a later one.
#[tokio::test]
async fn creation_order_walks_the_index_without_sorting() {
    let pool = fixture().await;
    let all = json!({});
    for order in ["+created_at", "-created_at"] {
        let first = page_sql(1, &search(&all, order), "r.name", None, 50).unwrap();
        let rows = fetch(&pool, &first).await;
        let cursor = cursor_of(&rows[0]).unwrap();
        let later = page_sql(1, &search(&all, order), "r.name", Some(&cursor), 50).unwrap();
        for sql in [first, later] {
            let plan = plan(&pool, &sql).await;
            assert!(plan.contains("runs_by_created"), "{order}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{order}: {plan}");
        }
    }
}

/// SQLite's plan for `sql`, one step a line.
async fn plan(pool: &SqlitePool, sql: &Sql) -> String {
    let explain = Sql {
        text: format!("EXPLAIN QUERY PLAN {}", sql.text),
        binds: sql.binds.clone(),
    };
    let rows = fetch(pool, &explain).await;
    let steps: Vec<String> = rows.iter().map(|row| row.get("detail")).collect();
    steps.join("\n")
}

#[test]
fn a_malformed_cursor_is_refused() {
    let all = json!({});
    let invalid = Err(crate::filter::Invalid("invalid cursor".into()));
    for cursor in [
        "not base64!",
        &URL_SAFE_NO_PAD.encode("not json"),
        &URL_SAFE_NO_PAD.encode(r#"{"k": 1}"#),
        &URL_SAFE_NO_PAD.encode(r#"{"k": [1], "id": 2}"#),
        &URL_SAFE_NO_PAD.encode(r#"[1, 2]"#),
    ] {
        let refused = page_sql(1, &search(&all, ""), "r.name", Some(cursor), 10);
        assert_eq!(refused, invalid, "{cursor}");
    }
    assert!(page_sql(1, &search(&all, ""), "r.name", Some(""), 10).is_ok());
}
