use cairn_client::Error;
use cairn_test_support::TestServer;

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
