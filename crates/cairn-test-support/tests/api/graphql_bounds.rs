//! Regression tests for the GraphQL denial of service: documents whose cost
//! grows faster than their text (fragments spreading the next one twice, a
//! fragment cycle, 100,000 aliases, a huge body) are turned away with an
//! error naming the limit, and the server keeps answering everyone else while
//! an attacker sends them.
//!
//! No test here measures time: the bounds are checked by what the server
//! answers. Timings live in `graphql/bounds.rs`'s module doc.

use cairn_server::graphql::bounds;
use cairn_test_support::TestServer;
use serde_json::{Value, json};

/// `{viewer{...F0}}` where fragment `Fi` spreads `Fi+1` twice, `levels`
/// deep: 2^levels fields once expanded, from a few hundred bytes of text.
fn doubling_fragments(levels: usize) -> String {
    let mut query = String::from("{ viewer { ...F0 } }\n");
    for i in 0..levels {
        query.push_str(&format!(
            "fragment F{i} on User {{ ...F{next} ...F{next} }}\n",
            next = i + 1
        ));
    }
    query.push_str(&format!("fragment F{levels} on User {{ id username }}\n"));
    query
}

/// `{a0:viewer{id} a1:viewer{id} …}`.
fn aliases(count: usize) -> String {
    let mut query = String::from("{");
    for i in 0..count {
        query.push_str(&format!(" a{i}: viewer {{ id }}"));
    }
    query.push('}');
    query
}

/// The first error message of a GraphQL answer; panics when there is none.
fn first_error(answer: &Value) -> &str {
    answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {answer}"))
}

#[tokio::test]
async fn doubling_fragments_24_levels_deep_are_rejected_as_too_complex() {
    let server = TestServer::start().await;
    let answer = server
        .raw_graphql(
            &server.admin_key,
            json!({ "query": doubling_fragments(24) }),
        )
        .await;
    let message = first_error(&answer);
    assert!(message.contains("too complex"), "{message}");
    assert!(
        message.contains(&bounds::MAX_FIELDS.to_string()),
        "{message}"
    );
    assert!(answer["data"].is_null(), "{answer}");
}

#[tokio::test]
async fn doubling_fragments_30_levels_deep_are_rejected_as_too_complex() {
    let server = TestServer::start().await;
    let answer = server
        .raw_graphql(
            &server.admin_key,
            json!({ "query": doubling_fragments(30) }),
        )
        .await;
    let message = first_error(&answer);
    assert!(message.contains("too complex"), "{message}");
}

#[tokio::test]
async fn a_fragment_cycle_is_rejected_naming_the_fragments() {
    let server = TestServer::start().await;
    // Each fragment spreads the other twice: expanding it never ends.
    let query = "{ viewer { ...A } }
        fragment A on User { id ...B ...B }
        fragment B on User { username ...A ...A }";
    let answer = server
        .raw_graphql(&server.admin_key, json!({ "query": query }))
        .await;
    let message = first_error(&answer);
    assert!(message.contains("cycle"), "{message}");
    assert!(message.contains('A') && message.contains('B'), "{message}");
}

#[tokio::test]
async fn a_hundred_thousand_aliases_are_rejected() {
    let server = TestServer::start().await;
    let answer = server
        .raw_graphql(&server.admin_key, json!({ "query": aliases(100_000) }))
        .await;
    let message = first_error(&answer);
    assert!(message.contains("too long"), "{message}");
    assert!(answer["data"].is_null(), "{answer}");
}

#[tokio::test]
async fn aliases_within_the_text_limit_are_still_counted() {
    let server = TestServer::start().await;
    // Short enough for the text limit, too many selections.
    let query = format!(
        "{{{}}}",
        " viewer { id }".repeat(bounds::MAX_SELECTIONS + 1)
    );
    assert!(query.len() < bounds::MAX_QUERY_BYTES);
    let answer = server
        .raw_graphql(&server.admin_key, json!({ "query": query }))
        .await;
    let message = first_error(&answer);
    assert!(message.contains("too many selections"), "{message}");
}

