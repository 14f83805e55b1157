//! What the server keeps on disk is private to the account running it, and
//! the URL-signing key can come from outside the data directory.
//!
//! Regression tests for the data directory being created 0755 with the
//! database 0644: any local account could copy the database, read the
//! URL-signing key out of it and forge upload and download URLs.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cairn_client::NewArtifact;
use cairn_server::config::UrlSigningKey;
use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::json;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every directory and file under `root` (itself included), with its mode.
fn modes(root: &Path) -> Vec<(String, bool, u32)> {
    fn walk(path: &Path, out: &mut Vec<(String, bool, u32)>) {
        let is_dir = path.is_dir();
        out.push((path.display().to_string(), is_dir, mode(path)));
        if is_dir {
            for entry in std::fs::read_dir(path).unwrap().flatten() {
                walk(&entry.path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

/// Create run `name` in `admin/perm`.
async fn create_run(server: &TestServer, name: &str) {
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($name: String) { upsertBucket(input: {name: $name, modelName: \"perm\", entityName: \"admin\"}) { inserted } }",
                "variables": { "name": name },
            }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
}

/// The signed upload URL of run file `file` of `admin/perm/<run>`.
async fn upload_url(server: &TestServer, run: &str, file: &str) -> String {
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($run: String!, $files: [String!]!) { createRunFiles(input: {entityName: \"admin\", projectName: \"perm\", runName: $run, files: $files}) { files { uploadUrl } } }",
                "variables": { "run": run, "files": [file] },
            }),
        )
        .await;
    answer["data"]["createRunFiles"]["files"][0]["uploadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_string()
}

#[tokio::test]
async fn a_new_data_dir_and_everything_in_it_is_private_to_the_server_account() {
    let server = TestServer::start().await;
    let data = server.data_dir().to_path_buf();

    // A run file (streamed) and artifact blobs (small and streamed).
    create_run(&server, "r1").await;
    let put = reqwest::Client::new()
        .put(upload_url(&server, "r1", "model/weights.bin").await)
        .body(vec![7u8; 300_000])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("small.txt"), b"small").unwrap();
    std::fs::write(src.path().join("big.bin"), vec![3u8; 5 << 20]).unwrap();
    server
        .api
        .log_artifact(
            "admin/perm",
            NewArtifact::new("ds", "dataset").add_dir(src.path(), None),
            &[],
            &[],
        )
        .await
        .unwrap();

    // The database is in WAL mode, so its -wal and -shm files exist now.
    for name in ["cairn.sqlite3", "cairn.sqlite3-wal", "cairn.sqlite3-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    let all = modes(&data);
    let files = |prefix: &str| {
        all.iter()
            .filter(|(path, is_dir, _)| !is_dir && path.contains(prefix))
            .count()
    };
    assert_eq!(files("blobs/data/runs/"), 1, "{all:#?}");
    assert!(files("blobs/data/cas/") >= 2, "{all:#?}");
    for (path, is_dir, mode) in &all {
        let wanted = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, wanted, "{path} is {mode:o}");
    }
}

#[tokio::test]
async fn loose_permissions_on_an_existing_data_dir_are_tightened_at_start() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let first = TestServer::start_in(&data, |_| {}).await;
    create_run(&first, "r1").await;
    drop(first);

    // What a data directory made by an earlier release looks like.
    let loosen = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    loosen(&data, 0o755);
    loosen(&data.join("cairn.sqlite3"), 0o644);
    for name in ["cairn.sqlite3-wal", "cairn.sqlite3-shm"] {
        if data.join(name).exists() {
            loosen(&data.join(name), 0o644);
        }
    }
    loosen(&data.join("blobs"), 0o755);

    let second = TestServer::start_in(&data, |_| {}).await;
    assert_eq!(second.api.viewer().await.unwrap().username(), "admin");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("blobs")), 0o700);
    for name in ["cairn.sqlite3", "cairn.sqlite3-wal", "cairn.sqlite3-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
}

#[tokio::test]
async fn a_configured_url_signing_key_is_used_instead_of_the_stored_one() {
    let key = UrlSigningKey::new("a-url-signing-key-of-forty-bytes-or-more".as_bytes()).unwrap();
    let with_key = |config: &mut cairn_server::Config| config.url_signing_key = Some(key.clone());
    let signer = TestServer::start_with(with_key).await;
    let same_key = TestServer::start_with(with_key).await;
    let stored_key = TestServer::start().await;
    for server in [&signer, &same_key, &stored_key] {
        create_run(server, "r1").await;
    }

    // Each server has its own database (so its own stored key), but the
    // first two sign with the configured one: a URL from one works on the
    // other.
    let url = upload_url(&signer, "r1", "x.txt").await;
    let http = reqwest::Client::new();
    let on = |server: &TestServer| url.replace(&signer.base_url, &server.base_url);
    let put = http.put(on(&same_key)).body("x").send().await.unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let put = http.put(on(&stored_key)).body("x").send().await.unwrap();
    assert_eq!(put.status(), 403);
}

#[test]
fn a_short_url_signing_key_is_refused_with_its_length() {
    let err = UrlSigningKey::new(b"short".as_slice())
        .unwrap_err()
        .to_string();
    assert!(err.contains("5 bytes") && err.contains("32"), "{err}");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{}\n", "k".repeat(31))).unwrap();
    let err = UrlSigningKey::from_file(file.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("31 bytes"), "the newline is not key: {err}");
    assert!(err.contains(&file.path().display().to_string()), "{err}");
    std::fs::write(file.path(), format!("{}\n", "k".repeat(32))).unwrap();
    assert!(UrlSigningKey::from_file(file.path()).is_ok());
}
