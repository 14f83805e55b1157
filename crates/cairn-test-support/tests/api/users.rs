use cairn_client::Error;
use cairn_test_support::TestServer;
use serde_json::json;

#[tokio::test]
async fn admins_create_and_find_users() {
    let server = TestServer::start().await;
    let alice = server
        .api
        .create_user("alice@example.com", false)
        .await
        .unwrap();
    assert_eq!(alice.username(), "alice");
    assert!(!alice.admin());
    let found = server.api.user("alice@example.com").await.unwrap().unwrap();
    assert_eq!(found.username(), "alice");
    assert!(server.api.user("nobody").await.unwrap().is_none());
    let admins = server
        .api
        .create_user("boss@example.com", true)
        .await
        .unwrap();
    assert!(admins.admin());
}

#[tokio::test]
async fn duplicate_and_malformed_emails_are_refused() {
    let server = TestServer::start().await;
    server
        .api
        .create_user("a@example.com", false)
        .await
        .unwrap();
    let dup = server.api.create_user("A@example.com", false).await;
    assert!(matches!(dup, Err(Error::Api(m)) if m.contains("already exists")));
    let bad = server.api.create_user("nope", false).await;
    assert!(matches!(bad, Err(Error::Api(m)) if m.contains("not a valid email")));
}

#[tokio::test]
async fn same_local_part_gets_a_distinct_username() {
    let server = TestServer::start().await;
    let a = server
        .api
        .create_user("sam@one.example", false)
        .await
        .unwrap();
    let b = server
        .api
        .create_user("sam@two.example", false)
        .await
        .unwrap();
    assert_eq!(a.username(), "sam");
    assert_eq!(b.username(), "sam2");
}

#[tokio::test]
async fn non_admins_cannot_manage_users() {
    let server = TestServer::start().await;
    let (_, alice, _) = server.new_user("alice@example.com").await;
    for result in [
        alice.create_user("x@example.com", false).await.map(|_| ()),
        alice.users("a").await.map(|_| ()),
    ] {
        assert!(matches!(result, Err(Error::Api(m)) if m.contains("Only instance admins")));
    }
}

const UPDATE_USER: &str = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { name photoUrl entity defaultEntity { name } } } }";

#[tokio::test]
async fn users_change_their_profile_and_default_entity() {
    let server = TestServer::start().await;
    let (alice, alice_api, alice_key) = server.new_user("alice@example.com").await;
    let team = server.api.create_team("ml", None).await.unwrap();
    team.invite(alice.username(), false).await.unwrap();
    server.api.create_team("other", None).await.unwrap();

    let answer = server
        .raw_graphql(
            &alice_key,
            json!({"query": UPDATE_USER, "variables": {"input": {
                "name": "Alice A.", "photoUrl": "https://example.com/a.png", "defaultEntity": "ml"}}}),
        )
        .await;
    assert_eq!(
        answer["data"]["updateUser"]["user"],
        json!({"name": "Alice A.", "photoUrl": "https://example.com/a.png",
               "entity": "ml", "defaultEntity": {"name": "ml"}})
    );
    let me = alice_api.viewer().await.unwrap();
    assert_eq!(me.entity(), Some("ml"));
    assert_eq!(me.name(), "Alice A.");

    // Not a member of `other`; the org entity is no one's default either.
    for entity in ["other", "admin", "cairn-org", "nope"] {
        let answer = server
            .raw_graphql(
                &alice_key,
                json!({"query": UPDATE_USER, "variables": {"input": {"defaultEntity": entity}}}),
            )
            .await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "INVALID_INPUT",
            "{entity}: {answer}"
        );
    }
    assert_eq!(alice_api.viewer().await.unwrap().entity(), Some("ml"));
}

#[tokio::test]
async fn only_admins_change_other_users() {
    let server = TestServer::start().await;
    let (alice, alice_api, _) = server.new_user("alice@example.com").await;
    let (_, _, bob_key) = server.new_user("bob@example.com").await;
    let input = json!({"id": alice.id(), "name": "Mallory"});
    let answer = server
        .raw_graphql(
            &bob_key,
            json!({"query": UPDATE_USER, "variables": {"input": input}}),
        )
        .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "PERMISSION_DENIED"
    );
    let answer = server
        .raw_graphql(
            &bob_key,
            json!({"query": UPDATE_USER, "variables": {"input": {"admin": true}}}),
        )
        .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "PERMISSION_DENIED"
    );
    assert_eq!(alice_api.viewer().await.unwrap().name(), alice.name());

    let answer = server
        .raw_graphql(
            cairn_test_support::ADMIN_KEY,
            json!({"query": UPDATE_USER, "variables": {"input": {"id": alice.id(), "name": "Alice", "admin": true}}}),
        )
        .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let me = alice_api.viewer().await.unwrap();
    assert_eq!(me.name(), "Alice");
    assert!(me.admin());
}
