use cairn_client::Error;
use cairn_test_support::TestServer;

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
        .json(&serde_json::json!({"query": "{ project(name: \"p\") { sweeps { edges { node { id } } } } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = resp["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("sweeps"), "{message}");
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
