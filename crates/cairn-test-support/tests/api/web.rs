//! The web UI over plain HTTP (the browser tests in `e2e/browser` drive it
//! in Chromium): sign-in and its cookie, pages escaped and under a strict
//! CSP, CSRF and origin checks, hidden projects as 404 pages, chart data
//! sampled and authorized, and the JSON answer kept for clients with a key.

use cairn_test_support::TestServer;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};

/// A browser-like client: no redirects followed, asks for HTML.
fn browser() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

const HTML: &str = "text/html,application/xhtml+xml";

/// Sign in with a key through the form; the session cookie.
async fn sign_in(server: &TestServer, key: &str) -> String {
    let response = browser()
        .post(format!("{}/-/login", server.base_url))
        .form(&[("api_key", key), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

async fn get(server: &TestServer, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = browser()
        .get(format!("{}{path}", server.base_url))
        .header("accept", HTML)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// A run made with raw `upsertBucket`, then history through file_stream.
async fn logged_run(server: &TestServer, project: &str, name: &str, display: &str, lr: f64) -> i64 {
    let answer = server
        .raw_graphql(
            &server.admin_key,
            json!({
                "query": "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }",
                "variables": {"i": {
                    "entityName": "admin", "modelName": project, "name": name, "displayName": display,
                    "config": json!({"lr": {"value": lr}}).to_string(),
                    "tags": ["baseline"],
                }},
            }),
        )
        .await;
    let id = answer["data"]["upsertBucket"]["bucket"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_string();
    let rows: Vec<String> = (0..100)
        .map(|step| json!({"_step": step, "loss": 1.0 / (step as f64 + 1.0)}).to_string())
        .collect();
    server
        .file_stream(
            &format!("admin/{project}/{name}"),
            json!({"files": {
                "wandb-history.jsonl": {"offset": 0, "content": rows},
                "wandb-summary.json": {"offset": 0, "content": [json!({"loss": 0.01}).to_string()]},
                "output.log": {"offset": 0, "content": ["2026-12-05T10:00:00.000000 epoch 1 <b>done</b>"]},
            }}),
        )
        .await;
    decode_run_id(&id)
}

/// GraphQL run ids are base64 of `Run:v1:ID:…`; the row id is what the
/// chart API takes.
fn decode_run_id(id: &str) -> i64 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(id)
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    text.split(':').find_map(|p| p.parse().ok()).unwrap()
}

#[tokio::test]
async fn pages_need_a_session_and_sign_in_comes_back_to_them() {
    let server = TestServer::start().await;
    let anonymous = browser()
        .get(format!("{}/admin/p1/runs/r1?x=1", server.base_url))
        .header("accept", HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers()[LOCATION],
        "/-/login?next=%2Fadmin%2Fp1%2Fruns%2Fr1%3Fx%3D1"
    );

    let wrong = browser()
        .post(format!("{}/-/login", server.base_url))
        .form(&[("api_key", "not-a-key"), ("next", "/admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.text().await.unwrap().contains("role=\"alert\""));

    let signed = browser()
        .post(format!("{}/-/login", server.base_url))
        .form(&[
            ("api_key", server.admin_key.as_str()),
            ("next", "/admin/p1/runs/r1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed.headers()[LOCATION], "/admin/p1/runs/r1");

    // Never to another site.
    let elsewhere = browser()
        .post(format!("{}/-/login", server.base_url))
        .form(&[
            ("api_key", server.admin_key.as_str()),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.headers()[LOCATION], "/");

    // Sign-in from another site's page is refused.
    let forged = browser()
        .post(format!("{}/-/login", server.base_url))
        .header("origin", "http://evil.example")
        .form(&[("api_key", server.admin_key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pages_show_logged_runs_escaped_under_a_strict_csp() {
    let server = TestServer::start().await;
    logged_run(&server, "web", "r1", "<script>window.pwned=1</script>", 0.1).await;
    logged_run(&server, "web", "r2", "plain", 0.001).await;
    let cookie = sign_in(&server, &server.admin_key).await;

    let response = browser()
        .get(format!("{}/admin/web", server.base_url))
        .header("accept", HTML)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains("&#60;script&#62;window.pwned=1&#60;/script&#62;")
            || page.contains("&lt;script&gt;window.pwned"),
        "{page}"
    );
    assert!(!page.contains("<script>window.pwned"));
    assert!(page.contains(">2 runs<"), "{page}");

    // The short filter form and JSON filters give the same runs.
    let (status, short) = get(&server, &cookie, "/admin/web?filter=lr%20%3E%200.01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(short.contains(">1 run<"), "{short}");
    assert!(!short.contains(">plain<"));
    let (_, json_filter) = get(
        &server,
        &cookie,
        "/admin/web?filter=%7B%22config.lr%22%3A%7B%22%24gt%22%3A0.01%7D%7D",
    )
    .await;
    assert!(!json_filter.contains(">plain<"));
    let (status, bad) = get(&server, &cookie, "/admin/web?filter=lr%20%3E").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("could not be read"), "{bad}");

    // Sorted by a config column, descending.
    let (_, sorted) = get(
        &server,
        &cookie,
        "/admin/web?cols=config.lr&order=-config.lr",
    )
    .await;
    let (first, second) = (
        sorted.find("pwned").unwrap(),
        sorted.find(">plain<").unwrap(),
    );
    assert!(first < second);

    // The run page: config, summary, console (escaped), files.
    let (status, run) = get(&server, &cookie, "/admin/web/runs/r1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(run.contains(">lr<") && run.contains(">0.1<"), "{run}");
    assert!(
        run.contains("epoch 1 &#60;b&#62;done") || run.contains("epoch 1 &lt;b&gt;done"),
        "{run}"
    );
}

#[tokio::test]
async fn chart_data_is_sampled_and_only_for_readers() {
    let server = TestServer::start().await;
    let id = logged_run(&server, "charts", "r1", "r1", 0.1).await;
    let cookie = sign_in(&server, &server.admin_key).await;
    let (status, body) = get(
        &server,
        &cookie,
        &format!("/-/api/history?runs={id}&key=loss&samples=10"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_str(&body).unwrap();
    let series = &body["series"][0];
    let points = series["x"].as_array().unwrap().len();
    assert!((1..=10).contains(&points), "{body}");
    assert_eq!(series["y"].as_array().unwrap().len(), points);

    // System metrics come from the run's events, against runtime.
    let events: Vec<String> = (0..5)
        .map(|t| {
            json!({"system.cpu": 10.0 + t as f64, "_runtime": t, "_timestamp": 1.7e9 + t as f64})
                .to_string()
        })
        .collect();
    server
        .file_stream(
            "admin/charts/r1",
            json!({"files": {"wandb-events.jsonl": {"offset": 0, "content": events}}}),
        )
        .await;
    let (_, body) = get(
        &server,
        &cookie,
        &format!("/-/api/history?runs={id}&key=system.cpu&source=events"),
    )
    .await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["x"], "_runtime");
    assert_eq!(
        body["series"][0]["y"],
        json!([10.0, 11.0, 12.0, 13.0, 14.0])
    );
    let (_, run_page) = get(&server, &cookie, "/admin/charts/runs/r1").await;
    assert!(run_page.contains("data-key=\"system.cpu\""), "{run_page}");

    let (status, _) = get(&server, "", &format!("/-/api/history?runs={id}&key=loss")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&server, &cookie, "/-/api/history?runs=1,x&key=loss").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Another user cannot see admin's private project, its page or its data.
    let (_, _, key) = server.new_user("other@example.com").await;
    let other = sign_in(&server, &key).await;
    let (status, _) = get(
        &server,
        &other,
        &format!("/-/api/history?runs={id}&key=loss"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = get(&server, &other, "/admin/charts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Not found"));
    let (status, _) = get(&server, &other, "/admin/charts/runs/r1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, page) = get(&server, &other, "/no/such/page/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Not found"));
}

#[tokio::test]
async fn state_changes_need_the_session_csrf_token() {
    let server = TestServer::start().await;
    logged_run(&server, "notes", "r1", "r1", 0.1).await;
    let cookie = sign_in(&server, &server.admin_key).await;
    let (_, page) = get(&server, &cookie, "/admin/notes/runs/r1").await;
    let csrf = csrf_of(&page);
    let post = |token: &str| {
        browser()
            .post(format!("{}/admin/notes/runs/r1/notes", server.base_url))
            .header("cookie", &cookie)
            .form(&[("csrf", token), ("notes", "changed <i>"), ("tags", "a, b")])
            .send()
    };
    assert_eq!(
        post("forged").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(post(&csrf).await.unwrap().status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&server, &cookie, "/admin/notes/runs/r1").await;
    assert!(
        page.contains("changed &#60;i&#62;") || page.contains("changed &lt;i&gt;"),
        "{page}"
    );

    // Signing out ends the session.
    let out = browser()
        .post(format!("{}/-/logout", server.base_url))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let (status, _) = get(&server, &cookie, "/admin/notes").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn clients_with_a_key_still_get_json_for_project_urls() {
    let server = TestServer::start().await;
    logged_run(&server, "jsonp", "r1", "r1", 0.1).await;
    let answer: Value = browser()
        .get(format!("{}/admin/jsonp", server.base_url))
        .basic_auth("api", Some(&server.admin_key))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["type"], "project");
}

#[tokio::test]
async fn passwords_sign_in_and_wrong_ones_count_against_the_address() {
    let server = TestServer::start_with(|config| config.auth_failure_limit = 3).await;
    let (user, _, _) = server.new_user("pw@example.com").await;
    let admin = server
        .cairn()
        .authenticate(&server.admin_key)
        .await
        .unwrap();
    server
        .cairn()
        .set_password(
            admin.admin().unwrap(),
            user.username(),
            Some("correct horse battery"),
        )
        .await
        .unwrap();
    let attempt = |login: &str, password: &str| {
        browser()
            .post(format!("{}/-/login", server.base_url))
            .form(&[("login", login), ("password", password), ("next", "/")])
            .send()
    };
    let signed = attempt("pw@example.com", "correct horse battery")
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert!(signed.headers().contains_key(SET_COOKIE));

    let wrong = attempt(user.username(), "wrong password").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains("The user name or password is wrong."),
        "{page}"
    );
    // The same words for a user that does not exist.
    let unknown = attempt("nobody", "wrong password").await.unwrap();
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("The user name or password is wrong.")
    );
    // Past the limit, further wrong sign-ins from the address are told to wait.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(attempt("nobody", "wrong password").await.unwrap().status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

/// The CSRF token of a page.
fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_new_key_is_shown_once_and_admin_pages_are_for_admins() {
    let server = TestServer::start().await;
    let (_, _, key) = server.new_user("keys@example.com").await;
    let cookie = sign_in(&server, &key).await;
    let (status, page) = get(&server, &cookie, "/-/keys").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);
    let post = |path: &str, form: Vec<(&str, String)>| {
        browser()
            .post(format!("{}{path}", server.base_url))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let created = post(
        "/-/keys",
        vec![("csrf", csrf.clone()), ("description", "ci".into())],
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let page = created.text().await.unwrap();
    let secret = page
        .split("id=\"new-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    // It works as an API key, and is never shown again.
    let me = server.api_with_key(&secret).viewer().await.unwrap();
    assert_eq!(me.username(), "keys");
    let (_, again) = get(&server, &cookie, "/-/keys").await;
    assert!(!again.contains(&secret));
    assert!(again.contains(">ci<"), "{again}");

    // Revoking it, with the token; a forged post is refused.
    let id = again
        .split("/-/keys/")
        .filter_map(|rest| rest.split('/').next()?.parse::<i64>().ok())
        .max()
        .unwrap();
    let revoke = format!("/-/keys/{id}/revoke");
    let forged = post(&revoke, vec![("csrf", "forged".into())])
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let done = post(&revoke, vec![("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert!(server.api_with_key(&secret).viewer().await.is_err());

    // Admin pages are the 404 page for a member, and work for the admin.
    let (status, _) = get(&server, &cookie, "/-/admin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let denied = post(
        "/-/admin/users",
        vec![("csrf", csrf.clone()), ("email", "x@example.com".into())],
    )
    .await
    .unwrap();
    assert_eq!(denied.status(), StatusCode::NOT_FOUND);

    let admin = sign_in(&server, &server.admin_key).await;
    let (status, page) = get(&server, &admin, "/-/admin?q=keys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("keys@example.com"));
    let admin_csrf = csrf_of(&page);
    let deactivate = browser()
        .post(format!("{}/-/admin/users/keys/active", server.base_url))
        .header("cookie", &admin)
        .form(&[("csrf", admin_csrf.as_str()), ("active", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(deactivate.status(), StatusCode::SEE_OTHER);
    assert!(server.api_with_key(&key).viewer().await.is_err());
    // Their session ended with it.
    let (status, _) = get(&server, &cookie, "/-/keys").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn registries_are_listed_and_open_as_artifact_pages() {
    let server = TestServer::start().await;
    let (_, _, key) = server.new_user("reg@example.com").await;
    let cookie = sign_in(&server, &key).await;
    let (status, page) = get(&server, &cookie, "/-/registries").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(">model<") && page.contains(">dataset<"),
        "{page}"
    );
    let href = page
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap())
        .find(|href| href.contains("wandb-registry-model"))
        .unwrap()
        .replace("&#38;", "&");
    let (status, registry) = get(&server, &cookie, &href).await;
    assert_eq!(status, StatusCode::OK, "{href}");
    assert!(registry.contains("Artifacts"), "{registry}");
}

#[tokio::test]
async fn teams_are_created_and_their_members_managed_from_pages() {
    let server = TestServer::start().await;
    let (_, _, key) = server.new_user("lead@example.com").await;
    server.new_user("mate@example.com").await;
    let cookie = sign_in(&server, &key).await;
    let (_, home) = get(&server, &cookie, "/").await;
    let csrf = csrf_of(&home);
    let post = |path: &str, form: Vec<(&str, &str)>| {
        browser()
            .post(format!("{}{path}", server.base_url))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let created = post("/-/teams", vec![("csrf", &csrf), ("name", "vision")])
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()[LOCATION], "/vision");
    let added = post(
        "/-/teams/vision/members",
        vec![("csrf", &csrf), ("who", "mate")],
    )
    .await
    .unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    post(
        "/-/teams/vision/members",
        vec![("csrf", &csrf), ("who", "new@example.com")],
    )
    .await
    .unwrap();
    let (_, team) = get(&server, &cookie, "/vision").await;
    assert!(
        team.contains(">mate<") && team.contains(">new@example.com<") && team.contains(">invited<"),
        "{team}"
    );
    let mate = team
        .split("value=\"user:")
        .filter_map(|rest| rest.split('"').next())
        .map(|id| format!("user:{id}"))
        .collect::<Vec<_>>();
    assert!(mate.len() >= 2, "{team}");
    // Roles: the lead makes the mate an admin and a member again; the
    // team's last admin stays one.
    let users: Vec<String> = team
        .split("name=\"user\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(String::from)
        .collect();
    assert_eq!(users.len(), 2, "{team}");
    let (lead_id, mate_id) = (&users[0], &users[1]);
    let is_admin = |who: &'static str| {
        let api = server.api.clone();
        async move {
            let team = api.team("vision").await.unwrap().unwrap();
            let member = team.members().iter().find(|m| m.username() == Some(who));
            member.unwrap().admin()
        }
    };
    let role = |user: &str, admin: &str| {
        post(
            "/-/teams/vision/members/role",
            vec![("csrf", &csrf), ("user", user), ("admin", admin)],
        )
    };
    assert_eq!(
        role(mate_id, "true").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert!(is_admin("mate").await);
    let (_, page) = get(&server, &cookie, "/vision").await;
    assert!(page.contains("Make member"), "{page}");
    assert_eq!(
        role(mate_id, "false").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert!(!is_admin("mate").await);
    let last = role(lead_id, "false").await.unwrap();
    assert_eq!(last.status(), StatusCode::BAD_REQUEST);
    assert!(last.text().await.unwrap().contains("last admin"));
    assert!(is_admin("lead").await);

    // A plain member cannot change the team: the domain refuses.
    let (_, _, other_key) = server.new_user("outsider@example.com").await;
    let outsider = sign_in(&server, &other_key).await;
    let (_, page) = get(&server, &outsider, "/").await;
    let refused = browser()
        .post(format!("{}/-/teams/vision/members", server.base_url))
        .header("cookie", &outsider)
        .form(&[("csrf", csrf_of(&page).as_str()), ("who", "outsider")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Removing the invitation.
    let invite = team
        .split("value=\"invite:")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let member = format!("invite:{invite}");
    let removed = post(
        "/-/teams/vision/members/remove",
        vec![("csrf", &csrf), ("member", &member)],
    )
    .await
    .unwrap();
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let (_, team) = get(&server, &cookie, "/vision").await;
    assert!(!team.contains("new@example.com"));
}

#[tokio::test]
async fn admins_manage_anyones_keys_and_see_every_team() {
    let server = TestServer::start().await;
    let (_, _, key) = server.new_user("owner@example.com").await;
    let member = sign_in(&server, &key).await;
    let (_, home) = get(&server, &member, "/").await;
    let member_post = |path: &str, form: Vec<(&str, &str)>| {
        browser()
            .post(format!("{}{path}", server.base_url))
            .header("cookie", &member)
            .form(&form)
            .send()
    };
    let member_csrf = csrf_of(&home);
    let team = member_post("/-/teams", vec![("csrf", &member_csrf), ("name", "robots")])
        .await
        .unwrap();
    assert_eq!(team.status(), StatusCode::SEE_OTHER);
    // Someone else's keys are the 404 page for a member, and so is making one.
    let (status, _) = get(&server, &member, "/-/keys?user=admin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let denied = member_post(
        "/-/keys",
        vec![
            ("csrf", &member_csrf),
            ("description", "x"),
            ("user", "admin"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(denied.status(), StatusCode::NOT_FOUND);

    let admin = sign_in(&server, &server.admin_key).await;
    let (status, page) = get(&server, &admin, "/-/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/robots\""), "{page}");
    assert!(page.contains("/-/keys?user=owner"), "{page}");
    let (status, keys) = get(&server, &admin, "/-/keys?user=owner").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        keys.contains("API keys of owner") && keys.contains(">test<"),
        "{keys}"
    );
    let csrf = csrf_of(&keys);
    let admin_post = |path: &str, form: Vec<(&str, &str)>| {
        browser()
            .post(format!("{}{path}", server.base_url))
            .header("cookie", &admin)
            .form(&form)
            .send()
    };
    let created = admin_post(
        "/-/keys",
        vec![
            ("csrf", &csrf),
            ("description", "by admin"),
            ("user", "owner"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let page = created.text().await.unwrap();
    assert!(page.contains("The new API key of owner"), "{page}");
    let secret = page
        .split("id=\"new-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    let owner = server.api_with_key(&secret).viewer().await.unwrap();
    assert_eq!(owner.username(), "owner");

    // Revoking the member's original key goes back to their keys page.
    let id = keys
        .split("/-/keys/")
        .filter_map(|rest| rest.split('/').next()?.parse::<i64>().ok())
        .next()
        .unwrap();
    let revoked = admin_post(
        &format!("/-/keys/{id}/revoke?user=owner"),
        vec![("csrf", &csrf)],
    )
    .await
    .unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(revoked.headers()[LOCATION], "/-/keys?user=owner");
    assert!(server.api_with_key(&key).viewer().await.is_err());
    assert!(server.api_with_key(&secret).viewer().await.is_ok());
}
