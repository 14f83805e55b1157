//! [`Api::log_artifact`]: create the version, stage its files in batches,
//! `PUT` the bytes the server lacks, upload the manifest and commit.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cairn_types::digest::b64;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::io::AsyncReadExt;

use super::new_artifact::{NewArtifact, UploadSummary, hash_files, list_files, manifest_digest};
use super::{
    FILES_PER_BATCH, MANIFEST_NAME, ProgressFn, SMALL_FILE, TRANSFER_CONCURRENCY, Tracker,
    UPLOAD_CHUNK, buffer_len, retrying, run_pool,
};
use crate::api::Api;
use crate::artifacts::Artifact;
use crate::error::{Error, Result};
use crate::queries;

/// A random id from `[a-zA-Z0-9]` (client ids: wandb-core uses 128
/// characters). Std's per-instance random hash keys are randomness enough.
fn random_id(len: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        let mut bits = hasher.finish();
        for _ in 0..10 {
            out.push(ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char);
            bits /= ALPHABET.len() as u64;
        }
    }
    out.truncate(len);
    out
}

/// `PUT` a file to an upload URL, streaming it from disk.
/// Progress counts bytes as they are read for the body.
async fn put_file(
    api: &Api,
    url: &str,
    headers: &[String],
    path: &Path,
    size: u64,
    tracker: Arc<Tracker>,
) -> Result<()> {
    if size <= SMALL_FILE {
        // One read instead of a hand-off to a blocking thread per chunk.
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| Error::io(path, e))?;
        let sent = bytes.len() as u64;
        tracker.add(0, sent);
        let result = put(api, url, headers, reqwest::Body::from(bytes), sent).await;
        if result.is_err() {
            tracker.take_back(sent);
        }
        return result;
    }
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let chunk = buffer_len(size, UPLOAD_CHUNK);
    let sent = Arc::new(AtomicU64::new(0));
    let state = (file, tracker.clone(), sent.clone());
    let stream = futures_util::stream::unfold(state, move |(mut file, tracker, sent)| async move {
        let mut buffer = vec![0u8; chunk];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                sent.fetch_add(n as u64, Ordering::Relaxed);
                tracker.add(0, n as u64);
                Some((Ok::<_, std::io::Error>(buffer), (file, tracker, sent)))
            }
            Err(e) => Some((Err(e), (file, tracker, sent))),
        }
    });
    let result = put(api, url, headers, reqwest::Body::wrap_stream(stream), size).await;
    if result.is_err() {
        tracker.take_back(sent.load(Ordering::Relaxed));
    }
    result
}

async fn put(
    api: &Api,
    url: &str,
    headers: &[String],
    body: reqwest::Body,
    size: u64,
) -> Result<()> {
    api.transport.put_upload(url, headers, body, size).await
}

