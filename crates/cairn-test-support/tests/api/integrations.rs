//! Integrations through the Rust client: a webhook made, listed across
//! pages and deleted; the allow-list and the entity admin rule answered as
//! errors, not silently.

use cairn_test_support::TestServer;

#[tokio::test]
async fn webhooks_are_made_listed_and_deleted_by_the_rust_client() {
    let server = TestServer::start_with(|c| {
        c.set_webhook_allow("hooks.example.com, 127.0.0.1:9")
            .unwrap();
    })
    .await;
    let api = &server.api;
    api.create_team("ops", None).await.unwrap();
    let first = api
        .create_webhook_integration("ops", "on link", "https://hooks.example.com/a")
        .await
        .unwrap();
    assert_eq!(first.name, "on link");
    assert_eq!(first.url_endpoint, "https://hooks.example.com/a");
    for i in 0..2 {
        api.create_webhook_integration("ops", &format!("h{i}"), &format!("http://127.0.0.1:9/{i}"))
            .await
            .unwrap();
    }
    let listed = api
        .integrations(Some("ops"), 2)
        .collect_all()
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["on link", "h0", "h1"]);

    // Not on the allow-list: refused, naming the flag.
    let refused = api
        .create_webhook_integration("ops", "internal", "http://10.0.0.1/")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("--webhook-allow"), "{refused}");
    // A team member who is not its admin may not make one.
    let (member, member_api, _) = server.new_user("hooker@example.com").await;
    api.team("ops")
        .await
        .unwrap()
        .unwrap()
        .invite(member.username(), false)
        .await
        .unwrap();
    let denied = member_api
        .create_webhook_integration("ops", "mine", "https://hooks.example.com/m")
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("Only an admin"), "{denied}");
    assert_eq!(
        member_api
            .integrations(Some("ops"), 50)
            .collect_all()
            .await
            .unwrap()
            .len(),
        3
    );

    api.delete_integration(&first.id).await.unwrap();
    let left = api
        .integrations(Some("ops"), 50)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(left.len(), 2);
    assert!(api.delete_integration(&first.id).await.is_err());
}
