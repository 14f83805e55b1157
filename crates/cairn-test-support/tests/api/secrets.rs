//! Entity secrets through the Rust client and raw GraphQL: who may set,
//! list and delete them; values never come back through any API and never
//! reach the database in the clear; they survive a restart with the same
//! key; integrations may name only secrets that exist.

use cairn_test_support::TestServer;
use serde_json::json;

/// A value that must never be seen again outside the server.
const VALUE: &str = "plaintext-secret-value-91c7e2";

/// Every file of the database (main file, WAL), concatenated.
fn database_bytes(server: &TestServer) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(server.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("cairn.sqlite3") {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn admins_set_replace_list_and_delete_secrets_and_members_see_names_only() {
    let server = TestServer::start().await;
    let api = &server.api;
    api.create_team("ops", None).await.unwrap();
    api.set_secret("ops", "SIGNING_KEY", "first-value")
        .await
        .unwrap();
    api.set_secret("ops", "SIGNING_KEY", VALUE).await.unwrap();
    api.set_secret("ops", "API_TOKEN", "tok").await.unwrap();
    let listed = api.secrets("ops").await.unwrap();
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["API_TOKEN", "SIGNING_KEY"]);
    let entity_id = listed[0].entity_id;
    // Replaced, not added: the delivery worker reads the latest value.
    assert_eq!(
        server
            .cairn()
            .entity_secret_value(entity_id, "SIGNING_KEY")
            .await
            .unwrap()
            .as_deref(),
        Some(VALUE)
    );
    assert_eq!(
        server
            .cairn()
            .entity_secret_value(entity_id, "NOPE")
            .await
            .unwrap(),
        None
    );

    // A member lists names, and may not set or delete.
    let (member, member_api, _) = server.new_user("keeper@example.com").await;
    api.team("ops")
        .await
        .unwrap()
        .unwrap()
        .invite(member.username(), false)
        .await
        .unwrap();
    assert_eq!(member_api.secrets("ops").await.unwrap().len(), 2);
    let denied = member_api.set_secret("ops", "MINE", "x").await.unwrap_err();
    assert!(denied.to_string().contains("Only an admin"), "{denied}");
    let denied = member_api
        .delete_secret("ops", "API_TOKEN")
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("Only an admin"), "{denied}");

    // An outsider is told what a missing entity's caller is told, and
    // cannot list names.
    let (_, outsider_api, _) = server.new_user("stranger@example.com").await;
    let hidden = outsider_api.set_secret("ops", "X", "x").await.unwrap_err();
    let missing = outsider_api
        .set_secret("no-such-team", "X", "x")
        .await
        .unwrap_err();
    assert_eq!(
        hidden.to_string().replace("\"ops\"", "\"no-such-team\""),
        missing.to_string()
    );
    assert!(hidden.to_string().contains("No team or user"), "{hidden}");
    let hidden = outsider_api
        .delete_secret("ops", "API_TOKEN")
        .await
        .unwrap_err();
    assert!(hidden.to_string().contains("No team or user"), "{hidden}");
    // `entity(name:)` itself is null for an outsider.
    assert!(matches!(
        outsider_api.secrets("ops").await,
        Err(cairn_client::Error::NotFound { .. })
    ));

    // A user owns the secrets of their own entity.
    let (user, user_api, _) = server.new_user("solo@example.com").await;
    user_api
        .set_secret(user.username(), "MY_TOKEN", "mine")
        .await
        .unwrap();
    assert_eq!(user_api.secrets(user.username()).await.unwrap().len(), 1);

    api.delete_secret("ops", "API_TOKEN").await.unwrap();
    let left = api.secrets("ops").await.unwrap();
    assert_eq!(left.len(), 1);
    let again = api.delete_secret("ops", "API_TOKEN").await.unwrap_err();
    assert!(again.to_string().contains("no secret named"), "{again}");
}

#[tokio::test]
async fn bad_names_and_values_are_refused_with_the_reason() {
    let server = TestServer::start().await;
    let api = &server.api;
    for (name, value, says) in [
        ("1ST", "v", "not starting with a digit"),
        ("has-dash", "v", "letters, digits and '_'"),
        (&*"N".repeat(65), "v", "longer than 64"),
        ("EMPTY", "", "must not be empty"),
        ("BIG", &*"x".repeat(8 * 1024 + 1), "at most 8192"),
    ] {
        let err = api.set_secret("admin", name, value).await.unwrap_err();
        assert!(err.to_string().contains(says), "{name}: {err}");
    }
    api.set_secret("admin", "MAX", &"x".repeat(8 * 1024))
        .await
        .unwrap();
    assert_eq!(api.secrets("admin").await.unwrap().len(), 1);
}

