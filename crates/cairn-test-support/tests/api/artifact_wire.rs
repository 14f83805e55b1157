//! The artifact wire protocol as `wandb-core` speaks it: createArtifact,
//! createArtifactManifest, createArtifactFiles, PUTs to signed URLs,
//! commitArtifact, and downloads through signed and fallback URLs. Raw HTTP
//! on purpose, to pin down what the server accepts and refuses.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::digests::{b64_md5, hex_md5};
use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};

/// Client ids are unique per created artifact, as the official client's are.
static NEXT_CLIENT_ID: AtomicUsize = AtomicUsize::new(0);

async fn gql(server: &TestServer, query: &str, variables: Value) -> Value {
    server
        .raw_graphql(ADMIN_KEY, json!({ "query": query, "variables": variables }))
        .await
}

/// `createArtifact` in `admin/wire`; returns (id, state).
async fn create(server: &TestServer, name: &str, digest: &str) -> (String, String) {
    let answer = gql(
        server,
        "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id state } } }",
        json!({ "input": {
            "artifactTypeName": "dataset", "artifactCollectionName": name,
            "entityName": "admin", "projectName": "wire", "digest": digest,
            "digestAlgorithm": "MANIFEST_MD5", "enableDigestDeduplication": true,
            "aliases": [{"alias": "latest", "artifactCollectionName": name}],
            "metadata": "{}", "clientID": format!("client-{}", NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed)),
        }}),
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");
    let artifact = &answer["data"]["createArtifact"]["artifact"];
    (
        artifact["id"].as_str().unwrap().to_string(),
        artifact["state"].as_str().unwrap().to_string(),
    )
}

/// `createArtifactFiles` for one file; returns the answer.
async fn stage(server: &TestServer, artifact: &str, name: &str, md5: &str, parts: Value) -> Value {
    gql(
        server,
        "mutation($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) { files { edges { node { storagePath uploadUrl uploadHeaders uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } } artifact { id } } } } } }",
        json!({ "input": { "storageLayout": "V2", "artifactFiles": [{
            "artifactID": artifact, "name": name, "md5": md5, "mimetype": "text/plain",
            "uploadPartsInput": parts,
        }]}}),
    )
    .await
}

async fn put(url: &str, bytes: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .put(url)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// Upload the manifest for `files` and commit; returns the commit answer.
async fn commit(server: &TestServer, artifact: &str, files: &[(&str, &[u8])]) -> Value {
    let contents: serde_json::Map<String, Value> = files
        .iter()
        .map(|(name, bytes)| {
            (
                name.to_string(),
                json!({ "digest": b64_md5(bytes), "size": bytes.len() }),
            )
        })
        .collect();
    commit_manifest(server, artifact, contents).await
}

/// Upload a manifest of `contents` and commit; returns the commit answer.
async fn commit_manifest(
    server: &TestServer,
    artifact: &str,
    contents: serde_json::Map<String, Value>,
) -> Value {
    let manifest = serde_json::to_vec(&json!({
        "version": 1, "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": {"storageLayout": "V2"}, "contents": contents,
    }))
    .unwrap();
    let reserved = gql(
        server,
        "mutation($id: ID!, $digest: String!) { createArtifactManifest(input: {artifactID: $id, name: \"wandb_manifest.json\", digest: $digest, entityName: \"admin\", projectName: \"wire\", runName: \"\", type: FULL}) { artifactManifest { id file { id uploadUrl uploadHeaders } } } }",
        json!({ "id": artifact, "digest": b64_md5(&manifest) }),
    )
    .await;
    let url = reserved["data"]["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{reserved}"))
        .to_string();
    assert_eq!(put(&url, manifest).await.status(), 200);
    gql(
        server,
        "mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { id digest state versionIndex } } }",
        json!({ "id": artifact }),
    )
    .await
}

/// Log an artifact of `files` the way wandb-core does; returns its id.
async fn log(server: &TestServer, name: &str, files: &[(&str, &[u8])]) -> String {
    let digest = hex_md5(format!("{name}{files:?}").as_bytes());
    let (id, _) = create(server, name, &digest).await;
    for (path, bytes) in files {
        let answer = stage(server, &id, path, &b64_md5(bytes), Value::Null).await;
        let node = &answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"];
        if let Some(url) = node["uploadUrl"].as_str() {
            assert_eq!(put(url, bytes.to_vec()).await.status(), 200);
        }
    }
    let committed = commit(server, &id, files).await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"], "COMMITTED",
        "{committed}"
    );
    id
}

