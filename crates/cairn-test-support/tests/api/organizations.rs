//! Several organizations: each owns its registries through its own entity,
//! its members are that entity's members, and nobody outside it sees them
//! (through the organization listings or the generic project paths alike).

use cairn_client::Error;
use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};

const UPSERT_MODEL: &str = "mutation($input: UpsertModelInput!) { upsertModel(input: $input) { inserted project { id name } } }";
const PROJECT: &str =
    "query($e: String!, $p: String!) { project(entityName: $e, name: $p) { id name } }";
const REGISTRIES: &str = "query($o: String) { organization(name: $o) { name orgEntity { name projects { edges { node { name } } } } } }";

async fn gql(server: &TestServer, key: &str, query: &str, variables: Value) -> Value {
    server
        .raw_graphql(key, json!({ "query": query, "variables": variables }))
        .await
}

fn registry_names(answer: &Value) -> Vec<String> {
    answer["data"]["organization"]["orgEntity"]["projects"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn each_organization_has_its_own_registries_and_members() {
    let server = TestServer::start().await;
    let org = server.api.create_organization("lab").await.unwrap();
    assert_eq!(org.name, "lab");
    assert_eq!(org.org_entity.as_ref().unwrap().name, "lab-org");

    let (insider, _, insider_key) = server.new_user("in@example.com").await;
    let (_, outsider_api, outsider_key) = server.new_user("out@example.com").await;
    let lab = server.api.team("lab-org").await.unwrap().unwrap();
    lab.invite(insider.username(), false).await.unwrap();

    // A member creates a registry there; an outsider cannot.
    let made = gql(
        &server,
        &insider_key,
        UPSERT_MODEL,
        json!({"input": {"entityName": "lab-org", "name": "wandb-registry-lab-models"}}),
    )
    .await;
    assert_eq!(made["data"]["upsertModel"]["inserted"], true, "{made}");
    let refused = gql(
        &server,
        &outsider_key,
        UPSERT_MODEL,
        json!({"input": {"entityName": "lab-org", "name": "wandb-registry-sneaky"}}),
    )
    .await;
    assert!(refused["errors"].is_array(), "{refused}");
    // The default organization's registries are elsewhere.
    let default = gql(
        &server,
        ADMIN_KEY,
        UPSERT_MODEL,
        json!({"input": {"entityName": "cairn-org", "name": "wandb-registry-shared"}}),
    )
    .await;
    assert_eq!(
        default["data"]["upsertModel"]["inserted"], true,
        "{default}"
    );

    let lab_listed = gql(&server, &insider_key, REGISTRIES, json!({"o": "lab"})).await;
    assert_eq!(
        registry_names(&lab_listed),
        vec![
            "wandb-registry-model",
            "wandb-registry-dataset",
            "wandb-registry-lab-models"
        ]
    );
    let default_listed = gql(&server, &insider_key, REGISTRIES, json!({})).await;
    assert_eq!(default_listed["data"]["organization"]["name"], "cairn");
    assert_eq!(
        registry_names(&default_listed),
        vec![
            "wandb-registry-model",
            "wandb-registry-dataset",
            "wandb-registry-shared"
        ]
    );

    // The outsider: no organization, no registry, no entity; exactly like
    // names that do not exist.
    for (o, p) in [
        ("lab", "wandb-registry-lab-models"),
        ("nope", "wandb-registry-nope"),
    ] {
        let answer = gql(&server, &outsider_key, REGISTRIES, json!({"o": o})).await;
        assert_eq!(answer["data"]["organization"], Value::Null, "{answer}");
        let entity = format!("{o}-org");
        let answer = gql(
            &server,
            &outsider_key,
            PROJECT,
            json!({"e": entity, "p": p}),
        )
        .await;
        assert_eq!(answer["data"]["project"], Value::Null, "{answer}");
    }
    assert!(outsider_api.team("lab-org").await.unwrap().is_none());

    // viewer.organizations: the default first, then the ones joined.
    let orgs = "{ viewer { organizations { name } teams { edges { node { name } } } } }";
    let mine = gql(&server, &insider_key, orgs, json!({})).await;
    assert_eq!(
        mine["data"]["viewer"]["organizations"],
        json!([{"name": "cairn"}, {"name": "lab"}])
    );
    // The organization's entity is not one of the user's teams.
    assert_eq!(
        mine["data"]["viewer"]["teams"]["edges"],
        json!([{"node": {"name": insider.username()}}])
    );
    let theirs = gql(&server, &outsider_key, orgs, json!({})).await;
    assert_eq!(
        theirs["data"]["viewer"]["organizations"],
        json!([{"name": "cairn"}])
    );
}

#[tokio::test]
async fn only_admins_create_organizations_with_fresh_valid_names() {
    let server = TestServer::start().await;
    let (_, alice_api, _) = server.new_user("alice@example.com").await;
    let refused = alice_api.create_organization("mine").await;
    assert!(matches!(refused, Err(Error::Api(m)) if m.contains("Only instance admins")));

    server.api.create_organization("lab").await.unwrap();
    for (name, why) in [
        ("lab", "already exists"),
        ("cairn", "already exists"),
        ("cairn-org", "already exists"),
        ("bad name", "contains ' '"),
        ("", "must not be empty"),
    ] {
        let err = server.api.create_organization(name).await.unwrap_err();
        assert!(
            matches!(&err, Error::Api(m) if m.contains(why)),
            "{name}: {err}"
        );
    }
}

/// W&B's core registries exist in every organization from the start, once
/// each however often the server starts.
#[tokio::test]
async fn every_organization_has_the_core_registries_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let core = |answer: &Value| {
        let mut names: Vec<String> = registry_names(answer)
            .into_iter()
            .filter(|n| n == "wandb-registry-model" || n == "wandb-registry-dataset")
            .collect();
        names.sort();
        names
    };
    let expected = ["wandb-registry-dataset", "wandb-registry-model"];
    {
        let server = TestServer::start_in(&data, |_| {}).await;
        let default = gql(&server, ADMIN_KEY, REGISTRIES, json!({ "o": "cairn" })).await;
        assert_eq!(core(&default), expected, "{default}");
        server.api.create_organization("lab").await.unwrap();
        let lab = gql(&server, ADMIN_KEY, REGISTRIES, json!({ "o": "lab" })).await;
        assert_eq!(core(&lab), expected, "{lab}");
    }
    let again = TestServer::start_in(&data, |_| {}).await;
    for org in ["cairn", "lab"] {
        let answer = gql(&again, ADMIN_KEY, REGISTRIES, json!({ "o": org })).await;
        assert_eq!(core(&answer), expected, "{org}: {answer}");
    }
}
