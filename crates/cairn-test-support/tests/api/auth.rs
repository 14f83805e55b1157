use cairn_client::Error;
use cairn_test_support::{ADMIN_KEY, TestServer};

#[tokio::test]
async fn admin_is_bootstrapped_and_is_the_viewer() {
    let server = TestServer::start().await;
    let me = server.api.viewer().await.unwrap();
    assert_eq!(me.username(), "admin");
    assert!(me.admin());
    assert_eq!(
        server.api.default_entity().await.unwrap().as_deref(),
        Some("admin")
    );
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let server = TestServer::start().await;
    let api = server.api_with_key(&format!("wrong-{}", "z".repeat(44)));
    assert!(matches!(api.viewer().await, Err(Error::Unauthorized(_))));
}

#[tokio::test]
async fn requests_without_credentials_get_401() {
    let server = TestServer::start().await;
    let resp = reqwest::Client::new()
        .post(format!("{}/graphql", server.base_url))
        .json(&serde_json::json!({"query": "{ viewer { id } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn empty_operation_name_and_extra_variables_are_tolerated() {
    let server = TestServer::start().await;
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.base_url))
        .basic_auth("api", Some(&server.admin_key))
        .json(&serde_json::json!({
            "query": "#graphql\nquery Q($a: String,) { viewer { username } user(userName: $a,) { username } serverInfo { features { name isEnabled } } }",
            "operationName": "",
            "variables": {"a": "admin", "unused": 1},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp["data"]["viewer"]["username"], "admin");
    let features = resp["data"]["serverInfo"]["features"].as_array().unwrap();
    assert!(
        features
            .iter()
            .any(|f| f["name"] == "ARTIFACT_REGISTRY_SEARCH" && f["isEnabled"] == true),
        "{features:?}"
    );
}

#[tokio::test]
async fn out_of_scope_operations_get_a_clear_graphql_error() {
    let server = TestServer::start().await;
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.base_url))
        .basic_auth("api", Some(&server.admin_key))
        .json(&serde_json::json!({"query": "mutation { createCustomChart(input: {entity: \"x\"}) { chart { id } } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = resp["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("createCustomChart"), "{message}");
}

#[tokio::test]
async fn health_endpoints_answer() {
    let server = TestServer::start().await;
    for path in ["/healthz", "/ready"] {
        let status = reqwest::get(format!("{}{path}", server.base_url))
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{path}");
    }
}

/// POST `{ viewer }` with `key`; returns (status, Retry-After, body).
async fn viewer_with(server: &TestServer, key: &str) -> (u16, Option<String>, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/graphql", server.base_url))
        .basic_auth("api", Some(key))
        .json(&serde_json::json!({"query": "{ viewer { username } }"}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, resp.json().await.unwrap_or_default())
}

fn wrong_key(i: usize) -> String {
    format!("wrong-{i:04}{}", "z".repeat(40))
}

// Regression: 2,000 wrong keys in 1.7 s were all answered.
#[tokio::test]
async fn wrong_keys_beyond_the_limit_get_429_while_the_right_key_still_works() {
    let server = TestServer::start_with(|c| c.auth_failure_limit = 5).await;
    for i in 0..5 {
        let (status, _, _) = viewer_with(&server, &wrong_key(i)).await;
        assert_eq!(status, 401, "failure {i} is within the limit");
    }
    let (status, retry_after, body) = viewer_with(&server, &wrong_key(5)).await;
    assert_eq!(status, 429, "{body}");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Too many failed authentications")
            && message.contains(&format!("{seconds} s")),
        "{message}"
    );

    // The right key is never held back, not even by its own address.
    let (status, _, body) = viewer_with(&server, ADMIN_KEY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["viewer"]["username"], "admin");

    // Every endpoint that checks keys shares the limit.
    let resp = reqwest::Client::new()
        .post(format!("{}/files/admin/p/r/file_stream", server.base_url))
        .basic_auth("api", Some(wrong_key(6)))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let resp = reqwest::Client::new()
        .get(format!("{}/files/admin/p/r/x.txt", server.base_url))
        .bearer_auth(wrong_key(7))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
}

#[tokio::test]
async fn requests_without_a_key_are_not_counted_as_failed_key_checks() {
    let server = TestServer::start_with(|c| c.auth_failure_limit = 2).await;
    for _ in 0..5 {
        let resp = reqwest::Client::new()
            .post(format!("{}/graphql", server.base_url))
            .json(&serde_json::json!({"query": "{ viewer { id } }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    let (status, _, _) = viewer_with(&server, &wrong_key(0)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_limit_of_zero_never_answers_429() {
    let server = TestServer::start_with(|c| c.auth_failure_limit = 0).await;
    for i in 0..100 {
        let (status, _, _) = viewer_with(&server, &wrong_key(i)).await;
        assert_eq!(status, 401, "attempt {i}");
    }
}

#[tokio::test]
async fn the_test_harness_keeps_the_production_limit() {
    let mut limit = None;
    let _server = TestServer::start_with(|c| limit = Some(c.auth_failure_limit)).await;
    assert_eq!(
        limit,
        Some(cairn_server::Config::new("unused").auth_failure_limit)
    );
    assert!(limit.unwrap() > 0);
}

// Regression: `CAIRN_ADMIN_API_KEY=p-aaaa…` was accepted.
#[tokio::test]
async fn a_predictable_admin_key_stops_the_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = cairn_server::Config::new(dir.path().join("data"));
    config.admin_api_key = Some(format!("p-{}", "a".repeat(40)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = match cairn_server::serve(listener, &config).await {
        Ok(_) => panic!("a server with a predictable admin key started"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("CAIRN_ADMIN_API_KEY"), "{err}");
    assert!(err.contains("openssl rand"), "says how to make one: {err}");
    assert!(
        !err.contains(&"a".repeat(40)),
        "never echoes the key: {err}"
    );
}

#[tokio::test]
async fn a_different_admin_key_on_a_later_start_is_ignored_not_fatal() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    drop(TestServer::start_in(&data, |_| {}).await);
    // Even a key that would be refused on a first start: an upgrade must not
    // stop an instance that was bootstrapped with a weak key.
    let later = TestServer::start_in(&data, |c| {
        c.admin_api_key = Some(format!("p-{}", "a".repeat(40)));
    })
    .await;
    let (status, _, _) = viewer_with(&later, ADMIN_KEY).await;
    assert_eq!(status, 200);
    let (status, _, _) = viewer_with(&later, &format!("p-{}", "a".repeat(40))).await;
    assert_eq!(status, 401);
}
