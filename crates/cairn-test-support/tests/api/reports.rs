//! Reports through `cairn-client`: create, list (with a name), fetch by id,
//! URL and `from_path`, update, delete; drafts stay unlisted and another
//! user cannot change a report.

use cairn_client::{Error, FromPath, NewReport};
use cairn_test_support::TestServer;
use serde_json::json;

#[tokio::test]
async fn reports_are_created_listed_read_changed_and_deleted() {
    let server = TestServer::start().await;
    let api = &server.api;
    api.create_run("weekly", None, Some("r1")).await.unwrap();
    let spec = json!({"blocks": [{"type": "heading", "children": [{"text": "Results"}]}], "width": "readable"});
    let report = api
        .create_report(
            "admin/weekly",
            &NewReport {
                title: "Loss & accuracy, week 1".into(),
                description: "what changed".into(),
                spec: spec.clone(),
                draft: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(report.spec().unwrap(), spec);
    assert_eq!(report.kind(), "runs");
    assert_eq!(report.user(), Some("admin"));
    assert_eq!((report.entity(), report.project()), ("admin", "weekly"));
    let url = report.url();
    assert!(
        url.ends_with(&format!(
            "/admin/weekly/reports/Loss-accuracy-week-1--{}",
            report.id().trim_end_matches('=')
        )),
        "{url}"
    );

    // A draft is not a report yet.
    api.create_report(
        "admin/weekly",
        &NewReport {
            title: "Unfinished".into(),
            description: String::new(),
            spec: json!({}),
            draft: true,
        },
    )
    .await
    .unwrap();
    let listed = api
        .reports("admin/weekly", None, 10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|r| r.display_name()).collect::<Vec<_>>(),
        ["Loss & accuracy, week 1"]
    );
    let by_name = api
        .reports("admin/weekly", Some(report.name()), 10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);

    // By id, by URL and by path.
    let fetched = api.report(report.id()).await.unwrap().unwrap();
    assert_eq!(fetched.spec_text(), report.spec_text());
    let from_url = api.report(&url).await.unwrap().unwrap();
    assert_eq!(from_url.id(), report.id());
    let path = url
        .split_once("//")
        .unwrap()
        .1
        .split_once('/')
        .unwrap()
        .1
        .to_string();
    match api.from_path(&path).await.unwrap() {
        FromPath::Report(r) => assert_eq!(r.id(), report.id()),
        other => panic!("expected a report, got {other:?}"),
    }

    // Another user reads nothing of a private project and changes nothing.
    let (_, other, _) = server.new_user("other@example.com").await;
    assert!(other.report(report.id()).await.unwrap().is_none());

    let mut changed = fetched;
    changed
        .update(Some("Week 1"), None, Some(&json!({"blocks": []})))
        .await
        .unwrap();
    assert_eq!(changed.display_name(), "Week 1");
    assert_eq!(changed.description(), "what changed");
    assert_eq!(changed.spec().unwrap(), json!({"blocks": []}));

    changed.delete().await.unwrap();
    assert!(api.report(report.id()).await.unwrap().is_none());
    assert!(
        api.reports("admin/weekly", None, 10)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
    let missing = api.reports("admin/nowhere", None, 10).collect_all().await;
    assert!(
        matches!(
            missing,
            Err(Error::NotFound {
                what: "project",
                ..
            })
        ),
        "{missing:?}"
    );
}
