//! Knowing a file's MD5 is not enough to read it. Bytes are stored once for
//! the whole instance, but declaring someone else's digest in your own
//! artifact gets you an upload URL (as for any new file), never a download
//! URL, a committed version, or a hint that the server holds those bytes.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::digests::{b64_md5, hex_md5};
use cairn_test_support::TestServer;
use serde_json::{Value, json};

static NEXT_CLIENT_ID: AtomicUsize = AtomicUsize::new(0);

const SECRET: &[u8] = b"the admin's private weights";

/// One caller logging artifacts into `entity/project` over the raw wire.
struct Logger<'a> {
    server: &'a TestServer,
    key: String,
    entity: String,
    project: &'a str,
}

impl Logger<'_> {
    async fn gql(&self, query: &str, variables: Value) -> Value {
        self.server
            .raw_graphql(&self.key, json!({ "query": query, "variables": variables }))
            .await
    }

    async fn create(&self, name: &str) -> String {
        let answer = self.gql(
            "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id } } }",
            json!({ "input": {
                "artifactTypeName": "model", "artifactCollectionName": name,
                "entityName": self.entity, "projectName": self.project,
                "digest": hex_md5(format!("{name}-{}", NEXT_CLIENT_ID.load(Ordering::Relaxed)).as_bytes()),
                "digestAlgorithm": "MANIFEST_MD5",
                "aliases": [{"alias": "latest", "artifactCollectionName": name}],
                "metadata": "{}", "clientID": format!("c-{}", NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed)),
            }}),
        )
        .await;
        answer["data"]["createArtifact"]["artifact"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_string()
    }

    /// Stage one file; returns its upload URL (None: skip the upload).
    async fn stage(&self, artifact: &str, name: &str, md5: &str) -> Option<String> {
        let answer = self.gql(
            "mutation($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) { files { edges { node { uploadUrl } } } } }",
            json!({ "input": { "storageLayout": "V2", "artifactFiles": [{
                "artifactID": artifact, "name": name, "md5": md5, "mimetype": "text/plain" }]}}),
        )
        .await;
        assert!(answer["errors"].is_null(), "{answer}");
        answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"]
            .as_str()
            .map(str::to_string)
    }

    /// Upload a manifest naming `name` with `bytes`' digest and size, commit.
    async fn commit(&self, artifact: &str, name: &str, md5: &str, size: usize) -> Value {
        let manifest = serde_json::to_vec(&json!({
            "version": 1, "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"},
            "contents": { name: { "digest": md5, "size": size } },
        }))
        .unwrap();
        let reserved = self.gql(
            "mutation($id: ID!, $digest: String!, $e: String!, $p: String!) { createArtifactManifest(input: {artifactID: $id, name: \"wandb_manifest.json\", digest: $digest, entityName: $e, projectName: $p, runName: \"\", type: FULL}) { artifactManifest { file { uploadUrl } } } }",
            json!({ "id": artifact, "digest": b64_md5(&manifest), "e": self.entity, "p": self.project }),
        )
        .await;
        let url =
            reserved["data"]["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"]
                .as_str()
                .unwrap_or_else(|| panic!("{reserved}"));
        let put = reqwest::Client::new()
            .put(url)
            .body(manifest)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
        self.gql(
            "mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { state } } }",
            json!({ "id": artifact }),
        )
        .await
    }

    async fn direct_urls(&self, artifact: &str) -> Value {
        let answer = self
            .gql(
                "query($id: ID!) { artifact(id: $id) { files { edges { node { name directUrl } } } } }",
                json!({ "id": artifact }),
            )
            .await;
        answer["data"]["artifact"]["files"]["edges"].clone()
    }
}

