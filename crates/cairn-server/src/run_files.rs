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

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::run::{Run, RunFile};
use cairn_core::{CoreError, names};
use futures_util::StreamExt;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use time::OffsetDateTime;

use crate::auth;
use crate::error::http_error;
use crate::router::AppState;
use crate::signing::Signature;

/// Characters escaped in a path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The path of a run file's URL, each segment percent-encoded.
pub fn file_path(run: &Run, name: &str) -> String {
    let segments: Vec<String> = [&run.entity_name, &run.project_name, &run.name]
        .into_iter()
        .map(String::as_str)
        .chain(name.split('/'))
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect();
    format!("/files/{}", segments.join("/"))
}

/// The blob key of a run file.
pub fn blob_key(run_id: i64, name: &str) -> String {
    format!("runs/{run_id}/{name}")
}

type RunFilePath = Path<(String, String, String, String)>;

/// `PUT`: store the body as the run file.
pub async fn upload(
    State(state): State<AppState>,
    Path((entity, project, run_name, name)): RunFilePath,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let run = match resolve(
        &state,
        &parts.headers,
        &Method::PUT,
        parts.uri.path(),
        &signature,
        (&entity, &project, &run_name),
    )
    .await
    {
        Ok(run) => run,
        Err(e) => return http_error(e),
    };
    if let Err(e) = names::validate_file_path(&name) {
        return http_error(e);
    }
    match store_body(&state, &run, &name, body).await {
        Ok(file) => (
            StatusCode::OK,
            axum::Json(
                serde_json::json!({ "name": file.name, "md5": file.md5, "size": file.size_bytes }),
            ),
        )
            .into_response(),
        Err(e) => http_error(e),
    }
}

/// `GET`: the run file's bytes.
pub async fn download(
    State(state): State<AppState>,
    Path((entity, project, run_name, name)): RunFilePath,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let run = match resolve(
        &state,
        request.headers(),
        &Method::GET,
        request.uri().path(),
        &signature,
        (&entity, &project, &run_name),
    )
    .await
    {
        Ok(run) => run,
        Err(e) => return http_error(e),
    };
    if let Err(e) = names::validate_file_path(&name) {
        return http_error(e);
    }
    let missing = || CoreError::NotFound(format!("Run {run_name} has no file {name:?}."));
    let files = match state
        .cairn
        .run_files(&run, std::slice::from_ref(&name), None, None, 1)
        .await
    {
        Ok(files) => files,
        Err(e) => return http_error(e),
    };
    let Some(record) = files.into_iter().next() else {
        return http_error(missing());
    };
    let path = match state.blobs.path(&blob_key(run.id, &name)) {
        Ok(p) => p,
        Err(_) => return http_error(missing()),
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return http_error(missing()),
    };
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
    response
}

/// The run a request may touch: by signature, or else by credentials.
async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    signature: &Signature,
    (entity, project, run): (&str, &str, &str),
) -> Result<Run, CoreError> {
    if state.signer.verify(method.as_str(), path, signature) {
        return state
            .cairn
            .run_for_signed_url(entity, project, run)
            .await?
            .ok_or_else(|| {
                CoreError::NotFound(format!("No run {entity}/{project}/{run} exists."))
            });
    }
    if signature.sig.is_some() && !headers.contains_key(header::AUTHORIZATION) {
        return Err(CoreError::PermissionDenied(
            "The URL's signature is invalid or has expired; ask for a new URL.".into(),
        ));
    }
    let actor = auth::authenticate(&state.cairn, headers).await?;
    if *method == Method::GET {
        state.cairn.readable_run(&actor, entity, project, run).await
    } else {
        state
            .cairn
            .writable_run_by_name(&actor, entity, project, run)
            .await
    }
}

async fn store_body(
    state: &AppState,
    run: &Run,
    name: &str,
    body: Body,
) -> Result<RunFile, CoreError> {
    let io = |e: std::io::Error| CoreError::Internal(format!("writing run file {name:?}: {e}"));
    let mut writer = state.blobs.writer().await.map_err(io)?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk: Bytes = match chunk {
            Ok(c) => c,
            Err(e) => {
                writer.abort().await;
                return Err(CoreError::InvalidInput(format!(
                    "The upload of {name:?} was cut off or too large: {e}"
                )));
            }
        };
        if let Err(e) = writer.write(&chunk).await {
            writer.abort().await;
            return Err(io(e));
        }
    }
    let written = writer
        .commit(&state.blobs, &blob_key(run.id, name))
        .await
        .map_err(io)?;
    let mimetype = mime_guess::from_path(name).first().map(|m| m.to_string());
    state
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
        .await
}
