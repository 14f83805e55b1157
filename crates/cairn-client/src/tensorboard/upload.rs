//! The wire calls of an import, the ones the official client makes for a
//! run (`wandb-wire-protocol.md` §B.1–B.4): `UpsertBucket` to create the
//! run, `file_stream` for history and summary, `CreateRunFiles` and a `PUT`
//! per file for media and the `tfevents` files themselves.
//!
//! History goes at offset 0 in order, in requests of at most
//! [`MAX_REQUEST_BYTES`]: a server stores lines by offset and replaces a
//! line sent again, so importing the same directory twice rewrites the same
//! lines instead of appending a copy.

use std::path::PathBuf;

use futures_util::stream::{self, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::Api;
use crate::error::{Error, Result};
use crate::files::create_run_files;
use crate::history::segment;
use crate::queries;
use crate::transport::check_status;

/// Largest `file_stream` body sent, in bytes: well under the official
/// client's own 10 MiB cap and Cairn's request limit, large enough that a
/// million-point import takes a few dozen requests.
pub(crate) const MAX_REQUEST_BYTES: usize = 4 << 20;

/// Run file names per `CreateRunFiles` call.
const FILES_PER_CALL: usize = 100;

/// Uploads in flight at once.
const UPLOAD_CONCURRENCY: usize = 4;

/// Where a run lives, as the server named it.
#[derive(Debug, Clone)]
pub(crate) struct RunPath {
    pub entity: String,
    pub project: String,
    pub name: String,
}

/// Create the run (or touch it, when it exists) with its display name.
pub(crate) async fn upsert_run(
    api: &Api,
    entity: &str,
    project: &str,
    run_id: &str,
    display_name: &str,
) -> Result<RunPath> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload {
        upsert_bucket: Option<Upserted>,
    }
    #[derive(Deserialize)]
    struct Upserted {
        bucket: Option<Bucket>,
    }
    #[derive(Deserialize)]
    struct Bucket {
        name: String,
        project: Option<ProjectRef>,
    }
    #[derive(Deserialize)]
    struct ProjectRef {
        name: String,
        entity: Option<EntityRef>,
    }
    #[derive(Deserialize)]
    struct EntityRef {
        name: String,
    }
    let data: Payload = api
        .transport
        .execute(
            queries::IMPORT_RUN,
            json!({
                "name": run_id,
                "project": project,
                "entity": entity,
                "displayName": display_name,
                "state": "running",
            }),
        )
        .await?;
    let bucket = data
        .upsert_bucket
        .and_then(|u| u.bucket)
        .ok_or_else(|| Error::Decode("no run in the answer to UpsertBucket".into()))?;
    let (project, entity) = match bucket.project {
        Some(p) => (
            p.name,
            p.entity.map_or_else(|| entity.to_string(), |e| e.name),
        ),
        None => (project.to_string(), entity.to_string()),
    };
    Ok(RunPath {
        entity,
        project,
        name: bucket.name,
    })
}

#[derive(Serialize)]
struct StreamBody<'a> {
    files: StreamFiles<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    complete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exitcode: Option<i64>,
}

#[derive(Serialize)]
struct StreamFiles<'a> {
    #[serde(
        rename = "wandb-history.jsonl",
        skip_serializing_if = "Option::is_none"
    )]
    history: Option<FileChunk<'a>>,
    #[serde(rename = "wandb-summary.json", skip_serializing_if = "Option::is_none")]
    summary: Option<FileChunk<'a>>,
}

#[derive(Serialize)]
struct FileChunk<'a> {
    offset: usize,
    content: &'a [String],
}

/// Packs history lines, in order from offset 0, into `file_stream` bodies
/// of at most [`MAX_REQUEST_BYTES`] (a single longer line goes alone).
#[derive(Debug, Default)]
pub(crate) struct HistoryBodies {
    offset: usize,
    lines: Vec<String>,
    size: usize,
}

impl HistoryBodies {
    /// Add the next line; a full body when one is ready to send.
    pub(crate) fn push(&mut self, line: String) -> Option<Vec<u8>> {
        // JSON quoting adds a little to each line; count it generously.
        let cost = line.len() + line.len() / 8 + 8;
        let full =
            (!self.lines.is_empty() && self.size + cost > MAX_REQUEST_BYTES).then(|| self.take());
        self.size += cost;
        self.lines.push(line);
        full
    }