#[tokio::test]
async fn values_are_never_answered_and_never_stored_in_the_clear() {
    let server = TestServer::start().await;
    let key = server.admin_key.clone();
    let set = server
        .raw_graphql(
            &key,
            json!({
                "query": "mutation($v: String!) { insertSecret(input: {entityName: \"admin\", secretName: \"WEBHOOK_SIGNING\", secretValue: $v, clientMutationId: \"m1\"}) { success clientMutationId } }",
                "variables": { "v": VALUE },
            }),
        )
        .await;
    assert_eq!(
        set["data"]["insertSecret"],
        json!({"success": true, "clientMutationId": "m1"})
    );
    assert!(!set.to_string().contains(VALUE), "{set}");

    let listed = server
        .raw_graphql(
            &key,
            json!({"query": "{ entity(name: \"admin\") { secrets { entityId name createdAt } } }"}),
        )
        .await;
    assert_eq!(
        listed["data"]["entity"]["secrets"][0]["name"],
        "WEBHOOK_SIGNING"
    );
    assert!(listed["data"]["entity"]["secrets"][0]["entityId"].is_i64());
    assert!(!listed.to_string().contains(VALUE), "{listed}");
    // There is no field to ask for a value.
    for field in ["value", "secretValue"] {
        let asked = server
            .raw_graphql(
                &key,
                json!({"query": format!("{{ entity(name: \"admin\") {{ secrets {{ {field} }} }} }}")}),
            )
            .await;
        assert!(asked["errors"].is_array(), "{asked}");
        assert!(!asked.to_string().contains(VALUE), "{asked}");
    }

    // The database holds the name but not the value.
    let bytes = database_bytes(&server);
    assert!(contains(&bytes, "WEBHOOK_SIGNING"));
    assert!(!contains(&bytes, VALUE));
}

#[tokio::test]
async fn secrets_open_after_a_restart_with_the_same_key_and_not_with_another() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let first = TestServer::start_in(&data, |_| {}).await;
    first.api.set_secret("admin", "KEPT", VALUE).await.unwrap();
    let entity_id = first.api.secrets("admin").await.unwrap()[0].entity_id;
    drop(first);
    // Made on first start, private to the server's account.
    let key_file = data.join("secrets.key");
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode, 0o600);

    let second = TestServer::start_in(&data, |_| {}).await;
    assert_eq!(
        second
            .cairn()
            .entity_secret_value(entity_id, "KEPT")
            .await
            .unwrap()
            .as_deref(),
        Some(VALUE)
    );
    drop(second);

    // Another key (a lost backup) opens nothing, and says so.
    let other_key = temp.path().join("other.key");
    std::fs::write(&other_key, format!("{}\n", "5a".repeat(32))).unwrap();
    let third = TestServer::start_in(&data, |c| c.secrets_key_file = Some(other_key)).await;
    let err = third
        .cairn()
        .entity_secret_value(entity_id, "KEPT")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another secrets key"), "{err}");
}

#[tokio::test]
async fn a_malformed_key_file_stops_the_start_with_a_clear_error() {
    let temp = tempfile::tempdir().unwrap();
    let key_file = temp.path().join("bad.key");
    std::fs::write(&key_file, "not a key\n").unwrap();
    let mut config = cairn_server::Config::new(temp.path().join("data"));
    config.admin_api_key = Some(cairn_test_support::ADMIN_KEY.into());
    config.secrets_key_file = Some(key_file);
    let Err(err) = cairn_server::Server::start(&config).await else {
        panic!("a server started with a malformed secrets key");
    };
    let err = err.to_string();
    assert!(
        err.contains("secrets key file") && err.contains("64 hex digits"),
        "{err}"
    );
}

#[tokio::test]
async fn an_integration_may_name_only_existing_secrets() {
    let server =
        TestServer::start_with(|c| c.set_webhook_allow("hooks.example.com").unwrap()).await;
    let create = |secret_ref: &str, token_ref: Option<&str>| {
        json!({
            "query": "mutation($s: String, $t: String) { createGenericWebhookIntegration(input: {entityName: \"admin\", name: \"signed\", urlEndpoint: \"https://hooks.example.com/s\", secretRef: $s, accessTokenRef: $t}) { integration { ... on GenericWebhookIntegration { secretRef accessTokenRef } } } }",
            "variables": { "s": secret_ref, "t": token_ref },
        })
    };
    let refused = server
        .raw_graphql(&server.admin_key, create("HOOK_SIGNING", None))
        .await;
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("secretRef") && message.contains("HOOK_SIGNING"),
        "{refused}"
    );
    server
        .api
        .set_secret("admin", "HOOK_SIGNING", "s")
        .await
        .unwrap();
    let refused = server
        .raw_graphql(
            &server.admin_key,
            create("HOOK_SIGNING", Some("HOOK_TOKEN")),
        )
        .await;
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("accessTokenRef") && message.contains("HOOK_TOKEN"),
        "{refused}"
    );
    server
        .api
        .set_secret("admin", "HOOK_TOKEN", "t")
        .await
        .unwrap();
    let made = server
        .raw_graphql(
            &server.admin_key,
            create("HOOK_SIGNING", Some("HOOK_TOKEN")),
        )
        .await;
    assert_eq!(
        made["data"]["createGenericWebhookIntegration"]["integration"],
        json!({"secretRef": "HOOK_SIGNING", "accessTokenRef": "HOOK_TOKEN"}),
        "{made}"
    );
}
