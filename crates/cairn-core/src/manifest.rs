//! Artifact manifests (`wandb_manifest.json`, version 1): parsing them into
//! entries, and merging the manifests of versions that are written in
//! parts.
//!
//! A manifest is kept as the blob the client uploaded, and served back as
//! is for downloads. Two kinds of version need the server to combine
//! manifests, and both go through [`merge`] so the stored blob always lists
//! every entry of the version:
//! - an incremental manifest adds to its base version's entries, merged
//!   when the version is committed ([`for_commit`]);
//! - each run of a distributed version uploads a patch with its own
//!   entries, merged into the version's manifest as it arrives
//!   ([`receive_patch`]), with a compare-and-set so parts arriving together
//!   are never lost.
//!
//! These are domain rules (what a manifest must hold, what a merge keeps),
//! so they live in core beside the content store they read and write; the
//! server only routes the upload and the commit here.

use md5::{Digest, Md5};

use crate::artifact::{Artifact, Entry, ManifestKind};
use crate::blob::Bytes;
use crate::content::ContentStore;
use crate::{Actor, Cairn, CoreError};

/// How often a patch is merged again when other parts keep arriving first.
const MERGE_ATTEMPTS: usize = 16;

/// The entries a commit records for `artifact`: its uploaded manifest's,
/// after merging an incremental manifest into its base version's (the
/// merged manifest becomes the version's manifest).
pub async fn for_commit(
    cairn: &Cairn,
    cas: &ContentStore,
    actor: &Actor,
    artifact: &Artifact,
) -> Result<Vec<Entry>, CoreError> {
    let md5 = artifact.manifest_md5.as_deref().ok_or_else(|| {
        CoreError::InvalidInput(format!(
            "Artifact {} has no uploaded manifest; upload wandb_manifest.json before committing.",
            artifact.id
        ))
    })?;
    let own = read(cas, md5).await?;
    let base = match (artifact.manifest_kind, artifact.base_artifact_id) {
        (ManifestKind::Incremental, Some(base_id)) => {
            let base = cairn.artifact_or_error(actor, base_id).await?;
            match &base.manifest_md5 {
                Some(base_md5) => Some(read(cas, base_md5).await?),
                None => None,
            }
        }
        _ => None,
    };
    let Some(base) = base else {
        return parse(&own);
    };
    let merged = merge(&base, &own)?;
    let merged_md5 = put(cas, merged.clone()).await?;
    cairn.set_artifact_manifest(artifact, &merged_md5).await?;
    parse(&merged)
}

/// Take in a manifest uploaded for `artifact` (already stored as `md5`):
/// a patch is merged into the parts received so far, anything else
/// becomes the manifest.
pub async fn receive(
    cairn: &Cairn,
    cas: &ContentStore,
    artifact: &Artifact,
    md5: &str,
) -> Result<(), CoreError> {
    if artifact.manifest_kind != ManifestKind::Patch {
        return cairn.set_artifact_manifest(artifact, md5).await;
    }
    receive_patch(cairn, cas, artifact.id, md5).await
}

async fn receive_patch(
    cairn: &Cairn,
    cas: &ContentStore,
    artifact_id: i64,
    md5: &str,
) -> Result<(), CoreError> {
    let patch = read(cas, md5).await?;
    parse(&patch)?;
    for _ in 0..MERGE_ATTEMPTS {
        let current = cairn.manifest_md5_of(artifact_id).await?;
        let next = match current.as_deref() {
            None => md5.to_string(),
            Some(current) if current == md5 => return Ok(()),
            Some(current) => {
                let merged = merge(&read(cas, current).await?, &patch)?;
                put(cas, merged).await?
            }
        };
        if cairn
            .replace_artifact_manifest(artifact_id, current.as_deref(), &next)
            .await?
        {
            return Ok(());
        }
    }
    Err(CoreError::Conflict(format!(
        "Too many parts of artifact {artifact_id} arrived at once; upload this part again."
    )))
}

