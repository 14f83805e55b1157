//! Signing in to the web UI, against a real server: passwords set through
//! GraphQL (as the CLI does), sessions through the server's own `Cairn`
//! (`TestServer::cairn`), since no HTTP route offers them yet.

use std::time::{Duration, Instant};

use cairn_core::session::{self, StoredSession};
use cairn_core::store::SessionStore;
use cairn_core::{CoreError, SESSION_LIFETIME};
use cairn_test_support::TestServer;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "The user name or password is wrong.";

/// A person `alice` with an API key and the password [`PASSWORD`].
async fn alice(server: &TestServer) -> String {
    let (_, _, key) = server.new_user("alice@example.com").await;
    server
        .api
        .set_user_password("alice", Some(PASSWORD))
        .await
        .expect("set alice's password");
    key
}

fn unauthenticated(err: CoreError) -> String {
    match err {
        CoreError::Unauthenticated(message) => message,
        other => panic!("expected Unauthenticated, got {other:?}"),
    }
}

#[tokio::test]
async fn a_password_opens_a_session_that_ends_at_sign_out() {
    let server = TestServer::start().await;
    alice(&server).await;
    let cairn = server.cairn();

    let before = time::OffsetDateTime::now_utc();
    let new = cairn
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap();
    let after = time::OffsetDateTime::now_utc();
    assert_eq!(new.user.username, "alice");
    assert_eq!(new.token.len(), 43);
    assert_ne!(new.token, new.csrf);
    // The session starts between `before` and `after` (the password hash
    // takes a while); its end may be rounded down to the second.
    let earliest = before + SESSION_LIFETIME - time::Duration::seconds(1);
    let latest = after + SESSION_LIFETIME;
    assert!(
        (earliest..=latest).contains(&new.expires_at),
        "{} not in {earliest}..={latest}",
        new.expires_at
    );
    let shown = format!("{new:?}");
    assert!(
        !shown.contains(&new.token) && !shown.contains(&new.csrf),
        "{shown}"
    );

    let (actor, info) = cairn.session(&new.token).await.unwrap();
    assert_eq!(actor.user().username, "alice");
    assert_eq!(
        (info.csrf.as_str(), info.expires_at),
        (new.csrf.as_str(), new.expires_at)
    );

    // The email works as the login too, and each sign-in is its own session.
    let by_email = cairn
        .sign_in_with_password("alice@example.com", PASSWORD)
        .await
        .unwrap();
    assert_ne!(by_email.token, new.token);

    cairn.sign_out(&new.token).await.unwrap();
    cairn.sign_out(&new.token).await.unwrap();
    cairn.sign_out("never-a-token").await.unwrap();
    let gone = unauthenticated(cairn.session(&new.token).await.unwrap_err());
    assert!(gone.contains("sign in again"), "{gone}");
    assert!(
        cairn.session(&by_email.token).await.is_ok(),
        "only one session ended"
    );
    assert!(cairn.session("").await.is_err());
    assert!(cairn.session(&"x".repeat(10_000)).await.is_err());
}

#[tokio::test]
async fn wrong_password_unknown_user_and_no_password_get_the_same_answer() {
    let server = TestServer::start().await;
    alice(&server).await;
    server.new_user("bob@example.com").await; // has no password
    let cairn = server.cairn();

    for (login, password) in [
        ("alice", "not the password"),
        ("alice@example.com", "not the password"),
        ("nobody", PASSWORD),
        ("nobody@example.com", PASSWORD),
        ("bob", PASSWORD),
    ] {
        let started = Instant::now();
        let err = cairn
            .sign_in_with_password(login, password)
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(unauthenticated(err), WRONG, "{login}");
        // Every refusal spent one Argon2 check (19 MiB, two passes: tens
        // of milliseconds), whether or not the account exists; a lookup
        // alone takes well under one.
        assert!(took >= Duration::from_millis(5), "{login}: {took:?}");
    }
}