/// The signed download URL of `path` in the artifact `name:version`.
async fn direct_url(server: &TestServer, name_version: &str, path: &str) -> Option<String> {
    let answer = gql(
        server,
        "query($name: String!, $names: [String!]) { project(name: \"wire\", entityName: \"admin\") { artifactCollectionMembership(name: $name) { files(names: $names) { edges { node { name directUrl md5 sizeBytes } } } } } }",
        json!({ "name": name_version, "names": [path] }),
    )
    .await;
    answer["data"]["project"]["artifactCollectionMembership"]["files"]["edges"][0]["node"]
        ["directUrl"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn bytes_that_do_not_match_their_digest_are_refused() {
    let server = TestServer::start().await;
    let (id, state) = create(&server, "bad", "d1").await;
    assert_eq!(state, "PENDING");
    let answer = stage(&server, &id, "x.txt", &b64_md5(b"right"), Value::Null).await;
    let url = answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = put(&url, b"wrong".to_vec()).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("Digest mismatch"),
        "{body}"
    );
    let committed = commit(&server, &id, &[("x.txt", b"right")]).await;
    let message = committed["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("never uploaded"), "{committed}");
}

#[tokio::test]
async fn a_manifest_that_misstates_a_file_size_is_refused() {
    let server = TestServer::start().await;
    let (id, _) = create(&server, "sized", "d-sized").await;
    let answer = stage(&server, &id, "x.txt", &b64_md5(b"12345"), Value::Null).await;
    let url = answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(put(&url, b"12345".to_vec()).await.status(), 200);
    let mut contents = serde_json::Map::new();
    contents.insert(
        "x.txt".into(),
        json!({ "digest": b64_md5(b"12345"), "size": 99 }),
    );
    let committed = commit_manifest(&server, &id, contents).await;
    let message = committed["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("\"x.txt\" has 99 bytes, but 5 were uploaded"),
        "{committed}"
    );

    // The same artifact commits once the manifest tells the truth.
    let committed = commit(&server, &id, &[("x.txt", b"12345")]).await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"], "COMMITTED",
        "{committed}"
    );
}

#[tokio::test]
async fn entry_paths_that_escape_the_artifact_are_refused() {
    let server = TestServer::start().await;
    let (id, _) = create(&server, "evil", "d2").await;
    for bad in ["../evil", "/etc/passwd", "a/../../b", "a\\b"] {
        let answer = stage(&server, &id, bad, &b64_md5(b"x"), Value::Null).await;
        assert!(
            answer["errors"][0]["message"].as_str().is_some(),
            "{bad}: {answer}"
        );
    }
    let committed = commit(&server, &id, &[("../evil", b"x")]).await;
    assert!(committed["errors"][0]["message"].is_string(), "{committed}");
}

#[tokio::test]
async fn identical_bytes_are_uploaded_once_and_shared() {
    let server = TestServer::start().await;
    log(&server, "first", &[("shared.bin", b"same bytes")]).await;
    let (id, _) = create(&server, "second", "d3").await;
    let answer = stage(
        &server,
        &id,
        "copy.bin",
        &b64_md5(b"same bytes"),
        Value::Null,
    )
    .await;
    let node = &answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"];
    assert!(node["uploadUrl"].is_null(), "already stored: {answer}");
    assert!(node["storagePath"].as_str().unwrap().starts_with("cas/"));
    let committed = commit(&server, &id, &[("copy.bin", b"same bytes")]).await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"],
        "COMMITTED"
    );
    let url = direct_url(&server, "second:v0", "copy.bin").await.unwrap();
    let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"same bytes");
}

#[tokio::test]
async fn download_urls_need_no_credentials_but_cannot_be_forged_and_honour_ranges() {
    let server = TestServer::start().await;
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    log(&server, "ranged", &[("data.bin", &content)]).await;
    let url = direct_url(&server, "ranged:latest", "data.bin")
        .await
        .unwrap();
    let whole = reqwest::get(&url).await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().to_vec(), content);

    let part = reqwest::Client::new()
        .get(&url)
        .header("Range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"].to_str().unwrap(),
        "bytes 1000-1999/100000"
    );
    assert_eq!(part.bytes().await.unwrap().to_vec(), content[1000..2000]);

    let forged = url.replace("sig=", "sig=x");
    assert_eq!(reqwest::get(&forged).await.unwrap().status(), 403);
    let other_digest = url.replacen(&hex_md5(&content), &hex_md5(b"other"), 1);
    assert_eq!(reqwest::get(&other_digest).await.unwrap().status(), 403);
}

