use cairn_client::Error;
use cairn_test_support::TestServer;

#[tokio::test]
async fn a_generated_key_works_is_listed_by_name_and_revokes_at_once() {
    let server = TestServer::start().await;
    let mut me = server.api.viewer().await.unwrap();
    let secret = me.generate_api_key(Some("laptop")).await.unwrap();
    let name = secret.split_once('-').unwrap().0.to_string();

    let as_key = me.user_api().expect("an Api for the new key");
    assert_eq!(as_key.viewer().await.unwrap().username(), "admin");

    let reloaded = server.api.viewer().await.unwrap();
    assert!(reloaded.api_keys().contains(&name));
    assert!(!reloaded.api_keys().iter().any(|k| k == &secret));
    assert!(
        reloaded
            .api_key_descriptions()
            .contains(&(name.clone(), Some("laptop".into())))
    );

    me.delete_api_key(&name).await.unwrap();
    assert!(matches!(as_key.viewer().await, Err(Error::Unauthorized(_))));
}

#[tokio::test]
async fn deleting_an_unknown_key_name_is_not_found() {
    let server = TestServer::start().await;
    let mut me = server.api.viewer().await.unwrap();
    let err = me.delete_api_key("no-such-key").await.unwrap_err();
    assert!(matches!(
        err,
        Error::NotFound {
            what: "API key",
            ..
        }
    ));
}

#[tokio::test]
async fn admins_create_first_keys_for_new_users() {
    let server = TestServer::start().await;
    let (alice, alice_api, _) = server.new_user("alice@example.com").await;
    assert_eq!(
        alice_api.viewer().await.unwrap().username(),
        alice.username()
    );
    // The key belongs to Alice, not to the admin who made it.
    assert_eq!(server.api.viewer().await.unwrap().api_keys(), vec!["admin"]);
}

#[tokio::test]
async fn users_cannot_revoke_or_create_keys_for_others() {
    let server = TestServer::start().await;
    let (alice, _, _) = server.new_user("alice@example.com").await;
    let (_, bob_api, bob_key) = server.new_user("bob@example.com").await;

    // Bob cannot create a key for Alice.
    let _ = &bob_api;
    let for_alice = server
        .raw_graphql(
            &bob_key,
            serde_json::json!({
                "query": "mutation($u: ID) { generateApiKey(input: {userId: $u}) { apiKey { name } } }",
                "variables": {"u": alice.id()},
            }),
        )
        .await;
    assert!(
        for_alice["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Only instance admins")
    );

    // Bob cannot revoke Alice's key; the server answers as if it did not exist.
    let alice_keys = server.api.user("alice@example.com").await.unwrap().unwrap();
    assert_eq!(alice_keys.api_keys().len(), 1);
    let denied = server
        .raw_graphql(
            &bob_key,
            serde_json::json!({
                "query": "mutation($id: String!) { deleteApiKey(input: {id: $id}) { success } }",
                "variables": {"id": "QXBpS2V5OjI="},
            }),
        )
        .await;
    assert!(
        denied["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("No API key")
    );
}
