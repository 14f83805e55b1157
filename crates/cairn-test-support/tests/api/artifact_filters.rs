//! MongoDB-style filters on artifact and registry listings, end to end over
//! GraphQL against a real server and database: registries
//! (`organization.orgEntity.projects`), registry collections and versions
//! (`artifactCollections`, `artifactMemberships`) and a collection's
//! versions (`project.artifactType.artifactCollection.artifacts`).

use base64::Engine;
use cairn_test_support::{ADMIN_KEY, TestServer};
use md5::{Digest, Md5};
use serde_json::{Value, json};

async fn gql(server: &TestServer, query: &str, variables: Value) -> Value {
    let answer = server
        .raw_graphql(ADMIN_KEY, json!({ "query": query, "variables": variables }))
        .await;
    assert!(answer["errors"].is_null(), "{query}: {answer}");
    answer["data"].clone()
}

/// Registries, a source project and versions linked into the registries:
///
/// * registries `model`, `dataset`, `modelzoo`;
/// * `admin/src/resnet` v0 (`acc` 0.7), v1 (0.9, tag `clean`), v2 (0.8);
/// * registry `model`: `resnets` (tag `prod`) holds v0 (alias `staging`)
///   and v1 (alias `best`); `bert` holds v2; registry `dataset`: `imagenet`
///   holds v0.
struct Fixture {
    server: TestServer,
    org: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::start().await;
        let data = gql(
            &server,
            "{ organization { orgEntity { name } } }",
            json!({}),
        )
        .await;
        let org = data["organization"]["orgEntity"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        let fixture = Fixture { server, org };
        for name in ["model", "dataset", "modelzoo"] {
            fixture.registry(name).await;
        }
        let v0 = fixture.log("resnet", json!({"acc": 0.7})).await;
        let v1 = fixture.log("resnet", json!({"acc": 0.9})).await;
        let v2 = fixture.log("resnet", json!({"acc": 0.8})).await;
        gql(
            &fixture.server,
            "mutation($id: ID!) { updateArtifact(input: {artifactID: $id, tagsToAdd: [{tagName: \"clean\"}]}) { artifact { id } } }",
            json!({ "id": v1 }),
        )
        .await;
        fixture.link(&v0, "model", "resnets", "staging").await;
        fixture.link(&v1, "model", "resnets", "best").await;
        fixture.link(&v2, "model", "bert", "candidate").await;
        fixture.link(&v0, "dataset", "imagenet", "v0-copy").await;
        gql(
            &fixture.server,
            "mutation($input: CreateArtifactCollectionTagAssignmentsInput!) { createArtifactCollectionTagAssignments(input: $input) { tags { name } } }",
            json!({ "input": {
                "entityName": fixture.org, "projectName": "wandb-registry-model",
                "artifactCollectionName": "resnets", "tags": [{"tagName": "prod"}],
            }}),
        )
        .await;
        fixture
    }

    async fn registry(&self, name: &str) {
        let data = gql(
            &self.server,
            "mutation($input: UpsertModelInput!) { upsertModel(input: $input) { inserted project { name } } }",
            json!({ "input": {
                "entityName": self.org, "name": format!("wandb-registry-{name}"),
                "description": format!("the {name} registry"), "access": "PRIVATE",
                "allowAllArtifactTypesInRegistry": true,
            }}),
        )
        .await;
        // `model` and `dataset` are core registries, there from the start:
        // for them this changes the description and types.
        assert_eq!(
            data["upsertModel"]["project"]["name"],
            format!("wandb-registry-{name}"),
            "{data}"
        );
    }