async fn put(url: &str, bytes: &[u8]) -> reqwest::StatusCode {
    reqwest::Client::new()
        .put(url)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_known_digest_does_not_open_someone_elses_file() {
    let server = TestServer::start().await;
    let admin = Logger {
        server: &server,
        key: server.admin_key.clone(),
        entity: "admin".into(),
        project: "private",
    };
    let id = admin.create("weights").await;
    let url = admin.stage(&id, "w.bin", &b64_md5(SECRET)).await.unwrap();
    assert_eq!(put(&url, SECRET).await, 200);
    let committed = admin
        .commit(&id, "w.bin", &b64_md5(SECRET), SECRET.len())
        .await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"],
        "COMMITTED"
    );

    let (_, _, key) = server.new_user("mallory@example.com").await;
    let mallory = Logger {
        server: &server,
        key: key.clone(),
        entity: "mallory".into(),
        project: "mine",
    };
    let theirs = mallory.create("stolen").await;
    // Asked to upload, exactly as for bytes nobody has.
    let stolen_url = mallory.stage(&theirs, "w.bin", &b64_md5(SECRET)).await;
    let unknown_url = mallory
        .stage(&theirs, "nobody.bin", &b64_md5(b"bytes nobody has"))
        .await;
    assert!(stolen_url.is_some() && unknown_url.is_some());
    // Nothing to download while pending, through any door.
    assert_eq!(mallory.direct_urls(&theirs).await, json!([]));
    let fallback = reqwest::Client::new()
        .get(format!(
            "{}/artifacts/mallory/{}",
            server.base_url,
            hex_md5(SECRET)
        ))
        .basic_auth("api", Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(fallback.status(), 404);
    // Committing without the bytes fails in the words an unknown file
    // gets, without the real size (the manifest claims 1 byte).
    let refused = mallory.commit(&theirs, "w.bin", &b64_md5(SECRET), 1).await;
    let message = refused["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("was never uploaded"), "{refused}");
    assert!(!message.contains(&SECRET.len().to_string()), "{message}");
    let unknown = mallory.create("unknown").await;
    mallory
        .stage(&unknown, "w.bin", &b64_md5(b"bytes nobody has"))
        .await;
    let unknown_refused = mallory
        .commit(&unknown, "w.bin", &b64_md5(b"bytes nobody has"), 1)
        .await;
    assert_eq!(
        unknown_refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .replace(&b64_md5(b"bytes nobody has"), "D"),
        message.replace(&b64_md5(SECRET), "D")
    );

    // Wrong bytes are refused; with the real bytes (which she then has
    // anyway) the upload proves the entry and the commit goes through.
    let stolen_url = stolen_url.unwrap();
    assert_eq!(put(&stolen_url, b"guess").await, 400);
    assert_eq!(put(&stolen_url, SECRET).await, 200);
    let committed = mallory
        .commit(&theirs, "w.bin", &b64_md5(SECRET), SECRET.len())
        .await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"], "COMMITTED",
        "{committed}"
    );
}

#[tokio::test]
async fn bytes_the_caller_may_read_are_still_not_uploaded_twice() {
    let server = TestServer::start().await;
    let (_, _, key) = server.new_user("alice@example.com").await;
    let first = Logger {
        server: &server,
        key: key.clone(),
        entity: "alice".into(),
        project: "one",
    };
    let id = first.create("data").await;
    let url = first.stage(&id, "d.bin", &b64_md5(SECRET)).await.unwrap();
    assert_eq!(put(&url, SECRET).await, 200);
    first
        .commit(&id, "d.bin", &b64_md5(SECRET), SECRET.len())
        .await;

    // The same project, and another project she reads: no upload needed.
    let again = first.create("data").await;
    assert_eq!(first.stage(&again, "d.bin", &b64_md5(SECRET)).await, None);
    let second = Logger {
        project: "two",
        ..first
    };
    let other = second.create("copy").await;
    assert_eq!(second.stage(&other, "c.bin", &b64_md5(SECRET)).await, None);
    let committed = second
        .commit(&other, "c.bin", &b64_md5(SECRET), SECRET.len())
        .await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"], "COMMITTED",
        "{committed}"
    );
    assert_eq!(
        second.direct_urls(&other).await.as_array().unwrap().len(),
        1
    );
}