#[tokio::test]
async fn fallback_downloads_need_an_api_key_with_read_access() {
    let server = TestServer::start().await;
    log(&server, "fallback", &[("f.txt", b"fallback bytes")]).await;
    let hex = hex_md5(b"fallback bytes");
    let v1 = format!("{}/artifacts/admin/{hex}", server.base_url);
    let client = reqwest::Client::new();
    let answer = client
        .get(&v1)
        .basic_auth("api", Some(ADMIN_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(&answer.bytes().await.unwrap()[..], b"fallback bytes");
    assert_eq!(client.get(&v1).send().await.unwrap().status(), 401);

    let v2 = format!(
        "{}/artifactsV2/default/admin/wire/fallback/QXJ0aWZhY3Q6MQ==/{hex}/f.txt",
        server.base_url
    );
    let answer = client
        .get(&v2)
        .basic_auth("api", Some(ADMIN_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    let (_, _, outsider_key) = server.new_user("outsider@example.com").await;
    let refused = client
        .get(&v1)
        .basic_auth("api", Some(&outsider_key))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        404,
        "a private project's bytes stay hidden"
    );
}

#[tokio::test]
async fn multipart_uploads_are_joined_and_checked_against_the_whole_digest() {
    let server = TestServer::start().await;
    let part1 = vec![7u8; 300_000];
    let part2 = b"tail".to_vec();
    let whole = [part1.clone(), part2.clone()].concat();
    let (id, _) = create(&server, "big", "d4").await;
    let parts = json!([
        {"partNumber": 1, "hexMD5": hex_md5(&part1)},
        {"partNumber": 2, "hexMD5": hex_md5(&part2)},
    ]);
    let answer = stage(&server, &id, "big.bin", &b64_md5(&whole), parts.clone()).await;
    let node = &answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"];
    let multipart = &node["uploadMultipartUrls"];
    let upload_id = multipart["uploadID"].as_str().unwrap();
    for (i, bytes) in [&part1, &part2].into_iter().enumerate() {
        let url = multipart["uploadUrlParts"][i]["uploadUrl"]
            .as_str()
            .unwrap();
        let response = put(url, bytes.clone()).await;
        assert_eq!(response.status(), 200);
        let etag = response.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(etag.trim_matches('"'), hex_md5(bytes));
    }
    let completed = gql(
        &server,
        "mutation($parts: [UploadPartsInput!]!, $id: ID!, $path: String!, $upload: String!) { completeMultipartUploadArtifact(input: {completeMultipartAction: Complete, completedParts: $parts, artifactID: $id, storagePath: $path, uploadID: $upload}) { digest } }",
        json!({ "parts": parts, "id": id, "path": node["storagePath"], "upload": upload_id }),
    )
    .await;
    assert_eq!(
        completed["data"]["completeMultipartUploadArtifact"]["digest"],
        b64_md5(&whole),
        "{completed}"
    );
    let committed = commit(&server, &id, &[("big.bin", &whole)]).await;
    assert_eq!(
        committed["data"]["commitArtifact"]["artifact"]["state"],
        "COMMITTED"
    );
    let url = direct_url(&server, "big:v0", "big.bin").await.unwrap();
    assert_eq!(
        reqwest::get(&url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        whole
    );
}

#[tokio::test]
async fn multipart_part_numbers_are_checked_before_any_url_or_join() {
    let server = TestServer::start().await;
    let (id, _) = create(&server, "parts", "d5").await;
    let whole = b"whole".to_vec();
    for (parts, says) in [
        (
            json!([{"partNumber": 1, "hexMD5": "00"}, {"partNumber": 1, "hexMD5": "00"}]),
            "named twice",
        ),
        (json!([{"partNumber": 0, "hexMD5": "00"}]), "out of range"),
        (
            json!([{"partNumber": 10_001, "hexMD5": "00"}]),
            "out of range",
        ),
    ] {
        let answer = stage(&server, &id, "p.bin", &b64_md5(&whole), parts).await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{answer}");
    }
    let staged = stage(&server, &id, "p.bin", &b64_md5(&whole), Value::Null).await;
    let node = &staged["data"]["createArtifactFiles"]["files"]["edges"][0]["node"];
    for (parts, upload, says) in [
        (json!([]), "abc", "at least one part"),
        (
            json!([{"partNumber": 2, "hexMD5": "00"}, {"partNumber": 2, "hexMD5": "00"}]),
            "abc",
            "named twice",
        ),
        (
            json!([{"partNumber": 1, "hexMD5": "00"}]),
            "../etc",
            "not an upload id",
        ),
    ] {
        let answer = gql(
            &server,
            "mutation($parts: [UploadPartsInput!]!, $id: ID!, $path: String!, $upload: String!) { completeMultipartUploadArtifact(input: {completeMultipartAction: Complete, completedParts: $parts, artifactID: $id, storagePath: $path, uploadID: $upload}) { digest } }",
            json!({ "parts": parts, "id": id, "path": node["storagePath"], "upload": upload }),
        )
        .await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{answer}");
    }
}

#[tokio::test]
async fn deleting_a_version_frees_only_the_bytes_nothing_else_uses() {
    let server = TestServer::start().await;
    let a = log(
        &server,
        "gc",
        &[("shared", b"shared"), ("only-v0", b"only v0")],
    )
    .await;
    log(
        &server,
        "gc",
        &[("shared", b"shared"), ("only-v1", b"only v1")],
    )
    .await;
    let shared_v1 = direct_url(&server, "gc:v1", "shared").await.unwrap();
    let only_v0 = direct_url(&server, "gc:v0", "only-v0").await.unwrap();
    let deleted = gql(
        &server,
        "mutation($id: ID!) { deleteArtifact(input: {artifactID: $id, deleteAliases: true}) { artifact { id } } }",
        json!({ "id": a }),
    )
    .await;
    assert!(deleted["errors"].is_null(), "{deleted}");
    assert_eq!(reqwest::get(&only_v0).await.unwrap().status(), 404);
    let still = reqwest::get(&shared_v1).await.unwrap();
    assert_eq!(still.status(), 200);
    assert_eq!(&still.bytes().await.unwrap()[..], b"shared");
    let latest = gql(
        &server,
        "{ project(name: \"wire\", entityName: \"admin\") { artifactCollectionMembership(name: \"gc:latest\") { versionIndex } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        latest["data"]["project"]["artifactCollectionMembership"]["versionIndex"],
        1
    );
}

#[tokio::test]
async fn logging_identical_content_returns_the_existing_version() {
    let server = TestServer::start().await;
    let first = log(&server, "same", &[("a", b"a")]).await;
    let digest = hex_md5(format!("same{:?}", [("a", b"a")]).as_bytes());
    let (again, state) = create(&server, "same", &digest).await;
    assert_eq!(state, "COMMITTED");
    assert_eq!(again, first);
}

#[tokio::test]
async fn abandoned_uploads_are_deleted_with_the_blobs_only_they_held() {
    let mut data_dir = std::path::PathBuf::new();
    let server = TestServer::start_with(|config| {
        config.upload_timeout = std::time::Duration::from_secs(1);
        data_dir = config.data_dir.clone();
    })
    .await;
    let stored = |bytes: &[u8]| crate::digests::blob_file(&data_dir, bytes).is_some();
    log(&server, "kept", &[("shared.txt", b"shared bytes")]).await;
    let (id, _) = create(&server, "abandoned", "d-abandoned").await;
    for bytes in [&b"shared bytes"[..], b"only here"] {
        let answer = stage(&server, &id, &hex_md5(bytes), &b64_md5(bytes), Value::Null).await;
        let node = &answer["data"]["createArtifactFiles"]["files"]["edges"][0]["node"];
        if let Some(url) = node["uploadUrl"].as_str() {
            assert_eq!(put(url, bytes.to_vec()).await.status(), 200);
        }
    }
    assert!(stored(b"only here"));

    // Never committed: after the timeout the sweep deletes the artifact
    // and the bytes nothing else uses, and keeps the shared ones.
    let query = "query($id: ID!) { artifact(id: $id) { id state } }";
    let mut gone = false;
    for _ in 0..100 {
        let answer = gql(&server, query, json!({ "id": id })).await;
        if answer["data"]["artifact"].is_null() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the abandoned artifact is still there");
    assert!(!stored(b"only here"));
    assert!(stored(b"shared bytes"));
    let url = direct_url(&server, "kept:v0", "shared.txt").await.unwrap();
    assert_eq!(
        &reqwest::get(&url).await.unwrap().bytes().await.unwrap()[..],
        b"shared bytes"
    );
}
