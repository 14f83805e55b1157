//! `GET`/`HEAD /cairn/v1/history-files/{run id}/{seq}.parquet`: a run's
//! compacted history file, for the URLs `parquetHistory` hands out.
//!
//! wandb-core and its Parquet reader fetch these URLs with no credentials,
//! so each carries its own signature (`signing.rs`, signed for `GET`; a
//! `HEAD` is checked as the `GET` it precedes). The reader asks for the
//! size with `HEAD`, then reads the footer and columns with `Range`
//! requests, which `ranges.rs` answers.

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use cairn_core::CoreError;
use cairn_core::blob::BlobError;

use crate::error::http_error;
use crate::signing::Signature;
use crate::state::AppState;

/// Serve the file.
pub async fn download(
    State(state): State<AppState>,
    Path((run_id, file)): Path<(i64, String)>,
    Query(signature): Query<Signature>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    serve(
        &state,
        run_id,
        &file,
        &signature,
        &parts.uri,
        &parts.headers,
    )
    .await
    .unwrap_or_else(http_error)
}

async fn serve(
    state: &AppState,
    run_id: i64,
    file: &str,
    signature: &Signature,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, CoreError> {
    if !state.signer.verify("GET", uri.path(), signature) {
        return Err(CoreError::PermissionDenied(
            "This history file URL is not signed, or its signature expired: ask parquetHistory for a new one.".into(),
        ));
    }
    let seq: i64 = file
        .strip_suffix(".parquet")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| CoreError::NotFound(format!("No history file {file:?} exists.")))?;
    let segment = state.cairn.signed_history_segment(run_id, seq).await?;
    let size = state
        .blobs
        .head(&segment.blob_key)
        .await?
        .ok_or_else(|| BlobError::NotFound(segment.blob_key.clone()))?;
    let part = match crate::ranges::requested(headers, size) {
        Ok(part) => part,
        Err(unsatisfiable) => return Ok(unsatisfiable.into_response()),
    };
    let bytes = match part {
        None => state.blobs.get(&segment.blob_key).await?,
        Some((start, len)) => state.blobs.get_range(&segment.blob_key, start, len).await?,
    };
    Ok(crate::ranges::respond(part, size, bytes))
}