/// `entity/project[/run]` (also `entity/project/runs/run`) → parts.
fn parse_log_path(path: &str) -> Result<(Option<String>, String, Option<String>)> {
    let cleaned = path.trim_matches('/').replace("/runs/", "/");
    let parts: Vec<&str> = cleaned.split('/').collect();
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let invalid = || {
        Error::Config(format!(
            "invalid path {path:?}: use ENTITY/PROJECT or ENTITY/PROJECT/RUN_ID"
        ))
    };
    let (entity, project, run) = match parts.as_slice() {
        [project] => (None, *project, None),
        [entity, project] => (some(entity), *project, None),
        [entity, project, run] => (some(entity), *project, some(run)),
        _ => return Err(invalid()),
    };
    if project.is_empty() {
        return Err(invalid());
    }
    Ok((entity, project.to_string(), run))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadTarget {
    upload_url: Option<String>,
    #[serde(default)]
    upload_headers: Option<Vec<String>>,
}

impl Api {
    /// Log `artifact` as a new version of its collection in `path`
    /// (`entity/project`, or `entity/project/RUN_ID` to record the run as
    /// its creator), with `aliases` (`latest` is always added) and `tags`,
    /// and return it. See the module doc for the wire sequence.
    pub async fn log_artifact(
        &self,
        path: &str,
        artifact: NewArtifact,
        aliases: &[&str],
        tags: &[&str],
    ) -> Result<Artifact> {
        Ok(self
            .log_artifact_with_progress(path, artifact, aliases, tags, None)
            .await?
            .0)
    }

    /// [`Api::log_artifact`], reporting upload progress, and saying what
    /// was sent.
    pub async fn log_artifact_with_progress(
        &self,
        path: &str,
        artifact: NewArtifact,
        aliases: &[&str],
        tags: &[&str],
        progress: Option<ProgressFn>,
    ) -> Result<(Artifact, UploadSummary)> {
        let (entity, project, run) = parse_log_path(path)?;
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let name = artifact.name.clone();
        if name.is_empty() || name.contains([':', '/']) {
            return Err(Error::Config(format!(
                "invalid artifact name {name:?}: no ':' or '/'"
            )));
        }
        self.check_artifact_type(&entity, &project, &name, &artifact.type_name)
            .await?;

        let sources = std::mem::take(&mut { artifact.sources });
        let listed = tokio::task::spawn_blocking(move || list_files(&sources))
            .await
            .map_err(|e| Error::Decode(format!("listing files failed: {e}")))??;
        let files = hash_files(listed, self.digests.clone()).await?;
        let mut summary = UploadSummary {
            files: files.len() as u64,
            bytes: files.iter().map(|f| f.size).sum(),
            ..UploadSummary::default()
        };

        let mut alias_inputs = vec![json!({"alias": "latest", "artifactCollectionName": name})];
        alias_inputs.extend(
            aliases
                .iter()
                .filter(|a| **a != "latest")
                .map(|a| json!({"alias": a, "artifactCollectionName": name})),
        );
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Created {
            create_artifact: Option<CreatedPayload>,
        }
        #[derive(Deserialize)]
        struct CreatedPayload {
            artifact: Option<CreatedArtifact>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct CreatedArtifact {
            id: String,
            state: String,
            artifact_sequence: Option<Sequence>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sequence {
            latest_artifact: Option<IdOnly>,
        }
        #[derive(Deserialize)]
        struct IdOnly {
            id: String,
        }
        let created: Created = self
            .transport
            .execute(
                queries::CREATE_ARTIFACT,
                json!({"input": {
                    "artifactTypeName": artifact.type_name,
                    "artifactCollectionName": name,
                    "artifactCollectionNames": null,
                    "entityName": entity,
                    "projectName": project,
                    "runName": run,
                    "description": artifact.description,
                    "digest": manifest_digest(&files),
                    "digestAlgorithm": "MANIFEST_MD5",
                    "enableDigestDeduplication": true,
                    "aliases": alias_inputs,
                    "metadata": Value::Object(artifact.metadata.clone()).to_string(),
                    "clientID": random_id(128),
                    "sequenceClientID": random_id(128),
                    "distributedID": null,
                    "historyStep": null,
                    "labels": null,
                    "storageRegion": null,
                    "ttlDurationSeconds": null,
                    "clientMutationId": null,
                    "tags": tags.iter().map(|t| json!({"tagName": t})).collect::<Vec<_>>(),
                }}),
            )
            .await?;
        let created = created
            .create_artifact
            .and_then(|c| c.artifact)
            .ok_or_else(|| Error::Decode("no artifact in the answer to CreateArtifact".into()))?;
        let id = created.id;
        if created.state == "COMMITTED" {
            summary.deduplicated = true;
            return Ok((self.logged(&id).await?, summary));
        }
        let base = created
            .artifact_sequence
            .and_then(|s| s.latest_artifact)
            .map(|a| a.id);

        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ManifestPayload {
            create_artifact_manifest: Option<ManifestCreated>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ManifestCreated {
            artifact_manifest: ManifestNode,
        }
        #[derive(Deserialize)]
        struct ManifestNode {
            id: String,
            file: UploadTarget,
        }
        let manifest_vars = |digest: &str, include_upload: bool| {
            json!({
                "artifactID": id, "baseArtifactID": base, "name": MANIFEST_NAME,
                "digest": digest, "entityName": entity, "projectName": project,
                "runName": run.clone().unwrap_or_default(), "manifestType": "FULL",
                "includeUpload": include_upload,
            })
        };
        let reserved: ManifestPayload = self
            .transport
            .execute(queries::CREATE_ARTIFACT_MANIFEST, manifest_vars("", false))
            .await?;
        let manifest_id = reserved
            .create_artifact_manifest
            .map(|m| m.artifact_manifest.id)
            .ok_or_else(|| {
                Error::Decode("no manifest in the answer to CreateArtifactManifest".into())
            })?;

        // Upload URLs, a batch at a time; `null` means the server has them.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct FilesPayload {
            create_artifact_files: Option<FilesCreated>,
        }
        #[derive(Deserialize)]
        struct FilesCreated {
            files: crate::api::Edges<UploadTarget>,
        }
        let mut uploads = Vec::new();
        for batch in files.chunks(FILES_PER_BATCH) {
            let specs: Vec<Value> = batch
                .iter()
                .map(|f| {
                    json!({
                        "artifactID": id, "artifactManifestID": manifest_id,
                        "name": f.name, "md5": f.md5, "mimetype": null,
                    })
                })
                .collect();
            let answer: FilesPayload = self
                .transport
                .execute(
                    queries::CREATE_ARTIFACT_FILES,
                    json!({"input": {"artifactFiles": specs, "storageLayout": "V2"}}),
                )
                .await?;
            let edges = answer
                .create_artifact_files
                .map(|c| c.files.edges)
                .unwrap_or_default();
            if edges.len() != batch.len() {
                return Err(Error::Decode(format!(
                    "expected {} upload URLs, the server sent {}",
                    batch.len(),
                    edges.len()
                )));
            }
            for (file, edge) in batch.iter().zip(edges) {
                if let Some(UploadTarget {
                    upload_url: Some(url),
                    upload_headers,
                }) = edge.node
                {
                    uploads.push((
                        url,
                        upload_headers.unwrap_or_default(),
                        file.path.clone(),
                        file.size,
                    ));
                }
            }
        }
        summary.uploaded_files = uploads.len() as u64;
        summary.uploaded_bytes = uploads.iter().map(|u| u.3).sum();
        let tracker = Tracker::new(summary.uploaded_files, summary.uploaded_bytes, progress);
        let context = Arc::new((self.clone(), tracker));
        run_pool(
            uploads,
            TRANSFER_CONCURRENCY,
            move |(url, headers, path, size)| {
                let context = context.clone();
                async move {
                    let (api, tracker) = &*context;
                    retrying(|| put_file(api, &url, &headers, &path, size, tracker.clone()))
                        .await?;
                    tracker.add(1, 0);
                    Ok(())
                }
            },
        )
        .await?;

        // The manifest, in W&B's format.
        let contents: Map<String, Value> = files
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    json!({"digest": f.md5, "size": f.size, "birthArtifactID": id}),
                )
            })
            .collect();
        let manifest = serde_json::to_vec(&json!({
            "version": 1,
            "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"},
            "contents": contents,
        }))
        .map_err(|e| Error::Decode(e.to_string()))?;
        let manifest_md5 = b64(&Md5::digest(&manifest));
        let target: ManifestPayload = self
            .transport
            .execute(
                queries::CREATE_ARTIFACT_MANIFEST,
                manifest_vars(&manifest_md5, true),
            )
            .await?;
        let file = target
            .create_artifact_manifest
            .map(|m| m.artifact_manifest.file)
            .ok_or_else(|| {
                Error::Decode("no manifest in the answer to CreateArtifactManifest".into())
            })?;
        let url = file
            .upload_url
            .ok_or_else(|| Error::Decode("no upload URL for the manifest".into()))?;
        let size = manifest.len() as u64;
        let headers = file.upload_headers.unwrap_or_default();
        retrying(|| {
            put(
                self,
                &url,
                &headers,
                reqwest::Body::from(manifest.clone()),
                size,
            )
        })
        .await?;

        let _: Value = self
            .transport
            .execute(queries::COMMIT_ARTIFACT, json!({"artifactID": id}))
            .await?;
        Ok((self.logged(&id).await?, summary))
    }

    /// The artifact just logged, through its own sequence.
    async fn logged(&self, id: &str) -> Result<Artifact> {
        self.artifact_by_id(id)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "artifact",
                name: id.to_string(),
            })
    }

    /// Python's pre-logging check (`ArtifactType` query): a collection
    /// keeps one type.
    async fn check_artifact_type(
        &self,
        entity: &str,
        project: &str,
        name: &str,
        type_name: &str,
    ) -> Result<()> {
        #[derive(Deserialize)]
        struct Project {
            artifact: Option<TypeOf>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct TypeOf {
            artifact_type: crate::artifacts::NameOnly,
        }
        let data: crate::artifacts::ProjectData<Project> = self
            .transport
            .execute(
                queries::ARTIFACT_TYPE,
                json!({"entity": entity, "project": project, "name": format!("{name}:latest")}),
            )
            .await?;
        match data.project.and_then(|p| p.artifact) {
            Some(found) if found.artifact_type.name != type_name => Err(Error::TypeMismatch {
                name: format!("{entity}/{project}/{name}"),
                expected: type_name.to_string(),
                actual: found.artifact_type.name,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_paths_parse() {
        assert_eq!(
            parse_log_path("e/p").unwrap(),
            (Some("e".into()), "p".into(), None)
        );
        assert_eq!(
            parse_log_path("e/p/runs/r1").unwrap(),
            (Some("e".into()), "p".into(), Some("r1".into()))
        );
        assert!(parse_log_path("a/b/c/d").is_err());
    }

    #[test]
    fn client_ids_have_the_length_asked_for() {
        assert_eq!(random_id(128).len(), 128);
    }
}