    /// Log and commit a version of `admin/src/<name>` (type `model`, no
    /// files) with `metadata`; returns its id.
    async fn log(&self, name: &str, metadata: Value) -> String {
        let created = gql(
            &self.server,
            "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id } } }",
            json!({ "input": {
                "artifactTypeName": "model", "artifactCollectionName": name,
                "entityName": "admin", "projectName": "src",
                "digest": format!("{:x}", Md5::digest(metadata.to_string())),
                "digestAlgorithm": "MANIFEST_MD5", "metadata": metadata.to_string(),
                "aliases": [{"alias": "latest", "artifactCollectionName": name}],
            }}),
        )
        .await;
        let id = created["createArtifact"]["artifact"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let manifest = serde_json::to_vec(&json!({
            "version": 1, "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"}, "contents": {},
        }))
        .unwrap();
        let digest = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&manifest));
        let reserved = gql(
            &self.server,
            "mutation($id: ID!, $digest: String!) { createArtifactManifest(input: {artifactID: $id, name: \"wandb_manifest.json\", digest: $digest, entityName: \"admin\", projectName: \"src\", runName: \"\", type: FULL}) { artifactManifest { file { uploadUrl } } } }",
            json!({ "id": id, "digest": digest }),
        )
        .await;
        let url = reserved["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"]
            .as_str()
            .unwrap();
        let put = reqwest::Client::new()
            .put(url)
            .body(manifest)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
        let committed = gql(
            &self.server,
            "mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { state } } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(
            committed["commitArtifact"]["artifact"]["state"],
            "COMMITTED"
        );
        id
    }

    async fn link(&self, artifact: &str, registry: &str, collection: &str, alias: &str) {
        gql(
            &self.server,
            "mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { versionIndex } }",
            json!({ "input": {
                "artifactID": artifact, "artifactPortfolioName": collection,
                "entityName": self.org, "projectName": format!("wandb-registry-{registry}"),
                "aliases": [{"alias": alias, "artifactCollectionName": collection}],
            }}),
        )
        .await;
    }

    /// Names of the registries `filter` finds.
    async fn registries(&self, filter: Value) -> Vec<String> {
        let data = gql(
            &self.server,
            "query($f: JSONString) { organization { orgEntity { projects(filters: $f) { edges { node { name } } } } } }",
            json!({ "f": filter.to_string() }),
        )
        .await;
        names(&data["organization"]["orgEntity"]["projects"], |n| {
            n["name"].as_str().unwrap().to_string()
        })
    }

    /// Names of the registry collections the filters find.
    async fn collections(&self, registry: Value, filter: Value) -> Vec<String> {
        let data = gql(
            &self.server,
            "query($r: JSONString, $f: JSONString) { organization { orgEntity { artifactCollections(projectFilters: $r, filters: $f, collectionTypes: [PORTFOLIO]) { totalCount edges { node { name } } } } } }",
            json!({ "r": registry.to_string(), "f": filter.to_string() }),
        )
        .await;
        let connection = &data["organization"]["orgEntity"]["artifactCollections"];
        let found = names(connection, |n| n["name"].as_str().unwrap().to_string());
        assert_eq!(connection["totalCount"], found.len(), "{connection}");
        found
    }

    /// `collection:v<n>` of the registry versions the filters find.
    async fn versions(&self, registry: Value, collection: Value, filter: Value) -> Vec<String> {
        let data = gql(
            &self.server,
            "query($r: JSONString, $c: JSONString, $f: JSONString) { organization { orgEntity { artifactMemberships(projectFilters: $r, collectionFilters: $c, filters: $f) { edges { node { versionIndex artifactCollection { name } } } } } } }",
            json!({ "r": registry.to_string(), "c": collection.to_string(), "f": filter.to_string() }),
        )
        .await;
        names(
            &data["organization"]["orgEntity"]["artifactMemberships"],
            |n| {
                format!(
                    "{}:v{}",
                    n["artifactCollection"]["name"].as_str().unwrap(),
                    n["versionIndex"]
                )
            },
        )
    }

    /// Versions of `admin/src/resnet` that `filter` finds, as `v<n>`.
    async fn artifacts(&self, filter: Value) -> Vec<String> {
        let data = gql(
            &self.server,
            "query($f: JSONString) { project(name: \"src\", entityName: \"admin\") { artifactType(name: \"model\") { artifactCollection(name: \"resnet\") { artifacts(filters: $f) { edges { version } } } } } }",
            json!({ "f": filter.to_string() }),
        )
        .await;
        let edges = &data["project"]["artifactType"]["artifactCollection"]["artifacts"]["edges"];
        let mut found: Vec<String> = edges
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["version"].as_str().unwrap().to_string())
            .collect();
        found.sort();
        found
    }
}

