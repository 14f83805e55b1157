use cairn_client::Error;
use cairn_test_support::TestServer;

#[tokio::test]
async fn create_load_and_page_through_projects() {
    let server = TestServer::start().await;
    server.api.create_team("ml", None).await.unwrap();
    for i in 0..5 {
        server
            .api
            .create_project(&format!("p{i}"), "ml")
            .await
            .unwrap();
    }
    let mut pager = server.api.projects(Some("ml"), 2);
    let mut names = Vec::new();
    while let Some(p) = pager.next().await.unwrap() {
        names.push(p.name().to_string());
    }
    assert_eq!(names, ["p0", "p1", "p2", "p3", "p4"]);

    let p = server.api.project("p3", Some("ml")).await.unwrap().unwrap();
    assert_eq!(p.path(), "ml/p3");
    assert!(
        server
            .api
            .project("nope", Some("ml"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn duplicate_and_bad_project_names_are_refused() {
    let server = TestServer::start().await;
    server.api.create_project("p", "admin").await.unwrap();
    let dup = server.api.create_project("p", "admin").await;
    assert!(matches!(dup, Err(Error::Api(m)) if m.contains("already exists")));
    let bad = server.api.create_project("../etc", "admin").await;
    assert!(matches!(bad, Err(Error::Api(m)) if m.contains("contains '/'")));
    let unknown = server.api.create_project("p", "ghosts").await;
    assert!(matches!(unknown, Err(Error::Api(m)) if m.contains("No team or user")));
}

#[tokio::test]
async fn projects_are_visible_to_members_only() {
    let server = TestServer::start().await;
    let (_, alice, _) = server.new_user("alice@example.com").await;
    server.api.create_team("ml", None).await.unwrap();
    server.api.create_project("secret", "ml").await.unwrap();
    assert!(alice.project("secret", Some("ml")).await.unwrap().is_none());
    assert!(
        alice
            .projects(Some("ml"), 50)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
    // A team she is not in answers like one that does not exist.
    let denied = alice.create_project("mine", "ml").await;
    let missing = alice.create_project("mine", "no-such-team").await;
    match (denied, missing) {
        (Err(Error::Api(denied)), Err(Error::Api(missing))) => {
            assert_eq!(
                denied.replace("ml", "X"),
                missing.replace("no-such-team", "X")
            );
        }
        other => panic!("{other:?}"),
    }
    // Her own entity is hers.
    alice.create_project("mine", "alice").await.unwrap();
    let own: Vec<_> = alice.projects(None, 50).collect_all().await.unwrap();
    assert_eq!(own.iter().map(|p| p.name()).collect::<Vec<_>>(), ["mine"]);
}