#[tokio::test]
async fn an_oversize_body_gets_413_with_a_graphql_error() {
    let server = TestServer::start().await;
    let config = "x".repeat(bounds::MAX_BODY_BYTES);
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.base_url))
        .basic_auth("api", Some(&server.admin_key))
        .json(&json!({
            "query": "mutation M($config: JSONString) { upsertBucket(input: {config: $config}) { inserted } }",
            "variables": { "config": config },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.unwrap();
    let message = first_error(&answer);
    assert!(message.contains("too large"), "{message}");
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read() {
    let server = TestServer::start().await;
    // A big variable the query does not use: the body is read and the
    // query answered.
    let padding = "x".repeat(bounds::MAX_BODY_BYTES - 1024);
    let answer = server
        .raw_graphql(
            &server.admin_key,
            json!({ "query": "{ viewer { username } }", "variables": { "padding": padding } }),
        )
        .await;
    assert_eq!(answer["data"]["viewer"]["username"], "admin", "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_answering_while_attacked() {
    let server = TestServer::start().await;
    let attacks: Vec<_> = (0..4)
        .map(|_| {
            let base_url = server.base_url.clone();
            let key = server.admin_key.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let body = json!({ "query": doubling_fragments(24) });
                for _ in 0..20 {
                    let answer: Value = client
                        .post(format!("{base_url}/graphql"))
                        .basic_auth("api", Some(&key))
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    assert!(first_error(&answer).contains("too complex"), "{answer}");
                }
            })
        })
        .collect();
    for _ in 0..10 {
        let health = reqwest::get(format!("{}/healthz", server.base_url))
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(health.text().await.unwrap(), "ok");
        let answer = server
            .raw_graphql(
                &server.admin_key,
                json!({ "query": "{ viewer { username } }" }),
            )
            .await;
        assert_eq!(answer["data"]["viewer"]["username"], "admin", "{answer}");
    }
    for attack in attacks {
        attack.await.unwrap();
    }
}

/// The official client's documents, as `cairn-client` sends them, stay far
/// inside every bound: at most a tenth of each.
#[test]
fn the_official_clients_documents_are_far_inside_the_bounds() {
    use cairn_client::queries::*;
    let documents = [
        ("GET_VIEWER", GET_VIEWER),
        ("RUNS", RUNS),
        ("RUN", RUN),
        ("UPDATE_RUN", UPDATE_RUN),
        ("RUN_FILES", RUN_FILES),
        ("ARTIFACT_MEMBERSHIP_BY_NAME", ARTIFACT_MEMBERSHIP_BY_NAME),
        ("ARTIFACT_BY_ID", ARTIFACT_BY_ID),
        ("PROJECT_ARTIFACTS", PROJECT_ARTIFACTS),
        (
            "ARTIFACT_TYPE_ARTIFACT_COLLECTIONS",
            ARTIFACT_TYPE_ARTIFACT_COLLECTIONS,
        ),
        ("ARTIFACT_MEMBERSHIP_FILES", ARTIFACT_MEMBERSHIP_FILES),
        ("LINK_ARTIFACT", LINK_ARTIFACT),
        ("FETCH_REGISTRIES", FETCH_REGISTRIES),
        ("REGISTRY_COLLECTIONS", REGISTRY_COLLECTIONS),
        ("REGISTRY_VERSIONS", REGISTRY_VERSIONS),
        ("CREATE_ARTIFACT", CREATE_ARTIFACT),
        ("CREATE_ARTIFACT_FILES", CREATE_ARTIFACT_FILES),
    ];
    for (name, text) in documents {
        let document = bounds::parse(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let cost = bounds::measure(&document).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            text.len() <= bounds::MAX_QUERY_BYTES / 10,
            "{name}: {cost:?}"
        );
        assert!(
            cost.selections <= bounds::MAX_SELECTIONS / 10,
            "{name}: {cost:?}"
        );
        assert!(
            cost.fragments <= bounds::MAX_FRAGMENTS / 10,
            "{name}: {cost:?}"
        );
        assert!(cost.spreads <= bounds::MAX_SPREADS / 10, "{name}: {cost:?}");
        assert!(
            cost.directives <= bounds::MAX_DIRECTIVES / 10,
            "{name}: {cost:?}"
        );
        assert!(
            cost.arguments <= bounds::MAX_ARGUMENTS / 10,
            "{name}: {cost:?}"
        );
        assert!(cost.fields <= bounds::MAX_FIELDS / 10, "{name}: {cost:?}");
        assert!(
            cost.expanded <= bounds::MAX_EXPANDED_SELECTIONS / 10,
            "{name}: {cost:?}"
        );
    }
}