fn names(connection: &Value, name: impl Fn(&Value) -> String) -> Vec<String> {
    let mut found: Vec<String> = connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{connection}"))
        .iter()
        .map(|edge| name(&edge["node"]))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn registries_are_found_by_name_regex_equality_and_description() {
    let f = Fixture::new().await;
    assert_eq!(
        f.registries(json!({"name": {"$regex": "model"}})).await,
        ["wandb-registry-model", "wandb-registry-modelzoo"]
    );
    assert_eq!(
        f.registries(json!({"name": {"$regex": "^model$"}})).await,
        ["wandb-registry-model"]
    );
    assert_eq!(
        f.registries(json!({"name": {"$in": ["wandb-registry-dataset", "wandb-registry-x"]}}))
            .await,
        ["wandb-registry-dataset"]
    );
    assert_eq!(
        f.registries(
            json!({"$or": [{"name": "wandb-registry-dataset"}, {"description": {"$regex": "zoo"}}]})
        )
        .await,
        ["wandb-registry-dataset", "wandb-registry-modelzoo"]
    );
    assert_eq!(
        f.registries(json!({"created_at": {"$gte": "2000-01-01T00:00:00Z"}, "name": {"$ne": "wandb-registry-model"}}))
            .await,
        ["wandb-registry-dataset", "wandb-registry-modelzoo"]
    );
    assert!(
        f.registries(json!({"created_at": {"$lt": "2000-01-01"}}))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn registry_collections_are_found_by_tag_and_registry() {
    let f = Fixture::new().await;
    assert_eq!(
        f.collections(json!({}), json!({"tag": {"$in": ["prod"]}}))
            .await,
        ["resnets"]
    );
    assert_eq!(
        f.collections(json!({}), json!({"tag": {"$nin": ["prod"]}}))
            .await,
        ["bert", "imagenet"]
    );
    assert_eq!(
        f.collections(json!({"name": {"$regex": "dataset"}}), json!({}))
            .await,
        ["imagenet"]
    );
    assert_eq!(
        f.collections(
            json!({"name": "wandb-registry-model"}),
            json!({"name": {"$regex": "^res"}})
        )
        .await,
        ["resnets"]
    );
}

#[tokio::test]
async fn registry_versions_are_found_by_tag_alias_and_metadata() {
    let f = Fixture::new().await;
    let model = json!({"name": "wandb-registry-model"});
    assert_eq!(
        f.versions(
            model.clone(),
            json!({"name": "resnets"}),
            json!({"$or": [{"tag": "clean"}, {"alias": "staging"}]})
        )
        .await,
        ["resnets:v0", "resnets:v1"]
    );
    assert_eq!(
        f.versions(
            model.clone(),
            json!({}),
            json!({"alias": {"$in": ["best", "candidate"]}})
        )
        .await,
        ["bert:v0", "resnets:v1"]
    );
    assert_eq!(
        f.versions(json!({}), json!({}), json!({"metadata.acc": {"$gte": 0.8}}))
            .await,
        ["bert:v0", "resnets:v1"]
    );
    assert_eq!(
        f.versions(json!({}), json!({"tag": "prod"}), json!({"version": "v1"}))
            .await,
        ["resnets:v1"]
    );
    assert_eq!(
        f.versions(json!({}), json!({}), json!({"metadata.acc": {"$lt": 0.75}}))
            .await,
        ["imagenet:v0", "resnets:v0"]
    );
}

#[tokio::test]
async fn collection_versions_are_filtered_by_state_tags_metadata_and_time() {
    let f = Fixture::new().await;
    assert_eq!(
        f.artifacts(json!({"state": "COMMITTED"})).await,
        ["v0", "v1", "v2"]
    );
    assert_eq!(
        f.artifacts(json!({"$and": [{"state": "COMMITTED"}, {"tag": {"$in": ["clean"]}}]}))
            .await,
        ["v1"]
    );
    assert_eq!(
        f.artifacts(json!({"metadata.acc": {"$gt": 0.75}})).await,
        ["v1", "v2"]
    );
    assert_eq!(
        f.artifacts(json!({"created_at": {"$gte": "2000-01-01T00:00:00", "$lt": 4102444800_i64}}))
            .await,
        ["v0", "v1", "v2"]
    );
    assert!(
        f.artifacts(json!({"created_at": {"$lt": "2000-01-01T00:00:00.5Z"}}))
            .await
            .is_empty()
    );
    assert_eq!(f.artifacts(json!({"alias": "latest"})).await, ["v2"]);
}

#[tokio::test]
async fn a_bad_filter_is_a_graphql_error_naming_the_field() {
    let f = Fixture::new().await;
    let answer = f
        .server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "query($f: JSONString) { organization { orgEntity { projects(filters: $f) { edges { node { name } } } } } }",
                "variables": { "f": json!({"colour": "red"}).to_string() },
            }),
        )
        .await;
    let message = answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    assert!(
        message.contains("unknown field \"colour\" in a registry filter"),
        "{message}"
    );
    let answer = f
        .server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "query($f: JSONString) { project(name: \"src\", entityName: \"admin\") { artifactType(name: \"model\") { artifactCollection(name: \"resnet\") { artifacts(filters: $f) { edges { version } } } } } }",
                "variables": { "f": json!({"version": {"$gt": "newest"}}).to_string() },
            }),
        )
        .await;
    let message = answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    assert!(
        message.contains("\"$gt\" on \"version\" needs a version"),
        "{message}"
    );
}
