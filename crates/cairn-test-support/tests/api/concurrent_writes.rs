//! Writes from many requests at once all succeed: no "database is locked"
//! when a read-then-write transaction races another connection's commit.

use cairn_test_support::TestServer;
use serde_json::json;

#[tokio::test]
async fn concurrent_run_updates_and_account_changes_all_succeed() {
    let server = TestServer::start().await;
    let key = server.admin_key.clone();
    let created = server
        .raw_graphql(
            &key,
            json!({ "query": "mutation { upsertBucket(input: {entityName: \"admin\", modelName: \"p\", name: \"r\"}) { bucket { id } } }" }),
        )
        .await;
    let run_id = created["data"]["upsertBucket"]["bucket"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (server, key, run_id) = (server.clone(), key.clone(), run_id.clone());
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in 0..15 {
                let request = match (worker + i) % 3 {
                    0 => json!({
                        "query": "mutation($id: String!, $notes: String!) { upsertBucket(input: {id: $id, notes: $notes}) { bucket { id } } }",
                        "variables": { "id": run_id, "notes": format!("{worker}-{i}") },
                    }),
                    1 => json!({
                        "query": "mutation($name: String!) { createTeam(input: {teamName: $name}) { entity { id } } }",
                        "variables": { "name": format!("team-{worker}-{i}") },
                    }),
                    _ => json!({
                        "query": "mutation($p: String!) { upsertBucket(input: {entityName: \"admin\", modelName: $p, name: \"r\"}) { bucket { id } } }",
                        "variables": { "p": format!("p-{worker}-{i}") },
                    }),
                };
                let answer = server.raw_graphql(&key, request).await;
                if !answer["errors"].is_null() {
                    failures.push(answer.to_string());
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
}
