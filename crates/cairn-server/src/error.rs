//! How errors reach the wire.
//!
//! Policy:
//! - A request without valid credentials gets HTTP 401 with
//!   `{"errors":[{"message":"unauthorized: …"}]}`; the official client turns
//!   that into `AuthenticationError` without retrying. 401 means exactly
//!   that and nothing else: `auth_limit.rs` counts 401s as failed key
//!   checks, and answers them with 429 and `Retry-After` once an address
//!   has failed too often.
//! - Every other domain error becomes a GraphQL error in an HTTP 200 body,
//!   with the domain's full-sentence message and an `extensions.code`
//!   (`PERMISSION_DENIED`, `NOT_FOUND`, `INVALID_INPUT`, `CONFLICT`). The
//!   official client surfaces the message as `CommError`/`ValueError`.
//! - Internal failures are logged with their detail and answered with a
//!   generic message, so storage internals never leak. Bad input is never
//!   reported as internal.
//! - Storage that cannot serve right now (`CoreError::Unavailable`) is
//!   logged and answered with 503 and `Retry-After`, on GraphQL too (code
//!   `UNAVAILABLE`; see `router.rs`), so clients retry instead of giving up.

/// The message for storage that cannot serve right now.
const UNAVAILABLE: &str = "The server's storage is unavailable right now; try again shortly.";

/// Seconds a client is asked to wait before retrying a 503.
pub const RETRY_AFTER_SECS: u64 = 1;

use async_graphql::ErrorExtensions;
use cairn_core::CoreError;

/// `extensions.code` of a GraphQL error for storage that cannot serve now.
pub const UNAVAILABLE_CODE: &str = "UNAVAILABLE";

/// Convert a domain error into a GraphQL error.
pub fn to_graphql(err: CoreError) -> async_graphql::Error {
    let code = match &err {
        CoreError::Unauthenticated(_) => "UNAUTHENTICATED",
        CoreError::PermissionDenied(_) => "PERMISSION_DENIED",
        CoreError::NotFound(_) => "NOT_FOUND",
        CoreError::InvalidInput(_) => "INVALID_INPUT",
        CoreError::Conflict(_) => "CONFLICT",
        CoreError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            return async_graphql::Error::new("Internal server error; see the server log.")
                .extend_with(|_, e| e.set("code", "INTERNAL"));
        }
        CoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "storage unavailable");
            return async_graphql::Error::new(UNAVAILABLE)
                .extend_with(|_, e| e.set("code", UNAVAILABLE_CODE));
        }
    };
    async_graphql::Error::new(err.to_string()).extend_with(|_, e| e.set("code", code))
}

/// Convert a domain error into a plain HTTP answer, for the non-GraphQL
/// endpoints (file_stream, file uploads and downloads):
/// `{"error": message}` with a status the official client understands
/// (it retries 5xx and 429, and gives up at once on other 4xx).
pub fn http_error(err: CoreError) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let status = match &err {
        CoreError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        CoreError::PermissionDenied(_) => StatusCode::FORBIDDEN,
        CoreError::NotFound(_) => StatusCode::NOT_FOUND,
        CoreError::InvalidInput(_) => StatusCode::BAD_REQUEST,
        CoreError::Conflict(_) => StatusCode::CONFLICT,
        CoreError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(
                    serde_json::json!({ "error": "Internal server error; see the server log." }),
                ),
            )
                .into_response();
        }
        CoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "storage unavailable");
            return unavailable_response(serde_json::json!({ "error": UNAVAILABLE }));
        }
    };
    (
        status,
        axum::Json(serde_json::json!({ "error": err.to_string() })),
    )
        .into_response()
}

/// A 503 with `Retry-After` and `body`.
pub fn unavailable_response(body: serde_json::Value) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
        axum::Json(body),
    )
        .into_response()
}

/// Extension trait so resolvers can write `cairn.op(..).await.gql()?`.
pub trait GqlResultExt<T> {
    /// Map the domain error to a GraphQL error.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for Result<T, CoreError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn unavailable_storage_is_a_503_to_retry_and_hides_its_detail() {
        let response = http_error(CoreError::Unavailable("pool timed out".into()));
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "1");
        let gql = to_graphql(CoreError::Unavailable("pool timed out".into()));
        assert_eq!(gql.message, UNAVAILABLE);
        let code = gql.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code, Some(async_graphql::Value::from(UNAVAILABLE_CODE)));
    }
}