#[tokio::test]
async fn passwords_out_of_bounds_are_refused_saying_the_rule() {
    let server = TestServer::start().await;
    alice(&server).await;
    let err = server
        .api
        .set_user_password("alice", Some("short"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("8 to 256 bytes"), "{err}");
    let long = "x".repeat(257);
    let err = server
        .api
        .set_user_password("alice", Some(&long))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("8 to 256 bytes") && err.contains("257"),
        "{err}"
    );
    match server.cairn().sign_in_with_password("alice", &long).await {
        Err(CoreError::InvalidInput(message)) => assert!(message.contains("8 to 256"), "{message}"),
        other => panic!("{other:?}"),
    }
    // The password in place still works.
    server
        .cairn()
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn setting_or_clearing_a_password_signs_the_user_out_everywhere() {
    let server = TestServer::start().await;
    let key = alice(&server).await;
    let cairn = server.cairn();
    let by_password = cairn
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap();
    let by_key = cairn.sign_in_with_key(&key).await.unwrap();
    assert_eq!(by_key.user.username, "alice");

    server
        .api
        .set_user_password("alice", Some("a new passphrase"))
        .await
        .unwrap();
    for token in [&by_password.token, &by_key.token] {
        assert!(cairn.session(token).await.is_err());
    }
    let old = cairn.sign_in_with_password("alice", PASSWORD).await;
    assert_eq!(unauthenticated(old.unwrap_err()), WRONG);
    let fresh = cairn
        .sign_in_with_password("alice", "a new passphrase")
        .await
        .unwrap();

    // Cleared: no password signs in, the same words as a wrong one; the
    // key still does.
    server.api.set_user_password("alice", None).await.unwrap();
    assert!(cairn.session(&fresh.token).await.is_err());
    let cleared = cairn
        .sign_in_with_password("alice", "a new passphrase")
        .await;
    assert_eq!(unauthenticated(cleared.unwrap_err()), WRONG);
    cairn.sign_in_with_key(&key).await.unwrap();
}

#[tokio::test]
async fn a_deactivated_users_sessions_keys_and_password_are_refused_until_reactivated() {
    let server = TestServer::start().await;
    let key = alice(&server).await;
    let cairn = server.cairn();
    let session = cairn
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap();

    server.api.set_user_active("alice", false).await.unwrap();
    let listed = server.api.user("alice").await.unwrap().unwrap();
    assert!(listed.deactivated());

    // Deactivation ended the session (a reactivation must not revive a
    // cookie); signing in again says why it cannot.
    unauthenticated(cairn.session(&session.token).await.unwrap_err());
    let refused = unauthenticated(cairn.authenticate(&key).await.unwrap_err());
    assert!(refused.contains("\"alice\" is deactivated"), "{refused}");
    let refused = unauthenticated(cairn.sign_in_with_key(&key).await.unwrap_err());
    assert!(refused.contains("deactivated"), "{refused}");
    // Only the right password learns that the account is deactivated.
    let refused = cairn.sign_in_with_password("alice", PASSWORD).await;
    assert!(unauthenticated(refused.unwrap_err()).contains("deactivated"));
    let refused = cairn
        .sign_in_with_password("alice", "not the password")
        .await;
    assert_eq!(unauthenticated(refused.unwrap_err()), WRONG);

    // Over HTTP: a 401 that says why.
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.base_url))
        .basic_auth("api", Some(&key))
        .json(&json!({"query": "{ viewer { username } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("unauthorized") && body.contains("deactivated"),
        "{body}"
    );

    // Their data stays; reactivated, their key works again, but the
    // sessions that deactivation ended stay ended.
    server.api.set_user_active("alice", true).await.unwrap();
    assert!(
        !server
            .api
            .user("alice")
            .await
            .unwrap()
            .unwrap()
            .deactivated()
    );
    assert_eq!(
        server.api_with_key(&key).viewer().await.unwrap().username(),
        "alice"
    );
    assert!(cairn.session(&session.token).await.is_err());
    cairn
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_cannot_deactivate_themself_and_service_accounts_never_sign_in() {
    let server = TestServer::start().await;
    let err = server
        .api
        .set_user_active("admin", false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot deactivate their own account"), "{err}");
    let err = server
        .api
        .set_user_active("nobody", false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("No user named \"nobody\""), "{err}");

    server.api.create_team("ml", None).await.unwrap();
    let data = server
        .raw_graphql(
            &server.admin_key,
            json!({"query": "mutation { createServiceAccount(input: {entityName: \"ml\", description: \"ci\"}) { user { username } } }"}),
        )
        .await;
    let robot = data["data"]["createServiceAccount"]["user"]["username"]
        .as_str()
        .unwrap()
        .to_string();
    let err = server
        .api
        .set_user_password(&robot, Some(PASSWORD))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("service account"), "{err}");
    let members = server
        .raw_graphql(
            &server.admin_key,
            json!({"query": "{ entity(name: \"ml\") { members { accountType apiKey } } }"}),
        )
        .await;
    let robot_key = members["data"]["entity"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["accountType"] == "SERVICE")
        .and_then(|m| m["apiKey"].as_str())
        .unwrap()
        .to_string();
    match server.cairn().sign_in_with_key(&robot_key).await {
        Err(CoreError::PermissionDenied(message)) => {
            assert!(message.contains("Service accounts"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn expired_sessions_are_ignored_and_cleared_by_the_next_sign_in() {
    let server = TestServer::start().await;
    alice(&server).await;
    let alice_id = server
        .cairn()
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap()
        .user
        .id;
    // A session that expired a second ago, written beside the server (same
    // database file, as a second process would).
    let store = cairn_store::SqliteStore::open(&server.data_dir().join("cairn.sqlite3"))
        .await
        .unwrap();
    let secrets = session::Secrets::generate().unwrap();
    let now = session::now();
    store
        .insert_session(&StoredSession {
            token_hash: secrets.token_hash.clone(),
            user_id: alice_id,
            csrf: secrets.csrf.clone(),
            created_at: now - SESSION_LIFETIME,
            expires_at: now - time::Duration::seconds(1),
        })
        .await
        .unwrap();
    let refused = unauthenticated(server.cairn().session(&secrets.token).await.unwrap_err());
    assert!(refused.contains("expired"), "{refused}");
    assert!(
        store
            .session_by_token_hash(&secrets.token_hash)
            .await
            .unwrap()
            .is_some()
    );
    server
        .cairn()
        .sign_in_with_password("alice", PASSWORD)
        .await
        .unwrap();
    assert!(
        store
            .session_by_token_hash(&secrets.token_hash)
            .await
            .unwrap()
            .is_none()
    );
    store.close().await;
}
