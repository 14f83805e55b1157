//! Registries are changed only through the registry rules, and a registry
//! a caller may not see answers exactly like one that does not exist —
//! through the generic project and run mutations too (`upsertModel`,
//! `upsertBucket`, `createArtifact`), not only the registry ones.

use cairn_test_support::TestServer;
use serde_json::{Value, json};

const ORG: &str = "cairn-org";

const UPSERT_MODEL: &str = "mutation($input: UpsertModelInput!) { upsertModel(input: $input) { inserted project { id name description access } } }";
const UPSERT_BUCKET: &str = "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { inserted bucket { id name } } }";
const PROJECT: &str = "query($e: String!, $p: String!) { project(entityName: $e, name: $p) { id description access } }";

async fn gql(server: &TestServer, key: &str, query: &str, variables: Value) -> Value {
    server
        .raw_graphql(key, json!({ "query": query, "variables": variables }))
        .await
}

fn error_message(answer: &Value) -> String {
    answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {answer}"))
        .to_string()
}

/// A registry created by `key` with `access`; returns its id.
async fn create_registry(server: &TestServer, key: &str, name: &str, access: &str) -> String {
    let answer = gql(
        server,
        key,
        UPSERT_MODEL,
        json!({ "input": { "entityName": ORG, "name": format!("wandb-registry-{name}"),
                "access": access, "description": "the crown jewels" } }),
    )
    .await;
    assert_eq!(answer["data"]["upsertModel"]["inserted"], true, "{answer}");
    answer["data"]["upsertModel"]["project"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn outsiders_cannot_take_over_or_even_see_a_restricted_registry() {
    let server = TestServer::start().await;
    let (_, _, owner) = server.new_user("owner@example.com").await;
    let (_, _, outsider) = server.new_user("outsider@example.com").await;
    let id = create_registry(&server, &owner, "secret", "RESTRICTED").await;

    // Taking it over: refused, with the words a missing registry gets.
    let takeover = gql(
        &server,
        &outsider,
        UPSERT_MODEL,
        json!({ "input": { "entityName": ORG, "name": "wandb-registry-secret",
                "access": "PRIVATE", "description": "mine now" } }),
    )
    .await;
    assert!(takeover["data"]["upsertModel"].is_null(), "{takeover}");
    let message = error_message(&takeover);
    let missing = cairn_missing_registry_message(&server, &outsider).await;
    assert_eq!(message, missing.replace("never-made", "secret"));
    for secret in [id.as_str(), "crown jewels", "RESTRICTED"] {
        assert!(!takeover.to_string().contains(secret), "{takeover}");
    }

    // Reading it back through upsertModel: the same.
    let peek = gql(
        &server,
        &outsider,
        UPSERT_MODEL,
        json!({ "input": { "entityName": ORG, "name": "wandb-registry-secret" } }),
    )
    .await;
    assert_eq!(error_message(&peek), message);
    assert!(!peek.to_string().contains(&id), "{peek}");

    // Runs and artifacts cannot be put into it either.
    let run = gql(
        &server,
        &outsider,
        UPSERT_BUCKET,
        json!({ "input": { "entityName": ORG, "modelName": "wandb-registry-secret", "name": "r1" } }),
    )
    .await;
    assert_eq!(error_message(&run), message);

    // Nothing changed, and the owner still sees it.
    let seen = gql(
        &server,
        &owner,
        PROJECT,
        json!({ "e": ORG, "p": "wandb-registry-secret" }),
    )
    .await;
    assert_eq!(seen["data"]["project"]["access"], "RESTRICTED", "{seen}");
    assert_eq!(seen["data"]["project"]["description"], "the crown jewels");
    let hidden = gql(
        &server,
        &outsider,
        PROJECT,
        json!({ "e": ORG, "p": "wandb-registry-secret" }),
    )
    .await;
    assert!(hidden["data"]["project"].is_null(), "{hidden}");

    // Nor does any listing of the organization's projects show it.
    for key in [&outsider, &owner] {
        let listed = gql(
            &server,
            key,
            "query { models(entityName: \"cairn-org\", first: 100) { edges { node { name } } } }",
            json!({}),
        )
        .await;
        let shown = listed.to_string().contains("wandb-registry-secret");
        assert_eq!(shown, key == &owner, "{listed}");
    }
}

/// What linking into a registry that does not exist says.
async fn cairn_missing_registry_message(server: &TestServer, key: &str) -> String {
    let answer = gql(
        server,
        key,
        UPSERT_BUCKET,
        json!({ "input": { "entityName": ORG, "modelName": "wandb-registry-never-made", "name": "r1" } }),
    )
    .await;
    error_message(&answer)
}

#[tokio::test]
async fn only_registry_admins_change_a_registry_and_nobody_logs_runs_into_one() {
    let server = TestServer::start().await;
    let (_, _, owner) = server.new_user("owner@example.com").await;
    let (_, _, member) = server.new_user("member@example.com").await;
    create_registry(&server, &owner, "open", "PRIVATE").await;

    // An organization member reads an open registry but may not change it.
    let read = gql(
        &server,
        &member,
        UPSERT_MODEL,
        json!({ "input": { "entityName": ORG, "name": "wandb-registry-open" } }),
    )
    .await;
    assert_eq!(
        read["data"]["upsertModel"]["project"]["description"], "the crown jewels",
        "{read}"
    );
    for change in [
        json!({ "description": "vandalised" }),
        json!({ "access": "RESTRICTED" }),
        json!({ "allowAllArtifactTypesInRegistry": false, "artifactTypes": [{"name": "x"}] }),
    ] {
        let mut input = json!({ "entityName": ORG, "name": "wandb-registry-open" });
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let answer = gql(&server, &member, UPSERT_MODEL, json!({ "input": input })).await;
        assert!(
            error_message(&answer).contains("only its admins"),
            "{change}: {answer}"
        );
    }
    let rename = gql(
        &server,
        &member,
        "mutation { renameProject(input: {entityName: \"cairn-org\", oldProjectName: \"wandb-registry-open\", newProjectName: \"wandb-registry-mine\"}) { project { name } } }",
        json!({}),
    )
    .await;
    assert!(
        error_message(&rename).contains("only its admins"),
        "{rename}"
    );

    // Its creator may; nobody, not even the creator or an admin, logs runs into it.
    let ok = gql(
        &server,
        &owner,
        UPSERT_MODEL,
        json!({ "input": { "entityName": ORG, "name": "wandb-registry-open", "description": "new" } }),
    )
    .await;
    assert_eq!(
        ok["data"]["upsertModel"]["project"]["description"], "new",
        "{ok}"
    );
    for key in [&member, &owner, &server.admin_key] {
        let run = gql(
            &server,
            key,
            UPSERT_BUCKET,
            json!({ "input": { "entityName": ORG, "modelName": "wandb-registry-open", "name": "r1" } }),
        )
        .await;
        assert!(error_message(&run).contains("not runs"), "{run}");
    }
}
