//! Artifacts through `cairn-client`: logging from local files, fetching by
//! alias, parallel resumable digest-checked downloads, dedup of unchanged
//! files between versions (counted on the server's disk), edits, links
//! into a registry, lineage, deletion, and the not-found / wrong-type
//! answers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cairn_client::{Error, NewArtifact, Progress};
use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};

/// A server whose data directory the test can inspect.
async fn server() -> (TestServer, PathBuf) {
    let mut data_dir = PathBuf::new();
    let server = TestServer::start_with(|config| data_dir = config.data_dir.clone()).await;
    (server, data_dir)
}

/// Files under `dir`, recursively.
fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() { count_files(&path) } else { 1 }
        })
        .sum()
}

fn blobs(data_dir: &Path) -> usize {
    count_files(&data_dir.join("blobs/data/cas"))
}

/// A directory of 23 files in nested folders, one of 300 kB.
fn sample_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("sub/deep")).unwrap();
    std::fs::write(root.join("a.txt"), b"alpha").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.join("sub/big.bin"), big).unwrap();
    std::fs::write(root.join("sub/deep/c.txt"), b"gamma").unwrap();
    for i in 0..20 {
        std::fs::write(root.join(format!("sub/f{i:02}.txt")), format!("file {i}")).unwrap();
    }
    dir
}

