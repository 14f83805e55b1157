//! The HTTP routes.
//!
//! | route                              | what                                   |
//! |------------------------------------|----------------------------------------|
//! | `POST /graphql`                    | the W&B GraphQL API (auth required; size bounds in `graphql/bounds.rs`) |
//! | `GET /healthz`, `GET /ready`       | 200 once serving                       |
//! | `POST /sdk/otel/v1/{metrics,logs}` | client telemetry: accepted, dropped    |
//! | `POST /files/{e}/{p}/{run}/file_stream` | run logging (see `file_stream.rs`) |
//! | `PUT`/`GET /files/{e}/{p}/{run}/{*name}` | run files (see `run_files.rs`)   |
//! | `GET /cairn/v1/runs/{e}/{p}/{run}/history` | history as JSON lines (`history_export.rs`) |
//! | `/cairn/v1/artifact-*`, `/artifacts…`  | artifact bytes (`artifact_files.rs`)   |

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cairn_core::CoreError;
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::auth;
use crate::auth_limit::limit_failed_authentications;
use crate::graphql::{BaseUrl, bounds};
use crate::state::AppState;
use crate::{
    artifact_files, file_stream, history_export, history_files, history_many, run_files, web,
};

/// Build the router.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route(
            "/graphql",
            post(graphql).layer(DefaultBodyLimit::max(bounds::MAX_BODY_BYTES)),
        )
        .route("/healthz", get(health))
        .route("/ready", get(health))
        .route("/sdk/otel/v1/metrics", post(telemetry))
        .route("/sdk/otel/v1/logs", post(telemetry))
        .route(
            "/files/{entity}/{project}/{run}/file_stream",
            post(file_stream::file_stream),
        )
        .route(
            "/cairn/v1/runs/{entity}/{project}/{run}/history",
            get(history_export::export),
        )
        .route(
            "/cairn/v1/projects/{entity}/{project}/history",
            post(history_many::export),
        )
        .route(
            "/cairn/v1/history-files/{run_id}/{file}",
            get(history_files::download),
        )
        // Run files stream to disk, under their own size limit.
        .route(
            "/files/{entity}/{project}/{run}/{*name}",
            put(run_files::upload).get(run_files::download),
        )
        // Artifact files stream to disk whatever their size.
        .route(
            "/cairn/v1/artifacts/{id}/files/{md5}",
            put(artifact_files::upload_blob).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/cairn/v1/artifact-blobs/{md5}/{*name}",
            get(artifact_files::download_blob),
        )
        .route(
            "/cairn/v1/artifacts/{id}/manifest/{md5}",
            put(artifact_files::upload_manifest),
        )
        .route(
            "/cairn/v1/artifact-uploads/{upload}/{part}",
            put(artifact_files::upload_part).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/artifacts/{entity}/{md5}",
            get(artifact_files::download_v1),
        )
        .route(
            "/artifactsV2/{region}/{entity}/{project}/{collection}/{*rest}",
            get(artifact_files::download_v2),
        )
        // The app URLs the clients print: pages for a browser, JSON for a
        // client with a key.
        .route(
            "/{entity}/{project}",
            get(web::project_route).layer(axum::middleware::from_fn(web::security_headers)),
        )
        .route(
            "/{entity}/{project}/reports/{slug}",
            get(web::report_route).layer(axum::middleware::from_fn(web::security_headers)),
        )
        .merge(web::routes())
        .fallback(web::not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        // Around every route, so none can skip it.
        .layer(axum::middleware::from_fn_with_state(
            state.auth_failures.clone(),
            limit_failed_authentications,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

async fn telemetry() -> StatusCode {
    StatusCode::OK
}

/// A GraphQL request body for the debug log, with the values of variables
/// that carry secrets (a password, an API key) replaced: the mutations
/// that take them (`setUserPassword`, `importApiKey`) are sent with
/// variables by Cairn's clients. A secret written inline in the document
/// is not recognised.
fn redact_secrets(body: &serde_json::Value) -> serde_json::Value {
    let mut body = body.clone();
    if let Some(variables) = body
        .get_mut("variables")
        .and_then(serde_json::Value::as_object_mut)
    {
        for (name, value) in variables.iter_mut() {
            let name = name.to_ascii_lowercase();
            if name.contains("password") || name.contains("apikey") {
                *value = serde_json::Value::String("<redacted>".into());
            }
        }
    }
    body
}

/// Execute one GraphQL request.
///
/// The body is read as plain JSON first so the official client's quirks can
/// be smoothed over before async-graphql sees it: `"operationName": ""`
/// means "not given". The query text is parsed once, by `bounds::parse`,
/// which refuses a document too big to work on before anything walks it;
/// async-graphql gets the parsed document.
async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let actor = match auth::authenticate(&state.cairn, &headers).await {
        Ok(actor) => actor,
        Err(CoreError::Unauthenticated(message)) => {
            return error_response(StatusCode::UNAUTHORIZED, &message);
        }
        Err(other) => {
            tracing::error!(error = %other, "authentication failed");
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "The server could not check credentials; try again.",
            );
        }
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "The GraphQL request body is too large: the limit is {} bytes ({} MiB).",
                    bounds::MAX_BODY_BYTES,
                    bounds::MAX_BODY_BYTES / (1024 * 1024)
                ),
            );
        }
        Err(rejection) => {
            return error_response(
                rejection.status(),
                &format!("The request body could not be read: {rejection}"),
            );
        }
    };
    let mut value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            tracing::debug!(target: "cairn::graphql", body = %String::from_utf8_lossy(&body), "request");
            return error_response(
                StatusCode::BAD_REQUEST,
                &format!("The request body is not valid JSON: {e}"),
            );
        }
    };
    if tracing::enabled!(target: "cairn::graphql", tracing::Level::DEBUG) {
        tracing::debug!(target: "cairn::graphql", body = %redact_secrets(&value), "request");
    }
    let mut document = None;
    if let Some(obj) = value.as_object_mut() {
        if obj
            .get("operationName")
            .is_some_and(|v| v == "" || v.is_null())
        {
            obj.remove("operationName");
        }
        if obj.get("variables").is_some_and(serde_json::Value::is_null) {
            obj.remove("variables");
        }
        if let Some(query) = obj.get("query").and_then(serde_json::Value::as_str) {
            match bounds::parse(query) {
                Ok(parsed) => document = Some(parsed),
                Err(error) => {
                    tracing::debug!(target: "cairn::graphql", error = %error.message, "refused");
                    return Json(async_graphql::Response::from_errors(vec![error])).into_response();
                }
            }
        }
        if let Some(document) = &document {
            fill_variable_defaults(obj, document);
        }
    }
    let mut request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &format!("The request is not a GraphQL request (need \"query\"): {e}"),
            );
        }
    };
    if let Some(document) = document {
        request.set_parsed_query(document);
    }
    let base_url = BaseUrl::from_headers(&headers);
    let response = state
        .schema
        .execute(
            request
                .data(actor)
                .data(base_url)
                .data(crate::graphql::HistoryReader::of(&headers)),
        )
        .await;
    if !response.errors.is_empty() {
        tracing::debug!(target: "cairn::graphql", errors = ?response.errors, "answered with errors");
    }
    // Storage that could not serve: a 503 the client retries, not a 200
    // it would take as the answer.
    let unavailable = response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from(crate::error::UNAVAILABLE_CODE))
    });
    if unavailable {
        return crate::error::unavailable_response(
            serde_json::to_value(&response).unwrap_or_default(),
        );
    }
    // The few errors the client tells apart only by status (a taken
    // automation name, a missing automation) name it.
    let status = response.errors.iter().find_map(|e| {
        let status = e.extensions.as_ref()?.get(crate::graphql::HTTP_STATUS)?;
        match status {
            async_graphql::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        }
    });
    if let Some(status) = status.and_then(|s| StatusCode::from_u16(s).ok()) {
        return (status, Json(response)).into_response();
    }
    Json(response).into_response()
}

