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

/// A key from another W&B server (`local-<40 hex>`), random enough to import.
const IMPORTED: &str = "local-5d41402abc4b2a76b9719d911017c592aa3f9c2e";

#[tokio::test]
async fn an_imported_key_signs_its_user_in_and_is_stored_hashed_only() {
    let server = TestServer::start().await;
    let (mut alice, _, _) = server.new_user("alice@example.com").await;
    let name = alice
        .import_api_key(IMPORTED, Some("from wandb server"))
        .await
        .unwrap();
    assert!(name.starts_with("local."), "{name}");
    assert!(!name.contains("5d41402abc"), "{name}");

    let as_alice = server.api_with_key(IMPORTED);
    assert_eq!(as_alice.viewer().await.unwrap().username(), "alice");
    let listed = server.api.user("alice").await.unwrap().unwrap();
    assert!(
        listed
            .api_key_descriptions()
            .contains(&(name.clone(), Some("from wandb server".into())))
    );

    // A key already registered (to anyone) is a conflict.
    let again = alice.import_api_key(IMPORTED, None).await;
    assert!(matches!(again, Err(Error::Api(m)) if m.contains("already registered")));

    // Only the hash reaches the database.
    for entry in std::fs::read_dir(server.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let found = bytes
                .windows(IMPORTED.len())
                .any(|w| w == IMPORTED.as_bytes());
            assert!(!found, "{} holds the raw key", path.display());
        }
    }

    // It is revoked like any other key.
    alice.delete_api_key(&name).await.unwrap();
    assert!(matches!(
        as_alice.viewer().await,
        Err(Error::Unauthorized(_))
    ));
}

#[tokio::test]
async fn only_admins_import_keys_and_weak_or_malformed_keys_are_refused() {
    let server = TestServer::start().await;
    let (_, bob_api, _) = server.new_user("bob@example.com").await;
    server.new_user("alice@example.com").await;

    // Not even for themselves: a non-admin imports no key.
    let mut bob = bob_api.viewer().await.unwrap();
    let refused = bob.import_api_key(IMPORTED, None).await;
    assert!(matches!(refused, Err(Error::Api(m)) if m.contains("Only instance admins")));
    assert!(matches!(
        server.api_with_key(IMPORTED).viewer().await,
        Err(Error::Unauthorized(_))
    ));

    let mut alice = server.api.user("alice").await.unwrap().unwrap();
    for (bad, why) in [
        (format!("local-{}", "a".repeat(40)), "does not look random"),
        ("local-tooshort".to_string(), "40+ characters"),
        ("0123456789".to_string(), "40+ characters"),
        (
            format!("local-{}!", "f".repeat(40)),
            "letters, digits and underscores",
        ),
    ] {
        let err = alice.import_api_key(&bad, None).await.unwrap_err();
        assert!(
            matches!(&err, Error::Api(m) if m.contains(why)),
            "{bad}: {err}"
        );
    }
    // A W&B cloud key has no prefix.
    let name = alice
        .import_api_key("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", None)
        .await
        .unwrap();
    assert!(name.starts_with("imported."), "{name}");
}
