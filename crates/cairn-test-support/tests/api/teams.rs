use cairn_client::Error;
use cairn_test_support::TestServer;

#[tokio::test]
async fn create_invite_and_list_members() {
    let server = TestServer::start().await;
    let (alice, alice_api, _) = server.new_user("alice@example.com").await;
    let team = server.api.create_team("ml", Some("admin")).await.unwrap();
    assert!(team.is_team());
    team.invite("alice@example.com", false).await.unwrap();
    team.invite("later@example.com", true).await.unwrap();

    let team = server.api.team("ml").await.unwrap().unwrap();
    let names: Vec<_> = team.members().iter().map(|m| m.username()).collect();
    assert_eq!(names, vec![None, Some("admin"), Some(alice.username())]);
    assert!(team.members()[0].pending());
    assert_eq!(team.members()[0].email(), Some("later@example.com"));

    // The own entity first, as W&B lists it, then the teams.
    assert_eq!(
        alice_api.viewer().await.unwrap().teams(),
        vec![alice.username(), "ml"]
    );
    // Inviting again is a clear conflict.
    let again = team.invite(alice.username(), false).await;
    assert!(matches!(again, Err(Error::Api(m)) if m.contains("already a member")));
}

#[tokio::test]
async fn only_team_admins_invite_and_outsiders_do_not_see_the_team() {
    let server = TestServer::start().await;
    let (_, alice_api, _) = server.new_user("alice@example.com").await;
    let (_, bob_api, _) = server.new_user("bob@example.com").await;
    server.api.create_team("ml", None).await.unwrap();
    server
        .api
        .team("ml")
        .await
        .unwrap()
        .unwrap()
        .invite("alice@example.com", false)
        .await
        .unwrap();

    let as_alice = alice_api.team("ml").await.unwrap().unwrap();
    let denied = as_alice.invite("bob@example.com", false).await;
    assert!(matches!(denied, Err(Error::Api(m)) if m.contains("Only an admin of team")));
    assert!(bob_api.team("ml").await.unwrap().is_none());
}

#[tokio::test]
async fn service_account_key_is_shown_once_and_works() {
    let server = TestServer::start().await;
    let mut team = server.api.create_team("ml", None).await.unwrap();
    let account = team.create_service_account("CI").await.unwrap();
    assert_eq!(account.account_type(), Some("SERVICE"));
    let key = account
        .api_key()
        .expect("key shown on creation")
        .to_string();
    let robot = server.api_with_key(&key);
    assert_eq!(robot.viewer().await.unwrap().entity(), Some("ml"));
    team.reload().await.unwrap();
    assert!(team.members().iter().all(|m| m.api_key().is_none()));
}

#[tokio::test]
async fn bad_and_duplicate_team_names_are_refused() {
    let server = TestServer::start().await;
    let bad = server.api.create_team("no spaces", None).await;
    assert!(matches!(bad, Err(Error::Api(m)) if m.contains("contains ' '")));
    server.api.create_team("ml", None).await.unwrap();
    let dup = server.api.create_team("ml", None).await;
    assert!(matches!(dup, Err(Error::Api(m)) if m.contains("already taken")));
    let user_name = server.api.create_team("admin", None).await;
    assert!(matches!(user_name, Err(Error::Api(m)) if m.contains("already taken")));
}

#[tokio::test]
async fn members_can_be_removed() {
    let server = TestServer::start().await;
    let (_, alice_api, _) = server.new_user("alice@example.com").await;
    let team = server.api.create_team("ml", None).await.unwrap();
    team.invite("alice@example.com", false).await.unwrap();
    let team = server.api.team("ml").await.unwrap().unwrap();
    let alice = team
        .members()
        .iter()
        .find(|m| m.username() == Some("alice"))
        .unwrap();
    alice.delete().await.unwrap();
    assert!(alice_api.team("ml").await.unwrap().is_none());
}