/// `newer`'s manifest with `older`'s entries under it: an entry of `newer`
/// replaces one at the same path, every other entry of `older` stays.
pub fn merge(older: &[u8], newer: &[u8]) -> Result<Vec<u8>, CoreError> {
    let older = document(older)?;
    let mut newer = document(newer)?;
    let mut contents = older["contents"].as_object().cloned().unwrap_or_default();
    if let Some(added) = newer["contents"].as_object() {
        for (path, entry) in added {
            contents.insert(path.clone(), entry.clone());
        }
    }
    newer["contents"] = serde_json::Value::Object(contents);
    serde_json::to_vec(&newer).map_err(|e| CoreError::Internal(format!("writing a manifest: {e}")))
}

/// Parse a W&B manifest (version 1) into entries.
pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, CoreError> {
    let doc = document(bytes)?;
    let contents = doc["contents"].as_object().expect("checked by document()");
    let bad =
        |why: String| CoreError::InvalidInput(format!("The artifact manifest is invalid: {why}"));
    let mut entries = Vec::with_capacity(contents.len());
    for (path, entry) in contents {
        let field = |name: &str| entry.get(name).and_then(serde_json::Value::as_str);
        let digest = field("digest")
            .ok_or_else(|| bad(format!("entry {path:?} has no digest")))?
            .to_string();
        entries.push(Entry {
            path: path.clone(),
            digest,
            size: entry.get("size").and_then(serde_json::Value::as_i64),
            reference: field("ref").map(str::to_string),
            birth_artifact_id: field("birthArtifactID").map(str::to_string),
            mimetype: None,
            extra: entry
                .get("extra")
                .filter(|e| !e.is_null())
                .map(serde_json::Value::to_string),
        });
    }
    Ok(entries)
}

/// A manifest as JSON, checked to be version 1 with a `contents` object.
fn document(bytes: &[u8]) -> Result<serde_json::Value, CoreError> {
    let bad =
        |why: String| CoreError::InvalidInput(format!("The artifact manifest is invalid: {why}"));
    let doc: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON ({e})")))?;
    if doc.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err(bad("only manifest version 1 is supported".into()));
    }
    if !doc
        .get("contents")
        .is_some_and(serde_json::Value::is_object)
    {
        return Err(bad("it has no \"contents\" object".into()));
    }
    Ok(doc)
}

/// The bytes of a stored manifest.
async fn read(cas: &ContentStore, md5: &str) -> Result<Vec<u8>, CoreError> {
    cas.read(md5).await
}

/// Store a manifest the server wrote; returns its base64 MD5.
async fn put(cas: &ContentStore, bytes: Vec<u8>) -> Result<String, CoreError> {
    let md5 = cairn_types::digest::b64(&Md5::digest(&bytes));
    cas.put_bytes(&md5, Bytes::from(bytes)).await?;
    Ok(md5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_files_and_references() {
        let manifest = br#"{"version":1,"storagePolicy":"wandb-storage-policy-v1",
            "storagePolicyConfig":{"storageLayout":"V2"},
            "contents":{"a/b.txt":{"digest":"XrY7u+Ae7tCTyyK7j1rNww==","size":11,"birthArtifactID":"QXJ0aWZhY3Q6MQ=="},
                        "ref":{"digest":"etag","ref":"s3://bucket/key","size":3,"extra":{"versionID":"1"}}}}"#;
        let entries = parse(manifest).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, "a/b.txt");
        assert_eq!(entries[0].size, Some(11));
        assert_eq!(entries[1].reference.as_deref(), Some("s3://bucket/key"));
        assert!(entries[1].extra.as_deref().unwrap().contains("versionID"));
        assert!(parse(b"{}").is_err());
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn a_merge_keeps_older_entries_and_lets_newer_ones_win() {
        let older = br#"{"version":1,"storagePolicy":"p","contents":{"a":{"digest":"1"},"b":{"digest":"2"}}}"#;
        let newer = br#"{"version":1,"storagePolicy":"p","contents":{"b":{"digest":"3"},"c":{"digest":"4"}}}"#;
        let merged = parse(&merge(older, newer).unwrap()).unwrap();
        let pairs: Vec<(&str, &str)> = merged
            .iter()
            .map(|e| (e.path.as_str(), e.digest.as_str()))
            .collect();
        assert_eq!(pairs, [("a", "1"), ("b", "3"), ("c", "4")]);
        assert!(merge(older, b"{}").is_err());
    }
}
