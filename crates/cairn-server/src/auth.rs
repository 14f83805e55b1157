//! Turning request credentials into an [`Actor`].
//!
//! The official client sends `Authorization: Basic base64("api:" + KEY)`;
//! identity-federated clients send `Bearer KEY`. Both are accepted. Anything
//! else — no header, a malformed one, an unknown or revoked key — is refused
//! before any resolver runs, and so is the key of a deactivated user, with
//! words that say so (the caller holds the key: nothing is revealed).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use cairn_core::{Actor, Cairn, CoreError};

/// Authenticate a request from its headers.
pub async fn authenticate(cairn: &Cairn, headers: &HeaderMap) -> Result<Actor, CoreError> {
    let key = api_key(headers).ok_or_else(|| {
        CoreError::Unauthenticated(
            "unauthorized: send an API key as HTTP Basic auth (user \"api\") or a Bearer token"
                .into(),
        )
    })?;
    cairn.authenticate(&key).await.map_err(|err| match err {
        CoreError::Unauthenticated(why) => {
            CoreError::Unauthenticated(format!("unauthorized: {why}"))
        }
        other => other,
    })
}

/// Extract the API key from an `Authorization` header.
fn api_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        // "api:KEY"; accept any user name, the key is what matters.
        let (_, key) = decoded.split_once(':')?;
        (!key.is_empty()).then(|| key.to_string())
    } else if scheme.eq_ignore_ascii_case("bearer") {
        (!rest.is_empty()).then(|| rest.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn reads_basic_and_bearer() {
        let basic = base64::engine::general_purpose::STANDARD.encode("api:k-123");
        assert_eq!(
            api_key(&headers(&format!("Basic {basic}"))).as_deref(),
            Some("k-123")
        );
        assert_eq!(api_key(&headers("Bearer k-123")).as_deref(), Some("k-123"));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(api_key(&HeaderMap::new()), None);
        assert_eq!(api_key(&headers("Basic !!!")), None);
        assert_eq!(api_key(&headers("Token x")), None);
        let empty = base64::engine::general_purpose::STANDARD.encode("api:");
        assert_eq!(api_key(&headers(&format!("Basic {empty}"))), None);
    }
}
