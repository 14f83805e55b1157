//! Automations through the Rust client, against what the server itself
//! answers: the allow-list applied again at delivery, so an integration
//! made while its target was allowed calls nothing once the operator
//! narrows the list.

use cairn_client::{AutomationAction, NewAutomation};
use cairn_test_support::TestServer;

#[tokio::test]
async fn a_target_the_allow_list_no_longer_names_is_refused_at_delivery() {
    // A loopback port nobody answers on: a connection would show here.
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = target.local_addr().unwrap().port();
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");

    let first = TestServer::start_in(&data, |c| {
        c.set_webhook_allow(&format!("127.0.0.1:{port}")).unwrap();
    })
    .await;
    let project = first.api.create_project("p", "admin").await.unwrap();
    let hook = first
        .api
        .create_webhook_integration("admin", "inside", &format!("http://127.0.0.1:{port}/x"))
        .await
        .unwrap();
    first
        .api
        .create_automation(&NewAutomation {
            name: "on-finish".into(),
            description: None,
            enabled: true,
            scope_kind: "PROJECT".into(),
            scope_id: project.id().to_string(),
            event: "RUN_STATE".into(),
            filter: serde_json::json!({"run_filter": "{\"$and\":[]}", "run_state_filter": {"states": ["FINISHED"]}}),
            action: AutomationAction::Webhook {
                integration_id: hook.id,
                payload: None,
            },
        })
        .await
        .unwrap();
    drop(first);

    // The operator narrows the list; the automation is still there.
    let second = TestServer::start_in(&data, |c| {
        c.set_webhook_allow("hooks.example.com").unwrap();
    })
    .await;
    second.finish_run("admin", "p", "r1", 0).await;
    let mut log = Vec::new();
    for _ in 0..100 {
        log = second
            .api
            .automation_deliveries("admin", "on-finish", 10)
            .await
            .unwrap();
        if !log.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let [attempt] = &log[..] else {
        panic!("one attempt, failed for good: {log:?}");
    };
    assert_eq!(attempt.outcome, "failed");
    assert_eq!(attempt.status, None);
    let error = attempt.error.as_deref().unwrap_or_default();
    assert!(error.contains("allow"), "{error}");
    // Nothing connected to the target.
    let connected =
        tokio::time::timeout(std::time::Duration::from_millis(300), target.accept()).await;
    assert!(connected.is_err(), "the refused target was called");
}

#[tokio::test]
async fn the_server_answers_a_taken_name_with_409_and_bad_input_by_field() {
    let server = TestServer::start().await;
    let project = server.api.create_project("p", "admin").await.unwrap();
    let new = NewAutomation {
        name: "once".into(),
        description: None,
        enabled: true,
        scope_kind: "PROJECT".into(),
        scope_id: project.id().to_string(),
        event: "RUN_STATE".into(),
        filter: serde_json::json!({"run_state_filter": {"states": ["FAILED"]}}),
        action: AutomationAction::NoOp,
    };
    server.api.create_automation(&new).await.unwrap();
    let again = server.api.create_automation(&new).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    let listed = server
        .api
        .automations(Some("admin"), 10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    let wide = NewAutomation {
        name: "wide".into(),
        event: "RUN_METRIC".into(),
        filter: serde_json::json!({"run_metric_filter": {"threshold_filter": {"name": "loss", "window_size": 1000, "cmp_op": "$gt", "threshold": 1}}}),
        ..new.clone()
    };
    let refused = server.api.create_automation(&wide).await.unwrap_err();
    assert!(refused.to_string().contains("window_size"), "{refused}");
    let bad_state = NewAutomation {
        name: "bad".into(),
        filter: serde_json::json!({"run_state_filter": {"states": ["EXPLODED"]}}),
        ..new
    };
    let refused = server.api.create_automation(&bad_state).await.unwrap_err();
    assert!(refused.to_string().contains("EXPLODED"), "{refused}");
}
