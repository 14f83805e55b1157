//! Artifact bytes over HTTP.
//!
//! | route                                                   | proof            |
//! |---------------------------------------------------------|------------------|
//! | `PUT /cairn/v1/artifacts/{id}/files/{md5 hex}`          | signed URL       |
//! | `GET /cairn/v1/artifact-blobs/{md5 hex}/{*name}`        | signed URL       |
//! | `PUT /cairn/v1/artifacts/{id}/manifest/{md5 hex}`       | signed URL       |
//! | `PUT /cairn/v1/artifact-uploads/{upload id}/{part}`     | signed URL       |
//! | `GET /artifacts/{entity}/{md5 hex}`                     | API key (Basic)  |
//! | `GET /artifactsV2/{region}/{entity}/{project}/{collection}/…/{md5 hex}/{name}` | API key |
//!
//! `wandb-core` uploads and Python downloads without credentials, so the
//! GraphQL layer hands out URLs signed for one method and one path (see
//! `signing.rs`); download URLs live an hour. Uploads are checked against
//! the digest in their URL as they stream into the blob store
//! (`cairn_core::content`). Downloads stream from the blob store and honour
//! a single `Range`, which the client uses for files of 2 GiB and up. This
//! module only translates HTTP: it never touches a file.

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::CoreError;
use cairn_types::digest::{b64_of, hex_of};

use crate::auth;
use crate::body;
use crate::error::http_error;
use crate::signing::Signature;
use crate::state::AppState;
use crate::urls::blob_signed_path;

fn check_signature(
    state: &AppState,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    signature: &Signature,
) -> Result<(), CoreError> {
    if state.signer.verify(method.as_str(), uri.path(), signature) {
        Ok(())
    } else {
        Err(CoreError::PermissionDenied(
            "This URL's signature is missing, invalid or expired; ask the server for a new URL."
                .into(),
        ))
    }
}

fn digest_of(hex: &str) -> Result<String, CoreError> {
    b64_of(hex).ok_or_else(|| CoreError::InvalidInput(format!("{hex:?} is not an MD5 digest.")))
}

fn etag(hex: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// `PUT` a file's bytes for a pending artifact.
pub async fn upload_blob(
    State(state): State<AppState>,
    Path((artifact_id, hex)): Path<(i64, String)>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let stored = async {
        check_signature(&state, request.method(), request.uri(), &signature)?;
        let md5 = digest_of(&hex)?;
        let (bytes, len) = body::into_stream(request.into_body());
        state.content.put(&md5, bytes, len, Some(artifact_id)).await
    };
    match stored.await {
        Ok(size) => {
            let mut response = axum::Json(serde_json::json!({ "size": size })).into_response();
            response.headers_mut().insert(header::ETAG, etag(&hex));
            response
        }
        Err(e) => http_error(e),
    }
}

/// `PUT` an artifact's manifest.
pub async fn upload_manifest(
    State(state): State<AppState>,
    Path((artifact_id, hex)): Path<(i64, String)>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let stored = async {
        check_signature(&state, request.method(), request.uri(), &signature)?;
        let md5 = digest_of(&hex)?;
        let artifact = state
            .cairn
            .artifact_for_signed_url(artifact_id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("No artifact {artifact_id} exists.")))?;
        let (bytes, len) = body::into_stream(request.into_body());
        state.content.put(&md5, bytes, len, None).await?;
        cairn_core::manifest::receive(&state.cairn, &state.content, &artifact, &md5).await
    };
    match stored.await {
        Ok(()) => axum::Json(serde_json::json!({ "ok": true })).into_response(),
        Err(e) => http_error(e),
    }
}

/// `PUT` one part of a multipart upload; answers its MD5 as the `ETag`.
pub async fn upload_part(
    State(state): State<AppState>,
    Path((upload_id, part)): Path<(String, i64)>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let stored = async {
        check_signature(&state, request.method(), request.uri(), &signature)?;
        let (bytes, _) = body::into_stream(request.into_body());
        let md5 = state.content.put_part(&upload_id, part, bytes).await?;
        Ok(hex_of(&md5).unwrap_or_default())
    };
    match stored.await {
        Ok(hex) => {
            let mut response = StatusCode::OK.into_response();
            response.headers_mut().insert(header::ETAG, etag(&hex));
            response
        }
        Err(e) => http_error(e),
    }
}

/// `GET` a file's bytes through a signed URL.
pub async fn download_blob(
    State(state): State<AppState>,
    Path((hex, _name)): Path<(String, String)>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let opened = async {
        let signed = blob_signed_path(&hex);
        if !state.signer.verify("GET", &signed, &signature) {
            return Err(CoreError::PermissionDenied(
                "This URL's signature is missing, invalid or expired; ask the server for a new URL."
                    .into(),
            ));
        }
        serve(&state, &digest_of(&hex)?, &parts.headers).await
    };
    opened.await.unwrap_or_else(http_error)
}

/// `GET /artifacts/{entity}/{md5 hex}`: the layout-V1 fallback, with an API key.
pub async fn download_v1(
    State(state): State<AppState>,
    Path((entity, hex)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    fallback(&state, &headers, &entity, None, &hex)
        .await
        .unwrap_or_else(http_error)
}

/// `GET /artifactsV2/{region}/{entity}/{project}/{collection}/…/{md5 hex}/{name}`.
pub async fn download_v2(
    State(state): State<AppState>,
    Path((_region, entity, project, _collection, rest)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
    headers: HeaderMap,
) -> Response {
    let hex = rest
        .split('/')
        .find(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase);
    let Some(hex) = hex else {
        return http_error(CoreError::InvalidInput(
            "The path names no file digest (32 hex digits).".into(),
        ));
    };
    fallback(&state, &headers, &entity, Some(&project), &hex)
        .await
        .unwrap_or_else(http_error)
}

async fn fallback(
    state: &AppState,
    headers: &HeaderMap,
    entity: &str,
    project: Option<&str>,
    hex: &str,
) -> Result<Response, CoreError> {
    let actor = auth::authenticate(&state.cairn, headers).await?;
    let md5 = digest_of(hex)?;
    if !state
        .cairn
        .may_read_digest(&actor, entity, project, &md5)
        .await?
    {
        return Err(CoreError::NotFound(format!(
            "No artifact file with digest {hex} exists in {entity}."
        )));
    }
    serve(state, &md5, headers).await
}

/// The bytes of a stored digest, whole or the one `Range` asked for.
pub(crate) async fn serve(
    state: &AppState,
    md5: &str,
    headers: &HeaderMap,
) -> Result<Response, CoreError> {
    let missing = || CoreError::NotFound(format!("No file with digest {md5} is stored."));
    let found = state.content.find(md5).await?.ok_or_else(missing)?;
    let size = found.size();
    let part = match crate::ranges::requested(headers, size) {
        Ok(part) => part,
        Err(unsatisfiable) => return Ok(unsatisfiable.into_response()),
    };
    let bytes = state.content.open(&found, part).await?;
    let mut response = crate::ranges::respond(part, size, bytes);
    let h = response.headers_mut();
    if let Some(hex) = hex_of(md5) {
        h.insert(header::ETAG, etag(&hex));
    }
    Ok(response)
}