/// Every file under `root`, as (relative path, bytes), sorted.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let name = path.strip_prefix(base).unwrap().to_string_lossy();
                out.push((name.replace('\\', "/"), std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

#[tokio::test]
async fn a_directory_round_trips_resumes_repairs_and_new_versions_upload_only_changes() {
    let (server, data_dir) = server().await;
    let api = &server.api;
    let src = sample_dir();
    let mut meta = serde_json::Map::new();
    meta.insert("rows".into(), json!(23));
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let recorder = seen.clone();
    let (logged, summary) = api
        .log_artifact_with_progress(
            "admin/arts",
            NewArtifact::new("ds", "dataset")
                .description("sample")
                .metadata(meta)
                .add_dir(src.path(), None),
            &["best"],
            &["raw"],
            Some(Arc::new(move |p| recorder.lock().unwrap().push(p))),
        )
        .await
        .unwrap();
    assert_eq!((summary.files, summary.uploaded_files), (23, 23));
    assert!(!summary.deduplicated);
    assert_eq!(
        seen.lock().unwrap().last().unwrap().files_done,
        23,
        "progress reaches the end"
    );
    assert_eq!(logged.qualified_name(), "admin/arts/ds:v0");
    assert_eq!(logged.state(), "COMMITTED");
    assert_eq!(blobs(&data_dir), 24, "23 files and the manifest");

    let fetched = api
        .artifact("admin/arts/ds:best", Some("dataset"))
        .await
        .unwrap()
        .expect("found by alias");
    assert_eq!(fetched.version(), "v0");
    assert_eq!(fetched.id(), logged.id());
    let mut aliases = fetched.aliases().to_vec();
    aliases.sort();
    assert_eq!(aliases, ["best", "latest"]);
    assert_eq!(fetched.tags(), ["raw"]);
    assert_eq!(fetched.metadata()["rows"], 23);
    assert_eq!(fetched.description(), Some("sample"));
    assert_eq!(fetched.file_count(), 23);
    assert_eq!(fetched.size(), 300_000 + 5 + 5 + 10 * 6 + 10 * 7);
    assert_eq!(fetched.files(&[], 10).len().await.unwrap(), 23);
    let named = fetched
        .files(&["sub/big.bin"], 10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].size(), 300_000);

    // Download: byte-identical, then resumable, then self-repairing.
    let out = tempfile::tempdir().unwrap();
    let first = fetched.download(out.path()).await.unwrap();
    assert_eq!((first.files, first.downloaded, first.skipped), (23, 23, 0));
    assert_eq!(tree(out.path()), tree(src.path()));
    let again = fetched.download(out.path()).await.unwrap();
    assert_eq!((again.downloaded, again.skipped), (0, 23));
    let mut corrupt = std::fs::read(out.path().join("sub/big.bin")).unwrap();
    corrupt[1000] ^= 0xff;
    std::fs::write(out.path().join("sub/big.bin"), corrupt).unwrap();
    std::fs::remove_file(out.path().join("a.txt")).unwrap();
    let repaired = fetched.download(out.path()).await.unwrap();
    assert_eq!((repaired.downloaded, repaired.skipped), (2, 21));
    assert_eq!(repaired.bytes_downloaded, 300_005);
    assert_eq!(tree(out.path()), tree(src.path()));

    // A second version changing one file uploads that file only.
    std::fs::write(src.path().join("sub/f07.txt"), b"changed").unwrap();
    let (v1, summary) = api
        .log_artifact_with_progress(
            "admin/arts",
            NewArtifact::new("ds", "dataset").add_dir(src.path(), None),
            &[],
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!((summary.files, summary.uploaded_files), (23, 1));
    assert_eq!(summary.uploaded_bytes, 7);
    assert_eq!(blobs(&data_dir), 26, "one new file and one new manifest");
    assert_eq!(v1.version(), "v1");

    // `latest` moved; `best` stayed.
    let latest = api.artifact("admin/arts/ds", None).await.unwrap().unwrap();
    assert_eq!(latest.version(), "v1");
    let v0 = api
        .artifact("admin/arts/ds:v0", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v0.aliases(), ["best"]);
    let versions = api
        .artifacts("dataset", "admin/arts/ds", 1, &[])
        .collect_all()
        .await
        .unwrap();
    let mut names: Vec<String> = versions.iter().map(|a| a.name()).collect();
    names.sort();
    assert_eq!(names, ["ds:v0", "ds:v1"], "paged one at a time");
    let tagged = api
        .artifacts("dataset", "admin/arts/ds", 50, &["raw"])
        .collect_all()
        .await
        .unwrap();
    assert_eq!(tagged.len(), 1);

    // Identical content: the existing version comes back, nothing is sent.
    let (same, summary) = api
        .log_artifact_with_progress(
            "admin/arts",
            NewArtifact::new("ds", "dataset").add_dir(src.path(), None),
            &[],
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(summary.deduplicated);
    assert_eq!(same.id(), v1.id());
    assert_eq!(blobs(&data_dir), 26);

    // Downloading v1 over the v0 copy fetches only the changed file.
    let moved = v1.download(out.path()).await.unwrap();
    assert_eq!((moved.downloaded, moved.skipped), (1, 22));
    assert_eq!(tree(out.path()), tree(src.path()));
}

#[tokio::test]
async fn bytes_that_do_not_match_the_manifest_are_refused_and_not_kept() {
    let (server, data_dir) = server().await;
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("x.bin"), b"original bytes").unwrap();
    let logged = server
        .api
        .log_artifact(
            "admin/arts",
            NewArtifact::new("bad", "dataset").add_file(src.path().join("x.bin"), None),
            &[],
            &[],
        )
        .await
        .unwrap();
    // Rot the stored blob behind the server's back (same length).
    let blob = crate::digests::blob_file(&data_dir, b"original bytes").unwrap();
    std::fs::write(&blob, b"rotten   bytes").unwrap();
    let out = tempfile::tempdir().unwrap();
    let error = logged.download(out.path()).await.unwrap_err();
    assert!(
        matches!(&error, Error::DigestMismatch { path, .. } if path == "x.bin"),
        "{error}"
    );
    assert!(tree(out.path()).is_empty(), "no file, no .part left behind");
}

#[tokio::test]
async fn aliases_tags_metadata_and_description_edits_round_trip() {
    let (server, _) = server().await;
    let api = &server.api;
    let src = sample_dir();
    api.log_artifact(
        "admin/arts",
        NewArtifact::new("edit", "model").add_file(src.path().join("a.txt"), Some("w/a.txt")),
        &[],
        &["old"],
    )
    .await
    .unwrap();
    let mut art = api
        .artifact("admin/arts/edit:v0", None)
        .await
        .unwrap()
        .unwrap();
    art.aliases_mut().push("prod".into());
    art.tags_mut().retain(|t| t != "old");
    art.tags_mut().push("new".into());
    art.metadata_mut().insert("acc".into(), json!(0.9));
    art.set_description("edited");
    art.save().await.unwrap();

    let again = api
        .artifact("admin/arts/edit:prod", Some("model"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.tags(), ["new"]);
    assert_eq!(again.metadata()["acc"], 0.9);
    assert_eq!(again.description(), Some("edited"));
    let mut aliases = again.aliases().to_vec();
    aliases.sort();
    assert_eq!(aliases, ["latest", "prod"]);

    art.aliases_mut().retain(|a| a != "prod");
    art.save().await.unwrap();
    assert!(
        !api.artifact_exists("admin/arts/edit:prod", None)
            .await
            .unwrap()
    );
    let mut reloaded = art.clone();
    reloaded.reload().await.unwrap();
    assert_eq!(reloaded.aliases(), ["latest"]);
}

#[tokio::test]
async fn linking_into_a_registry_lists_it_there_and_deleting_removes_it() {
    let (server, _) = server().await;
    let api = &server.api;
    let org = server
        .raw_graphql(
            ADMIN_KEY,
            json!({"query": "{ organization { name orgEntity { name } } }"}),
        )
        .await;
    let org_entity = org["data"]["organization"]["orgEntity"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let created = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($input: UpsertModelInput!) { upsertModel(input: $input) { inserted } }",
                "variables": {"input": {
                    "entityName": org_entity, "name": "wandb-registry-model",
                    "access": "PRIVATE", "allowAllArtifactTypesInRegistry": true,
                }},
            }),
        )
        .await;
    // The core registry exists from the start; this lets it take any type.
    assert_eq!(
        created["data"]["upsertModel"]["inserted"], false,
        "{created}"
    );

    let src = sample_dir();
    let art = api
        .log_artifact(
            "admin/arts",
            NewArtifact::new("resnet", "model").add_file(src.path().join("a.txt"), None),
            &["best"],
            &[],
        )
        .await
        .unwrap();
    let linked = art
        .link("wandb-registry-model/resnets", &["staging"])
        .await
        .unwrap();
    assert_eq!(linked.entity(), org_entity);
    assert_eq!(linked.project(), "wandb-registry-model");
    assert_eq!(linked.name(), "resnets:v0");
    assert!(
        linked.aliases().contains(&"staging".to_string()),
        "{:?}",
        linked.aliases()
    );
    assert_eq!(linked.id(), art.id(), "a link is the same artifact");

    // Found through the registry path, the organization resolved.
    let through = api
        .artifact("wandb-registry-model/resnets:staging", Some("model"))
        .await
        .unwrap()
        .expect("linked version");
    assert_eq!(through.id(), art.id());
    let in_registry = api
        .artifacts("model", "wandb-registry-model/resnets", 50, &[])
        .collect_all()
        .await
        .unwrap();
    assert_eq!(in_registry.len(), 1);
    assert_eq!(in_registry[0].entity(), org_entity);
    let downloaded = tempfile::tempdir().unwrap();
    let summary = through.download(downloaded.path()).await.unwrap();
    assert_eq!(summary.downloaded, 1);

    let registries = api.registries(None);
    let collections = registries.collections(None).collect_all().await.unwrap();
    assert_eq!(
        collections.iter().map(|c| c.name()).collect::<Vec<_>>(),
        ["resnets"]
    );
    let versions = registries.versions(None).collect_all().await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].id(), art.id());
    let all = registries.collect_all().await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.name()).collect::<Vec<_>>(),
        ["model", "dataset"]
    );
    assert_eq!(all[0].full_name(), "wandb-registry-model");

    // Aliases other than `latest` block deletion unless asked.
    let held = art.clone().delete(false).await.unwrap_err();
    assert!(held.to_string().contains("aliases"), "{held}");
    art.delete(true).await.unwrap();
    assert!(
        api.artifact("admin/arts/resnet:v0", None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn unknown_artifacts_are_none_and_wrong_types_are_typed_errors() {
    let (server, _) = server().await;
    let api = &server.api;
    assert!(
        api.artifact("admin/arts/nope:latest", None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        api.artifact("admin/nowhere/nope", None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!api.artifact_exists("admin/arts/nope", None).await.unwrap());
    assert!(matches!(
        api.artifact("a/b/c/d", None).await,
        Err(Error::Config(_))
    ));

    let src = sample_dir();
    api.log_artifact(
        "admin/arts",
        NewArtifact::new("typed", "dataset").add_file(src.path().join("a.txt"), None),
        &[],
        &[],
    )
    .await
    .unwrap();
    let wrong = api.artifact("admin/arts/typed:v0", Some("model")).await;
    assert!(
        matches!(&wrong, Err(Error::TypeMismatch { expected, actual, .. }) if expected == "model" && actual == "dataset"),
        "{wrong:?}"
    );
    assert!(
        !api.artifact_exists("admin/arts/typed:v0", Some("model"))
            .await
            .unwrap()
    );
    assert!(
        api.artifact_exists("admin/arts/typed:v0", Some("dataset"))
            .await
            .unwrap()
    );
    let relog = api
        .log_artifact(
            "admin/arts",
            NewArtifact::new("typed", "model").add_file(src.path().join("a.txt"), None),
            &[],
            &[],
        )
        .await;
    assert!(
        matches!(relog, Err(Error::TypeMismatch { .. })),
        "{relog:?}"
    );

    // Types and collections.
    let types = api
        .artifact_types("admin/arts", 50)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        types.iter().map(|t| t.name()).collect::<Vec<_>>(),
        ["dataset"]
    );
    let dataset = api
        .artifact_type("dataset", "admin/arts")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dataset.name(), "dataset");
    assert!(
        api.artifact_type("model", "admin/arts")
            .await
            .unwrap()
            .is_none()
    );
    let mut collections = api
        .artifact_collections("admin/arts", "dataset", 50)
        .await
        .unwrap();
    assert_eq!(collections.len().await.unwrap(), 1);
    let collection = collections.next().await.unwrap().unwrap();
    assert_eq!(collection.path(), "admin/arts/typed");
    assert!(collection.is_sequence());
    assert_eq!(collection.artifact_type(), Some("dataset"));
    assert_eq!(collection.artifacts(50).len().await.unwrap(), 1);
    assert!(
        api.artifact_collection_exists("admin/arts/typed", "dataset")
            .await
            .unwrap()
    );
    assert!(
        !api.artifact_collection_exists("admin/arts/typed", "model")
            .await
            .unwrap()
    );
    assert!(
        !api.artifact_collection_exists("admin/arts/other", "dataset")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_artifact_logged_with_a_run_names_it_as_its_creator() {
    let (server, _) = server().await;
    let api = &server.api;
    let run = api
        .create_run("arts", Some("admin"), Some("r1"))
        .await
        .unwrap();
    let src = sample_dir();
    let art = api
        .log_artifact(
            "admin/arts/r1",
            NewArtifact::new("out", "model").add_file(src.path().join("a.txt"), None),
            &[],
            &[],
        )
        .await
        .unwrap();
    let creator = art.logged_by().await.unwrap().expect("a creator");
    assert_eq!(creator.id(), run.id());
    assert!(art.used_by().await.unwrap().is_empty());

    let loose = api
        .log_artifact(
            "admin/arts",
            NewArtifact::new("loose", "model").add_file(src.path().join("a.txt"), None),
            &[],
            &[],
        )
        .await
        .unwrap();
    assert!(loose.logged_by().await.unwrap().is_none());
    let value: Value = serde_json::to_value(loose.metadata()).unwrap();
    assert_eq!(value, json!({}));
}
