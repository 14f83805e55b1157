//! Run files over HTTP: the upload URLs `createRunFiles` hands out, and the
//! download URLs of `Run.files`.
//!
//! | route                                      | who may call                         |
//! |--------------------------------------------|--------------------------------------|
//! | `PUT /files/{entity}/{project}/{run}/{*name}` | holder of a signed URL, or a writer |
//! | `GET /files/{entity}/{project}/{run}/{*name}` | holder of a signed URL, or a reader |
//!
//! Bodies stream to the blob store (never whole in memory); the file record
//! is written only after the bytes are durable.
//!
//! A run file may be at most `--max-run-file-size` bytes (default 10 GiB;
//! checkpoints saved with `run.save` are run files). An upload whose
//! `Content-Length` says more is refused before its body is read; one
//! without a length is refused as soon as it passes the limit. Either way
//! the answer is 413 and nothing is stored: the partial bytes are thrown
//! away and an earlier version of the file stays as it was. The router's
//! request-body limit does not apply here (it covers bodies read whole).

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::authz::Readable;
use cairn_core::run::{Run, RunFile};
use cairn_core::{CoreError, names};
use futures_util::StreamExt;
use time::OffsetDateTime;

use crate::auth;
use crate::error::http_error;
use crate::signing::Signature;
use crate::state::AppState;

/// The blob key of a run file.
pub fn blob_key(run_id: i64, name: &str) -> String {
    format!("runs/{run_id}/{name}")
}

/// `{entity}/{project}/{run}/{*name}` of a run-file route.
type RunFilePath = (String, String, String, String);

/// `PUT`: store the body as the run file.
pub async fn upload(
    State(state): State<AppState>,
    Path(path): Path<RunFilePath>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let stored = async {
        let run = resolve(&state, &parts, &signature, &path).await?;
        let limit = SizeLimit {
            max: state.max_run_file_bytes,
            name: &path.3,
        };
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if let Some(size) = declared {
            limit.check(size, false)?;
        }
        store_body(&state, &run, limit, body).await
    };
    match stored.await {
        Ok(file) => axum::Json(
            serde_json::json!({ "name": file.name, "md5": file.md5, "size": file.size_bytes }),
        )
        .into_response(),
        Err(UploadError::Refused(e)) => http_error(e),
        Err(UploadError::TooLarge(message)) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(serde_json::json!({ "errors": [{ "message": message }] })),
        )
            .into_response(),
    }
}

/// Why an upload was not stored.
enum UploadError {
    /// The domain said no (or storage failed).
    Refused(CoreError),
    /// Over the size limit (413), with the message.
    TooLarge(String),
}

impl From<CoreError> for UploadError {
    fn from(err: CoreError) -> Self {
        UploadError::Refused(err)
    }
}

/// `--max-run-file-size` for one file.
#[derive(Clone, Copy)]
struct SizeLimit<'a> {
    /// Bytes; 0 for no limit.
    max: u64,
    name: &'a str,
}

impl SizeLimit<'_> {
    /// Refuse `size` bytes if over the limit; `partial` when `size` is only
    /// what has arrived so far.
    fn check(self, size: u64, partial: bool) -> Result<(), UploadError> {
        if self.max == 0 || size <= self.max {
            return Ok(());
        }
        let (name, max) = (self.name, self.max);
        let is = if partial {
            format!("is more than {max} bytes")
        } else {
            format!("is {size} bytes")
        };
        Err(UploadError::TooLarge(format!(
            "The run file {name:?} {is}; the limit is {max} bytes (--max-run-file-size)."
        )))
    }
}

/// `GET`: the run file's bytes.
pub async fn download(
    State(state): State<AppState>,
    Path(path): Path<RunFilePath>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let opened = async {
        let run = resolve(&state, &parts, &signature, &path).await?;
        open_file(&state, &run, &path.3).await
    };
    match opened.await {
        Ok(response) => response,
        Err(e) => http_error(e),
    }
}

/// A streaming response with a stored run file.
async fn open_file(
    state: &AppState,
    run: &Readable<Run>,
    name: &str,
) -> Result<Response, CoreError> {
    let missing = || CoreError::NotFound(format!("Run {} has no file {name:?}.", run.name));
    let files = state
        .cairn
        .run_files(run, &[name.to_string()], None, None, 1)
        .await?;
    let record = files.into_iter().next().ok_or_else(missing)?;
    let path = state
        .blobs
        .path(&blob_key(run.id, name))
        .map_err(|_| missing())?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| missing())?;
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(record.size_bytes));
    if let Some(mime) = record
        .mimetype
        .as_deref()
        .and_then(|m| HeaderValue::from_str(m).ok())
    {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    Ok(response)
}

/// The run a request may touch, by signature or else by credentials, once
/// the file name is known to be safe.
async fn resolve(
    state: &AppState,
    request: &axum::http::request::Parts,
    signature: &Signature,
    (entity, project, run, name): &RunFilePath,
) -> Result<Readable<Run>, CoreError> {
    names::validate_file_path(name)?;
    let method = &request.method;
    if state
        .signer
        .verify(method.as_str(), request.uri.path(), signature)
    {
        return state
            .cairn
            .run_for_signed_url(entity, project, run)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!("No run {entity}/{project}/{run} exists."))
            });
    }
    if signature.sig.is_some() && !request.headers.contains_key(header::AUTHORIZATION) {
        return Err(CoreError::PermissionDenied(
            "The URL's signature is invalid or has expired; ask for a new URL.".into(),
        ));
    }
    let actor = auth::authenticate(&state.cairn, &request.headers).await?;
    if *method == Method::GET {
        state.cairn.readable_run(&actor, entity, project, run).await
    } else {
        let run = state
            .cairn
            .writable_run_by_name(&actor, entity, project, run);
        Ok(run.await?.readable())
    }
}

async fn store_body(
    state: &AppState,
    run: &Run,
    limit: SizeLimit<'_>,
    body: Body,
) -> Result<RunFile, UploadError> {
    let name = limit.name;
    let io = |e: std::io::Error| CoreError::Internal(format!("writing run file {name:?}: {e}"));
    let mut writer = state.blobs.writer().await.map_err(io)?;
    let mut stream = body.into_data_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk: Bytes = match chunk {
            Ok(c) => c,
            Err(e) => {
                writer.abort().await;
                return Err(CoreError::InvalidInput(format!(
                    "The upload of {name:?} was cut off: {e}"
                ))
                .into());
            }
        };
        received += chunk.len() as u64;
        if let Err(too_large) = limit.check(received, true) {
            writer.abort().await;
            return Err(too_large);
        }
        if let Err(e) = writer.write(&chunk).await {
            writer.abort().await;
            return Err(io(e).into());
        }
    }
    let written = writer
        .commit(&state.blobs, &blob_key(run.id, name))
        .await
        .map_err(io)?;
    let mimetype = mime_guess::from_path(name).first().map(|m| m.to_string());
    Ok(state
        .cairn
        .record_run_file(&RunFile {
            id: 0,
            run_id: run.id,
            name: name.to_string(),
            size_bytes: written.size as i64,
            md5: written.md5,
            mimetype,
            updated_at: OffsetDateTime::now_utc(),
        })
        .await?)
}
