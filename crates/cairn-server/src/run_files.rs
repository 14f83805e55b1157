//! Run files over HTTP: the upload URLs `createRunFiles` hands out, and the
//! download URLs of `Run.files`.
//!
//! | route                                      | who may call                         |
//! |--------------------------------------------|--------------------------------------|
//! | `PUT /files/{entity}/{project}/{run}/{*name}` | holder of a signed URL, or a writer |
//! | `GET /files/{entity}/{project}/{run}/{*name}` | holder of a signed URL, or a reader |
//!
//! Bodies stream to the blob store (never whole in memory) under
//! `cairn_core::blob::run_file_key`; the file record is written only after
//! the bytes are durable. Downloads stream back from the blob store.
//!
//! A run file may be at most `--max-run-file-size` bytes (default 10 GiB;
//! checkpoints saved with `run.save` are run files). An upload whose
//! `Content-Length` says more is refused before its body is read; one
//! without a length is refused as soon as it passes the limit. Either way
//! the answer is 413 and nothing is stored: the partial bytes are thrown
//! away and an earlier version of the file stays as it was. The router's
//! request-body limit does not apply here (it covers bodies read whole).

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::authz::Readable;
use cairn_core::blob::{BlobError, run_file_key};
use cairn_core::run::{Run, RunFile};
use cairn_core::{CoreError, names};
use futures_util::StreamExt;
use time::OffsetDateTime;

use crate::auth;
use crate::body;
use crate::error::http_error;
use crate::signing::Signature;
use crate::state::AppState;

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
pub(crate) async fn open_file(
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
    let bytes = match state.blobs.get(&run_file_key(run.id, name)).await {
        Ok(bytes) => bytes,
        Err(BlobError::NotFound(_) | BlobError::InvalidKey(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    let mut response = body::from_stream(bytes).into_response();
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

/// The error a size-limited stream fails with once past the limit.
#[derive(Debug)]
struct OverLimit;

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("over the size limit")
    }
}

impl std::error::Error for OverLimit {}

async fn store_body(
    state: &AppState,
    run: &Run,
    limit: SizeLimit<'_>,
    body: Body,
) -> Result<RunFile, UploadError> {
    let name = limit.name;
    let (bytes, _) = body::into_stream(body);
    let max = limit.max;
    let mut received = 0u64;
    let bytes = bytes
        .map(move |chunk| {
            let chunk = chunk?;
            received += chunk.len() as u64;
            if max != 0 && received > max {
                return Err(std::io::Error::other(OverLimit));
            }
            Ok(chunk)
        })
        .boxed();
    let written = match state
        .blobs
        .put(&run_file_key(run.id, name), bytes, None)
        .await
    {
        Ok(written) => written,
        Err(BlobError::Interrupted(e)) => {
            if e.get_ref().is_some_and(|e| e.is::<OverLimit>()) {
                limit.check(max.saturating_add(1), true)?;
            }
            return Err(CoreError::InvalidInput(format!(
                "The upload of {name:?} was cut off: {e}"
            ))
            .into());
        }
        Err(e) => return Err(CoreError::from(e).into()),
    };
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