/// Give every declared variable that the request leaves out its declared
/// default. async-graphql applies defaults to field arguments but not to
/// directives, and the official client relies on
/// `aliases @include(if: $includeAliases)` with `$includeAliases: Boolean = true`.
fn fill_variable_defaults(
    request: &mut serde_json::Map<String, serde_json::Value>,
    document: &async_graphql::parser::types::ExecutableDocument,
) {
    let mut defaults = Vec::new();
    for (_, operation) in document.operations.iter() {
        for variable in &operation.node.variable_definitions {
            if let Some(default) = &variable.node.default_value
                && let Ok(value) = default.node.clone().into_json()
            {
                defaults.push((variable.node.name.node.to_string(), value));
            }
        }
    }
    if defaults.is_empty() {
        return;
    }
    let variables = request
        .entry("variables")
        .or_insert_with(|| serde_json::json!({}));
    if let Some(variables) = variables.as_object_mut() {
        for (name, value) in defaults {
            variables.entry(name).or_insert(value);
        }
    }
}

fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message }] }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_log_leaves_out_passwords_and_keys() {
        let body = serde_json::json!({
            "query": "mutation($username: String!, $password: String) { setUserPassword(input: {username: $username, password: $password}) { success } }",
            "variables": {"username": "alice", "password": "hunter22hunter22", "apiKey": "local-abc"},
        });
        let shown = redact_secrets(&body).to_string();
        assert!(shown.contains("alice"), "{shown}");
        assert!(
            !shown.contains("hunter22") && !shown.contains("local-abc"),
            "{shown}"
        );
    }
}