    /// The last, partly filled body, if any lines are left.
    pub(crate) fn finish(mut self) -> Option<Vec<u8>> {
        (!self.lines.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> Vec<u8> {
        let body = encode(&StreamBody {
            files: StreamFiles {
                history: Some(FileChunk {
                    offset: self.offset,
                    content: &self.lines,
                }),
                summary: None,
            },
            complete: None,
            exitcode: None,
        });
        self.offset += self.lines.len();
        self.lines.clear();
        self.size = 0;
        body
    }
}

/// The last body: the whole summary, `complete: true` and exit code 0,
/// which marks the run finished.
pub(crate) fn final_body(summary: String) -> Vec<u8> {
    encode(&StreamBody {
        files: StreamFiles {
            history: None,
            summary: Some(FileChunk {
                offset: 0,
                content: &[summary],
            }),
        },
        complete: Some(true),
        exitcode: Some(0),
    })
}

fn encode(body: &StreamBody<'_>) -> Vec<u8> {
    // Strings and integers only: serializing cannot fail.
    serde_json::to_vec(body).unwrap_or_default()
}

/// POST each body from `bodies` to the run's `file_stream`, one after
/// another in the order received; returns how many were sent.
pub(crate) async fn post_bodies(
    api: &Api,
    run: &RunPath,
    mut bodies: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> Result<usize> {
    let mut sent = 0;
    while let Some(body) = bodies.recv().await {
        post(api, run, body).await?;
        sent += 1;
    }
    Ok(sent)
}

/// POST one body to the run's `file_stream`.
pub(crate) async fn post(api: &Api, run: &RunPath, body: Vec<u8>) -> Result<()> {
    let url = format!(
        "{}/files/{}/{}/{}/file_stream",
        api.transport.base_url,
        segment(&run.entity),
        segment(&run.project),
        segment(&run.name)
    );
    let response = api
        .transport
        .http
        .post(url)
        .header("Authorization", api.transport.basic_auth())
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await?;
    check_status(response).await?;
    Ok(())
}

/// The bytes of a run file to upload.
#[derive(Debug)]
pub(crate) enum Source {
    /// Held in memory (media).
    Bytes(Vec<u8>),
    /// A local file, streamed (the `tfevents` files).
    Path(PathBuf),
}

/// Upload `files` as run files of `run`: upload URLs from `CreateRunFiles`,
/// then a `PUT` of each file's bytes.
pub(crate) async fn upload_files(
    api: &Api,
    run: &RunPath,
    files: Vec<(String, Source)>,
) -> Result<usize> {
    let count = files.len();
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let batch: Vec<(String, Source)> = files.by_ref().take(FILES_PER_CALL).collect();
        let names: Vec<&str> = batch.iter().map(|(n, _)| n.as_str()).collect();
        let uploads = create_run_files(
            &api.transport,
            (&run.entity, &run.project, &run.name),
            &names,
        )
        .await?;
        let uploads = &uploads;
        stream::iter(batch.into_iter().map(Ok))
            .try_for_each_concurrent(UPLOAD_CONCURRENCY, |(name, source)| async move {
                let url = uploads.url_for(&name)?;
                put(api, url, &uploads.headers, source).await
            })
            .await?;
    }
    Ok(count)
}

async fn put(api: &Api, url: &str, headers: &[String], source: Source) -> Result<()> {
    let (body, size) = match source {
        Source::Bytes(bytes) => {
            let size = bytes.len() as u64;
            (reqwest::Body::from(bytes), size)
        }
        Source::Path(path) => {
            let file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| Error::io(&path, e))?;
            let size = file
                .metadata()
                .await
                .map_err(|e| Error::io(&path, e))?
                .len();
            (reqwest::Body::from(file), size)
        }
    };
    api.transport.put_upload(url, headers, body, size).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_bodies_are_bounded_and_consecutive() {
        let mut bodies = HistoryBodies::default();
        let line = format!("{{\"_step\":0,\"x\":\"{}\"}}", "a".repeat(100_000));
        let mut out = Vec::new();
        for _ in 0..100 {
            out.extend(bodies.push(line.clone()));
        }
        out.extend(bodies.finish());
        assert!(out.len() >= 3, "{}", out.len());
        let mut next = 0;
        for body in &out {
            assert!(body.len() <= MAX_REQUEST_BYTES, "{}", body.len());
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            let chunk = &v["files"]["wandb-history.jsonl"];
            assert_eq!(chunk["offset"], next);
            next += chunk["content"].as_array().unwrap().len();
            assert!(v.get("complete").is_none());
        }
        assert_eq!(next, 100);
        let last: serde_json::Value =
            serde_json::from_slice(&final_body("{\"_step\":99}".into())).unwrap();
        assert_eq!(last["complete"], true);
        assert_eq!(last["exitcode"], 0);
        assert_eq!(last["files"]["wandb-summary.json"]["offset"], 0);
        assert_eq!(
            last["files"]["wandb-summary.json"]["content"][0],
            "{\"_step\":99}"
        );
    }
}
